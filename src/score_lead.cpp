// SQL: leadscore.score_lead(lead leadscore.leads, use_ml boolean) -> leadscore.lead_score
// One lead, scored 0-100 by the active model (method 'ml') or by the rules
// (method 'rules': ML not wanted, or no readable active model).
#include "core/errors.hpp"
#include "core/rules.hpp"
#include "core/score_scale.hpp"
#include "pg/guard.hpp"
#include "pg/scoring_state.hpp"

extern "C" {
#include "access/htup_details.h"
#include "funcapi.h"
}

using namespace leadscore;
using namespace leadscore::pg;

namespace {

struct ScoreRow {
  int64 lead_id = 0;
  int score = 0;
  const char* grade = "D";
  bool has_prob = false;
  double win_prob = 0;
  const char* confidence = "low";
  bool has_confidence_value = false;
  double confidence_value = 0;
  const char* method = "rules";
  int model_version = 0;  // 0: none
};

ScoreRow score_one(FunctionCallInfo fcinfo, ScoringState& state) {
  ScoreRow row;
  row.lead_id = state.lead.id;
  const ServingModel* serving = wants_ml(fcinfo, 1) ? &serving_model(state) : nullptr;
  if (serving && serving->model) {
    Score s = serving->model->score(state.lead, state.now);
    row.score = percent_score(s.win_prob);
    row.has_prob = true;
    row.win_prob = s.win_prob;
    row.confidence = to_string(s.confidence);
    row.has_confidence_value = true;
    row.confidence_value = s.confidence_value;
    row.method = "ml";
    row.model_version = serving->version;
  } else {
    row.score = score_by_rules(state.lead, state.now, rule_weights(state)).score;
  }
  row.grade = grade_of(row.score);
  return row;
}

Datum form_result(FunctionCallInfo fcinfo, ScoringState& state, const ScoreRow& r) {
  if (!state.result_desc) {
    TupleDesc desc;
    if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
      ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("score_lead must return a composite")));
    MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
    state.result_desc = BlessTupleDesc(CreateTupleDescCopy(desc));
    MemoryContextSwitchTo(old);
  }
  Datum values[8];
  bool nulls[8] = {false, false, false, !r.has_prob, false, !r.has_confidence_value, false, r.model_version == 0};
  values[0] = Int64GetDatum(r.lead_id);
  values[1] = Int32GetDatum(r.score);
  values[2] = label_text(fcinfo, state, r.grade);
  values[3] = Float8GetDatum(r.win_prob);
  values[4] = label_text(fcinfo, state, r.confidence);
  values[5] = Float8GetDatum(r.confidence_value);
  values[6] = label_text(fcinfo, state, r.method);
  values[7] = Int32GetDatum(r.model_version);
  return HeapTupleGetDatum(heap_form_tuple(state.result_desc, values, nulls));
}

}  // namespace

LEADSCORE_FUNCTION(score_lead) {
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  ScoringState& state = scoring_state(fcinfo);
  load_lead_argument(fcinfo, state);
  ScoreRow row = score_one(fcinfo, state);
  Datum result;
  pg_call([&] { result = form_result(fcinfo, state, row); });
  return result;
}
