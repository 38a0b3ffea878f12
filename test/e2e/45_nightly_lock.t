#!/usr/bin/env bash
# Two nightly runs at once: while one holds the training lock, a second
# session's run is recorded as skipped, "already running", and trains nothing;
# once the first commits, the next run goes ahead. The lock is a row lock only
# leadscore's owner can take: an API role cannot hold it, and the advisory
# lock that 0.3.0 used (which any role could take) no longer blocks the job.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
plan 8

db=$(new_leadscore_db main) || { echo "Bail out! cannot create a leadscore database"; exit 1; }
q "$db" "ALTER DATABASE $db SET leadscore.enable_nightly_training = on" >/dev/null

# Session A runs nightly_training() and keeps its transaction (and so the
# row lock) open until told to commit.
mkfifo "$E2E_TMP/a.in"
PGAPPNAME=e2e_first psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" <"$E2E_TMP/a.in" >"$E2E_TMP/a.out" 2>&1 &
a_pid=$!
exec 7>"$E2E_TMP/a.in"
echo "BEGIN; SELECT leadscore.nightly_training() ->> 'status';" >&7

# Wait until its call has returned, then probe the lock once: a probe that
# polled with FOR UPDATE NOWAIT meanwhile took the row itself for a moment,
# and a run starting in that moment was skipped as "already running".
held=0
for _ in $(seq 200); do
  if [ "$(q "$db" "SELECT count(*) FROM pg_stat_activity
                    WHERE application_name = 'e2e_first' AND state = 'idle in transaction'")" = 1 ]; then
    q "$db" "SELECT 1 FROM leadscore.job_locks WHERE job = 'nightly_training' FOR UPDATE NOWAIT" >/dev/null 2>&1 \
      || held=1
    break
  fi
  sleep 0.05
done
is "$held" 1 "the first run holds the training lock (the job_locks row) while its transaction is open"

is "$(PGAPPNAME=e2e_second q "$db" "SELECT r ->> 'status' || ': ' || (r ->> 'reason') FROM leadscore.nightly_training() r")" \
   "skipped: already running" "a second run at the same time is skipped: already running"

echo "COMMIT;" >&7
echo '\q' >&7
exec 7>&-
wait "$a_pid"
is "$(cat "$E2E_TMP/a.out")" "skipped" "the first run finished on its own (too little feedback here)"

is "$(q "$db" "SELECT string_agg(split_part(started_by, ' via ', 2) || ' ' || status || ' ' || reason, E'\n' ORDER BY id)
                 FROM leadscore.training_runs")" \
   "e2e_first skipped not enough labelled leads to train: 0, min_feedback is 50 (0 won, 0 lost); no lead has a label yet: a lead is labelled once contractors' feedback resolves it (see leadscore.rating_labels)
e2e_second skipped already running" \
   "both runs are recorded, each with who started it"
isnt "$(q "$db" "SELECT leadscore.nightly_training() ->> 'reason'")" "already running" \
   "after the first commits, the lock is free again"

# No API role can take the lock, and the old advisory lock blocks nothing.
like "$(q "$db" "SET ROLE service_role; SELECT 1 FROM leadscore.job_locks FOR UPDATE" 2>&1)" \
   "permission denied for table job_locks" "service_role cannot lock the job's row"
like "$(q "$db" "SET ROLE authenticated; SELECT 1 FROM leadscore.job_locks FOR UPDATE" 2>&1)" \
   "permission denied for (schema leadscore|table job_locks)" "nor can authenticated"
mkfifo "$E2E_TMP/b.in"
psql -X -q -A -t -d "$db" <"$E2E_TMP/b.in" >/dev/null 2>&1 &
exec 8>"$E2E_TMP/b.in"
echo "SET ROLE authenticated; SELECT pg_advisory_lock(19539, 1); SELECT pg_sleep(30);" >&8
for _ in $(seq 100); do
  [ "$(q "$db" "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 19539 AND objid = 1 AND granted")" = 1 ] && break
  sleep 0.05
done
isnt "$(q "$db" "SELECT leadscore.nightly_training() ->> 'reason'")" "already running" \
   "a role holding the advisory lock (19539, 1) no longer stops the nightly run"
exec 8>&-
done_testing
