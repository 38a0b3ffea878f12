// Rules-based scoring: the cold-start and fallback scorer, with weights an
// operator tunes in leadscore.rule_weights. A score is a sum of points:
//
//   base
//   + the points of the highest permit-value band the lead reaches
//   + the points of its best trade tag (a tag without its own weight gets "*")
//   + recency points, halved every half_life_days of lead age
//   + completeness points times the share of fields present
//     (address, permit_value, trade_tags, created_at, attributes)
//
// clamped to 0..100. Each term is reported as a contribution, so a rules score
// explains itself the same way a model score does (explain_rules).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/explanation.hpp"
#include "core/lead.hpp"

namespace leadscore {

struct RuleWeights {
  double base = 0;
  std::vector<std::pair<double, double>> permit_bands;  // (lower bound in dollars, points), ascending
  std::map<std::string, double, std::less<>> trade_tags;
  double other_trade_tag = 0;  // the "*" weight
  double recency = 0;          // points for a lead created at scoring time
  double half_life_days = 45;
  double completeness = 0;

  // Adds one row of leadscore.rule_weights; throws InvalidInput naming a bad row.
  void add(const std::string& factor, const std::string& key, double points);
};

struct RuleTerm {
  std::string factor;  // in the lead's terms: "permit_value", "trade_tags:roofing", "created_at"
  double points = 0;
};

struct RulesScore {
  int score = 0;                // 0..100
  std::vector<RuleTerm> terms;  // every term that added points, base first
};

RulesScore score_by_rules(const Lead& lead, double now, const RuleWeights& weights);

// The score's terms as an explanation in points: base_value is the base term,
// every other term a contribution, raw_prob their sum before the clamp, and
// win_prob NaN (rules give no probability). Throws InvalidInput if top_n < 0.
Explanation explain_rules(const RulesScore& score, int top_n);

}  // namespace leadscore
