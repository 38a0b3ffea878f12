// Explanations a contractor can read: every factor in score points, with a
// readable label and the lead's own value.
//
//   {"feature": "permit_value", "label": "Permit value", "value": "$65,806", "points": 6.2}
//
// Points add up: base_points + the points of every factor = the score (to
// rounding), for both scorers. For a model score the factors' raw
// attributions (Model::explain: changes of the trees' mean leaf probability
// along the lead's paths) add up to raw - base; the calibration map turns
// base into base_points = 100 cal(base) and raw into the score 100 cal(raw).
// Its change is shared among the factors in proportion to their raw
// attributions: each factor's points are 100 x (cal(raw) - cal(base)) / (raw -
// base) x its attribution (the map's secant slope between the two; its slope
// at raw when raw = base). The map is monotone, so no factor changes sign.
// Rules factors are points already; when the 0..100 clamp cuts the sum, the
// factors are scaled by the same share, so they still add up to the score.
//
// Labels and values, by kind of feature:
//   permit_value           "Permit value"       "$65,806"
//   trade_tags:roofing     "Trade: roofing"     "yes" / "no"
//   address (ZIP)          "Location"           "ZIP 05401" (or "postal area K1A", "city Springfield")
//   attributes.<key>       the key in words     the value: "3", "yes" / "no", "single_family"
//                          ("competing_bids" -> "Competing bids")
//   created_at.month       "Month created"      "December"
//   created_at.weekday     "Weekday created"    "Monday"
//   created_at.age_days    "Lead age"           "12 days"
//   created_at (rules)     "Recency"            "12 days old"
//   completeness (rules)   "Completeness"       "4 of 5 fields"
// A value the lead does not have reads "not given"; such a factor appears
// only when the missing value itself moved the score (a split that sends
// missing values one way, or a rule that gives them no points).
#pragma once

#include <string>
#include <vector>

#include "core/calibration.hpp"
#include "core/explanation.hpp"
#include "core/lead.hpp"
#include "core/model.hpp"

namespace leadscore {

struct ReadableFactor {
  std::string feature;  // the name in the lead's terms, as before: "attributes.competing_bids"
  std::string label;    // "Competing bids"
  std::string value;    // "3", or "not given"
  double points = 0;    // signed score points
};

struct PointsExplanation {
  double base_points = 0;   // where every lead starts
  double score_points = 0;  // base_points + the points of every factor (unrounded score)
  std::vector<ReadableFactor> up;    // at most top_n, largest first
  std::vector<ReadableFactor> down;  // at most top_n, most negative first
  double other_points = 0;  // the points of the factors not listed
};

// The label and the lead's own value of a feature or rules factor.
void describe_factor(const std::string& feature, const Lead& lead, double now, std::string* label, std::string* value);

// A model's explanation in points (see the top of this file).
PointsExplanation model_points(const Explanation& e, const Calibrator& cal, const Lead& lead, double now, int top_n);

// The same from the attribution alone (Model::attribute), factor for factor
// and number for number, without naming the factors it does not list: what
// the SQL functions use, where explaining is on every lead's path.
PointsExplanation model_points(const Attribution& a, const FeatureSpec& spec, const Calibrator& cal, const Lead& lead,
                               double now, int top_n);

// A rules score's explanation in points: e from explain_rules (all its terms).
PointsExplanation rules_points(const Explanation& e, const Lead& lead, double now, int top_n);

}  // namespace leadscore
