// Address tokens: the linear parser gives the tokens of the earlier parser
// (kept below as the oracle), reads only the first kMaxAddressChars
// characters, and handles addresses built to make a parser slow.
#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "core/features.hpp"
#include "core/hash.hpp"
#include "core/model.hpp"
#include "synthetic.hpp"

using namespace leadscore;

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// The parser as it was before it became linear, unchanged: the oracle. Its
// ZIP loop looks for the first non-blank character again for every digit run,
// which made it quadratic.
std::string reference_address_token(const std::string& a) {
  const size_t n = a.size();
  std::string zip;
  for (size_t i = 0; i < n;) {
    if (!is_digit(a[i])) { ++i; continue; }
    size_t j = i;
    while (j < n && is_digit(a[j])) ++j;
    bool leading = a.find_first_not_of(" \t") == i;
    if (j - i == 5 && !leading) zip = a.substr(i, 5);
    i = j;
  }
  if (!zip.empty()) return "zip:" + zip;
  for (size_t i = 0; i + 6 < n + 1; ++i) {
    if (i + 6 <= n && is_alpha(a[i]) && is_digit(a[i + 1]) && is_alpha(a[i + 2])) {
      size_t k = i + 3;
      if (k < n && a[k] == ' ') ++k;
      if (k + 3 <= n && is_digit(a[k]) && is_alpha(a[k + 1]) && is_digit(a[k + 2]) &&
          (i == 0 || !is_alpha(a[i - 1]))) {
        std::string fsa = a.substr(i, 3);
        for (auto& c : fsa) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return "fsa:" + fsa;
      }
    }
  }
  size_t c1 = a.find(',');
  if (c1 == std::string::npos) return "";
  size_t c2 = a.find(',', c1 + 1);
  std::string city = a.substr(c1 + 1, c2 == std::string::npos ? std::string::npos : c2 - c1 - 1);
  std::string out;
  for (char c : city) {
    if (is_alpha(c)) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    else if ((c == ' ' || c == '-' || c == '.') && !out.empty() && out.back() != ' ') out.push_back(' ');
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out.empty() ? "" : "city:" + out;
}

// The oracle applied to the part of the address the parser reads.
std::string expected_token(const std::string& a) {
  return reference_address_token(a.substr(0, address_prefix_bytes(a)));
}

// A random address from pieces that make every rule fire and nearly fire:
// digit runs of four to six, postal-code shapes with and without the space,
// commas, blanks, hyphens, dots and bytes of multi-byte characters.
std::string random_address(Rng& rng, size_t max_pieces) {
  static const char* const pieces[] = {
      " ", "  ", "\t", ",", ", ", "-", ".", "12", "1234", "12345", "123456", "0", "9",
      "Main St", "Elm", "a", "Z", "L7R", "2G5", "L7R 2G5", "l7r2g5", "K1A 0B1", "x", "Ab1",
      "Springfield", "South  Burlington", "ON", "VT", "\xc3\xa9", "\xe2\x82\xac", "\x80", "St.", "IL 62701"};
  const size_t n_pieces = sizeof pieces / sizeof pieces[0];
  std::string a;
  const size_t k = rng.below(static_cast<uint32_t>(max_pieces + 1));
  for (size_t i = 0; i < k; ++i) a += pieces[rng.below(static_cast<uint32_t>(n_pieces))];
  return a;
}

// Random bytes from a small alphabet, for shapes no piece list foresees.
std::string random_bytes(Rng& rng, size_t max_len) {
  static const char alphabet[] = "0123456789  \t,,.-aZkL";
  std::string a(rng.below(static_cast<uint32_t>(max_len + 1)), ' ');
  for (auto& c : a) c = alphabet[rng.below(sizeof alphabet - 1)];
  return a;
}

// The address of the issue report: 80,000 blanks, then 40,000 one-digit runs.
std::string hostile_address() {
  std::string a(80000, ' ');
  for (int i = 0; i < 40000; ++i) a += "1 ";
  return a;
}

}  // namespace

TEST(Address, HandMadeAddressesGiveTheirTokens) {
  const std::pair<const char*, const char*> cases[] = {
      {"1 Elm St, Burlington, VT 05401", "zip:05401"},
      {"12345 Main Street", ""},                       // a leading street number is not a ZIP
      {"  \t12345 Main Street, Springfield", "city:springfield"},
      {"12345 Main St, Springfield, IL 62701", "zip:62701"},
      {"PO Box 12345, 62701", "zip:62701"},           // the last five-digit run wins
      {"123456 Main St", ""},                          // six digits are not a ZIP
      {"400 Brant St, Burlington ON L7R 2G5", "fsa:L7R"},
      {"400 Brant St, Burlington ON l7r2g5", "fsa:L7R"},
      {"xL7R 2G5", ""},                                // continues a word
      {"9 Oak Ave, South  Burlington, VT", "city:south burlington"},
      {"9 Oak Ave, St. Louis-Park , MN", "city:st louis park"},
      {"9 Oak Ave,, MN", ""},
      {"nowhere in particular", ""},
      {"", ""},
  };
  for (const auto& [address, token] : cases) {
    EXPECT_EQ(address_token(address), token) << address;
    EXPECT_EQ(reference_address_token(address), token) << address;
  }
}

TEST(Address, SameTokensAsTheEarlierParserOnRandomAddresses) {
  Rng rng(2024);
  int tokens = 0;
  for (int i = 0; i < 200000; ++i) {
    const std::string a = i % 2 ? random_address(rng, 12) : random_bytes(rng, 40);
    const std::string t = address_token(a);
    ASSERT_EQ(t, reference_address_token(a)) << "address \"" << a << "\"";
    tokens += !t.empty();
  }
  EXPECT_GT(tokens, 50000);  // the generator reaches the rules, not only the empty token
}

TEST(Address, OnlyTheFirstKMaxAddressCharsCharactersAreRead) {
  // ASCII: exactly kMaxAddressChars bytes.
  EXPECT_EQ(address_prefix_bytes(std::string(5000, 'a')), kMaxAddressChars);
  EXPECT_EQ(address_prefix_bytes(std::string(kMaxAddressChars, 'a')), kMaxAddressChars);
  EXPECT_EQ(address_prefix_bytes("short"), 5u);
  // Two-byte characters count once each; a cut never splits one.
  std::string accents;
  for (size_t i = 0; i < 2 * kMaxAddressChars; ++i) accents += "\xc3\xa9";
  EXPECT_EQ(address_prefix_bytes(accents), 2 * kMaxAddressChars);
  // Continuation bytes alone (not UTF-8) still stop at four bytes a character.
  EXPECT_EQ(address_prefix_bytes(std::string(10 * kMaxAddressChars, '\x80')), 4 * kMaxAddressChars);

  // A ZIP inside the part read counts; one after it does not.
  const std::string real = "1 Elm St, Burlington, VT 05401";
  const std::string pad(kMaxAddressChars - real.size() - 6, ' ');
  EXPECT_EQ(address_token(real + pad + " 99999"), "zip:99999");  // ends at the last character read
  EXPECT_EQ(address_token(real + pad + "  99999"), "zip:05401");  // one character past it
  EXPECT_EQ(address_token(std::string(kMaxAddressChars, ' ') + "1 Elm St, Burlington, VT 05401"), "");

  // Longer random addresses: the earlier parser on the part read.
  Rng rng(7);
  for (int i = 0; i < 300; ++i) {
    const std::string a = random_address(rng, 600);
    ASSERT_EQ(address_token(a), expected_token(a)) << a.size() << " bytes";
  }
}

TEST(Address, HostileAddressIsReadOnlyUpToTheLimit) {
  const std::string a = hostile_address();
  ASSERT_EQ(a.size(), 160000u);
  EXPECT_EQ(address_token(a), "");
  EXPECT_EQ(address_token(a), expected_token(a));
  // The same shape inside the limit, with a ZIP at its end, is parsed in full.
  std::string b(300, ' ');
  for (int i = 0; i < 300; ++i) b += "1 ";
  EXPECT_EQ(address_token(b + "62701"), "zip:62701");
  EXPECT_EQ(reference_address_token(b + "62701"), "zip:62701");
}

TEST(Address, AnOverLongStoredAddressStillScores) {
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(600, 4, &leads, &y);
  TrainParams p;
  p.n_trees = 5;
  Model m = train(leads, y, p, 1.7e9);
  Lead l = leads[0];
  const Score short_address = m.score(l, 1.7e9);
  l.address += std::string(kMaxAddressChars, ' ') + hostile_address();
  const Score long_address = m.score(l, 1.7e9);
  EXPECT_EQ(long_address.win_prob, short_address.win_prob);
  EXPECT_EQ(long_address.confidence_value, short_address.confidence_value);
}
