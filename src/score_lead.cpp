// SQL: leadscore.score_lead(lead leadscore.leads, use_ml boolean) -> leadscore.lead_score
// One lead, scored 0-100 by the active model (method 'ml') or by the rules
// (method 'rules': ML not wanted, or no readable active model).
#include "core/errors.hpp"
#include "pg/guard.hpp"
#include "pg/lead_score_type.hpp"
#include "pg/lead_scoring.hpp"
#include "pg/scoring_state.hpp"

extern "C" {
#include "funcapi.h"
}

using namespace leadscore;
using namespace leadscore::pg;

namespace {

// Postgres side: the checked, blessed result type, once per call site. Runs
// before scoring, so a database at an older version gets the version error
// rather than one about a table it does not have yet (grade_bands).
void prepare_result_type(FunctionCallInfo fcinfo, ScoringState& state) {
  if (state.result_desc) return;
  TupleDesc desc;
  if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("score_lead must return a composite")));
  prepare_lead_score_type(fcinfo, state, desc);
}

}  // namespace

LEADSCORE_FUNCTION(score_lead) {
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  ScoringState& state = scoring_state(fcinfo);
  pg_call([&] { prepare_result_type(fcinfo, state); });
  load_lead_argument(fcinfo, state);
  ScoreRow row = score_row(state, wants_ml(fcinfo, 1));
  Datum result;
  pg_call([&] { result = form_lead_score(fcinfo, state, row); });
  return result;
}
