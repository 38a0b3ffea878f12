// The 0-100 scale: percentages round to the nearest whole; grades by
// percentile bands (and the absolute 70/50/30 for models without a percentile).
#include <gtest/gtest.h>

#include <string>

#include "core/errors.hpp"
#include "core/score_scale.hpp"

using namespace leadscore;

TEST(ScoreScale, PercentRoundsToNearestWithHalvesUp) {
  EXPECT_EQ(percent_score(0.0), 0);
  EXPECT_EQ(percent_score(1.0), 100);
  EXPECT_EQ(percent_score(0.125), 13);  // 12.5 exactly: away from zero
  EXPECT_EQ(percent_score(0.124), 12);
  EXPECT_EQ(percent_score(0.375), 38);
  EXPECT_EQ(percent_score(0.004), 0);
  EXPECT_EQ(percent_score(0.996), 100);
}

TEST(ScoreScale, GradesChangeAtTheirThresholds) {
  EXPECT_STREQ(grade_of(100), "A");
  EXPECT_STREQ(grade_of(70), "A");
  EXPECT_STREQ(grade_of(69), "B");
  EXPECT_STREQ(grade_of(50), "B");
  EXPECT_STREQ(grade_of(49), "C");
  EXPECT_STREQ(grade_of(30), "C");
  EXPECT_STREQ(grade_of(29), "D");
  EXPECT_STREQ(grade_of(0), "D");
}

TEST(ScoreScale, GradeLabelsAreStableLiterals) {
  // The glue caches a text datum per label address (scoring_state.hpp), so
  // one grade must always come back as the same pointer.
  EXPECT_EQ(grade_of(90), grade_of(75));
  EXPECT_EQ(grade_of(10), grade_of(0));
}

TEST(GradeBands, DefaultsAreTopTenThenTwentyThirtyAndTheRest) {
  GradeBands g = GradeBands::defaults();
  EXPECT_STREQ(g.grade_of(100), "A");
  EXPECT_STREQ(g.grade_of(90), "A");
  EXPECT_STREQ(g.grade_of(89.99), "B");
  EXPECT_STREQ(g.grade_of(70), "B");
  EXPECT_STREQ(g.grade_of(69.9), "C");
  EXPECT_STREQ(g.grade_of(40), "C");
  EXPECT_STREQ(g.grade_of(39.9), "D");
  EXPECT_STREQ(g.grade_of(0), "D");
  EXPECT_STREQ(g.grade_of(-5), "D");
  EXPECT_STREQ(g.grade_of(150), "A");
  EXPECT_EQ(g.grade_of(95), g.grade_of(99));  // stable pointers for the label cache
}

TEST(GradeBands, OperatorBandsInAnyOrder) {
  GradeBands g = GradeBands::from({{"low", 0, 50}, {"top", 75, 100}, {"mid", 50, 75}});
  EXPECT_STREQ(g.grade_of(80), "top");
  EXPECT_STREQ(g.grade_of(50), "mid");
  EXPECT_STREQ(g.grade_of(49), "low");
  ASSERT_EQ(g.bands().size(), 3u);
  EXPECT_EQ(g.bands().front().grade, "top");
}

TEST(GradeBands, OverlapGapAndRangeAreRefused) {
  EXPECT_THROW(GradeBands::from({{"A", 50, 100}, {"B", 0, 60}}), InvalidInput);   // overlap
  EXPECT_THROW(GradeBands::from({{"A", 60, 100}, {"B", 0, 50}}), InvalidInput);   // gap
  EXPECT_THROW(GradeBands::from({{"A", 50, 101}, {"B", 0, 50}}), InvalidInput);   // above 100
  EXPECT_THROW(GradeBands::from({{"A", 50, 100}, {"B", -1, 50}}), InvalidInput);  // below 0
  EXPECT_THROW(GradeBands::from({{"A", 50, 90}, {"B", 0, 50}}), InvalidInput);    // 100 not reached
  EXPECT_THROW(GradeBands::from({{"A", 50, 100}, {"B", 10, 50}}), InvalidInput);  // 0 not reached
  EXPECT_THROW(GradeBands::from({{"A", 50, 50}, {"B", 0, 50}}), InvalidInput);    // empty band
  EXPECT_THROW(GradeBands::from({{"A", 50, 100}, {"A", 0, 50}}), InvalidInput);   // repeated
  EXPECT_THROW(GradeBands::from({}), InvalidInput);
  EXPECT_NO_THROW(GradeBands::from({{"all", 0, 100}}));
}

TEST(RulesPercentile, RisesWithTheScoreWithinZeroToHundred) {
  double last = -1;
  for (int s = 0; s <= 100; ++s) {
    const double p = rules_percentile(s);
    EXPECT_GE(p, last);
    EXPECT_GE(p, 0.0);
    EXPECT_LE(p, 100.0);
    last = p;
  }
  EXPECT_EQ(rules_percentile(0), 0.0);
  EXPECT_EQ(rules_percentile(-3), rules_percentile(0));
  EXPECT_EQ(rules_percentile(130), rules_percentile(100));
}
