#!/usr/bin/env bash
# Training is cancellable: statement_timeout and pg_cancel_backend stop it with
# the usual errors, and a cancelled run registers no model.
source "$(dirname "$0")/lib.sh"
plan 6

db=$(new_leadscore_db main) || { echo "Bail out! cannot create a leadscore database"; exit 1; }
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -v leads=6000 -v seed=11 -f "$(dirname "$0")/../../demo/generate.sql" >/dev/null

slow='{"n_trees": 3000, "min_samples_leaf": 1}'
out=$(psql -X -q -A -t -d "$db" -c "SET statement_timeout = '300ms'" \
        -c "SELECT leadscore.train_lead_model(params => '$slow')" 2>&1)
like "$out" "canceling statement due to statement timeout" "statement_timeout stops training"
is "$(q "$db" "SELECT count(*) FROM leadscore.models")" "0" "no model row after the timeout"

psql -X -q -A -t -d "$db" -c "SELECT leadscore.train_lead_model(params => '$slow')" >"$E2E_TMP/cancel.out" 2>&1 &
trainer=$!
pid=""
for _ in $(seq 1 100); do
  pid=$(q "$db" "SELECT pid FROM pg_stat_activity WHERE query LIKE '%train_lead_model(params%' AND pid <> pg_backend_pid() AND state = 'active'")
  [ -n "$pid" ] && break
  sleep 0.1
done
isnt "$pid" "" "training is running in another backend"
sleep 0.5
is "$(q "$db" "SELECT pg_cancel_backend($pid)")" "t" "pg_cancel_backend is delivered"
wait "$trainer"
like "$(cat "$E2E_TMP/cancel.out")" "canceling statement due to user request" "the trainer reports the cancel"
is "$(q "$db" "SELECT count(*) FROM leadscore.models")" "0" "no model row after the cancel"
done_testing
