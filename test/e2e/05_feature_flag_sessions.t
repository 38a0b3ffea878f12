#!/usr/bin/env bash
# leadscore.enable_lead_feedback as an operator sets it (per database), seen
# from fresh sessions: the library is not loaded yet when an API caller first
# tries to turn the flag back on, so the setting exists only as a placeholder
# at that moment. The caller's value must not win when the library loads.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
plan 7

db=$(new_leadscore_db main) || { echo "Bail out! cannot create a leadscore database"; exit 1; }
q "$db" "INSERT INTO auth.users (id) VALUES ('$ALICE')"
q "$db" "ALTER DATABASE $db SET leadscore.enable_lead_feedback = off"

# fresh_request SQL: a new session, signed in as alice, running SQL.
fresh_request() {
  psql -X -q -A -t -d "$db" 2>&1 <<SQL
SET ROLE authenticated;
SELECT set_config('request.jwt.claims', '{"sub":"$ALICE","role":"authenticated"}', false) \\g /dev/null
$1
SQL
}

is "$(fresh_request "SHOW leadscore.enable_lead_feedback;")" "off" \
   "a new session starts with the database's setting"
like "$(fresh_request "SELECT leadscore.submit_feedback(1, 'won');")" "ERROR:  lead feedback is disabled" \
   "off for the database: submit_feedback fails"
out=$(fresh_request "SET leadscore.enable_lead_feedback = on;
SELECT 'rating ' || (leadscore.submit_feedback(1, 'won')).rating;")
like "$out" "WARNING:  permission denied to set parameter \"leadscore.enable_lead_feedback\"" \
   "an API caller's SET before the library is loaded is refused when it loads"
like "$out" "ERROR:  lead feedback is disabled" \
   "so it does not turn feedback on"
out=$(fresh_request "SELECT set_config('leadscore.enable_lead_feedback', 'on', false) \\g /dev/null
SELECT 'rating ' || (leadscore.submit_feedback(1, 'won')).rating;")
like "$out" "ERROR:  lead feedback is disabled" \
   "nor does set_config()"
is "$(q "$db" "SELECT count(*) FROM leadscore.lead_feedback")" "0" "nothing was written"

q "$db" "ALTER DATABASE $db RESET leadscore.enable_lead_feedback"
is "$(fresh_request "SELECT 'rating ' || (leadscore.submit_feedback(1, 'won')).rating;")" "rating won" \
   "with the database setting reset, feedback is accepted again"

done_testing
