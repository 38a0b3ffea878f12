// Reading leadscore's own tables on behalf of callers who may not read them.
// score_lead() runs as the API caller, who has no access to the model registry;
// like a SECURITY DEFINER function, it switches to the registry's owner for the
// one query it needs, and back.
//
// Nor may the caller choose what that query runs: while it runs as the owner, search_path is pinned to
// pg_catalog, pg_temp (as fmgr pins a function's SET search_path), so an
// operator, function or type the caller created in a schema of their
// search_path cannot stand in for pg_catalog's. The queries qualify every
// operator and function besides, as PostgreSQL's guidance for SECURITY
// DEFINER functions asks.
#pragma once

#include "pg/postgres.hpp"

namespace leadscore::pg {

// The search_path of everything that runs with the registry owner's rights.
constexpr const char* kOwnerSearchPath = "pg_catalog, pg_temp";

// The owner of leadscore.models (the extension's owner).
Oid registry_owner();

// Runs SPI_execute_with_args(sql, ...) read-only as the registry owner, with
// search_path pinned to kOwnerSearchPath.
// The caller has called SPI_connect(). Plain Postgres style: may ereport.
int spi_read_as_owner(const char* sql, int nargs, Oid* argtypes, Datum* values, long max_rows);

}  // namespace leadscore::pg
