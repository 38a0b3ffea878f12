// Reading leadscore's own tables on behalf of callers who may not read them.
// score_lead() runs as the API caller, who has no access to the model registry;
// like a SECURITY DEFINER function, it switches to the registry's owner for the
// one query it needs, and back.
#pragma once

#include "pg/postgres.hpp"

namespace leadscore::pg {

// The owner of leadscore.models (the extension's owner).
Oid registry_owner();

// Runs SPI_execute_with_args(sql, ...) read-only as the registry owner.
// The caller has called SPI_connect(). Plain Postgres style: may ereport.
int spi_read_as_owner(const char* sql, int nargs, Oid* argtypes, Datum* values, long max_rows);

}  // namespace leadscore::pg
