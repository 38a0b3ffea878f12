#!/usr/bin/env bash
# Two activations at once (two train_lead_model(activate => 'always') runs, or
# one and an activate_model()) queue one after the other: the second waits for
# the first to commit, then retires the model the first activated. In 0.3.0
# the second failed, after all its training, with a raw duplicate key error on
# models_one_active.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
plan 4

db=$(new_leadscore_db main) || { echo "Bail out! cannot create a leadscore database"; exit 1; }
q "$db" "INSERT INTO leadscore.models (algorithm, params, feature_spec, metrics, training_rows, blob)
         SELECT 'random_forest', '{}', '{}', '{}', 1, '\\x00' FROM generate_series(1, 3);
         SELECT leadscore.activate_model(1);" >/dev/null

# Session A activates model 2 and keeps its transaction open.
open_session "$db" a
send a "BEGIN; SELECT leadscore.activate_model(2) ->> 'previous_version';"
await_session "$db" "application_name = 'e2e_a' AND state = 'idle in transaction' AND query LIKE '%activate_model(2)%'"

# Session B activates model 3 as service_role, meanwhile: it must wait.
(q "$db" "SET ROLE service_role; SELECT leadscore.activate_model(3) ->> 'previous_version'" >"$E2E_TMP/b.out" 2>&1) &
b_pid=$!
ok "a second activation waits while the first is uncommitted" \
  await_session "$db" "wait_event_type = 'Lock' AND query LIKE '%activate_model(3)%'"

send a "COMMIT;"
close_session a
wait "$b_pid"
is "$(cat "$E2E_TMP/a.out")" "1" "the first activation replaced model 1"
is "$(cat "$E2E_TMP/b.out")" "2" "the second, once the first committed, replaced model 2 without an error"
is "$(q "$db" "SELECT string_agg(version || ' ' || status, ', ' ORDER BY version) FROM leadscore.models")" \
   "1 retired, 2 retired, 3 active" "and exactly one model is active"
done_testing
