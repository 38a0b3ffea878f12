// Why a lead scored what it did: a base value plus one signed contribution per
// factor, in the lead's own terms, with the strongest few each way picked
// out. Both scorers explain themselves this way: the model (Model::explain,
// probabilities) and the rules (explain_rules in rules.hpp, points).
#pragma once

#include <string>
#include <vector>

namespace leadscore {

struct Contribution {
  std::string feature;  // in the lead's terms: "permit_value", "attributes.city", "trade_tags:roofing"
  double value = 0;     // signed change of the raw output
};

struct Explanation {
  double base_value = 0;  // model: mean raw probability of the training leads (tree roots); rules: the base points
  double raw_prob = 0;    // base_value + sum of all contributions (rules: the points before the 0..100 clamp)
  double win_prob = 0;    // calibrated probability; NaN for rules, which give none
  std::vector<Contribution> contributions;  // every non-zero one, largest |value| first
  std::vector<Contribution> top_up;         // at most top_n positive, largest first
  std::vector<Contribution> top_down;       // at most top_n negative, most negative first
  std::string to_json() const;
};

// Orders e.contributions by |value|, largest first (ties keep their order),
// and picks top_up and top_down from them; throws InvalidInput if top_n < 0.
void rank_contributions(Explanation& e, int top_n);

}  // namespace leadscore
