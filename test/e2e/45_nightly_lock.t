#!/usr/bin/env bash
# Two nightly runs at once: while one holds the training lock, a second
# session's run is recorded as skipped, "already running", and trains nothing;
# once the first commits, the next run goes ahead.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
plan 5

db=$(new_leadscore_db main) || { echo "Bail out! cannot create a leadscore database"; exit 1; }
q "$db" "ALTER DATABASE $db SET leadscore.enable_nightly_training = on" >/dev/null

# Session A runs nightly_training() and keeps its transaction (and so the
# transaction-level advisory lock) open until told to commit.
mkfifo "$E2E_TMP/a.in"
PGAPPNAME=e2e_first psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" <"$E2E_TMP/a.in" >"$E2E_TMP/a.out" 2>&1 &
a_pid=$!
exec 7>"$E2E_TMP/a.in"
echo "BEGIN; SELECT leadscore.nightly_training() ->> 'status';" >&7

held=0
for _ in $(seq 200); do
  [ "$(q "$db" "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 19539 AND objid = 1
                  AND objsubid = 2 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")" = 1 ] \
    && held=1 && break
  sleep 0.05
done
is "$held" 1 "the first run holds the training lock (19539, 1) while its transaction is open"

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
done_testing
