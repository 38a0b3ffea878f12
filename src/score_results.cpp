// SQL: leadscore.score_results(leads leadscore.leads[], use_ml boolean, stored bigint[]) -> jsonb
// SQL: leadscore.score_results_stored(leads, use_ml, stored, OUT result jsonb, OUT scores lead_score[])
// SQL: leadscore.score_body(leads jsonb, use_ml boolean) -> jsonb
// The result body of ml_inference() and score_leads(): one object per lead, in
// the array's order, each lead scored and explained in one walk of the trees
// with one model lookup per call, and built straight as jsonb
// (pg/jsonb_builder.hpp), its members in jsonb's order:
//
//   {"id", "grade", "score", "method", ["stored",] "win_prob", "confidence",
//    "percentile", "quote_prob", "base_points", "top_factors",
//    "contact_prob", "value_if_won", "win_prob_low", "model_version",
//    "win_prob_high", "expected_value", "fallback_reason", "confidence_value"}
//
// Members that are NULL for a score are left out (top_factors never is);
// "stored" is there when stored is given, true for the ids it holds. It is
// score_result(score_lead(l), explain_lead(l, 3)) for each lead, number for
// number: the score's floats are the numerics of their float8 output text,
// the factors as explain_lead writes them; and byte for byte the jsonb that
// jsonb_in makes of the same value as text.
//
// score_results_stored returns the same body and, beside it, the lead_score
// rows of the leads whose id is in stored: what score_leads() stores, from the
// same walk, so no lead is scored twice. score_body takes ml_inference()'s
// JSON body instead of rows: checked as parse_lead_array checks it, each lead
// read as the row parse_lead_array would make of it would be read.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "pg/guard.hpp"
#include "pg/jsonb_builder.hpp"
#include "pg/lead_body.hpp"
#include "pg/lead_score_type.hpp"
#include "pg/lead_scoring.hpp"
#include "pg/scoring_state.hpp"

extern "C" {
#include "access/htup_details.h"
#include "common/shortest_dec.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"
}

using namespace leadscore;
using namespace leadscore::pg;

namespace {

constexpr int kTopN = 3;  // factors each way, as the RPCs have always shown
constexpr size_t kBlock = 32;  // leads walked down the trees together

// About what one lead's result takes in the builder (with six factors, about
// 100 tokens and 1 kB of text), reserved up front for up to kReservedLeads.
constexpr size_t kTokensPerLead = 128;
constexpr size_t kTextPerLead = 1536;
constexpr int kReservedLeads = 1000;  // parse_lead_array's limit on a body

// The builder a call writes its result with: one per backend, lent to one
// call at a time and kept between calls, cleared rather than freed. A
// 100-lead result's tokens and text (about 300 kB) were otherwise fresh pages
// on every call, each faulted in on first touch. Kept up to kKeptBuilderBytes;
// a larger one is freed after its call. A call made while the shared builder
// is lent (none does today) gets a builder of its own.
constexpr size_t kKeptBuilderBytes = size_t{1} << 20;

class BuilderLease {
 public:
  BuilderLease() : owned_(!lent_) {
    if (!owned_) return;
    lent_ = true;
    shared().clear();
  }
  ~BuilderLease() {
    if (!owned_) return;
    if (shared().capacity_bytes() > kKeptBuilderBytes) shared() = JsonbBuilder();  // frees its buffers
    lent_ = false;
  }
  BuilderLease(const BuilderLease&) = delete;
  BuilderLease& operator=(const BuilderLease&) = delete;

  JsonbBuilder& builder() { return owned_ ? shared() : own_; }

 private:
  static JsonbBuilder& shared() {
    static JsonbBuilder kept;
    return kept;
  }
  static inline bool lent_ = false;
  bool owned_;
  JsonbBuilder own_;
};

// A float8 as float8out writes it (shortest exact form unless
// extra_float_digits asks for less), as JSON: to_jsonb(float8) keeps that
// text as a numeric, or as a string for NaN and the infinities.
void write_float8(JsonbBuilder& w, double d) {
  if (std::isnan(d)) {
    w.value("NaN");
    return;
  }
  if (std::isinf(d)) {
    w.value(d > 0 ? "Infinity" : "-Infinity");
    return;
  }
  char buf[64];
  if (extra_float_digits > 0) {
    double_to_shortest_decimal_buf(d, buf);
  } else {
    snprintf(buf, sizeof buf, "%.*g", DBL_DIG + extra_float_digits, d);
  }
  w.number(buf);
}

// Members in jsonb's key order (length, then bytes): the builder requires
// it, and jsonb keeps an object's keys in that order however it was written.
void write_result(JsonbBuilder& w, const ScoreRow& s, const LeadExplanation& e, int stored) {
  w.begin_object();
  w.key("id").value(static_cast<long long>(s.lead_id));
  w.key("grade").value(s.grade);
  w.key("score").value(s.score);
  w.key("method").value(s.method);
  if (stored >= 0) w.key("stored").value(stored == 1);
  if (s.has_prob) write_float8(w.key("win_prob"), s.win_prob);
  w.key("confidence").value(s.confidence);
  if (!std::isnan(s.percentile)) write_float8(w.key("percentile"), s.percentile);
  if (!std::isnan(s.quote_prob)) write_float8(w.key("quote_prob"), s.quote_prob);
  write_points(w, e.points);  // base_points, top_factors
  if (!std::isnan(s.contact_prob)) write_float8(w.key("contact_prob"), s.contact_prob);
  if (!std::isnan(s.value_if_won)) write_float8(w.key("value_if_won"), s.value_if_won);
  if (!std::isnan(s.win_prob_low)) write_float8(w.key("win_prob_low"), s.win_prob_low);
  if (s.model_version != 0) w.key("model_version").value(s.model_version);
  if (!std::isnan(s.win_prob_high)) write_float8(w.key("win_prob_high"), s.win_prob_high);
  if (!std::isnan(s.expected_value)) write_float8(w.key("expected_value"), s.expected_value);
  if (e.fallback_reason) w.key("fallback_reason").value(e.fallback_reason);
  if (s.has_confidence_value) write_float8(w.key("confidence_value"), s.confidence_value);
  w.end_object();
}

// What a call scores: the rows of leads[], or the checked leads of a JSON
// body (pg/lead_body.hpp).
struct LeadInput {
  int n = 0;
  Datum* rows = nullptr;
  bool* row_nulls = nullptr;
  CheckedLead* checked = nullptr;
};

// Postgres side: leads[] (the first argument) and the stored ids (the third).
void read_arguments(FunctionCallInfo fcinfo, LeadInput* input, bool* have_stored, std::vector<int64>* stored) {
  ArrayType* arr = PG_GETARG_ARRAYTYPE_P(0);
  int16 typlen;
  bool typbyval;
  char typalign;
  get_typlenbyvalalign(ARR_ELEMTYPE(arr), &typlen, &typbyval, &typalign);
  deconstruct_array(arr, ARR_ELEMTYPE(arr), typlen, typbyval, typalign, &input->rows, &input->row_nulls, &input->n);
  *have_stored = !PG_ARGISNULL(2);
  if (*have_stored) {
    ArrayType* ids = PG_GETARG_ARRAYTYPE_P(2);
    Datum* values;
    bool* nulls;
    int n;
    deconstruct_array(ids, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &values, &nulls, &n);
    for (int i = 0; i < n; i++)
      if (!nulls[i]) stored->push_back(DatumGetInt64(values[i]));
  }
}

// Scores, explains and formats the input's leads, in order, into one JSON
// array; with stored given, says for each lead whether its id is in it, and
// with collect, also keeps those leads' score rows. use_ml is the second
// argument. One model lookup, one walk of the trees per lead.
Datum score_batch(FunctionCallInfo fcinfo, ScoringState& state, const LeadInput& input, bool have_stored,
                  std::vector<int64> stored, std::vector<ScoreRow>* collect) {
  const bool ml = wants_ml(fcinfo, 1);
  const bool use_ml_given = !PG_ARGISNULL(1);
  const int n_leads = input.n;
  MemoryContext per_lead = nullptr;
  pg_call([&] {
    per_lead = AllocSetContextCreate(CurrentMemoryContext, "leadscore score_results lead", ALLOCSET_SMALL_SIZES);
  });
  std::sort(stored.begin(), stored.end());

  // Reads lead i into *lead (Postgres side first, then C++).
  auto read_lead = [&](int i, Lead* lead, std::vector<uint32_t>* slots) {
    if (input.row_nulls && input.row_nulls[i]) throw InvalidInput("leads[" + std::to_string(i) + "]: must not be NULL");
    FlatLead flat;
    pg_call([&] {
      MemoryContextReset(per_lead);
      MemoryContext old = MemoryContextSwitchTo(per_lead);
      if (input.checked) {
        read_checked_lead(input.checked[i], &flat);
      } else {
        HeapTupleHeader row = DatumGetHeapTupleHeader(input.rows[i]);
        if (!state.columns_known) {
          state.columns = lead_columns(row, fcinfo->flinfo->fn_mcxt);
          state.columns_known = true;
        }
        read_lead_row(row, state.columns, &flat);
      }
      MemoryContextSwitchTo(old);
    });
    to_lead(flat, lead, slots);
  };
  auto write = [&](const ScoreRow& s, const LeadExplanation& e, JsonbBuilder& w) {
    int is_stored = have_stored ? std::binary_search(stored.begin(), stored.end(), s.lead_id) : -1;
    write_result(w, s, e, is_stored);
    if (collect && is_stored == 1) collect->push_back(s);
  };

  BuilderLease lease;
  JsonbBuilder& w = lease.builder();
  // Room for a usual body up front; a longer one grows as it needs.
  const size_t reserved = static_cast<size_t>(std::min(n_leads, kReservedLeads));
  w.reserve(kTokensPerLead * reserved, kTextPerLead * reserved);
  w.begin_array();
  ScoreRow s;
  LeadExplanation e;
  if (ml && serving_model(state).model) {
    // The model scores: a block of leads at a time walks each tree together
    // (Model::attribute_batch), each lead's numbers those of its own walk.
    const Model& model = *state.serving.model;
    state.block.resize(kBlock);
    state.block_slots.resize(kBlock);
    std::vector<Attribution> attributions(kBlock);
    Score scores[kBlock];
    for (int b0 = 0; b0 < n_leads; b0 += static_cast<int>(kBlock)) {
      if (interrupt_pending()) throw Cancelled();
      const size_t m = std::min<size_t>(kBlock, static_cast<size_t>(n_leads - b0));
      for (size_t j = 0; j < m; j++) read_lead(b0 + static_cast<int>(j), &state.block[j], &state.block_slots[j]);
      model.attribute_batch(state.block.data(), m, state.now, attributions.data(), scores);
      for (size_t j = 0; j < m; j++) {
        model_row(state, state.block[j], attributions[j], scores[j], kTopN, &s, &e);
        write(s, e, w);
      }
    }
  } else {
    Attribution attribution;
    for (int i = 0; i < n_leads; i++) {
      if (interrupt_pending()) throw Cancelled();
      read_lead(i, &state.lead, &state.attribute_slots);
      score_and_explain_row(state, ml, use_ml_given, kTopN, &attribution, &s, &e);
      write(s, e, w);
    }
  }
  w.end_array();

  pg_call([&] { MemoryContextDelete(per_lead); });
  return w.finish();
}

// Postgres side: the record type (result jsonb, scores lead_score[]) this
// call returns, blessed, with the lead_score element type checked and kept
// in state.
TupleDesc stored_result_type(FunctionCallInfo fcinfo, ScoringState& state, Oid* element_type) {
  TupleDesc desc;
  if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE || desc->natts != 2)
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("score_results_stored must return (result jsonb, scores lead_score[])")));
  *element_type = get_element_type(TupleDescAttr(desc, 1)->atttypid);
  if (!OidIsValid(*element_type))
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("score_results_stored: scores must be an array")));
  TupleDesc element = lookup_rowtype_tupdesc_copy(*element_type, -1);
  prepare_lead_score_type(fcinfo, state, element);
  return BlessTupleDesc(desc);
}

// Reads leads[] and stored, then score_batch.
Datum score_array(FunctionCallInfo fcinfo, ScoringState& state, std::vector<ScoreRow>* collect) {
  LeadInput input;
  bool have_stored = false;
  std::vector<int64> stored;
  pg_call([&] { read_arguments(fcinfo, &input, &have_stored, &stored); });
  return score_batch(fcinfo, state, input, have_stored, std::move(stored), collect);
}

}  // namespace

LEADSCORE_FUNCTION(score_results) {
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  ScoringState& state = scoring_state(fcinfo);
  return score_array(fcinfo, state, nullptr);
}

// ml_inference's body in one call: checked as parse_lead_array checks it
// (the same errors, in the same order), then scored as score_results scores
// the rows parse_lead_array would make of it, without making them.
LEADSCORE_FUNCTION(score_body) {
  ScoringState& state = scoring_state(fcinfo);
  LeadInput input;
  pg_call([&] { input.checked = check_lead_body(PG_ARGISNULL(0) ? nullptr : PG_GETARG_JSONB_P(0), &input.n); });
  return score_batch(fcinfo, state, input, false, {}, nullptr);
}

LEADSCORE_FUNCTION(score_results_stored) {
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  ScoringState& state = scoring_state(fcinfo);
  TupleDesc desc = nullptr;
  Oid element_type = InvalidOid;
  pg_call([&] { desc = stored_result_type(fcinfo, state, &element_type); });
  std::vector<ScoreRow> rows;
  const Datum result = score_array(fcinfo, state, &rows);
  Datum record;
  pg_call([&] {
    Datum* scores = static_cast<Datum*>(palloc(sizeof(Datum) * (rows.size() + 1)));
    for (size_t i = 0; i < rows.size(); i++) scores[i] = form_lead_score(fcinfo, state, rows[i]);
    ArrayType* array = construct_array(scores, static_cast<int>(rows.size()), element_type, -1, false, TYPALIGN_DOUBLE);
    Datum values[2] = {result, PointerGetDatum(array)};
    bool nulls[2] = {false, false};
    record = HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
  });
  return record;
}
