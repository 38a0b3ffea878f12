#!/usr/bin/env bash
# pg_cron itself fires the nightly job: schedule it every minute in the
# database pg_cron runs from, wait until cron.job_run_details shows a run that
# succeeded and training_runs has the run's row, then unschedule. Whatever this
# scenario installs in that database it removes again.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
plan 5

db=$(q postgres "SHOW cron.database_name" 2>/dev/null)
[ -n "$db" ] || { echo "Bail out! pg_cron is not in shared_preload_libraries"; exit 1; }
installed() { q "$db" "SELECT count(*) FROM pg_extension WHERE extname = '$1'"; }
created=()
[ "$(installed pg_cron)" = 0 ] && q "$db" "CREATE EXTENSION pg_cron" >/dev/null && created+=(pg_cron)
if [ "$(installed leadscore)" = 0 ]; then
  install_compat "$db" && q "$db" "CREATE EXTENSION leadscore" >/dev/null && created+=(leadscore)
fi
# shellcheck disable=SC2317  # runs from the EXIT trap
cleanup_cron() {
  q "$db" "SELECT leadscore.unschedule_nightly_training()" >/dev/null 2>&1
  for ext in "${created[@]}"; do q "$db" "DROP EXTENSION $ext" >/dev/null 2>&1; done
  _e2e_cleanup
}
trap cleanup_cron EXIT

runs_before=$(q "$db" "SELECT count(*) FROM leadscore.training_runs")
job=$(q "$db" "SELECT leadscore.schedule_nightly_training('* * * * *')")
like "$job" '^[0-9]+$' "scheduled every minute as job $job"

# pg_cron starts jobs at the top of each minute: allow two of them.
status=""
for _ in $(seq 130); do
  status=$(q "$db" "SELECT status FROM cron.job_run_details WHERE jobid = $job AND status IN ('succeeded', 'failed')
                     ORDER BY runid LIMIT 1")
  [ -n "$status" ] && break
  sleep 1
done
is "$status" "succeeded" "cron.job_run_details shows the job's run succeeded"
is "$(q "$db" "SELECT count(*) > $runs_before FROM leadscore.training_runs")" "t" "and the run left its row in training_runs"
like "$(q "$db" "SELECT status || ' ' || started_by || ': ' || reason FROM leadscore.training_runs ORDER BY id DESC LIMIT 1")" \
     "^skipped postgres via pg_cron: leadscore.enable_nightly_training is off$" \
     "started by pg_cron as the job's owner, and honouring the flag (off here)"

q "$db" "SELECT leadscore.unschedule_nightly_training()" >/dev/null
is "$(q "$db" "SELECT count(*) FROM cron.job WHERE jobid = $job")" "0" "unscheduled: the job is gone"
done_testing
