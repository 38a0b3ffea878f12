#!/usr/bin/env bash
# The README's example, sent as PostgREST sends an RPC call: one transaction
# that takes the caller's role, publishes the JWT claims, reads the arguments
# from the JSON body and calls the function, then reads back.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
plan 12

db=$(new_leadscore_db main) || { echo "Bail out! cannot create a leadscore database"; exit 1; }
q "$db" "INSERT INTO auth.users (id, email) VALUES ('$ALICE', 'alice@example.com'), ('$BOB', 'bob@example.com');
         INSERT INTO leadscore.leads (id, address, permit_value) VALUES (12345, '12 Oak Ave', 42000)"

# request ACCOUNT_OR_EMPTY ROLE SQL: one request in one transaction.
request() {
  local claims
  if [ -n "$1" ]; then claims="{\"sub\":\"$1\",\"role\":\"$2\",\"aud\":\"authenticated\"}"; else claims="{\"role\":\"$2\"}"; fi
  psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" 2>&1 <<SQL
BEGIN;
SET LOCAL ROLE $2;
SELECT set_config('request.jwt.claims', '$claims', true),
       set_config('request.method', 'POST', true) \\g /dev/null
$3
COMMIT;
SQL
}

submit_body='{"lead_id": 12345, "rating": "won", "deal_band": "$15-50k",
              "reason_codes": ["good_contact", "qualified"],
              "notes": "Excellent lead, closed within 2 weeks"}'
submit_sql="
WITH pgrst_args AS (
  SELECT * FROM json_to_record(\$body\$$submit_body\$body\$::json)
    AS _(lead_id bigint, rating text, deal_band text, reason_codes text[], notes text))
SELECT 'submit ' || row_to_json(f)::text
  FROM pgrst_args a,
       LATERAL leadscore.submit_feedback(lead_id => a.lead_id, rating => a.rating,
                                         deal_band => a.deal_band, reason_codes => a.reason_codes,
                                         notes => a.notes) f;
SELECT 'get ' || coalesce(json_agg(f ORDER BY f.id DESC), '[]')::text
  FROM leadscore.get_feedback() f;"

out=$(request "$ALICE" authenticated "$submit_sql")
ok "the request succeeds" test $? -eq 0
submitted=$(printf '%s\n' "$out" | sed -n 's/^submit //p')
like "$submitted" "\"account_id\":\"$ALICE\",\"lead_id\":12345,\"rating\":\"won\",\"deal_band\":\"\\\$15-50k\",\"reason_codes\":\[\"good_contact\",\"qualified\"\],\"notes\":\"Excellent lead, closed within 2 weeks\"" \
  "submit_feedback returns the stored row, account taken from the JWT"
got=$(printf '%s\n' "$out" | sed -n 's/^get //p')
like "$got" "^\[\{\"id\":[0-9]+,\"account_id\":\"$ALICE\",\"lead_id\":12345,\"rating\":\"won\"" \
  "get_feedback in the same transaction returns it"

is "$(q "$db" "SELECT account_id, lead_id, rating, deal_band, reason_codes, notes FROM leadscore.lead_feedback")" \
   "$ALICE|12345|won|\$15-50k|{good_contact,qualified}|Excellent lead, closed within 2 weeks" \
   "the committed row, read as superuser"
is "$(q "$db" "SELECT created_at = updated_at AND updated_at <= now() FROM leadscore.lead_feedback")" "t" \
   "created_at and updated_at are set"
is "$(q "$db" "SELECT lead_id, win_label FROM leadscore.lead_outcomes")" "12345|t" \
   "lead_outcomes: the lead is won"

out=$(request "$BOB" authenticated "SELECT 'get ' || coalesce(json_agg(f), '[]')::text FROM leadscore.get_feedback() f;")
is "$(printf '%s\n' "$out" | sed -n 's/^get //p')" "[]" "another contractor's request sees none of it"

out=$(request "" anon "$submit_sql")
ok "an anonymous request fails" test $? -ne 0
like "$out" "permission denied for schema leadscore" "with permission denied"

bad_sql="SELECT leadscore.submit_feedback(lead_id => 12345, rating => 'no_answer');
SELECT leadscore.submit_feedback(lead_id => 12345, rating => 'great');"
out=$(request "$ALICE" authenticated "$bad_sql")
like "$out" "rating: 'great' is not a rating; allowed: no_answer, bad_contact, not_qualified, quoted, won" \
  "a request with a bad argument fails with a message naming the field"
is "$(q "$db" "SELECT rating FROM leadscore.lead_feedback")" "won" \
   "and the whole request is rolled back: the earlier call in it left no trace"

out=$(request "$ALICE" authenticated "SELECT 'submit ' || (leadscore.submit_feedback(lead_id => 12345, rating => 'quoted')).rating;")
is "$(q "$db" "SELECT count(*), min(rating::text), bool_or(win_label IS NULL)
               FROM leadscore.lead_feedback JOIN leadscore.lead_outcomes USING (lead_id)")" "1|quoted|t" \
   "resubmitting replaces the rating, and the label follows"

done_testing
