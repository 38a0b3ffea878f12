// See lead_score_type.hpp.
#include "pg/lead_score_type.hpp"

#include <cmath>
#include <iterator>

#include "pg/catalog_names.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
}

namespace leadscore::pg {
namespace {

// The attributes of leadscore.lead_score that form_lead_score() fills, in
// order (named in pg/catalog_names.hpp).
struct ResultAttribute {
  const char* name;
  Oid type;
};
constexpr ResultAttribute kLeadScoreAttributes[] = {
    {LS_LEAD_SCORE_LEAD_ID, INT8OID},
    {LS_LEAD_SCORE_SCORE, INT4OID},
    {LS_LEAD_SCORE_GRADE, TEXTOID},
    {LS_LEAD_SCORE_WIN_PROB, FLOAT8OID},
    {LS_LEAD_SCORE_CONFIDENCE, TEXTOID},
    {LS_LEAD_SCORE_CONFIDENCE_VALUE, FLOAT8OID},
    {LS_LEAD_SCORE_METHOD, TEXTOID},
    {LS_LEAD_SCORE_MODEL_VERSION, INT4OID},
    {LS_LEAD_SCORE_PERCENTILE, FLOAT8OID},
    {LS_LEAD_SCORE_WIN_PROB_LOW, FLOAT8OID},
    {LS_LEAD_SCORE_WIN_PROB_HIGH, FLOAT8OID},
    {LS_LEAD_SCORE_CONTACT_PROB, FLOAT8OID},
    {LS_LEAD_SCORE_QUOTE_PROB, FLOAT8OID},
    {LS_LEAD_SCORE_VALUE_IF_WON, FLOAT8OID},
    {LS_LEAD_SCORE_EXPECTED_VALUE, FLOAT8OID},
};
constexpr int kLeadScoreAttributeCount = static_cast<int>(std::size(kLeadScoreAttributes));
static_assert(kLeadScoreAttributeCount == 15, "form_lead_score() fills fifteen values: extend it with kLeadScoreAttributes");

}  // namespace

void check_lead_score_type(TupleDesc desc) {
  if (desc->natts != kLeadScoreAttributeCount)
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("leadscore: score_lead fills %d attributes of " LS_LEAD_SCORE ", but the type has %d",
                           kLeadScoreAttributeCount, desc->natts),
                    errdetail("The installed leadscore library and this database's leadscore objects are of "
                              "different versions."),
                    errhint("Run ALTER EXTENSION leadscore UPDATE.")));
  for (int i = 0; i < kLeadScoreAttributeCount; i++) {
    Form_pg_attribute att = TupleDescAttr(desc, i);
    if (!att->attisdropped && att->atttypid == kLeadScoreAttributes[i].type) continue;
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("leadscore: attribute %d of " LS_LEAD_SCORE " is %s, but score_lead fills %s %s", i + 1,
                           att->attisdropped ? "dropped"
                                             : psprintf("%s %s", NameStr(att->attname), format_type_be(att->atttypid)),
                           kLeadScoreAttributes[i].name, format_type_be(kLeadScoreAttributes[i].type)),
                    errdetail("The installed leadscore library and this database's leadscore objects are of "
                              "different versions."),
                    errhint("Run ALTER EXTENSION leadscore UPDATE.")));
  }
}

void prepare_lead_score_type(FunctionCallInfo fcinfo, ScoringState& state, TupleDesc desc) {
  if (state.result_desc) return;
  check_lead_score_type(desc);
  MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
  state.result_desc = BlessTupleDesc(CreateTupleDescCopy(desc));
  MemoryContextSwitchTo(old);
}

Datum form_lead_score(FunctionCallInfo fcinfo, ScoringState& state, const ScoreRow& r) {
  Datum values[kLeadScoreAttributeCount];
  bool nulls[kLeadScoreAttributeCount] = {false, false, false, !r.has_prob, false, !r.has_confidence_value, false,
                                          r.model_version == 0};
  values[0] = Int64GetDatum(r.lead_id);
  values[1] = Int32GetDatum(r.score);
  values[2] = label_text(fcinfo, state, r.grade);
  values[3] = Float8GetDatum(r.win_prob);
  values[4] = label_text(fcinfo, state, r.confidence);
  values[5] = Float8GetDatum(r.confidence_value);
  values[6] = label_text(fcinfo, state, r.method);
  values[7] = Int32GetDatum(r.model_version);
  const double optional[] = {r.percentile,   r.win_prob_low, r.win_prob_high, r.contact_prob,
                             r.quote_prob,   r.value_if_won, r.expected_value};
  static_assert(8 + std::size(optional) == kLeadScoreAttributeCount, "every attribute is filled");
  for (size_t i = 0; i < std::size(optional); i++) {
    nulls[8 + i] = std::isnan(optional[i]);
    values[8 + i] = Float8GetDatum(optional[i]);
  }
  return HeapTupleGetDatum(heap_form_tuple(state.result_desc, values, nulls));
}


}  // namespace leadscore::pg
