// The one place the glue includes Postgres headers from C++.
//
// Postgres' headers redefine printf, snprintf and friends as macros, which
// breaks C++ standard headers included after them; so every C++ header the glue
// uses is included here first: the core's API and, through it, the standard
// library. (core/errors.hpp refuses to compile if Postgres came first.)
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "core/json.hpp"
#include "core/lead.hpp"
#include "core/model.hpp"
#include "core/model_format.hpp"
#include "core/params.hpp"
#include "core/rules.hpp"

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
