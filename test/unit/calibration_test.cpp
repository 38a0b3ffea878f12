// Calibration maps: monotone, inside [0, 1], and right on simple cases.
#include <gtest/gtest.h>

#include "core/calibration.hpp"
#include "core/errors.hpp"
#include "core/hash.hpp"

using namespace leadscore;

TEST(Calibration, IsotonicPoolsViolators) {
  // Ten rows at each of four scores with rates 0.2, 0.6, 0.4, 0.8: the middle
  // two violate the order and pool to 0.5; blocks of 10 rows are kept.
  std::vector<double> x;
  std::vector<uint8_t> y;
  const double score[] = {0.1, 0.2, 0.3, 0.4};
  const int wins[] = {2, 6, 4, 8};
  for (int s = 0; s < 4; ++s)
    for (int k = 0; k < 10; ++k) {
      x.push_back(score[s]);
      y.push_back(k < wins[s]);
    }
  Calibrator c = Calibrator::fit_isotonic(x, y);
  EXPECT_EQ(c.method, Calibration::Isotonic);
  ASSERT_EQ(c.ys.size(), 3u);
  EXPECT_DOUBLE_EQ(c.ys[0], 0.2);
  EXPECT_DOUBLE_EQ(c.ys[1], 0.5);
  EXPECT_DOUBLE_EQ(c.ys[2], 0.8);
  EXPECT_DOUBLE_EQ(c.apply(0.0), 0.2);    // clamped below the first knot
  EXPECT_DOUBLE_EQ(c.apply(0.25), 0.5);   // the pooled block's centre
  EXPECT_DOUBLE_EQ(c.apply(0.325), 0.65); // halfway to the next knot
  EXPECT_NO_THROW(c.validate());
}

TEST(Calibration, TinyBlocksAreMergedSoExtremesStayModest) {
  // Four rows cannot support four separate probabilities of 0 and 1.
  Calibrator c = Calibrator::fit_isotonic({0.1, 0.2, 0.3, 0.4}, {0, 1, 0, 1});
  EXPECT_DOUBLE_EQ(c.apply(0.0), 0.5);
  EXPECT_DOUBLE_EQ(c.apply(1.0), 0.5);
}

TEST(Calibration, IsotonicIsMonotoneAndBounded) {
  Rng rng(1);
  std::vector<double> x;
  std::vector<uint8_t> y;
  for (int i = 0; i < 5000; ++i) {
    double s = rng.below(1000) / 1000.0;
    x.push_back(s);
    y.push_back(rng.below(1000) < s * 800 + 100);
  }
  Calibrator c = Calibrator::fit_isotonic(x, y);
  double prev = 0;
  for (int i = -10; i <= 110; ++i) {
    double p = c.apply(i / 100.0);
    EXPECT_GE(p, prev);
    EXPECT_GE(p, 0.0);
    EXPECT_LE(p, 1.0);
    prev = p;
  }
  // Roughly recovers the generating rate 0.1 + 0.8 s.
  EXPECT_NEAR(c.apply(0.5), 0.5, 0.06);
  EXPECT_NO_THROW(c.validate());
}

TEST(Calibration, PlattIsMonotoneAndBounded) {
  Rng rng(2);
  std::vector<double> x;
  std::vector<uint8_t> y;
  for (int i = 0; i < 400; ++i) {
    double s = rng.below(1000) / 1000.0;
    x.push_back(s);
    y.push_back(rng.below(1000) < s * 1000);
  }
  Calibrator c = Calibrator::fit_platt(x, y);
  EXPECT_EQ(c.method, Calibration::Platt);
  EXPECT_LT(c.a, 0);  // p = 1 / (1 + exp(a x + b)) rises with x
  double prev = 0;
  for (int i = 0; i <= 100; ++i) {
    double p = c.apply(i / 100.0);
    EXPECT_GE(p, prev);
    EXPECT_GT(p, 0.0);
    EXPECT_LT(p, 1.0);
    prev = p;
  }
}

TEST(Calibration, PlattSurvivesSeparableData) {
  std::vector<double> x = {0.1, 0.2, 0.8, 0.9};
  std::vector<uint8_t> y = {0, 0, 1, 1};
  Calibrator c = Calibrator::fit_platt(x, y);
  EXPECT_LT(c.apply(0.1), 0.5);
  EXPECT_GT(c.apply(0.9), 0.5);
}

TEST(Calibration, NonMonotoneMapIsCorrupt) {
  Calibrator c;
  c.method = Calibration::Isotonic;
  c.xs = {0.1, 0.2};
  c.ys = {0.5, 0.4};
  EXPECT_THROW(c.validate(), CorruptModel);
}
