// The canonical order, sorted in pieces: the same order as one std::sort by
// (seeded id hash, id), repeated ids refused, and a stop honoured mid-sort.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "core/canonical_order.hpp"
#include "core/errors.hpp"
#include "core/hash.hpp"
#include "core/sort_in_pieces.hpp"

using namespace leadscore;

TEST(CanonicalOrder, SameAsOneSortAcrossManyRuns) {
  std::mt19937_64 rng(7);
  for (size_t n : {size_t{0}, size_t{1}, size_t{1000}, size_t{65536}, size_t{65537}, size_t{300001}}) {
    std::vector<int64_t> ids(n);
    for (size_t i = 0; i < n; ++i) ids[i] = static_cast<int64_t>(i) * 3 + 1;
    std::shuffle(ids.begin(), ids.end(), rng);
    std::vector<uint32_t> expected(n);
    std::iota(expected.begin(), expected.end(), 0u);
    std::sort(expected.begin(), expected.end(), [&](uint32_t a, uint32_t b) {
      const uint64_t ha = id_hash(ids[a], 42), hb = id_hash(ids[b], 42);
      return ha != hb ? ha < hb : ids[a] < ids[b];
    });
    EXPECT_EQ(canonical_order(ids, 42), expected) << n;
  }
}

TEST(CanonicalOrder, RefusesARepeatedId) {
  std::vector<int64_t> ids(100000);
  std::iota(ids.begin(), ids.end(), 1);
  ids[70000] = 5;
  try {
    canonical_order(ids, 42);
    FAIL() << "a repeated id was accepted";
  } catch (const InvalidInput& e) {
    EXPECT_STREQ(e.what(), "duplicate lead id 5");
  }
}

TEST(CanonicalOrder, StopsBetweenPieces) {
  std::vector<int64_t> ids(500000);
  std::iota(ids.begin(), ids.end(), 1);
  int polls = 0;
  EXPECT_THROW(canonical_order(ids, 42, [&] { return ++polls > 5; }), Cancelled);
  EXPECT_EQ(polls, 6);  // it stopped at the first poll that said so
}

TEST(SortInPieces, EqualsStdSortForATotalOrder) {
  std::mt19937_64 rng(3);
  std::vector<std::pair<double, size_t>> v(200000);
  for (size_t i = 0; i < v.size(); ++i) v[i] = {std::uniform_real_distribution<double>(0, 1)(rng), i};
  auto expected = v;
  std::sort(expected.begin(), expected.end());
  sort_in_pieces(v, std::less<std::pair<double, size_t>>(), ShouldStop());
  EXPECT_EQ(v, expected);
}
