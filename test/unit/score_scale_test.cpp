// The 0-100 scale: percentages round to the nearest whole, grades at 70/50/30.
#include <gtest/gtest.h>

#include <string>

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
