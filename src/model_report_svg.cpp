// SQL: leadscore.model_report_svg(version int DEFAULT NULL) -> text
// One model's held-out quality as a self-contained SVG picture (see
// core/report_svg.hpp); version NULL means the active model. The registry is
// read as its owner, like score_lead does, so callers need no access to it.
#include "core/report_svg.hpp"
#include "pg/catalog_names.hpp"
#include "pg/guard.hpp"
#include "pg/spi_owner.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
}

using namespace leadscore;
using namespace leadscore::pg;

namespace {

struct ModelRow {
  int version = 0;
  bytea* blob = nullptr;        // palloc'd in the caller's memory context
  char* trained_at = nullptr;   // likewise
};

// Postgres side: the model's blob and training time, or an error naming what is
// missing. Plain Postgres style: may ereport.
void fetch_model(bool active, int version, ModelRow* row) {
  MemoryContext caller = CurrentMemoryContext;
  SPI_connect();
  const char* columns =
      "SELECT " LS_MODELS_VERSION ", " LS_MODELS_BLOB ", "
      "pg_catalog.to_char(" LS_MODELS_CREATED_AT " AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"') "
      "FROM " LS_MODELS " ";
  Oid types[1] = {INT4OID};
  Datum args[1] = {Int32GetDatum(version)};
  if (active)
    spi_read_as_owner(psprintf("%s WHERE " LS_MODELS_STATUS " OPERATOR(pg_catalog.=) 'active'", columns), 0, nullptr, nullptr, 1);
  else
    spi_read_as_owner(psprintf("%s WHERE " LS_MODELS_VERSION " OPERATOR(pg_catalog.=) $1", columns), 1, types, args, 1);
  bool found = SPI_processed == 1;
  if (found) {
    HeapTuple tuple = SPI_tuptable->vals[0];
    TupleDesc desc = SPI_tuptable->tupdesc;
    bool isnull;
    row->version = DatumGetInt32(SPI_getbinval(tuple, desc, 1, &isnull));
    Datum blob = SPI_getbinval(tuple, desc, 2, &isnull);
    MemoryContext spi = MemoryContextSwitchTo(caller);
    row->blob = DatumGetByteaPCopy(blob);
    row->trained_at = pstrdup(SPI_getvalue(tuple, desc, 3));
    MemoryContextSwitchTo(spi);
  }
  SPI_finish();
  if (found) return;
  if (active)
    ereport(ERROR, (errcode(ERRCODE_NO_DATA_FOUND), errmsg("no active model"),
                    errhint("Train one with leadscore.train_lead_model(), activate one with "
                            "leadscore.activate_model(version), or name a version.")));
  ereport(ERROR, (errcode(ERRCODE_NO_DATA_FOUND), errmsg("version: no model with version %d", version)));
}

// The report of a serialized model; throws CorruptModel for a bad blob.
std::string render(const ModelRow& row) {
  Model model = deserialize(reinterpret_cast<const uint8_t*>(VARDATA_ANY(row.blob)), VARSIZE_ANY_EXHDR(row.blob));
  return model_report_svg(model.metrics(), row.version, row.trained_at, &model.funnel());
}

}  // namespace

LEADSCORE_FUNCTION(model_report_svg) {
  bool active = PG_ARGISNULL(0);
  int version = active ? 0 : PG_GETARG_INT32(0);
  ModelRow row;
  pg_call([&] { fetch_model(active, version, &row); });
  std::string svg = render(row);
  text* result;
  pg_call([&] {
    pfree(row.blob);
    result = cstring_to_text_with_len(svg.data(), static_cast<int>(svg.size()));
  });
  PG_RETURN_TEXT_P(result);
}
