// SQL: leadscore.explain_lead(lead leadscore.leads, top_n int, use_ml boolean) -> jsonb
// The factors that push one lead's score up and down, in the lead's own terms:
// path attributions of the active model, or the points of each rule. The core
// computes and ranks both (Model::explain, explain_rules); this file only
// writes them as JSON.
#include <string>

#include "core/errors.hpp"
#include "core/json.hpp"
#include "core/rules.hpp"
#include "core/score_scale.hpp"
#include "pg/guard.hpp"
#include "pg/scoring_state.hpp"

using namespace leadscore;
using namespace leadscore::pg;

namespace {

constexpr int kMaxTopN = 100;

void write_factors(JsonWriter& w, const char* key, const std::vector<Contribution>& factors) {
  w.key(key).begin_array();
  for (const auto& c : factors) w.begin_object().key("feature").value(c.feature).key("contribution").value(c.value).end_object();
  w.end_array();
}

std::string explain_by_model(const ServingModel& serving, const Lead& lead, double now, int top_n) {
  Explanation e = serving.model->explain(lead, now, top_n);
  JsonWriter w;
  w.begin_object();
  w.key("lead_id").value(static_cast<long long>(lead.id));
  w.key("method").value("ml");
  w.key("model_version").value(serving.version);
  w.key("score").value(percent_score(e.win_prob));
  w.key("win_prob").value(e.win_prob);
  w.key("base_value").value(e.base_value);
  w.key("raw_prob").value(e.raw_prob);
  write_factors(w, "top_up", e.top_up);
  write_factors(w, "top_down", e.top_down);
  w.end_object();
  return w.str();
}

std::string explain_by_rules(const RuleWeights& weights, const Lead& lead, double now, int top_n,
                             const char* fallback_reason, const std::string& fallback_detail) {
  RulesScore r = score_by_rules(lead, now, weights);
  Explanation e = explain_rules(r, top_n);
  JsonWriter w;
  w.begin_object();
  w.key("lead_id").value(static_cast<long long>(lead.id));
  w.key("method").value("rules");
  w.key("model_version").null();
  w.key("score").value(r.score);
  w.key("base_value").value(e.base_value);
  write_factors(w, "top_up", e.top_up);
  write_factors(w, "top_down", e.top_down);
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
