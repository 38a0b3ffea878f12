#!/usr/bin/env bash
# The serving model across sessions: a session keeps using its cached model
# while another session activates a new one without committing, and switches
# at its next statement once the activation commits.
source "$(dirname "$0")/lib.sh"
plan 6

db=$(new_leadscore_db main) || { echo "Bail out! cannot create a leadscore database"; exit 1; }
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -v leads=1500 -v seed=7 -f "$(dirname "$0")/../../demo/generate.sql" >/dev/null
q "$db" "SELECT leadscore.train_lead_model(activate => 'always', params => '{\"n_trees\": 10}')" >/dev/null
q "$db" "SELECT leadscore.train_lead_model(activate => 'never', params => '{\"n_trees\": 10, \"seed\": 3}')" >/dev/null

score_sql="SELECT DISTINCT (leadscore.score_lead(l, true)).model_version FROM leadscore.leads l WHERE l.id <= 50;"

# Session A: one backend for the whole scenario.
coproc A { psql -X -q -A -t -d "$db" 2>&1; }
ask_a() { echo "$1" >&"${A[1]}"; read -t 20 -r reply <&"${A[0]}"; echo "$reply"; }

is "$(ask_a "$score_sql")" "1" "session A scores with the active model, version 1"

# Session B: activates version 2 and holds its transaction open. (A second
# backend fed through a fifo: bash runs one coproc at a time.)
mkfifo "$E2E_TMP/b.in"
psql -X -q -A -t -d "$db" <"$E2E_TMP/b.in" >"$E2E_TMP/b.out" 2>&1 &
exec 7>"$E2E_TMP/b.in"
ask_b() {  # ask_b SQL: the next line session B prints
  local before; before=$(wc -l <"$E2E_TMP/b.out")
  echo "$1" >&7
  for _ in $(seq 1 200); do
    [ "$(wc -l <"$E2E_TMP/b.out")" -gt "$before" ] && break
    sleep 0.1
  done
  sed -n "$((before + 1))p" "$E2E_TMP/b.out"
}
is "$(ask_b "BEGIN; SELECT leadscore.activate_model(2) IS NOT NULL;")" "t" \
  "session B activates version 2 in an open transaction"
is "$(ask_b "$score_sql")" "2" "session B's own statements see its activation"

is "$(ask_a "$score_sql")" "1" "session A never sees the uncommitted activation"

is "$(ask_b "COMMIT; SELECT 'committed';")" "committed" "session B commits"
exec 7>&-

is "$(ask_a "$score_sql")" "2" "session A's next statement is served by version 2"
done_testing
