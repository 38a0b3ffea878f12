// The one place the glue includes Postgres headers from C++.
// Core headers must come before this file (they refuse to compile after it).
#pragma once

extern "C" {
#include "postgres.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
}

// The library is built with -fvisibility=hidden so that the template code of
// Eigen and libstdc++ cannot clash with other extensions in the same backend;
// PostgreSQL 15 leaves PGDLLEXPORT empty on Linux, so the symbols Postgres looks
// up (magic block, _PG_init, SQL functions) are exported explicitly.
#undef PGDLLEXPORT
#define PGDLLEXPORT __attribute__((visibility("default")))
