#!/usr/bin/env bash
# Two sessions submitting feedback for the same lead at the same time. The
# first holds its transaction open until the second is seen waiting on a
# lock, then commits; the outcome must be as if they had run one after the
# other.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
plan 17

db=$(new_leadscore_db main) || { echo "Bail out! cannot create a leadscore database"; exit 1; }
q "$db" "INSERT INTO auth.users (id) VALUES ('$ALICE'), ('$BOB')"

# as ACCOUNT SQL: the statements of one request, inside an open transaction.
as() {
  printf "SET LOCAL ROLE authenticated;\nSELECT set_config('request.jwt.claims', '{\"sub\":\"%s\",\"role\":\"authenticated\"}', true) \\\\g /dev/null\n%s" "$1" "$2"
}

# Both scenarios: session a submits and holds its transaction open, session b
# submits the conflicting feedback and must wait; then a commits.
race() {  # race LEAD A_ACCOUNT A_RATING B_ACCOUNT B_RATING
  open_session "$db" a
  open_session "$db" b
  send a "BEGIN;"
  send a "$(as "$2" "SELECT leadscore.submit_feedback($1, '$3') \\g /dev/null")"
  ok "session a has submitted and holds its transaction open" \
    await_session "$db" "application_name = 'e2e_a' AND state = 'idle in transaction' AND query LIKE '%submit_feedback%'"
  send b "BEGIN;"
  send b "$(as "$4" "SELECT leadscore.submit_feedback($1, '$5') \\g /dev/null")"
  send b "COMMIT;"
  ok "session b waits on a lock held by session a" \
    await_session "$db" "application_name = 'e2e_b' AND wait_event_type = 'Lock'"
  send a "COMMIT;"
  ok "session a commits" close_session a
  ok "session b then completes and commits" close_session b
  [ -s "$E2E_TMP/b.out" ] && diag "session b said:" "$(cat "$E2E_TMP/b.out")"
}

# 1. The same account rates the same lead twice at once ('quoted', then 'won').
race 1001 "$ALICE" quoted "$ALICE" won
is "$(q "$db" "SELECT count(*), min(rating::text) FROM leadscore.lead_feedback WHERE lead_id = 1001")" "1|won" \
   "same account, same lead: exactly one row, holding the later rating"
is "$(q "$db" "SELECT win_label FROM leadscore.lead_outcomes WHERE lead_id = 1001")" "t" \
   "and the label of the later rating (won)"

# 2. Two accounts rate the same lead at once: alice 'won' first, bob
# 'no_answer' second. Bob's label refresh must wait for alice's commit and
# then see her rating; otherwise his 'lost' would overwrite her 'won'.
race 1002 "$ALICE" won "$BOB" no_answer
is "$(q "$db" "SELECT string_agg(rating::text, ',' ORDER BY rating) FROM leadscore.lead_feedback WHERE lead_id = 1002")" \
   "no_answer,won" "two accounts, same lead: both ratings are stored"
is "$(q "$db" "SELECT win_label FROM leadscore.lead_outcomes WHERE lead_id = 1002")" "t" \
   "and the label counts both: won"

# 3. The same race on a lead whose outcome row exists already (scored before
# anyone rated it), so neither session creates the row: bob's refresh must
# still queue behind alice's and see her 'won'.
q "$db" "INSERT INTO leadscore.lead_outcomes (lead_id, win_prob) VALUES (1003, 0.4)"
race 1003 "$ALICE" won "$BOB" no_answer
is "$(q "$db" "SELECT win_label, win_prob FROM leadscore.lead_outcomes WHERE lead_id = 1003")" "t|0.4" \
   "a lead with an outcome row already: won, and its score kept"

done_testing
