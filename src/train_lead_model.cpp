// SQL: leadscore.train_lead_model(min_feedback int, activate text, params jsonb) -> jsonb
//
// Trains on the trainable labelled leads (the view leadscore.labelled_leads:
// outcome known, a row in leads, old enough), registers the model, and
// activates it per `activate` (if_better, always or never: the gate in
// core/promotion.hpp, which this file feeds with the active model's AUC on
// the new model's held-out leads).
// The work is split so that Postgres errors never cross live C++ objects:
// arguments are read first in plain Postgres style; one scan counts the rated
// leads and keeps the trainable ones' ids, and leadscore.readiness_verdict()
// judges the counts; leads are then streamed from a cursor in batches, twice
// (a sample to learn the feature spec from, then every lead kept only as its
// bins); training runs in the core with a stop
// callback answered from Postgres' interrupt flags; the model row is written
// last, so a cancelled or failed run leaves nothing behind. Every one of those
// calls into Postgres, the first included, goes through pg_call, so that
// property does not rest on the order of the statements.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "core/json.hpp"
#include "core/metrics.hpp"
#include "core/model.hpp"
#include "core/model_format.hpp"
#include "core/params.hpp"
#include "core/promotion.hpp"
#include "core/training_set.hpp"
#include "pg/catalog_names.hpp"
#include "pg/guard.hpp"
#include "pg/gucs.hpp"
#include "pg/lead_row.hpp"
#include "pg/model_registry.hpp"

extern "C" {
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
}

using namespace leadscore;
using namespace leadscore::pg;

namespace {

constexpr long kBatchRows = 5000;

struct Arguments {
  bool min_feedback_given;  // NULL: the default of leadscore.readiness_verdict(), where it is declared
  int min_feedback;
  ActivationMode activate;
  const char* activate_name;
  int n_params;
  char** keys;
  char** values;
};

// Postgres side: arguments, validated; params as text key/value pairs.
Arguments read_arguments(FunctionCallInfo fcinfo) {
  Arguments a{};
  // Fail before the work rather than at the final INSERT.
  if (RecoveryInProgress())
    ereport(ERROR, (errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
                    errmsg("train_lead_model writes the model registry: run it on the primary, not on a standby"),
                    errhint("Standbys serve scores with the primary's active model; train and activate on the primary.")));
  a.min_feedback_given = !PG_ARGISNULL(0);
  a.min_feedback = a.min_feedback_given ? PG_GETARG_INT32(0) : 0;
  if (a.min_feedback_given && a.min_feedback < 2)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("min_feedback: must be at least 2, got %d", a.min_feedback)));
  a.activate_name = PG_ARGISNULL(1) ? "if_better" : text_to_cstring(PG_GETARG_TEXT_PP(1));
  std::optional<ActivationMode> mode = activation_mode(a.activate_name);
  if (mode) a.activate = *mode;
  else
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("activate: '%s' is not allowed; allowed: if_better, always, never", a.activate_name)));

  if (PG_ARGISNULL(2)) return a;
  Jsonb* params = PG_GETARG_JSONB_P(2);
  if (!JB_ROOT_IS_OBJECT(params) || JB_ROOT_IS_SCALAR(params))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("params: must be a JSON object")));
  int capacity = JB_ROOT_COUNT(params);
  a.keys = static_cast<char**>(palloc(sizeof(char*) * (capacity + 1)));
  a.values = static_cast<char**>(palloc(sizeof(char*) * (capacity + 1)));
  JsonbIterator* it = JsonbIteratorInit(&params->root);
  JsonbValue v;
  JsonbIteratorToken token;
  char* key = nullptr;
  while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE) {
    if (token == WJB_KEY) {
      key = pnstrdup(v.val.string.val, v.val.string.len);
    } else if (token == WJB_VALUE) {
      char* text;
      switch (v.type) {
        case jbvString: text = pnstrdup(v.val.string.val, v.val.string.len); break;
        case jbvNumeric: text = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v.val.numeric))); break;
        case jbvBool: text = pstrdup(v.val.boolean ? "true" : "false"); break;
        default:
          ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                          errmsg("params: the value of \"%s\" must be a number, string or boolean", key)));
      }
      a.keys[a.n_params] = key;
      a.values[a.n_params] = text;
      a.n_params++;
    }
  }
  return a;
}

struct LabelledBatch {
  int n;
  int64* ids;
  Outcome* outcomes;
  FlatLead* leads;  // read only where wanted[i]
  bool* wanted;
};

// A rated lead's outcome from its row of labelled_leads (win_label, best
// rating, deal value, quote age, days to win, the deal band's range: columns
// 2, 4 to 9). The stage follows the best rating, in the rating enum's order;
// a lead labelled won is won whatever rating said so (rating_labels may map
// another rating to won), and one without a label is pending. Plain data: no
// destructor to skip.
Outcome read_outcome(HeapTuple t, TupleDesc desc) {
  Outcome o;
  bool win_null, rating_null, value_null;
  const bool won = DatumGetBool(SPI_getbinval(t, desc, 2, &win_null));
  const Datum rating = SPI_getbinval(t, desc, 4, &rating_null);
  const Datum value = SPI_getbinval(t, desc, 5, &value_null);
  const char* r = rating_null ? "" : TextDatumGetCString(rating);
  o.stage = strcmp(r, "won") == 0             ? kStageWon
            : strcmp(r, "quoted") == 0        ? kStageQuoted
            : strcmp(r, "not_qualified") == 0 ? kStageContacted
                                              : kStageNone;
  if (!win_null && won) o.stage = kStageWon;
  if (!win_null && !won && o.stage == kStageWon) o.stage = kStageQuoted;
  o.win_known = !win_null;
  o.deal_value = value_null ? NAN : DatumGetFloat8(value);
  bool age_null, lag_null;
  const Datum age = SPI_getbinval(t, desc, 6, &age_null);
  const Datum lag = SPI_getbinval(t, desc, 7, &lag_null);
  o.quote_age_days = age_null ? NAN : DatumGetFloat8(age);
  o.days_to_win = lag_null ? NAN : DatumGetFloat8(lag);
  bool low_null, high_null;
  const Datum low = SPI_getbinval(t, desc, 8, &low_null);
  const Datum high = SPI_getbinval(t, desc, 9, &high_null);
  o.deal_low = low_null ? NAN : DatumGetFloat8(low);
  o.deal_high = low_null ? NAN : high_null ? INFINITY : DatumGetFloat8(high);
  return o;
}

// The least work_mem training reads the leads with: the view joins the
// leads to their outcomes through a hash of the outcomes, about 60 bytes a
// lead, and with less the join spills both sides to temporary files in
// batches (the leads' whole rows among them): on 400,000 leads, 8 batches
// at the default 4 MB, and the query took 1.33 s against 0.80 s in memory.
// 64 MB (times hash_mem_multiplier) holds it up to about two million leads.
constexpr int kReadWorkMemKb = 64 * 1024;

// A cursor of a read, and the settings it runs under until close_cursor().
struct Cursor {
  Portal portal;
  int nest_level;
};

// Opens a cursor on sql (its parameter $1, when ids is given, the ids as an
// int8 array) inside the caller's SPI connection. Planned without JIT: the
// queries scan labelled_leads, whose cost estimate crosses jit_above_cost
// early (the view's per-lead lookup of quote times counts for every lead),
// and compiling took longer (about half a second) than reading 36,000
// leads. Run with work_mem at least kReadWorkMemKb: the hash join sizes its
// table when the first row is fetched, so the setting holds until the
// cursor is closed, and is then restored as a function's SET clause would
// restore it (an error restores it with the transaction). Plain Postgres
// style.
Cursor open_cursor(const char* sql, const std::vector<int64_t>* ids) {
  Oid types[1] = {INT8ARRAYOID};
  Datum values[1] = {0};
  if (ids) {
    Datum* elems = static_cast<Datum*>(palloc(sizeof(Datum) * (ids->size() + 1)));
    for (size_t i = 0; i < ids->size(); ++i) elems[i] = Int64GetDatum((*ids)[i]);
    values[0] = PointerGetDatum(
        construct_array(elems, static_cast<int>(ids->size()), INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
  }
  Cursor c;
  c.nest_level = NewGUCNestLevel();
  (void)set_config_option("jit", "off", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
  if (work_mem < kReadWorkMemKb)
    (void)set_config_option("work_mem", psprintf("%d", kReadWorkMemKb), PGC_USERSET, PGC_S_SESSION,
                            GUC_ACTION_SAVE, true, 0, false);
  c.portal = SPI_cursor_open_with_args(nullptr, sql, ids ? 1 : 0, types, values, nullptr, true, CURSOR_OPT_NO_SCROLL);
  return c;
}

void close_cursor(const Cursor& c) {
  SPI_cursor_close(c.portal);
  AtEOXact_GUC(true, c.nest_level);
}

// Which trainable labelled leads a stream reads: all of them (the first
// limit in the order of a seeded hash of their id when there are more), only
// the given ids, or all but them.
struct Selection {
  enum Kind { All, Only, AllBut } kind = All;
  const std::vector<int64_t>* ids = nullptr;
};

// What training learns of the rated leads before reading any of their rows,
// in one scan of labelled_leads: the counts leadscore.training_readiness()
// judges, and the ids of the trainable leads, which the loader chooses the
// spec sample by (a scan that forms no row costs a third of one that does).
// The counts are those of training_readiness(), row for row (a test holds
// them equal); the verdict on them is leadscore.readiness_verdict(), the
// rule's one home, so a refusal reads as training_readiness() says it.
struct Census {
  int64 won = 0, lost = 0, labelled = 0, too_young = 0, without_lead_row = 0, pending = 0;
  // The trainable leads' ids, kept while there are at most keep_ids of
  // them: beyond max_training_leads the loader samples by another order and
  // needs none, and they would take 8 bytes a lead of every rated lead.
  size_t keep_ids = 0;
  std::vector<int64_t> ids;
  bool ids_complete = true;

  int64 eligible() const { return won + lost + pending; }

  // One row of labelled_leads, as training_readiness() counts it.
  void count(int64_t id, bool trainable, bool has_lead_row, bool label_null, bool won_label) {
    if (!label_null) {
      ++labelled;
      if (!trainable) ++(has_lead_row ? too_young : without_lead_row);
    }
    if (!trainable) return;
    ++(label_null ? pending : won_label ? won : lost);
    if (!ids_complete) return;
    if (ids.size() < keep_ids) {
      ids.push_back(id);
    } else {
      ids_complete = false;
      std::vector<int64_t>().swap(ids);
    }
  }
};

Census take_census(size_t keep_ids) {
  Census c;
  c.keep_ids = keep_ids;
  Cursor cursor{};
  pg_call([&] {
    SPI_connect();
    cursor = open_cursor("SELECT ll." LS_LABELLED_LEADS_LEAD_ID ", ll." LS_LABELLED_LEADS_TRAINABLE
                         ", ll." LS_LABELLED_LEADS_HAS_LEAD_ROW ", ll." LS_LABELLED_LEADS_WIN_LABEL
                         " FROM " LS_LABELLED_LEADS " ll",
                         nullptr);
  });
  struct Row {
    int64 id;
    bool trainable, has_lead_row, label_null, won;
  };
  for (;;) {
    Row* batch = nullptr;
    int n = 0;
    pg_call([&] {
      SPI_cursor_fetch(cursor.portal, true, kBatchRows * 4);
      n = static_cast<int>(SPI_processed);
      batch = static_cast<Row*>(palloc(sizeof(Row) * (n + 1)));
      for (int i = 0; i < n; i++) {
        HeapTuple t = SPI_tuptable->vals[i];
        TupleDesc d = SPI_tuptable->tupdesc;
        bool isnull;
        batch[i].id = DatumGetInt64(SPI_getbinval(t, d, 1, &isnull));
        batch[i].trainable = DatumGetBool(SPI_getbinval(t, d, 2, &isnull)) && !isnull;
        batch[i].has_lead_row = DatumGetBool(SPI_getbinval(t, d, 3, &isnull)) && !isnull;
        batch[i].won = DatumGetBool(SPI_getbinval(t, d, 4, &batch[i].label_null));
      }
    });
    for (int i = 0; i < n; i++) {
      const Row& r = batch[i];
      c.count(r.id, r.trainable, r.has_lead_row, r.label_null, !r.label_null && r.won);
    }
    if (interrupt_pending()) throw Cancelled();
    pg_call([&] {
      pfree(batch);
      SPI_freetuptable(SPI_tuptable);
    });
    if (n == 0) break;
  }
  pg_call([&] {
    close_cursor(cursor);
    SPI_finish();
  });
  return c;
}

// Postgres side: raises readiness_verdict()'s reason unless the counts are
// enough to train on (min_feedback as given, or the verdict's default).
// Plain Postgres style (palloc'd strings, no C++ object).
void require_ready(const Arguments& a, const Census& c) {
  Oid types[7] = {INT8OID, INT8OID, INT8OID, INT8OID, INT8OID, INT8OID, INT4OID};
  Datum values[7] = {Int64GetDatum(c.won),       Int64GetDatum(c.lost),
                     Int64GetDatum(c.labelled),  Int64GetDatum(c.too_young),
                     Int64GetDatum(c.without_lead_row), Int64GetDatum(c.pending),
                     Int32GetDatum(a.min_feedback)};
#define LS_VERDICT_FIELDS \
  "SELECT (r OPERATOR(pg_catalog.->>) 'ready')::pg_catalog.bool, r OPERATOR(pg_catalog.->>) 'reason' FROM "
  const char* sql = a.min_feedback_given ? LS_VERDICT_FIELDS LS_READINESS_VERDICT "($1, $2, $3, $4, $5, $6, $7) r"
                                         : LS_VERDICT_FIELDS LS_READINESS_VERDICT "($1, $2, $3, $4, $5, $6) r";
#undef LS_VERDICT_FIELDS
  SPI_connect();
  int rc = SPI_execute_with_args(sql, a.min_feedback_given ? 7 : 6, types, values, nullptr, true, 1);
  if (rc != SPI_OK_SELECT || SPI_processed != 1) elog(ERROR, "leadscore: judging the labelled leads failed");
  bool isnull;
  HeapTuple row = SPI_tuptable->vals[0];
  bool ready = DatumGetBool(SPI_getbinval(row, SPI_tuptable->tupdesc, 1, &isnull));
  if (!ready)
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("%s", SPI_getvalue(row, SPI_tuptable->tupdesc, 2)),
                    errhint("A lead is labelled once contractors' feedback resolves it (see leadscore.rating_labels); "
                            "SELECT leadscore.training_readiness() gives the counts.")));
  SPI_finish();
}

// Streams the selected trainable labelled leads from a cursor, batch by
// batch, and hands each one the caller wants (want(id), asked before the row
// is read) to use(lead, won); one Lead object is reused for every row, so
// nothing but what use() keeps grows with the number of leads. When all are
// selected and there are more than limit, only limit of them stream: those
// first in the order of a seeded hash of their id, a sample that does not
// depend on storage order.
template <class Want, class Use>
void stream_labelled_leads(int64 eligible, int limit, uint64_t seed, const Selection& selection, Want&& want,
                           Use&& use) {
  Cursor cursor{};
  MemoryContext spi_context = nullptr;
  MemoryContext batch_context = nullptr;
  LeadColumns columns{};
  bool columns_known = false;
  pg_call([&] {
    const char* filter =
        selection.kind == Selection::Only     ? " AND ll." LS_LABELLED_LEADS_LEAD_ID " OPERATOR(pg_catalog.=) ANY ($1)"
        : selection.kind == Selection::AllBut ? " AND ll." LS_LABELLED_LEADS_LEAD_ID " OPERATOR(pg_catalog.<>) ALL ($1)"
        : eligible <= limit
            ? ""
            : psprintf(" ORDER BY pg_catalog.hashint8extended(ll." LS_LABELLED_LEADS_LEAD_ID
                       ", '%lld'::pg_catalog.int8), ll." LS_LABELLED_LEADS_LEAD_ID " LIMIT %d",
                       static_cast<long long>(seed), limit);
    const char* sql = psprintf("SELECT ll." LS_LABELLED_LEADS_LEAD ", ll." LS_LABELLED_LEADS_WIN_LABEL
                               ", ll." LS_LABELLED_LEADS_LEAD_ID ", ll." LS_LABELLED_LEADS_BEST_RATING
                               "::pg_catalog.text, ll." LS_LABELLED_LEADS_DEAL_VALUE "::pg_catalog.float8, ll."
                               LS_LABELLED_LEADS_QUOTE_AGE_DAYS ", ll." LS_LABELLED_LEADS_DAYS_TO_WIN
                               ", ll." LS_LABELLED_LEADS_DEAL_VALUE_MIN "::pg_catalog.float8, ll."
                               LS_LABELLED_LEADS_DEAL_VALUE_MAX "::pg_catalog.float8 FROM " LS_LABELLED_LEADS " ll WHERE ll." LS_LABELLED_LEADS_TRAINABLE "%s",
                               filter);
    SPI_connect();
    spi_context = CurrentMemoryContext;
    batch_context = AllocSetContextCreate(spi_context, "leadscore training batch", ALLOCSET_DEFAULT_SIZES);
    cursor = open_cursor(sql, selection.kind == Selection::All ? nullptr : selection.ids);
  });
  Lead lead;
  std::vector<uint32_t> slots;
  for (;;) {
    LabelledBatch batch{};
    pg_call([&] {
      SPI_cursor_fetch(cursor.portal, true, kBatchRows);
      MemoryContext old = MemoryContextSwitchTo(batch_context);
      batch.n = static_cast<int>(SPI_processed);
      batch.ids = static_cast<int64*>(palloc(sizeof(int64) * (batch.n + 1)));
      batch.outcomes = static_cast<Outcome*>(palloc(sizeof(Outcome) * (batch.n + 1)));
      batch.wanted = static_cast<bool*>(palloc(sizeof(bool) * (batch.n + 1)));
      batch.leads = static_cast<FlatLead*>(palloc(sizeof(FlatLead) * (batch.n + 1)));
      for (int i = 0; i < batch.n; i++) {
        bool isnull;
        HeapTuple t = SPI_tuptable->vals[i];
        batch.ids[i] = DatumGetInt64(SPI_getbinval(t, SPI_tuptable->tupdesc, 3, &isnull));
        // want() is plain arithmetic on the id: it can neither throw nor call Postgres.
        batch.wanted[i] = want(static_cast<int64_t>(batch.ids[i]));
        if (!batch.wanted[i]) continue;
        batch.outcomes[i] = read_outcome(t, SPI_tuptable->tupdesc);
        HeapTupleHeader row = DatumGetHeapTupleHeader(SPI_getbinval(t, SPI_tuptable->tupdesc, 1, &isnull));
        if (!columns_known) columns = lead_columns(row, spi_context), columns_known = true;
        read_lead_row(row, columns, &batch.leads[i]);
      }
      MemoryContextSwitchTo(old);
    });
    for (int i = 0; i < batch.n; i++) {
      // Within a batch too: use() may score the lead with the active model
      // for the gate, and a model of many deep trees takes about half a
      // millisecond a lead, half a second a batch.
      if ((i & 127) == 127 && interrupt_pending()) throw Cancelled();
      if (!batch.wanted[i]) continue;
      to_lead(batch.leads[i], &lead, &slots);
      use(lead, batch.outcomes[i]);
    }
    if (interrupt_pending()) throw Cancelled();
    int n = batch.n;
    pg_call([&] {
      SPI_freetuptable(SPI_tuptable);
      MemoryContextReset(batch_context);
    });
    if (n == 0) break;
  }
  pg_call([&] {
    close_cursor(cursor);
    MemoryContextDelete(batch_context);
    SPI_finish();
  });
}

// The labelled leads as the core trains on them. Only a bounded sample is
// ever held as Lead objects: the leads the feature spec is learned from
// (training_set.hpp); every other lead is binned under that spec as it
// streams. The spec's leads must be known before any other is binned:
//  - no more leads than the sample holds: read once, all kept, and binned
//    from memory;
//  - more: their ids are read first (no row formed), the sample is chosen
//    from them, its rows are read and held, and then every other row once;
//  - more than max_training_leads: two passes over the sampled leads in
//    the order of their hash, the first keeping the sample as it goes.
// Each gives the model the others would on the same leads. On the way, the
// held-out leads are scored with the active model when the gate needs its
// AUC there.
struct Loaded {
  TrainingSet set;
  std::vector<double> active_raw;  // the active model's raw probability of each held-out lead
  std::vector<uint8_t> active_y;

  // Adds a lead to the set, and its active score when the gate needs it.
  void add(const Lead& lead, const Outcome& outcome, const Model* active, const TrainParams& params, double now) {
    set.add(lead, outcome);
    if (active && outcome.win_known && is_holdout(lead.id, params.seed, params.holdout_fraction)) {
      active_raw.push_back(active->score(lead, now).raw_prob);
      active_y.push_back(outcome.stage == kStageWon ? 1 : 0);
    }
  }
};

// The spec learned from leads held in memory (SpecSample::learn_from), and
// those leads binned under it into a set with room for `room` leads.
void bin_held_leads(const std::vector<Lead>& leads, const std::vector<Outcome>& outcomes, size_t room,
                    const TrainParams& params, double now, const Model* active, Loaded* out) {
  out->set = TrainingSet(SpecSample::learn_from(leads, params, now, [] { return interrupt_pending(); }), now);
  out->set.reserve(room);
  for (size_t i = 0; i < leads.size(); ++i) {
    out->add(leads[i], outcomes[i], active, params, now);
    if ((i & 1023) == 1023 && interrupt_pending()) throw Cancelled();
  }
}

// Every trainable lead read in one pass and held, when there are no more of
// them than spec_sample_leads (the most the first pass would hold anyway);
// false, with nothing kept, when more arrived than were counted.
bool load_in_one_pass(const TrainParams& params, int64 eligible, double now, const Model* active, Loaded* out) {
  const size_t most = static_cast<size_t>(params.spec_sample_leads);
  std::vector<Lead> leads;
  std::vector<Outcome> outcomes;
  bool fits = true;
  stream_labelled_leads(eligible, params.max_training_leads, params.seed, Selection(), [&](int64_t) { return fits; },
                        [&](const Lead& lead, const Outcome& outcome) {
                          if (!fits) return;
                          if (leads.size() == most) {
                            fits = false;
                            std::vector<Lead>().swap(leads);
                            std::vector<Outcome>().swap(outcomes);
                            return;
                          }
                          leads.push_back(lead);
                          outcomes.push_back(outcome);
                        });
  if (!fits) return false;
  bin_held_leads(leads, outcomes, leads.size(), params, now, active, out);
  return true;
}

// The sample's rows first, chosen by the trainable leads' ids, then every other row once.
void load_sample_first(const TrainParams& params, int64 eligible, const std::vector<int64_t>& ids, double now,
                       const Model* active, Loaded* out) {
  const int limit = params.max_training_leads;
  std::vector<int64_t> chosen = SpecSample::chosen_ids(ids, params);
  std::vector<Lead> leads;
  std::vector<Outcome> outcomes;
  leads.reserve(chosen.size());
  outcomes.reserve(chosen.size());
  stream_labelled_leads(eligible, limit, params.seed, Selection{Selection::Only, &chosen}, [](int64_t) { return true; },
                        [&](const Lead& lead, const Outcome& outcome) {
                          leads.push_back(lead);
                          outcomes.push_back(outcome);
                        });
  bin_held_leads(leads, outcomes, static_cast<size_t>(eligible), params, now, active, out);
  std::vector<Lead>().swap(leads);  // frees the sample before the binned set grows
  std::vector<Outcome>().swap(outcomes);
  stream_labelled_leads(eligible, limit, params.seed, Selection{Selection::AllBut, &chosen}, [](int64_t) { return true; },
                        [&](const Lead& lead, const Outcome& outcome) { out->add(lead, outcome, active, params, now); });
}

// The two streaming passes over the sampled leads: the spec sample, then every lead binned.
void load_in_two_passes(const TrainParams& params, int64 eligible, double now, const Model* active, Loaded* out) {
  const int limit = params.max_training_leads;
  SpecSample sample(params);
  stream_labelled_leads(eligible, limit, params.seed, Selection(), [&](int64_t id) { return sample.wants(id); },
                        [&](const Lead& lead, const Outcome&) { sample.offer(lead); });
  out->set = TrainingSet(sample.learn(now, [] { return interrupt_pending(); }), now);
  sample = SpecSample(params);  // frees the sample before the binned set grows
  out->set.reserve(static_cast<size_t>(std::min<int64>(eligible, limit)));
  stream_labelled_leads(eligible, limit, params.seed, Selection(), [](int64_t) { return true; },
                        [&](const Lead& lead, const Outcome& outcome) { out->add(lead, outcome, active, params, now); });
}

Loaded load_labelled_leads(const TrainParams& params, const Census& census, double now, const Model* active) {
  Loaded out;
  const int64 eligible = census.eligible();
  if (eligible > params.max_training_leads || !census.ids_complete)
    load_in_two_passes(params, eligible, now, active, &out);
  else if (eligible > params.spec_sample_leads || !load_in_one_pass(params, eligible, now, active, &out))
    load_sample_first(params, eligible, census.ids, now, active, &out);
  out.set.quote_expiry_days = quote_expiry_days;
  return out;
}

struct Gate {
  Promotion promotion;
  ChanceCheck chance;
  int active_version = 0;   // 0: no active model, or not looked up (activate is never)
  double active_auc = NAN;  // the active model's raw AUC on the held-out leads, when measured
};

// Applies the gate to the candidate, given the active model (looked up
// before training) and its raw probabilities on the held-out leads.
Gate decide(ActivationMode mode, const Model& candidate, const ServingModel& current, const Loaded& loaded) {
  Gate g;
  ActiveModel active = ActiveModel::none();
  if (needs_active_model(mode)) {
    g.active_version = current.version;
    if (!current.model) {
      active = current.version == 0 ? ActiveModel::none() : ActiveModel::unreadable();
    } else if (needs_active_auc(mode)) {
      g.active_auc = roc_auc(loaded.active_raw, loaded.active_y);
      active = ActiveModel::measured(g.active_auc);
    }
  }
  g.chance = check_better_than_chance(candidate.metrics());
  g.promotion = decide_promotion(mode, candidate.metrics().auc_raw, active, g.chance);
  return g;
}

}  // namespace

LEADSCORE_FUNCTION(train_lead_model) {
  // Like every later call into Postgres, under pg_call: no step may longjmp
  // past the C++ objects below, whatever order the steps come in.
  Arguments args;
  double now = 0;  // the transaction's start, in seconds since the Unix epoch
  pg_call([&] {
    args = read_arguments(fcinfo);
    timestamptz_to_epoch(GetCurrentTransactionStartTimestamp(), &now);
  });

  // In the database every model keeps its held-out leads out of training
  // (refit_full false), so models with the same seed share an untouched
  // held-out part and the if_better gate compares them fairly.
  std::vector<std::pair<std::string, std::string>> kv{{"refit_full", "false"}};
  for (int i = 0; i < args.n_params; i++) kv.emplace_back(args.keys[i], args.values[i]);
  // Read before the census, which keeps ids up to max_training_leads; a bad
  // parameter is reported after the readiness, as it always was.
  std::optional<TrainParams> parsed;
  std::exception_ptr bad_params;
  try {
    parsed = TrainParams::from_kv(kv);
  } catch (const InvalidInput&) {
    bad_params = std::current_exception();
  }
  const Census census = take_census(parsed ? static_cast<size_t>(parsed->max_training_leads) : 0);
  pg_call([&] { require_ready(args, census); });
  if (bad_params) std::rethrow_exception(bad_params);
  const TrainParams& params = *parsed;
  const int64 won = census.won, lost = census.lost, pending = census.pending;

  const int64 eligible = census.eligible();
  const bool sampled = eligible > params.max_training_leads;
  // Looked up before the leads stream, so the held-out ones are scored by it on the way.
  ServingModel current;
  if (needs_active_model(args.activate)) current = active_model();
  const Model* measure = needs_active_auc(args.activate) ? current.model.get() : nullptr;
  Loaded loaded = load_labelled_leads(params, census, now, measure);
  const size_t training_rows = loaded.set.size();

  Model model = train(std::move(loaded.set), params, [] { return interrupt_pending(); });
  Gate gate = decide(args.activate, model, current, loaded);

  std::string blob = serialize(model, [] { return interrupt_pending(); });
  std::string metrics = model.metrics_json();
  std::string spec = model.spec().to_json();
  std::string used_params = model.params().to_json();

  int version = 0;
  pg_call([&] {
    SPI_connect();
    bytea* b = static_cast<bytea*>(palloc(VARHDRSZ + blob.size()));
    SET_VARSIZE(b, VARHDRSZ + blob.size());
    memcpy(VARDATA(b), blob.data(), blob.size());
    Oid types[5] = {TEXTOID, TEXTOID, TEXTOID, INT4OID, BYTEAOID};
    Datum values[5] = {CStringGetTextDatum(used_params.c_str()), CStringGetTextDatum(spec.c_str()),
                       CStringGetTextDatum(metrics.c_str()), Int32GetDatum(static_cast<int32>(training_rows)),
                       PointerGetDatum(b)};
    int rc = SPI_execute_with_args(
        "INSERT INTO " LS_MODELS " (" LS_MODELS_ALGORITHM ", " LS_MODELS_PARAMS ", " LS_MODELS_FEATURE_SPEC ", "
        LS_MODELS_METRICS ", " LS_MODELS_TRAINING_ROWS ", " LS_MODELS_BLOB ")"
        " VALUES ('random_forest', $1::pg_catalog.jsonb, $2::pg_catalog.jsonb, $3::pg_catalog.jsonb, $4, $5)"
        " RETURNING " LS_MODELS_VERSION,
        5, types, values, nullptr, false, 1);
    if (rc != SPI_OK_INSERT_RETURNING) elog(ERROR, "leadscore: registering the model failed");
    bool isnull;
    version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    if (gate.promotion.activate) {
      Oid vtype[1] = {INT4OID};
      Datum v[1] = {Int32GetDatum(version)};
      SPI_execute_with_args("SELECT " LS_ACTIVATE_MODEL "($1)", 1, vtype, v, nullptr, false, 1);
    }
    SPI_finish();
  });

  JsonWriter w;
  w.begin_object();
  w.key("version").value(version);
  w.key("activated").value(gate.promotion.activate);
  w.key("reason").value(gate.promotion.reason);
  w.key("previous_active_version");
  if (gate.active_version) w.value(gate.active_version); else w.null();
  // The two numbers the if_better gate compared: raw-forest AUCs on the held-out leads.
  w.key("auc_raw_on_holdout").value(model.metrics().auc_raw);
  w.key("previous_active_auc_on_holdout").value(gate.active_auc);
  // Whether the model is credibly better than chance (core/promotion.hpp).
  w.key("better_than_chance").begin_object();
  w.key("credible").value(gate.chance.credible);
  w.key("auc_lower_bound").value(gate.chance.auc_lower_bound);
  w.key("log_loss").value(gate.chance.log_loss);
  w.key("base_log_loss").value(gate.chance.base_log_loss);
  w.end_object();
  w.key("training_rows").value(training_rows);
  w.key("won").value(static_cast<long long>(won));
  w.key("lost").value(static_cast<long long>(lost));
  w.key("pending").value(static_cast<long long>(pending));  // quotes not resolved yet: contact and quote stages only
  w.key("value_model").value(model.value_model().estimate());
  w.key("sampled").value(sampled);  // more labelled leads than params.max_training_leads
  w.key("metrics").raw(metrics);
  w.key("params").raw(used_params);
  w.end_object();
  Datum result;
  pg_call([&] { result = DirectFunctionCall1(jsonb_in, CStringGetDatum(w.str().c_str())); });
  return result;
}
