#!/usr/bin/env bash
# score_leads() locks the leads of a body in id order, whatever their order in
# the body, so two calls holding the same leads in opposite order queue instead
# of deadlocking. Made deterministic: A holds lead 1; B sends [2, 1]; then A
# writes lead 2. In 0.3.0 B locked 2 before waiting for 1, and A's write of 2
# closed the cycle (40P01, deadlock detected).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
plan 3

db=$(new_leadscore_db main) || { echo "Bail out! cannot create a leadscore database"; exit 1; }

open_session "$db" a
send a "SET ROLE service_role; BEGIN; SELECT jsonb_array_length(leadscore.score_leads('[{\"id\": 1}]'));"
await_session "$db" "application_name = 'e2e_a' AND state = 'idle in transaction' AND query LIKE '%\"id\": 1}%'"

(q "$db" "SET ROLE service_role; SELECT jsonb_array_length(leadscore.score_leads('[{\"id\": 2}, {\"id\": 1}]'))" \
   >"$E2E_TMP/b.out" 2>&1) &
b_pid=$!
ok "B waits for lead 1, which A holds" \
  await_session "$db" "wait_event_type = 'Lock' AND query LIKE '%\"id\": 2}, {%'"

send a "SELECT jsonb_array_length(leadscore.score_leads('[{\"id\": 2}]')); COMMIT;"
close_session a
wait "$b_pid"
is "$(tr '\n' ' ' <"$E2E_TMP/a.out")" "1 1 " "A writes lead 2 without waiting for B: B did not lock it first"
is "$(cat "$E2E_TMP/b.out")" "2" "and B completes once A commits: no deadlock"
done_testing
