// SQL: leadscore.train_lead_model(min_feedback int, activate text, params jsonb) -> jsonb
//
// Trains on every lead whose outcome is known (lead_outcomes.win_label not
// NULL) joined with its features in leads, registers the model, and activates
// it per `activate`:
//   if_better  only if there is no readable active model, or the new model's AUC on
//              its held-out leads is at least the active model's on the same
//              leads minus kPromotionTolerance. Both AUCs are of the forests'
//              raw probabilities: no forest trained in the database ever sees
//              its held-out leads (see below), while its calibration map does,
//              after they are measured (core/model.hpp), and ranks by the raw
//              probability are untouched by any map;
//   always / never.
// The work is split so that Postgres errors never cross live C++ objects:
// arguments and counts are read first in plain Postgres style; leads are then
// streamed from a cursor in batches (each SPI call under pg_call); training runs
// in the core with a stop callback answered from Postgres' interrupt flags; the
// model row is written last, so a cancelled or failed run leaves nothing behind.
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "core/json.hpp"
#include "core/model.hpp"
#include "core/model_format.hpp"
#include "core/params.hpp"
#include "pg/guard.hpp"
#include "pg/gucs.hpp"
#include "pg/lead_row.hpp"
#include "pg/model_registry.hpp"

extern "C" {
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
}

using namespace leadscore;
using namespace leadscore::pg;

namespace {

constexpr double kPromotionTolerance = 0.01;
constexpr long kBatchRows = 5000;

enum class Activate { IfBetter, Always, Never };

struct Arguments {
  int min_feedback;
  Activate activate;
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
  a.min_feedback = PG_ARGISNULL(0) ? 50 : PG_GETARG_INT32(0);
  if (a.min_feedback < 2)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("min_feedback: must be at least 2, got %d", a.min_feedback)));
  a.activate_name = PG_ARGISNULL(1) ? "if_better" : text_to_cstring(PG_GETARG_TEXT_PP(1));
  if (strcmp(a.activate_name, "if_better") == 0) a.activate = Activate::IfBetter;
  else if (strcmp(a.activate_name, "always") == 0) a.activate = Activate::Always;
  else if (strcmp(a.activate_name, "never") == 0) a.activate = Activate::Never;
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

// The leads training may use: labelled, and old enough for their outcome to be
// known (leadscore.training_min_lead_age; a lead without created_at counts as
// old enough). count_labels() and load_labelled_leads() share it so that the
// counts in error messages are the rows training would see.
const char* eligible_leads_condition() {
  return psprintf(
      "o.win_label IS NOT NULL AND (l.created_at IS NULL OR l.created_at <= now() - make_interval(days => %d))",
      training_min_lead_age_days);
}

// Postgres side: how many labelled leads of each class training would see.
void count_labels(int64* won, int64* lost) {
  // Plain Postgres style (palloc'd strings): this runs before any C++ object exists.
  const char* sql = psprintf(
      "SELECT count(*) FILTER (WHERE o.win_label), count(*) FILTER (WHERE NOT o.win_label)"
      "  FROM leadscore.lead_outcomes o JOIN leadscore.leads l ON l.id = o.lead_id WHERE %s",
      eligible_leads_condition());
  SPI_connect();
  int rc = SPI_execute(sql, true, 1);
  if (rc != SPI_OK_SELECT) elog(ERROR, "leadscore: counting labelled leads failed");
  bool isnull;
  *won = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
  *lost = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
  SPI_finish();
}

void check_counts(const Arguments& a, int64 won, int64 lost) {
  if (won + lost < a.min_feedback)
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("not enough labelled leads to train: %lld, min_feedback is %d (%lld won, %lld lost)",
                           (long long)(won + lost), a.min_feedback, (long long)won, (long long)lost),
                    errhint("A lead is labelled once contractors' feedback resolves it (see leadscore.rating_labels); "
                            "leads younger than leadscore.training_min_lead_age days are not counted.")));
  if (won == 0 || lost == 0)
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("cannot train on one class: %lld won, %lld lost", (long long)won, (long long)lost)));
}

struct LabelledBatch {
  int n;
  FlatLead* leads;
  bool* won;
};

// Streams the labelled leads into the core's vectors, batch by batch. When
// there are more than limit, only limit of them are read: those first in the
// order of a seeded hash of their id, a sample that does not depend on storage
// order, so training memory stays bounded however many leads are labelled.
void load_labelled_leads(std::vector<Lead>& leads, std::vector<uint8_t>& labels, int64 eligible, int limit,
                         uint64_t seed) {
  Portal portal = nullptr;
  MemoryContext spi_context = nullptr;
  MemoryContext batch_context = nullptr;
  LeadColumns columns{};
  bool columns_known = false;
  pg_call([&] {
    const char* order = eligible <= limit
                            ? "ORDER BY l.id"
                            : psprintf("ORDER BY hashint8extended(l.id, %lld), l.id LIMIT %d",
                                       static_cast<long long>(seed), limit);
    const char* sql = psprintf(
        "SELECT l, o.win_label FROM leadscore.leads l"
        "  JOIN leadscore.lead_outcomes o ON o.lead_id = l.id WHERE %s %s",
        eligible_leads_condition(), order);
    SPI_connect();
    spi_context = CurrentMemoryContext;
    batch_context = AllocSetContextCreate(spi_context, "leadscore training batch", ALLOCSET_DEFAULT_SIZES);
    portal = SPI_cursor_open_with_args(
        nullptr, sql, 0, nullptr, nullptr, nullptr, true, CURSOR_OPT_NO_SCROLL);
  });
  for (;;) {
    LabelledBatch batch{};
    pg_call([&] {
      SPI_cursor_fetch(portal, true, kBatchRows);
      MemoryContext old = MemoryContextSwitchTo(batch_context);
      batch.n = static_cast<int>(SPI_processed);
      batch.leads = static_cast<FlatLead*>(palloc(sizeof(FlatLead) * (batch.n + 1)));
      batch.won = static_cast<bool*>(palloc(sizeof(bool) * (batch.n + 1)));
      for (int i = 0; i < batch.n; i++) {
        bool isnull;
        HeapTuple t = SPI_tuptable->vals[i];
        HeapTupleHeader row = DatumGetHeapTupleHeader(SPI_getbinval(t, SPI_tuptable->tupdesc, 1, &isnull));
        if (!columns_known) columns = lead_columns(row, spi_context), columns_known = true;
        read_lead_row(row, columns, &batch.leads[i]);
        batch.won[i] = DatumGetBool(SPI_getbinval(t, SPI_tuptable->tupdesc, 2, &isnull));
      }
      MemoryContextSwitchTo(old);
    });
    for (int i = 0; i < batch.n; i++) {
      leads.emplace_back();
      to_lead(batch.leads[i], &leads.back());
      labels.push_back(batch.won[i] ? 1 : 0);
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
    SPI_cursor_close(portal);
    MemoryContextDelete(batch_context);
    SPI_finish();
  });
}

struct Gate {
  bool activate = false;
  std::string reason;
  int active_version = 0;
  double active_auc = NAN;
};

// Decides activation; evaluates the active model on the new model's held-out leads.
Gate decide(Activate mode, const Model& candidate, const std::vector<Lead>& leads,
            const std::vector<uint8_t>& labels, double now) {
  Gate g;
  if (mode == Activate::Never) return g.reason = "activate is never", g;
  ServingModel current = active_model();
  g.active_version = current.version;
  if (mode == Activate::Always) return g.activate = true, g.reason = "activate is always", g;
  if (!current.model) {
    g.activate = true;
    g.reason = current.version == 0 ? "there was no active model" : "the active model is unreadable";
    return g;
  }
  std::vector<Lead> held_leads;
  std::vector<uint8_t> held_labels;
  const TrainParams& p = candidate.params();
  for (size_t i = 0; i < leads.size(); i++) {
    if (is_holdout(leads[i].id, p.seed, p.holdout_fraction)) {
      held_leads.push_back(leads[i]);
      held_labels.push_back(labels[i]);
    }
  }
  std::vector<double> raw;
  for (const Score& s : current.model->score_batch(held_leads, now, [] { return interrupt_pending(); }))
    raw.push_back(s.raw_prob);
  g.active_auc = roc_auc(raw, held_labels);
  double auc = candidate.metrics().auc_raw;
  g.activate = !(auc < g.active_auc - kPromotionTolerance);  // NaN (one class held out) activates
  g.reason = g.activate ? "its held-out AUC is at least the active model's minus 0.01"
                        : "its held-out AUC is below the active model's minus 0.01";
  return g;
}

}  // namespace

LEADSCORE_FUNCTION(train_lead_model) {
  Arguments args = read_arguments(fcinfo);
  int64 won = 0, lost = 0;
  count_labels(&won, &lost);
  check_counts(args, won, lost);
  double now = 0;
  timestamptz_to_epoch(GetCurrentTransactionStartTimestamp(), &now);

  // In the database every model keeps its held-out leads out of training
  // (refit_full false), so models with the same seed share an untouched
  // held-out part and the if_better gate compares them fairly.
  std::vector<std::pair<std::string, std::string>> kv{{"refit_full", "false"}};
  for (int i = 0; i < args.n_params; i++) kv.emplace_back(args.keys[i], args.values[i]);
  TrainParams params = TrainParams::from_kv(kv);

  std::vector<Lead> leads;
  std::vector<uint8_t> labels;
  const int64 eligible = won + lost;
  const bool sampled = eligible > params.max_training_leads;
  leads.reserve(sampled ? params.max_training_leads : eligible);
  labels.reserve(sampled ? params.max_training_leads : eligible);
  load_labelled_leads(leads, labels, eligible, params.max_training_leads, params.seed);

  Model model = train(leads, labels, params, now, [] { return interrupt_pending(); });
  Gate gate = decide(args.activate, model, leads, labels, now);

  std::string blob = serialize(model, [] { return interrupt_pending(); });
  std::string metrics = model.metrics().to_json();
  std::string spec = model.spec().to_json();
  std::string used_params = model.params().to_json();
  leads.clear();
  leads.shrink_to_fit();

  int version = 0;
  pg_call([&] {
    SPI_connect();
    bytea* b = static_cast<bytea*>(palloc(VARHDRSZ + blob.size()));
    SET_VARSIZE(b, VARHDRSZ + blob.size());
    memcpy(VARDATA(b), blob.data(), blob.size());
    Oid types[5] = {TEXTOID, TEXTOID, TEXTOID, INT4OID, BYTEAOID};
    Datum values[5] = {CStringGetTextDatum(used_params.c_str()), CStringGetTextDatum(spec.c_str()),
                       CStringGetTextDatum(metrics.c_str()), Int32GetDatum(static_cast<int32>(labels.size())),
                       PointerGetDatum(b)};
    int rc = SPI_execute_with_args(
        "INSERT INTO leadscore.models (algorithm, params, feature_spec, metrics, training_rows, blob)"
        " VALUES ('random_forest', $1::jsonb, $2::jsonb, $3::jsonb, $4, $5) RETURNING version",
        5, types, values, nullptr, false, 1);
    if (rc != SPI_OK_INSERT_RETURNING) elog(ERROR, "leadscore: registering the model failed");
    bool isnull;
    version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    if (gate.activate) {
      Oid vtype[1] = {INT4OID};
      Datum v[1] = {Int32GetDatum(version)};
      SPI_execute_with_args("SELECT leadscore.activate_model($1)", 1, vtype, v, nullptr, false, 1);
    }
    SPI_finish();
  });

  JsonWriter w;
  w.begin_object();
  w.key("version").value(version);
  w.key("activated").value(gate.activate);
  w.key("reason").value(gate.reason);
  w.key("previous_active_version");
  if (gate.active_version) w.value(gate.active_version); else w.null();
  // The two numbers the if_better gate compared: raw-forest AUCs on the held-out leads.
  w.key("auc_raw_on_holdout").value(model.metrics().auc_raw);
  w.key("previous_active_auc_on_holdout").value(gate.active_auc);
  w.key("training_rows").value(labels.size());
  w.key("won").value(static_cast<long long>(won));
  w.key("lost").value(static_cast<long long>(lost));
  w.key("sampled").value(sampled);  // more labelled leads than params.max_training_leads
  w.key("metrics").raw(metrics);
  w.key("params").raw(used_params);
  w.end_object();
  Datum result;
  pg_call([&] { result = DirectFunctionCall1(jsonb_in, CStringGetDatum(w.str().c_str())); });
  return result;
}
