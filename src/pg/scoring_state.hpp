// What score_lead() and explain_lead() keep between rows of one statement, in
// fn_extra: the lead row's layout, the serving model (looked up once per
// statement), the rule weights, and a reusable Lead. It is a C++ object owned
// by the call site's memory context and deleted when that context goes away.
#pragma once

#include <memory>
#include <string>

#include "core/lead.hpp"
#include "core/model.hpp"
#include "core/rules.hpp"
#include "pg/lead_row.hpp"
#include "pg/model_registry.hpp"

namespace leadscore::pg {

struct ScoringState {
  bool columns_known = false;
  LeadColumns columns{};
  bool model_looked_up = false;
  ServingModel serving;
  bool rules_loaded = false;
  RuleWeights rules;
  Lead lead;          // buffer reused row after row
  double now = 0;     // scoring time: the transaction's start, so results are stable
  TupleDesc result_desc = nullptr;  // blessed, for composite results
};

// The state of this call site, created on first use.
ScoringState& scoring_state(FunctionCallInfo fcinfo);

// Whether this call uses the model: use_ml when given, else leadscore.enable_ml_scoring.
bool wants_ml(FunctionCallInfo fcinfo, int use_ml_arg);

// Reads the lead argument into state.lead (Postgres side first, then C++).
void load_lead_argument(FunctionCallInfo fcinfo, ScoringState& state);

// Looks up the serving model once per call site.
const ServingModel& serving_model(ScoringState& state);

// Loads leadscore.rule_weights once per call site.
const RuleWeights& rule_weights(ScoringState& state);

// Grade of a 0..100 score: A >= 70, B >= 50, C >= 30, else D.
const char* grade_of(int score);

}  // namespace leadscore::pg
