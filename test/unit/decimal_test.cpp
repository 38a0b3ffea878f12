// base10000_to_double: exact where it answers, and it answers the common cases.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "core/decimal.hpp"
#include "core/hash.hpp"

using namespace leadscore;

namespace {

// The decimal text of the digits, as PostgreSQL's numeric_out would print it.
std::string text_of(const std::vector<int16_t>& d, int weight, bool negative) {
  std::string s = negative ? "-" : "";
  std::string intpart, frac;
  const int n = static_cast<int>(d.size());
  for (int w = std::max(weight, 0); w >= 0; --w) {
    const int i = weight - w;
    const int v = (i >= 0 && i < n) ? d[i] : 0;
    char buf[8];
    std::snprintf(buf, sizeof buf, intpart.empty() ? "%d" : "%04d", v);
    intpart += buf;
  }
  for (int i = std::max(weight + 1, 0); i < n; ++i) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04d", d[i]);
    frac += buf;
  }
  for (int i = 0; i < -weight - 1; ++i) frac = "0000" + frac;
  return s + intpart + (frac.empty() ? "" : "." + frac);
}

}  // namespace

TEST(Decimal, MatchesStrtodBitForBitWheneverItAnswers) {
  Rng rng(11);
  int answered = 0;
  for (int k = 0; k < 200000; ++k) {
    const int n = static_cast<int>(rng.below(6));
    std::vector<int16_t> d(n);
    for (auto& x : d) x = static_cast<int16_t>(rng.below(10000));
    const int weight = static_cast<int>(rng.below(12)) - 6;
    const bool negative = rng.below(2);
    double fast = 0;
    if (!base10000_to_double(d.data(), n, weight, negative, &fast)) continue;
    ++answered;
    const std::string text = text_of(d, weight, negative);
    const double slow = std::strtod(text.c_str(), nullptr);
    ASSERT_EQ(fast, slow) << text;
  }
  EXPECT_GT(answered, 50000);  // the fast path covers most short numbers
}

TEST(Decimal, AnswersTypicalLeadValues) {
  double v = 0;
  const int16_t year[] = {1952};  // 1952: one digit, weight 0
  ASSERT_TRUE(base10000_to_double(year, 1, 0, false, &v));
  EXPECT_EQ(v, 1952.0);
  const int16_t permit[] = {12, 3456, 7800};  // 123456.78
  ASSERT_TRUE(base10000_to_double(permit, 3, 1, false, &v));
  EXPECT_EQ(v, 123456.78);
  const int16_t tenth[] = {1000};  // 0.1: weight -1
  ASSERT_TRUE(base10000_to_double(tenth, 1, -1, true, &v));
  EXPECT_EQ(v, -0.1);
  ASSERT_TRUE(base10000_to_double(nullptr, 0, 0, false, &v));  // zero has no digits
  EXPECT_EQ(v, 0.0);
}

TEST(Decimal, DeclinesWhatItCannotConvertExactly) {
  double v = 0;
  const int16_t many[] = {1, 2, 3, 4, 5};  // five base-10000 digits
  EXPECT_FALSE(base10000_to_double(many, 5, 4, false, &v));
  const int16_t big[] = {1};  // 10^40
  EXPECT_FALSE(base10000_to_double(big, 1, 10, false, &v));
  const int16_t tiny[] = {1};  // 10^-40
  EXPECT_FALSE(base10000_to_double(tiny, 1, -10, false, &v));
  const int16_t bad[] = {10000};  // not a base-10000 digit
  EXPECT_FALSE(base10000_to_double(bad, 1, 0, false, &v));
}
