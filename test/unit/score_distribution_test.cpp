// Percentiles against a model's held-out win probabilities.
#include <gtest/gtest.h>

#include <cmath>

#include "core/errors.hpp"
#include "core/score_distribution.hpp"

using namespace leadscore;

TEST(ScoreDistribution, PercentileIsTheShareStrictlyBelow) {
  // Hand-computed: of 0.1, 0.2, 0.2, 0.4, three lie below 0.25, one below 0.2.
  ScoreDistribution d = ScoreDistribution::from_probabilities({0.4, 0.2, 0.1, 0.2});
  EXPECT_DOUBLE_EQ(d.percentile(0.25), 75.0);
  EXPECT_DOUBLE_EQ(d.percentile(0.2), 25.0);
  EXPECT_DOUBLE_EQ(d.percentile(0.05), 0.0);
  EXPECT_DOUBLE_EQ(d.percentile(0.9), 100.0);
  EXPECT_DOUBLE_EQ(d.percentile(0.4), 75.0);
}

TEST(ScoreDistribution, EmptyGivesNoPercentile) {
  EXPECT_TRUE(std::isnan(ScoreDistribution().percentile(0.5)));
  EXPECT_TRUE(std::isnan(ScoreDistribution::from_probabilities({NAN}).percentile(0.5)));
}

TEST(ScoreDistribution, ManyLeadsAreThinnedToEqualShares) {
  // 0.0000, 0.0001, ..., 0.9999: the percentile of p is 100 p exactly; thinned
  // to 1,000 values it may move by at most 0.1 point.
  std::vector<double> p;
  for (int i = 0; i < 10000; ++i) p.push_back(i / 10000.0);
  ScoreDistribution d = ScoreDistribution::from_probabilities(p);
  EXPECT_EQ(d.quantiles().size(), ScoreDistribution::kMaxQuantiles);
  for (double x : {0.0, 0.05, 0.123, 0.5, 0.77, 0.9999, 1.0})
    EXPECT_NEAR(d.percentile(x), 100 * x, 0.1) << x;
}

TEST(ScoreDistribution, StoredQuantilesAreChecked) {
  EXPECT_THROW(ScoreDistribution::from_quantiles({0.2, 0.1}), InvalidInput);
  EXPECT_THROW(ScoreDistribution::from_quantiles({-0.1}), InvalidInput);
  EXPECT_THROW(ScoreDistribution::from_quantiles({NAN}), InvalidInput);
  EXPECT_THROW(ScoreDistribution::from_quantiles(std::vector<double>(1001, 0.5)), InvalidInput);
  EXPECT_THROW(ScoreDistribution::from_probabilities({1.5}), InvalidInput);
  EXPECT_NO_THROW(ScoreDistribution::from_quantiles({0.1, 0.1, 0.3}));
}
