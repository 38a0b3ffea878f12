# PGXS build of the leadscore extension: the pure C++ core (src/core) and the
# Postgres glue (src/pg, src/*.cpp) linked into one shared library.
# The core's unit tests and benchmarks are built by CMakeLists.txt instead.

EXTENSION = leadscore
MODULE_big = leadscore

# The whole current schema is sql/leadscore.sql; the build copies it to the
# install script of the default version (as pgvector does). The released
# install script an upgrade starts from (0.1.0) and the upgrade scripts are
# kept as they shipped.
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(srcdir)/leadscore.control)
DATA_built = sql/leadscore--$(EXTVERSION).sql
DATA = sql/leadscore--0.1.0.sql $(wildcard sql/leadscore--*--*.sql) sql/leadscore_auth_compat.sql

CORE_SRCS = $(sort $(wildcard src/core/*.cpp))
GLUE_SRCS = $(sort $(wildcard src/pg/*.cpp) $(wildcard src/*.cpp))
OBJS = $(CORE_SRCS:.cpp=.o) $(GLUE_SRCS:.cpp=.o)

# pg_regress: one test/sql/X.sql and expected/X.out per concern.
# test/expected is a link to the top-level expected/ directory.
REGRESS = $(sort $(notdir $(basename $(wildcard test/sql/*.sql))))
REGRESS_OPTS = --inputdir=test --outputdir=test

PG_CONFIG ?= pg_config

# Bitcode for JIT inlining would need clang at install time and buys nothing
# for functions that spend their time inside the C++ core.
override with_llvm = no

# Rebuild objects when a header they include changes.
override autodepend = yes

# -O3: the optimisation level of the core's CMake release build, whose
# benchmarks the extension should match (PGXS alone would use -O2).
PG_CXXFLAGS = -std=c++17 -O3 -fvisibility=hidden -fvisibility-inlines-hidden \
              -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-register \
              -I$(srcdir)/src -isystem /usr/include/eigen3
SHLIB_LINK = -lstdc++ -lpthread

EXTRA_CLEAN = test/results test/regression.diffs test/regression.out

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

sql/leadscore--$(EXTVERSION).sql: sql/leadscore.sql
	cp $< $@
