// The 0-100 score users see: a model's probability as a whole percentage,
// and a lead's letter grade from its percentile. score_lead() and
// explain_lead() both use these, so a lead's score and grade read the same
// wherever they are shown.
//
// Grades are relative: a grade is a band of percentiles (by default A the top
// 10%, B the next 20%, C the next 30%, D the rest), so an A means the same on
// a 12% and on a 38% win rate. Operators set the bands in
// leadscore.grade_bands; GradeBands checks them as that table's trigger does.
#pragma once

#include <string>
#include <vector>

namespace leadscore {

// A probability in [0, 1] as the nearest whole percentage (halves round up).
int percent_score(double win_prob);

// The absolute grade of a 0..100 score: A from 70, B from 50, C from 30, else
// D. Only for a model stored before percentiles existed (it has no held-out
// distribution to rank against); every other score is graded by GradeBands.
const char* grade_of(int score);

struct GradeBand {
  std::string grade;
  double min_percentile = 0;  // inclusive
  double max_percentile = 0;  // exclusive, except 100 in the top band
};

class GradeBands {
 public:
  // A top 10%, B next 20%, C next 30%, D the rest (the table's default rows).
  static GradeBands defaults();

  // Bands as an operator wrote them, in any order. Throws InvalidInput naming
  // the problem unless they cover 0..100 exactly once: each band within
  // [0, 100] with min < max, no overlap, no gap, names non-empty and unique.
  static GradeBands from(std::vector<GradeBand> bands);

  // The grade of a percentile in [0, 100] (clamped). The pointer stays valid
  // and equal for one grade while this object lives.
  const char* grade_of(double percentile) const;

  const std::vector<GradeBand>& bands() const { return bands_; }  // best (highest) first

 private:
  std::vector<GradeBand> bands_;
};

// The percentile of a rules score (0..100), against a fixed reference: the
// rules scores, under the default rule weights, of the demo generator's leads
// scored on the day they arrive (score_scale.cpp lists the table and how it
// was made). Rules give no probability, so there is no held-out set to rank
// against; this reference lets rules scores carry a grade on the same bands.
double rules_percentile(int score);

}  // namespace leadscore
