// SQL: leadscore.explain_lead(lead leadscore.leads, top_n int, use_ml boolean) -> jsonb
// The factors that push one lead's score up and down, in score points, each
// with a readable label and the lead's own value (core/readable_factors.hpp):
//
//   {"lead_id", "method", "model_version", "score", "win_prob", "contact_prob",
//    "quote_prob", "value_if_won", "expected_value", "base_points",
//    "top_factors": {"up": [{"feature", "label", "value", "points"}], "down": [...],
//                    "other_points"}[, "fallback_reason", "fallback_detail"]}
//
// The funnel's four figures are left out where the model has none (rules,
// older models); the fallback pair is there when the rules scored.
//
// base_points + the points of up, down and other_points = score (to rounding).
// score_leads() and ml_inference() return top_factors as they are here.
#include <cmath>
#include <string>
#include <utility>

#include "core/errors.hpp"
#include "core/json.hpp"
#include "core/readable_factors.hpp"
#include "core/rules.hpp"
#include "core/score_scale.hpp"
#include "pg/guard.hpp"
#include "pg/lead_scoring.hpp"
#include "pg/scoring_state.hpp"

using namespace leadscore;
using namespace leadscore::pg;

namespace {

constexpr int kMaxTopN = 100;

std::string explanation_json(const ScoringState& state, const LeadExplanation& e) {
  JsonWriter w;
  w.begin_object();
  w.key("lead_id").value(static_cast<long long>(state.lead.id));
  w.key("method").value(e.ml ? "ml" : "rules");
  if (e.ml)
    w.key("model_version").value(e.model_version);
  else
    w.key("model_version").null();
  w.key("score").value(e.score);
  if (e.ml) w.key("win_prob").value(e.win_prob);
  const std::pair<const char*, double> funnel[] = {{"contact_prob", e.contact_prob},
                                                   {"quote_prob", e.quote_prob},
                                                   {"value_if_won", e.value_if_won},
                                                   {"expected_value", e.expected_value}};
  for (const auto& [name, v] : funnel)
    if (!std::isnan(v)) w.key(name).value(v);
  write_points(w, e.points);
  if (e.fallback_reason) {
    w.key("fallback_reason").value(e.fallback_reason);
    w.key("fallback_detail").value(e.fallback_detail);
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

  bool use_ml_given = PG_NARGS() > 2 && !PG_ARGISNULL(2);
  std::string json = explanation_json(state, explain_row(state, wants_ml(fcinfo, 2), use_ml_given, top_n));
  Datum result;
  pg_call([&] { result = DirectFunctionCall1(jsonb_in, CStringGetDatum(json.c_str())); });
  return result;
}
