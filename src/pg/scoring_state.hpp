// What score_lead() and explain_lead() keep between rows of one statement, in
// fn_extra: the lead row's layout, the serving model (looked up once per
// statement), the rule weights, the grade bands, and a reusable Lead. It is a C++ object owned
// by the call site's memory context and deleted when that context goes away.
//
// A call site can outlive its statement: PL/pgSQL keeps a simple expression's
// call site (x := leadscore.score_lead(l)) for the whole transaction. What
// was read from tables is therefore tied to the snapshot it was read in, and
// read again when the call comes under another (a later statement, or the
// same one after this transaction wrote, such as a model activated between
// two turns of a loop), so a statement always scores with what it can see.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/lead.hpp"
#include "core/model.hpp"
#include "core/rules.hpp"
#include "core/score_scale.hpp"
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
  bool grade_bands_loaded = false;
  GradeBands grade_bands;
  // The snapshot the three above were read in (xmin, xmax, command id).
  bool read_snapshot_known = false;
  TransactionId read_xmin = 0, read_xmax = 0;
  CommandId read_cid = 0;
  Lead lead;          // buffer reused row after row
  std::vector<uint32_t> attribute_slots;  // where each attribute key sat last row (lead_row.hpp)
  // The same for a block of leads walked together (score_results).
  std::vector<Lead> block;
  std::vector<std::vector<uint32_t>> block_slots;
  double now = 0;     // scoring time: the transaction's start, so results are stable
  TupleDesc result_desc = nullptr;  // blessed, for composite results
  // Text datums of the static labels results repeat ("A", "high", "ml"),
  // made once per call site: keyed by the literal's address.
  struct LabelText {
    const char* label;
    Datum text;
  };
  LabelText label_texts[16] = {};
  int n_label_texts = 0;
};

// The state of this call site, created on first use; the model, rules and
// grade bands it read are forgotten when the active snapshot is not the one
// they were read in.
ScoringState& scoring_state(FunctionCallInfo fcinfo);

// Whether this call uses the model: use_ml when given, else leadscore.enable_ml_scoring.
bool wants_ml(FunctionCallInfo fcinfo, int use_ml_arg);

// Reads the lead argument into state.lead (Postgres side first, then C++).
void load_lead_argument(FunctionCallInfo fcinfo, ScoringState& state);

// Looks up the serving model once per call site.
const ServingModel& serving_model(ScoringState& state);

// Loads leadscore.rule_weights once per call site.
const RuleWeights& rule_weights(ScoringState& state);

// Loads leadscore.grade_bands once per call site.
const GradeBands& grade_bands(ScoringState& state);

// A text datum of a string literal (grade, confidence, method), built once in
// the call site's context and reused for every row. Postgres side: call it
// inside pg_call.
Datum label_text(FunctionCallInfo fcinfo, ScoringState& state, const char* label);

}  // namespace leadscore::pg
