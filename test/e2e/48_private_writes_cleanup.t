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
ALICE=aaaaaaaa-0000-4000-8000-000000000001
claims="{\"sub\":\"$ALICE\",\"role\":\"authenticated\"}"
as_alice="SET ROLE authenticated; SELECT set_config('request.jwt.claims', '$claims', false) IS NULL;"
# z < x < y, inserted in that order: a scan of her rows meets z first.
q "$db" "INSERT INTO auth.users (id) VALUES ('$ALICE');
         INSERT INTO leadscore.leads (id, owner_account) VALUES (11, '$ALICE'), (12, '$ALICE');
         INSERT INTO leadscore.private_writes (account_id, lead_id, written_at)
         VALUES ('$ALICE', 10, now() - interval '2 days'), ('$ALICE', 11, now() - interval '2 days'),
                ('$ALICE', 12, now() - interval '2 days');" >/dev/null

session() {  # session NAME: psql reading NAME.in, writing NAME.out
  mkfifo "$E2E_TMP/$1.in"
  psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" <"$E2E_TMP/$1.in" >"$E2E_TMP/$1.out" 2>&1 &
}
session c; c_pid=$!; exec 7>"$E2E_TMP/c.in"
echo "BEGIN; SELECT lead_id FROM leadscore.private_writes WHERE lead_id = 10 FOR UPDATE;" >&7
for _ in $(seq 200); do [ -s "$E2E_TMP/c.out" ] && break; sleep 0.05; done

session a; a_pid=$!; exec 8>"$E2E_TMP/a.in"
echo "$as_alice BEGIN; SELECT jsonb_array_length(leadscore.score_leads('[{\"id\": 11}]'));" >&8
# B starts once A's call has returned or is waiting for a lock.
for _ in $(seq 200); do
  [ "$(wc -l <"$E2E_TMP/a.out")" -ge 2 ] && break
  [ "$(sessions_where "$db" "wait_event_type = 'Lock' AND query LIKE '%\"id\": 11}%'")" != 0 ] && break
  sleep 0.05
done
(q "$db" "$as_alice SELECT jsonb_array_length(leadscore.score_leads('[{\"id\": 12}]'))" >"$E2E_TMP/b.out" 2>&1) &
b_pid=$!
ok "B waits for a row lock" \
  await_session "$db" "wait_event_type = 'Lock' AND query LIKE '%\"id\": 12}%'"

# C lets go, then A commits once its call returns. Each session's psql ends
# when every copy of its pipe's writing end is closed, and the background
# sessions hold copies of each other's, so all are closed before any wait.
echo "COMMIT;" >&7
echo "COMMIT;" >&8
exec 7>&- 8>&-
wait "$b_pid"
wait "$a_pid"
wait "$c_pid"
is "$(tr '\n' ' ' <"$E2E_TMP/a.out")" "f 1 " "A's call completes"
is "$(tr '\n' ' ' <"$E2E_TMP/b.out")" "f 1 " "and so does B's: no deadlock"
is "$(q "$db" "SELECT string_agg(lead_id || ':' || (written_at > now() - interval '1 day'), ' ' ORDER BY lead_id)
                 FROM leadscore.private_writes WHERE account_id = '$ALICE'")" "11:true 12:true" \
   "both leads logged as written now, and the old row z gone"
done_testing
