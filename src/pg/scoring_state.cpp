// See scoring_state.hpp.
#include "pg/scoring_state.hpp"

#include "pg/catalog_names.hpp"
#include "pg/guard.hpp"
#include "pg/gucs.hpp"
#include "pg/spi_owner.hpp"

extern "C" {
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
}

namespace leadscore::pg {
namespace {

void delete_state(void* arg) { delete static_cast<ScoringState*>(arg); }

struct FlatRule {
  char* factor;
  char* key;
  double points;
};

// Postgres side: the rows of leadscore.rule_weights, palloc'd in the caller's context.
void fetch_rules(FlatRule** rows, int* n) {
  MemoryContext caller = CurrentMemoryContext;
  SPI_connect();
  spi_read_as_owner("SELECT " LS_RULE_WEIGHTS_FACTOR ", " LS_RULE_WEIGHTS_KEY ", " LS_RULE_WEIGHTS_POINTS
                    " FROM " LS_RULE_WEIGHTS,
                    0, nullptr, nullptr, 0);
  MemoryContext spi = MemoryContextSwitchTo(caller);
  *n = static_cast<int>(SPI_processed);
  *rows = static_cast<FlatRule*>(palloc(sizeof(FlatRule) * (*n + 1)));
  for (int i = 0; i < *n; i++) {
    HeapTuple t = SPI_tuptable->vals[i];
    bool isnull;
    (*rows)[i].factor = SPI_getvalue(t, SPI_tuptable->tupdesc, 1);
    (*rows)[i].key = SPI_getvalue(t, SPI_tuptable->tupdesc, 2);
    (*rows)[i].points = DatumGetFloat8(SPI_getbinval(t, SPI_tuptable->tupdesc, 3, &isnull));
  }
  MemoryContextSwitchTo(spi);
  SPI_finish();
}

struct FlatBand {
  char* grade;
  double min_percentile, max_percentile;
};

// Postgres side: the rows of leadscore.grade_bands (a handful) read straight
// from the table in the statement's snapshot, as the query below reads them,
// without parsing and planning it on every call; as the registry's owner,
// with no function of the caller's search_path run. False when the table or
// a column is not there, for the query to answer (and fail as it would).
bool scan_grade_bands(FlatBand** rows, int* n) {
  Oid schema = get_namespace_oid(LS_SCHEMA, true);
  Oid table = OidIsValid(schema) ? get_relname_relid(LS_GRADE_BANDS_RELNAME, schema) : InvalidOid;
  if (!OidIsValid(table)) return false;
  AttrNumber grade_att = get_attnum(table, LS_GRADE_BANDS_GRADE);
  AttrNumber min_att = get_attnum(table, LS_GRADE_BANDS_MIN_PERCENTILE);
  AttrNumber max_att = get_attnum(table, LS_GRADE_BANDS_MAX_PERCENTILE);
  if (grade_att == InvalidAttrNumber || min_att == InvalidAttrNumber || max_att == InvalidAttrNumber) return false;
  Relation rel = table_open(table, AccessShareLock);
  TupleDesc desc = RelationGetDescr(rel);
  if (TupleDescAttr(desc, grade_att - 1)->atttypid != TEXTOID ||
      TupleDescAttr(desc, min_att - 1)->atttypid != FLOAT8OID ||
      TupleDescAttr(desc, max_att - 1)->atttypid != FLOAT8OID) {
    table_close(rel, AccessShareLock);
    return false;
  }
  int capacity = 8;
  *n = 0;
  *rows = static_cast<FlatBand*>(palloc(sizeof(FlatBand) * capacity));
  TupleTableSlot* slot = table_slot_create(rel, nullptr);
  TableScanDesc scan = table_beginscan(rel, GetActiveSnapshot(), 0, nullptr);
  while (table_scan_getnextslot(scan, ForwardScanDirection, slot)) {
    if (*n == capacity) {
      capacity *= 2;
      *rows = static_cast<FlatBand*>(repalloc(*rows, sizeof(FlatBand) * capacity));
    }
    bool isnull;
    FlatBand& band = (*rows)[(*n)++];
    Datum grade = slot_getattr(slot, grade_att, &isnull);
    band.grade = isnull ? nullptr : TextDatumGetCString(grade);
    band.min_percentile = DatumGetFloat8(slot_getattr(slot, min_att, &isnull));
    band.max_percentile = DatumGetFloat8(slot_getattr(slot, max_att, &isnull));
  }
  table_endscan(scan);
  ExecDropSingleTupleTableSlot(slot);
  table_close(rel, NoLock);  // kept to the end of the transaction, as the query's lock would be
  return true;
}

// Postgres side: the rows of leadscore.grade_bands, palloc'd in the caller's context.
void fetch_grade_bands(FlatBand** rows, int* n) {
  if (scan_grade_bands(rows, n)) return;
  MemoryContext caller = CurrentMemoryContext;
  SPI_connect();
  spi_read_as_owner("SELECT " LS_GRADE_BANDS_GRADE ", " LS_GRADE_BANDS_MIN_PERCENTILE
                    ", " LS_GRADE_BANDS_MAX_PERCENTILE " FROM " LS_GRADE_BANDS,
                    0, nullptr, nullptr, 0);
  MemoryContext spi = MemoryContextSwitchTo(caller);
  *n = static_cast<int>(SPI_processed);
  *rows = static_cast<FlatBand*>(palloc(sizeof(FlatBand) * (*n + 1)));
  for (int i = 0; i < *n; i++) {
    HeapTuple t = SPI_tuptable->vals[i];
    bool isnull;
    (*rows)[i].grade = SPI_getvalue(t, SPI_tuptable->tupdesc, 1);
    (*rows)[i].min_percentile = DatumGetFloat8(SPI_getbinval(t, SPI_tuptable->tupdesc, 2, &isnull));
    (*rows)[i].max_percentile = DatumGetFloat8(SPI_getbinval(t, SPI_tuptable->tupdesc, 3, &isnull));
  }
  MemoryContextSwitchTo(spi);
  SPI_finish();
}

}  // namespace

// Forgets what state read from tables when the active snapshot differs from
// the one it was read in. Plain reads of the snapshot, no Postgres call that
// can raise.
void follow_snapshot(ScoringState& state) {
  if (!ActiveSnapshotSet()) return;
  const Snapshot snap = GetActiveSnapshot();
  if (state.read_snapshot_known && snap->xmin == state.read_xmin && snap->xmax == state.read_xmax &&
      snap->curcid == state.read_cid)
    return;
  state.read_snapshot_known = true;
  state.read_xmin = snap->xmin;
  state.read_xmax = snap->xmax;
  state.read_cid = snap->curcid;
  state.model_looked_up = false;
  state.rules_loaded = false;
  state.grade_bands_loaded = false;
}

ScoringState& scoring_state(FunctionCallInfo fcinfo) {
  FmgrInfo* flinfo = fcinfo->flinfo;
  if (flinfo->fn_extra) {
    ScoringState& state = *static_cast<ScoringState*>(flinfo->fn_extra);
    follow_snapshot(state);
    return state;
  }
  MemoryContextCallback* cb = nullptr;
  pg_call([&] {
    cb = static_cast<MemoryContextCallback*>(MemoryContextAllocZero(flinfo->fn_mcxt, sizeof(*cb)));
  });
  auto* state = new ScoringState();
  cb->func = delete_state;
  cb->arg = state;
  MemoryContextRegisterResetCallback(flinfo->fn_mcxt, cb);
  flinfo->fn_extra = state;
  timestamptz_to_epoch(GetCurrentTransactionStartTimestamp(), &state->now);
  follow_snapshot(*state);
  return *state;
}

bool wants_ml(FunctionCallInfo fcinfo, int use_ml_arg) {
  if (PG_NARGS() > use_ml_arg && !PG_ARGISNULL(use_ml_arg)) return PG_GETARG_BOOL(use_ml_arg);
  return enable_ml_scoring;
}

void load_lead_argument(FunctionCallInfo fcinfo, ScoringState& state) {
  FlatLead flat;
  pg_call([&] {
    HeapTupleHeader row = PG_GETARG_HEAPTUPLEHEADER(0);
    if (!state.columns_known) {
      state.columns = lead_columns(row, fcinfo->flinfo->fn_mcxt);
      state.columns_known = true;
    }
    read_lead_row(row, state.columns, &flat);
  });
  to_lead(flat, &state.lead, &state.attribute_slots);
}

const ServingModel& serving_model(ScoringState& state) {
  if (!state.model_looked_up) {
    state.serving = active_model();
    state.model_looked_up = true;
  }
  return state.serving;
}

const RuleWeights& rule_weights(ScoringState& state) {
  if (!state.rules_loaded) {
    FlatRule* rows = nullptr;
    int n = 0;
    pg_call([&] { fetch_rules(&rows, &n); });
    RuleWeights weights;
    for (int i = 0; i < n; i++) weights.add(rows[i].factor, rows[i].key ? rows[i].key : "", rows[i].points);
    state.rules = std::move(weights);
    state.rules_loaded = true;
  }
  return state.rules;
}

const GradeBands& grade_bands(ScoringState& state) {
  if (!state.grade_bands_loaded) {
    FlatBand* rows = nullptr;
    int n = 0;
    pg_call([&] { fetch_grade_bands(&rows, &n); });
    std::vector<GradeBand> bands;
    for (int i = 0; i < n; i++) bands.push_back({rows[i].grade, rows[i].min_percentile, rows[i].max_percentile});
    // The table's trigger checks at commit; an uncommitted edit seen by this
    // transaction is checked here too (GradeBands::from throws InvalidInput).
    state.grade_bands = GradeBands::from(std::move(bands));
    state.grade_bands_loaded = true;
  }
  return state.grade_bands;
}

Datum label_text(FunctionCallInfo fcinfo, ScoringState& state, const char* label) {
  for (int i = 0; i < state.n_label_texts; i++)
    if (state.label_texts[i].label == label) return state.label_texts[i].text;
  MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
  Datum text = CStringGetTextDatum(label);
  MemoryContextSwitchTo(old);
  constexpr int kSlots = static_cast<int>(sizeof(state.label_texts) / sizeof(state.label_texts[0]));
  if (state.n_label_texts < kSlots) state.label_texts[state.n_label_texts++] = {label, text};
  return text;
}

}  // namespace leadscore::pg
