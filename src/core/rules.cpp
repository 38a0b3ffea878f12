// Rules-based scoring; see rules.hpp for the formula.
#include "core/rules.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "core/errors.hpp"

namespace leadscore {
namespace {

constexpr double kSecondsPerDay = 86400.0;

double parse_dollars(const std::string& key) {
  char* end = nullptr;
  double value = std::strtod(key.c_str(), &end);
  if (key.empty() || *end != '\0' || !std::isfinite(value) || value < 0)
    throw InvalidInput("rule_weights: permit_value_at_least needs a key that is a dollar amount >= 0, got '" +
                       key + "'");
  return value;
}

}  // namespace

void RuleWeights::add(const std::string& factor, const std::string& key, double points) {
  if (!std::isfinite(points)) throw InvalidInput("rule_weights: points of " + factor + " must be a finite number");
  if (factor == "base") {
    base = points;
  } else if (factor == "permit_value_at_least") {
    double lower = parse_dollars(key);
    auto at = std::lower_bound(permit_bands.begin(), permit_bands.end(), std::make_pair(lower, -HUGE_VAL));
    permit_bands.insert(at, {lower, points});
  } else if (factor == "trade_tag") {
    if (key == "*")
      other_trade_tag = points;
    else
      trade_tags[key] = points;
  } else if (factor == "recency") {
    recency = points;
  } else if (factor == "recency_half_life_days") {
    if (points <= 0) throw InvalidInput("rule_weights: recency_half_life_days must be positive");
    half_life_days = points;
  } else if (factor == "completeness") {
    completeness = points;
  } else {
    throw InvalidInput("rule_weights: unknown factor '" + factor + "'");
  }
}

RulesScore score_by_rules(const Lead& lead, double now, const RuleWeights& w) {
  RulesScore out;
  out.terms.reserve(5);
  auto add = [&out](std::string factor, double points) {
    if (points != 0) out.terms.push_back({std::move(factor), points});
  };
  add("base", w.base);

  bool has_value = lead.permit_value && std::isfinite(*lead.permit_value) && *lead.permit_value >= 0;
  if (has_value) {
    double band_points = 0;
    for (const auto& [lower, points] : w.permit_bands)
      if (*lead.permit_value >= lower) band_points = points;
    add("permit_value", band_points);
  }

  const std::string* best_tag = nullptr;
  double best_points = -INFINITY;
  for (const auto& tag : lead.trade_tags) {
    auto it = w.trade_tags.find(tag);
    double points = it == w.trade_tags.end() ? w.other_trade_tag : it->second;
    if (points > best_points) best_points = points, best_tag = &tag;
  }
  if (best_tag) add("trade_tags:" + *best_tag, best_points);

  if (lead.created_at && std::isfinite(*lead.created_at)) {
    double age_days = std::max(0.0, (now - *lead.created_at) / kSecondsPerDay);
    add("created_at", w.recency * std::exp2(-age_days / w.half_life_days));
  }

  int present = (!lead.address.empty()) + has_value + (!lead.trade_tags.empty()) +
                (lead.created_at.has_value()) + (!lead.attributes.empty());
  add("completeness", w.completeness * present / 5.0);

  double total = 0;
  for (const auto& t : out.terms) total += t.points;
  out.score = static_cast<int>(std::lround(std::clamp(total, 0.0, 100.0)));
  return out;
}

Explanation explain_rules(const RulesScore& score, int top_n) {
  Explanation e;
  for (const auto& t : score.terms) {
    if (t.factor == "base") e.base_value = t.points;
    else e.contributions.push_back({t.factor, t.points});
    e.raw_prob += t.points;
  }
  e.win_prob = NAN;
  rank_contributions(e, top_n);
  return e;
}

}  // namespace leadscore
