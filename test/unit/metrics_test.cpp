// Metrics against values computed by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "core/metrics.hpp"

using namespace leadscore;

TEST(Metrics, AucCountsTiesHalf) {
  // Positives at 0.8 and 0.5; negatives at 0.5 and 0.2. Pairs: (0.8>0.5) 1,
  // (0.8>0.2) 1, (0.5=0.5) 0.5, (0.5>0.2) 1 => 3.5 / 4.
  EXPECT_DOUBLE_EQ(roc_auc({0.8, 0.5, 0.5, 0.2}, {1, 1, 0, 0}), 0.875);
  EXPECT_DOUBLE_EQ(roc_auc({0.3, 0.3, 0.3}, {1, 0, 1}), 0.5);
  EXPECT_TRUE(std::isnan(roc_auc({0.1, 0.2}, {1, 1})));
}

TEST(Metrics, EceUsesTenEqualBins) {
  // Bin [0.1,0.2): p 0.15, 0.15, y 0, 1 => |0.5 - 0.15| = 0.35 on 2 of 4 rows.
  // Bin [0.9,1]: p 1.0, 0.95, y 1, 1 => |1 - 0.975| = 0.025 on 2 of 4 rows.
  double e = expected_calibration_error({0.15, 0.15, 1.0, 0.95}, {0, 1, 1, 1});
  EXPECT_NEAR(e, 0.5 * 0.35 + 0.5 * 0.025, 1e-12);
}

TEST(Metrics, BrierLogLossAccuracy) {
  Metrics m = compute_metrics({0.9, 0.2, 0.6, 0.4}, {1, 0, 0, 1});
  EXPECT_NEAR(m.brier, (0.01 + 0.04 + 0.36 + 0.36) / 4, 1e-12);
  EXPECT_NEAR(m.log_loss, -(std::log(0.9) + std::log(0.8) + std::log(0.4) + std::log(0.4)) / 4, 1e-12);
  EXPECT_DOUBLE_EQ(m.accuracy, 0.5);
  EXPECT_DOUBLE_EQ(m.positive_rate, 0.5);
  EXPECT_EQ(m.rows_holdout, 4u);
  ASSERT_EQ(m.calibration.size(), 10u);
  EXPECT_EQ(m.calibration[9].count, 1u);
  EXPECT_TRUE(std::isnan(m.calibration[0].mean_predicted));
}

TEST(Metrics, LogLossClipsCertainMistakes) {
  Metrics m = compute_metrics({0.0, 1.0}, {1, 0});
  EXPECT_NEAR(m.log_loss, -std::log(1e-15), 1e-3);
}

TEST(Metrics, RocCurveIsBoundedAndEndsAtCorners) {
  std::vector<double> p;
  std::vector<uint8_t> y;
  for (int i = 0; i < 5000; ++i) {
    p.push_back(i / 5000.0);
    y.push_back(i % 3 == 0);
  }
  Metrics m = compute_metrics(p, y);
  ASSERT_LE(m.roc.size(), kMaxRocPoints);
  EXPECT_EQ(m.roc.front().fpr, 0.0);
  EXPECT_EQ(m.roc.front().tpr, 0.0);
  EXPECT_EQ(m.roc.back().fpr, 1.0);
  EXPECT_EQ(m.roc.back().tpr, 1.0);
  for (size_t i = 1; i < m.roc.size(); ++i) EXPECT_GE(m.roc[i].fpr, m.roc[i - 1].fpr);
}

TEST(Metrics, EmptyInputGivesNullsInJson) {
  Metrics m = compute_metrics({}, {});
  EXPECT_NE(m.to_json().find("\"auc\":null"), std::string::npos);
}
