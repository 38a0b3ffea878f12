#!/usr/bin/env bash
# Two calls of one account, each rewriting a lead whose private_writes row is
# older than a day, while both clean up the account's rows older than a day:
# each call holds its own lead's row, which the other sees as old. Cleaning
# up waits for no row another call holds, so neither waits for the other.
# Made deterministic: C holds an old row (z) that both cleanups reach first;
# A rewrites x, B rewrites y; then C lets go. Taking the old rows in turn,
# A and B each waited for the row the other held (40P01, deadlock detected).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
plan 4

db=$(new_leadscore_db main) || { echo "Bail out! cannot create a leadscore database"; exit 1; }
claims="{\"sub\":\"$ALICE\",\"role\":\"authenticated\"}"
as_alice="SET ROLE authenticated; SELECT set_config('request.jwt.claims', '$claims', false) IS NULL;"
# z < x < y, inserted in that order: a scan of her rows meets z first.
q "$db" "INSERT INTO auth.users (id) VALUES ('$ALICE');
         INSERT INTO leadscore.leads (id, owner_account) VALUES (11, '$ALICE'), (12, '$ALICE');
         INSERT INTO leadscore.private_writes (account_id, lead_id, written_at)
         VALUES ('$ALICE', 10, now() - interval '2 days'), ('$ALICE', 11, now() - interval '2 days'),
                ('$ALICE', 12, now() - interval '2 days');" >/dev/null

open_session "$db" c
send c "BEGIN; SELECT lead_id FROM leadscore.private_writes WHERE lead_id = 10 FOR UPDATE;"
await_session "$db" "application_name = 'e2e_c' AND state = 'idle in transaction' AND query LIKE '%FOR UPDATE%'"

open_session "$db" a
send a "$as_alice BEGIN; SELECT jsonb_array_length(leadscore.score_leads('[{\"id\": 11}]'));"
# B starts once A's call has returned or is waiting for a lock.
await_session "$db" "application_name = 'e2e_a' AND query LIKE '%\"id\": 11}%'
                      AND (state = 'idle in transaction' OR wait_event_type = 'Lock')"
(q "$db" "$as_alice SELECT jsonb_array_length(leadscore.score_leads('[{\"id\": 12}]'))" >"$E2E_TMP/b.out" 2>&1) &
b_pid=$!
ok "B waits for a row lock" \
  await_session "$db" "wait_event_type = 'Lock' AND query LIKE '%\"id\": 12}%'"

# C lets go, then A commits once its call returns.
send c "COMMIT;"
close_session c
send a "COMMIT;"
wait "$b_pid"
close_session a
is "$(tr '\n' ' ' <"$E2E_TMP/a.out")" "f 1 " "A's call completes"
is "$(tr '\n' ' ' <"$E2E_TMP/b.out")" "f 1 " "and so does B's: no deadlock"
is "$(q "$db" "SELECT string_agg(lead_id || ':' || (written_at > now() - interval '1 day'), ' ' ORDER BY lead_id)
                 FROM leadscore.private_writes WHERE account_id = '$ALICE'")" "11:true 12:true" \
   "both leads logged as written now, and the old row z gone"
done_testing
