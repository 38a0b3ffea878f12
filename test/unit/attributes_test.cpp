// The attribute map: key order, first value wins, and bulk loading of keys in
// jsonb's order (shortest first) without a shift per key.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>

#include "core/hash.hpp"
#include "core/lead.hpp"

using namespace leadscore;

namespace {

// Keys as a jsonb object stores them: by length, then by bytes.
std::vector<std::string> jsonb_order(std::vector<std::string> keys) {
  std::sort(keys.begin(), keys.end(),
            [](const std::string& a, const std::string& b) { return a.size() != b.size() ? a.size() < b.size() : a < b; });
  return keys;
}

}  // namespace

TEST(Attributes, AppendThenNormalizeMatchesEmplace) {
  Rng rng(5);
  for (int round = 0; round < 200; ++round) {
    Attributes by_emplace, by_append;
    std::map<std::string, double> reference;
    const int n = static_cast<int>(rng.below(40));
    for (int i = 0; i < n; ++i) {
      std::string key(1 + rng.below(3), 'a');
      for (auto& c : key) c = static_cast<char>('a' + rng.below(4));
      const double v = i;
      by_emplace.emplace(key, v);
      by_append.append(key, v);
      reference.emplace(key, v);  // the first value of a key stays
    }
    by_append.normalize();
    ASSERT_EQ(by_append.size(), reference.size());
    auto it = by_append.begin();
    for (const auto& [k, v] : reference) {
      EXPECT_EQ(it->first, k);
      EXPECT_EQ(std::get<double>(it->second), v);
      EXPECT_EQ(std::get<double>(by_emplace.find(k)->second), v);
      EXPECT_EQ(std::get<double>(by_append.find(k)->second), v);
      ++it;
    }
  }
}

TEST(Attributes, ManyKeysInJsonbOrderLoadSorted) {
  // 200,000 keys arriving shortest first: "k0".."k9", "k10".."k99", ...
  // emplace() in this order would shift the vector for most of them.
  std::vector<std::string> keys;
  for (int i = 0; i < 200000; ++i) keys.push_back("k" + std::to_string(i));
  Attributes a;
  for (const std::string& k : jsonb_order(keys)) a.append(k, 1.0);
  a.normalize();
  ASSERT_EQ(a.size(), keys.size());
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end(), [](const auto& x, const auto& y) { return x.first < y.first; }));
  EXPECT_NE(a.find("k199999"), a.end());
  EXPECT_NE(a.find("k5"), a.end());
  EXPECT_EQ(a.find("k200000"), a.end());
}
