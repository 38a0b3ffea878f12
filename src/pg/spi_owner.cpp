// See spi_owner.hpp.
#include "pg/spi_owner.hpp"

#include "pg/catalog_names.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "executor/spi.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

namespace leadscore::pg {

Oid registry_owner() {
  Oid relid = get_relname_relid(LS_MODELS_RELNAME, get_namespace_oid(LS_SCHEMA, false));
  if (!OidIsValid(relid))
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("leadscore: the model registry " LS_MODELS " does not exist"),
                    errhint("Run ALTER EXTENSION leadscore UPDATE.")));
  HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
  if (!HeapTupleIsValid(tuple)) elog(ERROR, "cache lookup failed for relation %u", relid);
  Oid owner = ((Form_pg_class)GETSTRUCT(tuple))->relowner;
  ReleaseSysCache(tuple);
  return owner;
}

int spi_read_as_owner(const char* sql, int nargs, Oid* argtypes, Datum* values, long max_rows) {
  Oid saved_user;
  int saved_context;
  GetUserIdAndSecContext(&saved_user, &saved_context);
  Oid owner = registry_owner();
  // As fmgr_security_definer() does: switch the user, then push the setting at
  // a new GUC nest level. On error, transaction (or subtransaction) abort
  // restores both.
  SetUserIdAndSecContext(owner, saved_context | SECURITY_LOCAL_USERID_CHANGE);
  int guc_level = NewGUCNestLevel();
  set_config_option("search_path", kOwnerSearchPath, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
  int rc = SPI_execute_with_args(sql, nargs, argtypes, values, nullptr, true, max_rows);
  AtEOXact_GUC(true, guc_level);
  SetUserIdAndSecContext(saved_user, saved_context);
  if (rc != SPI_OK_SELECT) elog(ERROR, "leadscore: SPI query failed: %s", SPI_result_code_string(rc));
  return rc;
}

}  // namespace leadscore::pg
