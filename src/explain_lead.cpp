// SQL: leadscore.explain_lead(lead leadscore.leads, top_n int, use_ml boolean) -> jsonb
// The factors that push one lead's score up and down, in score points, each
// with a readable label and the lead's own value (core/readable_factors.hpp):
//
//   {"lead_id", "method", "model_version", "score", "win_prob", "base_points",
//    "top_factors": {"up": [{"feature", "label", "value", "points"}], "down": [...],
//                    "other_points"}}
//
// base_points + the points of up, down and other_points = score (to rounding).
// score_leads() and ml_inference() return top_factors as they are here.
#include <cmath>
#include <string>

#include "core/errors.hpp"
#include "core/json.hpp"
#include "core/readable_factors.hpp"
#include "core/rules.hpp"
#include "core/score_scale.hpp"
#include "pg/guard.hpp"
#include "pg/scoring_state.hpp"

using namespace leadscore;
using namespace leadscore::pg;

namespace {

constexpr int kMaxTopN = 100;

// Points to one decimal: the sum of shown points then matches the score
// to rounding, without float noise such as 9.99999.
double tenths(double v) { return std::round(v * 10.0) / 10.0 + 0.0; }

void write_list(JsonWriter& w, const char* key, const std::vector<ReadableFactor>& factors) {
  w.key(key).begin_array();
  for (const auto& f : factors)
    w.begin_object()
        .key("feature").value(f.feature)
        .key("label").value(f.label)
        .key("value").value(f.value)
        .key("points").value(tenths(f.points))
        .end_object();
  w.end_array();
}

void write_points(JsonWriter& w, const PointsExplanation& p) {
  w.key("base_points").value(tenths(p.base_points));
  w.key("top_factors").begin_object();
  write_list(w, "up", p.up);
  write_list(w, "down", p.down);
  w.key("other_points").value(tenths(p.other_points));
  w.end_object();
}

std::string explain_by_model(const ServingModel& serving, const Lead& lead, double now, int top_n) {
  const Model& m = *serving.model;
  Explanation e = m.explain(lead, now, 0);
  PointsExplanation p = model_points(e, m.calibrator(), lead, now, top_n);
  JsonWriter w;
  w.begin_object();
  w.key("lead_id").value(static_cast<long long>(lead.id));
  w.key("method").value("ml");
  w.key("model_version").value(serving.version);
  w.key("score").value(percent_score(e.win_prob));
  w.key("win_prob").value(e.win_prob);
  write_points(w, p);
  w.end_object();
  return w.str();
}

std::string explain_by_rules(const RuleWeights& weights, const Lead& lead, double now, int top_n,
                             const char* fallback_reason, const std::string& fallback_detail) {
  RulesScore r = score_by_rules(lead, now, weights);
  Explanation e = explain_rules(r, 0);
  PointsExplanation p = rules_points(e, lead, now, top_n);
  JsonWriter w;
  w.begin_object();
  w.key("lead_id").value(static_cast<long long>(lead.id));
  w.key("method").value("rules");
  w.key("model_version").null();
  w.key("score").value(r.score);
  write_points(w, p);
  if (fallback_reason) {
    w.key("fallback_reason").value(fallback_reason);
    w.key("fallback_detail").value(fallback_detail);
  }
  w.end_object();
  return w.str();
}

}  // namespace

LEADSCORE_FUNCTION(explain_lead) {
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  int top_n = PG_ARGISNULL(1) ? 5 : PG_GETARG_INT32(1);
  if (top_n < 1 || top_n > kMaxTopN)
    throw InvalidInput("top_n: must be between 1 and " + std::to_string(kMaxTopN) + ", got " +
                       std::to_string(top_n));
  ScoringState& state = scoring_state(fcinfo);
  load_lead_argument(fcinfo, state);

  std::string json;
  bool ml = wants_ml(fcinfo, 2);
  if (ml && serving_model(state).model) {
    json = explain_by_model(state.serving, state.lead, state.now, top_n);
  } else if (!ml) {
    const char* reason = PG_NARGS() > 2 && !PG_ARGISNULL(2) ? "ml_not_requested" : "flag_off";
    json = explain_by_rules(rule_weights(state), state.lead, state.now, top_n, reason,
                            "use_ml is false, or leadscore.enable_ml_scoring is off");
  } else {
    const ServingModel& s = state.serving;
    json = explain_by_rules(rule_weights(state), state.lead, state.now, top_n,
                            s.version == 0 ? "no_active_model" : "model_unreadable", s.problem);
  }
  Datum result;
  pg_call([&] { result = DirectFunctionCall1(jsonb_in, CStringGetDatum(json.c_str())); });
  return result;
}
