// The 0-100 score users see: a model's probability as a whole percentage,
// and a score's letter grade. score_lead() and explain_lead() both use these,
// so a lead's score and grade read the same wherever they are shown.
#pragma once

namespace leadscore {

// A probability in [0, 1] as the nearest whole percentage (halves round up).
int percent_score(double win_prob);

// The letter grade of a 0..100 score: A from 70, B from 50, C from 30, else D.
const char* grade_of(int score);

}  // namespace leadscore
