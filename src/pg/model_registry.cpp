// See model_registry.hpp.
#include "pg/model_registry.hpp"

#include "core/errors.hpp"
#include "core/model_format.hpp"
#include "pg/catalog_names.hpp"
#include "pg/guard.hpp"
#include "pg/spi_owner.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
}

namespace leadscore::pg {
namespace {

struct CachedModel {
  int version = 0;
  std::shared_ptr<const Model> model;
  std::string problem;
};

// Allocated once and never freed: a static object with a destructor would run
// it at backend exit, after Postgres has torn down what it might touch.
CachedModel* cache = nullptr;

// Postgres side: the active version, and its blob when the cache lacks it.
// blob is palloc'd in the caller's memory context.
void fetch_active(int cached_version, int* version, bytea** blob) {
  MemoryContext caller = CurrentMemoryContext;
  *version = 0;
  *blob = nullptr;
  SPI_connect();
  spi_read_as_owner("SELECT " LS_MODELS_VERSION " FROM " LS_MODELS
                    " WHERE " LS_MODELS_STATUS " OPERATOR(pg_catalog.=) 'active'",
                    0, nullptr, nullptr, 1);
  if (SPI_processed == 1) {
    bool isnull;
    *version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    if (*version != cached_version) {
      Oid types[1] = {INT4OID};
      Datum args[1] = {Int32GetDatum(*version)};
      spi_read_as_owner("SELECT " LS_MODELS_BLOB " FROM " LS_MODELS
                        " WHERE " LS_MODELS_VERSION " OPERATOR(pg_catalog.=) $1",
                        1, types, args, 1);
      Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
      MemoryContext spi = MemoryContextSwitchTo(caller);
      *blob = DatumGetByteaPCopy(d);
      MemoryContextSwitchTo(spi);
    }
  }
  SPI_finish();
}

}  // namespace

ServingModel active_model() {
  if (!cache) cache = new CachedModel();
  int version;
  bytea* blob;
  pg_call([&] { fetch_active(cache->version, &version, &blob); });

  if (version == 0) return {0, nullptr, "no active model"};
  if (blob) {
    // Forget the old version first: if anything below throws, the next call retries.
    cache->version = 0;
    cache->model.reset();
    cache->problem.clear();
    try {
      cache->model = std::make_shared<const Model>(
          deserialize(reinterpret_cast<const uint8_t*>(VARDATA_ANY(blob)), VARSIZE_ANY_EXHDR(blob)));
    } catch (const CorruptModel& e) {
      cache->problem = std::string("model unreadable: ") + e.what();
    }
    cache->version = version;
    pfree(blob);
  }
  return {cache->version, cache->model, cache->problem};
}

}  // namespace leadscore::pg
