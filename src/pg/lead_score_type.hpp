// The composite leadscore.lead_score as this library fills it, shared by
// score_lead (one row) and score_results_stored (an array of rows).
#pragma once

#include "pg/lead_scoring.hpp"
#include "pg/postgres.hpp"
#include "pg/scoring_state.hpp"

namespace leadscore::pg {

// Postgres side: raises unless desc is the lead_score this library fills.
// One library may serve databases at different extension versions; each call
// site checks the type it is asked to return first, so a database whose
// lead_score differs gets an error rather than a tuple built from the wrong
// number or types of values.
void check_lead_score_type(TupleDesc desc);

// Postgres side: keeps desc, checked and blessed, in state.result_desc (in
// the function's memory context), unless it is there already.
void prepare_lead_score_type(FunctionCallInfo fcinfo, ScoringState& state, TupleDesc desc);

// Postgres side: the row as a lead_score datum of state.result_desc.
Datum form_lead_score(FunctionCallInfo fcinfo, ScoringState& state, const ScoreRow& r);

}  // namespace leadscore::pg
