// Module entry: the magic block Postgres checks on load, and _PG_init.
#include "pg/gucs.hpp"
#include "pg/postgres.hpp"

extern "C" {
PG_MODULE_MAGIC;

PGDLLEXPORT void _PG_init(void);

void _PG_init(void) { leadscore::pg::define_settings(); }
}
