#!/usr/bin/env bash
# The names the C++ uses for leadscore's tables, columns, types and functions,
# declared once in src/pg/catalog_names.hpp, exist in an installed database:
# every table, every column with the type the header gives it, every composite
# type with its attributes in the order the C++ fills them, every function with
# its arguments, every index on its table. The checks are read from the header,
# so a name added there is checked too; a name written there in any other form
# fails the first check, and a table named in a C++ string anywhere but the
# header fails the last.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HEADER=$ROOT/src/pg/catalog_names.hpp

# declared KIND FIELDS_REGEX: the fields of every declaration through LS_KIND,
# joined by '|', one declaration per line.
declared() {
  sed -nE "s/^#define [A-Z0-9_]+ +LS_$1\($2\)$/\1|\2|\3/p" "$HEADER" | sed -E 's/\|+$//'
}
NAME='([a-z0-9_]+)'
TYPE='"([^"]+)"'
mapfile -t table_declarations < <(declared TABLE "$NAME()()"; declared RELNAME "$NAME()()")
mapfile -t types < <(declared TYPE "$NAME()()")
mapfile -t columns < <(declared COLUMN "$NAME, $NAME, $TYPE")
mapfile -t functions < <(declared FUNCTION "$NAME, \"([^\"]*)\"()")
mapfile -t indexes < <(declared INDEX "$NAME, $NAME()")
mapfile -t tables < <(printf '%s\n' "${table_declarations[@]}" | sort -u)

plan $((2 + 2 * ${#tables[@]} + 2 * ${#types[@]} + ${#columns[@]} + ${#functions[@]} + ${#indexes[@]}))

# 1. The header holds the macros and declarations in the one form read above.
helpers=$(grep -cE '^#define LS_SCHEMA |^#define LS_[A-Z]+\(' "$HEADER")
is "$(grep -c '^#define' "$HEADER")" \
   "$((helpers + ${#table_declarations[@]} + ${#types[@]} + ${#columns[@]} + ${#functions[@]} + ${#indexes[@]}))" \
   "every #define in catalog_names.hpp is a helper macro or a declaration this test reads"
ok "catalog_names.hpp declares tables and columns" test "${#tables[@]}" -gt 0 -a "${#columns[@]}" -gt 0

db=$(new_leadscore_db main) || { echo "Bail out! cannot create a leadscore database"; exit 1; }

# 2. Each declared name, in the installed database.
for t in "${tables[@]}"; do
  like "$(q "$db" "SELECT relkind FROM pg_class WHERE oid = to_regclass('leadscore.$t')")" "^[rv]$" \
     "table or view leadscore.$t exists"
done
for ty in "${types[@]}"; do
  is "$(q "$db" "SELECT typtype FROM pg_type WHERE oid = to_regtype('leadscore.$ty')")" "c" \
     "composite type leadscore.$ty exists"
  expected=$(printf '%s\n' "${columns[@]}" | awk -F'|' -v t="$ty" '$1 == t { printf "%s%s", sep, $2; sep = "," }')
  is "$(q "$db" "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute
                  WHERE attrelid = to_regclass('leadscore.$ty') AND attnum > 0 AND NOT attisdropped")" \
     "$expected" "leadscore.$ty has exactly the declared attributes, in the declared order"
done
for c in "${columns[@]}"; do
  IFS='|' read -r rel column type <<<"$c"
  is "$(q "$db" "SELECT format_type(atttypid, atttypmod) FROM pg_attribute
                  WHERE attrelid = to_regclass('leadscore.$rel') AND attname = '$column'
                    AND attnum > 0 AND NOT attisdropped")" \
     "$type" "leadscore.$rel.$column is $type"
done
for f in "${functions[@]}"; do
  IFS='|' read -r function args <<<"$f"
  is "$(q "$db" "SELECT to_regprocedure('leadscore.$function($args)') IS NOT NULL")" "t" \
     "function leadscore.$function($args) exists"
done

for i in "${indexes[@]}"; do
  IFS='|' read -r table index <<<"$i"
  is "$(q "$db" "SELECT indrelid = to_regclass('leadscore.$table') FROM pg_index
                  WHERE indexrelid = to_regclass('leadscore.$index')")" \
     "t" "index leadscore.$index exists, on leadscore.$table"
done

# 3. The C++ names those tables only through the header.
for t in "${tables[@]}"; do
  is "$(cd "$ROOT" && grep -rnE "\"[^\"]*leadscore\.$t\b" src --include='*.cpp' --include='*.hpp' \
          | grep -v '^src/pg/catalog_names.hpp:')" \
     "" "no C++ string but the header's names leadscore.$t"
done

done_testing
