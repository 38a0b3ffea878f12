// See model_registry.hpp.
#include "pg/model_registry.hpp"

#include "core/errors.hpp"
#include "core/model_format.hpp"
#include "pg/catalog_names.hpp"
#include "pg/guard.hpp"
#include "pg/spi_owner.hpp"

extern "C" {
#include "access/genam.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
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

// Postgres side: the active version read straight from the partial index of
// the active model (status = 'active' only), in the statement's snapshot, as
// the query "SELECT version FROM models WHERE status = 'active'" reads it, but
// without parsing and planning that query on every call. No operator or
// function of the caller's search_path runs (status is compared in C), and no
// row-level policy applies, as for the registry's owner. False when the index
// is not there (a database not yet updated): the query answers then.
bool read_active_version(int* version) {
  *version = 0;
  Oid schema = get_namespace_oid(LS_SCHEMA, true);
  Oid table = OidIsValid(schema) ? get_relname_relid(LS_MODELS_RELNAME, schema) : InvalidOid;
  Oid index = OidIsValid(schema) ? get_relname_relid(LS_MODELS_ONE_ACTIVE, schema) : InvalidOid;
  if (!OidIsValid(table) || !OidIsValid(index)) return false;
  AttrNumber version_att = get_attnum(table, LS_MODELS_VERSION);
  AttrNumber status_att = get_attnum(table, LS_MODELS_STATUS);
  if (version_att == InvalidAttrNumber || status_att == InvalidAttrNumber) return false;

  Relation rel = table_open(table, AccessShareLock);
  Relation idx = index_open(index, AccessShareLock);
  if (idx->rd_index->indrelid != table) {
    index_close(idx, AccessShareLock);
    table_close(rel, AccessShareLock);
    return false;
  }
  TupleTableSlot* slot = table_slot_create(rel, nullptr);
  IndexScanDesc scan = index_beginscan(rel, idx, GetActiveSnapshot(), 0, 0);
  index_rescan(scan, nullptr, 0, nullptr, 0);
  while (index_getnext_slot(scan, ForwardScanDirection, slot)) {
    bool isnull;
    Datum status = slot_getattr(slot, status_att, &isnull);
    if (isnull) continue;
    text* t = DatumGetTextPP(status);
    if (VARSIZE_ANY_EXHDR(t) != 6 || memcmp(VARDATA_ANY(t), "active", 6) != 0) continue;
    Datum v = slot_getattr(slot, version_att, &isnull);
    if (!isnull) {
      *version = DatumGetInt32(v);
      break;
    }
  }
  index_endscan(scan);
  ExecDropSingleTupleTableSlot(slot);
  // Locks are kept to the end of the transaction, as the query's would be.
  index_close(idx, NoLock);
  table_close(rel, NoLock);
  return true;
}

// Postgres side: the active version, and its blob when the cache lacks it.
// blob is palloc'd in the caller's memory context.
void fetch_active(int cached_version, int* version, bytea** blob) {
  MemoryContext caller = CurrentMemoryContext;
  *blob = nullptr;
  bool known = read_active_version(version);
  if (known && *version == cached_version) return;
  SPI_connect();
  if (!known) {
    spi_read_as_owner("SELECT " LS_MODELS_VERSION " FROM " LS_MODELS
                      " WHERE " LS_MODELS_STATUS " OPERATOR(pg_catalog.=) 'active'",
                      0, nullptr, nullptr, 1);
    if (SPI_processed == 1) {
      bool isnull;
      *version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    }
  }
  if (*version != 0 && *version != cached_version) {
    Oid types[1] = {INT4OID};
    Datum args[1] = {Int32GetDatum(*version)};
    spi_read_as_owner("SELECT " LS_MODELS_BLOB " FROM " LS_MODELS
                      " WHERE " LS_MODELS_VERSION " OPERATOR(pg_catalog.=) $1",
                      1, types, args, 1);
    bool isnull;
    Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
    MemoryContext spi = MemoryContextSwitchTo(caller);
    *blob = DatumGetByteaPCopy(d);
    MemoryContextSwitchTo(spi);
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
