#!/usr/bin/env bash
# pg_dump and restore keep every row of leadscore's tables: users' feedback
# and leads, derived outcomes and scores, and the operator's changes to the
# vocabularies. The restore follows the documented procedure:
#   1. a new database, with leadscore_auth_compat.sql run in it;
#   2. pg_dump --data-only --schema=auth SRC | psql NEW
#   3. pg_dump --exclude-schema=auth SRC | psql -v ON_ERROR_STOP=1 NEW
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
plan 18

src=$(new_leadscore_db src) || { echo "Bail out! cannot create a leadscore database"; exit 1; }
CAROL=cccccccc-0000-4000-8000-000000000003

# submit ACCOUNT SQL...: calls as a signed-in contractor, one transaction.
submit() {
  local account=$1; shift
  { echo "BEGIN; SET LOCAL ROLE authenticated;"
    echo "SELECT set_config('request.jwt.claims', '{\"sub\":\"$account\",\"role\":\"authenticated\"}', true);"
    printf '%s\n' "$@"
    echo "COMMIT;"
  } | psql -X -q -v ON_ERROR_STOP=1 -d "$src" >/dev/null
}

q "$src" "
INSERT INTO auth.users (id, email) VALUES
  ('$ALICE', 'alice@example.com'), ('$BOB', 'bob@example.com'), ('$CAROL', 'carol@example.com');
INSERT INTO leadscore.leads (id, address, permit_value, trade_tags, created_at, attributes) VALUES
  (1, '1 Elm St', 12000, '{roofing}', '2026-01-02 10:00+00', '{\"beds\": 3, \"storm\": true, \"zone\": \"R1\"}'),
  (2, '2 Elm St', 250000, '{hvac,plumbing}', '2026-02-03 11:00+00', '{\"sqft\": 1850.5}'),
  (3, '3 Elm St', NULL, NULL, NULL, '{}');
-- The operator's configuration: a customised label, a new reason code, a
-- retired band and a new one.
UPDATE leadscore.rating_labels SET win_label = false, description = 'a quote that went nowhere' WHERE rating = 'quoted';
INSERT INTO leadscore.reason_codes (code, polarity, description) VALUES ('storm_damage', 'good', 'insurance-backed repair');
UPDATE leadscore.deal_bands SET active = false WHERE band = '\$150k+';
INSERT INTO leadscore.deal_bands (band, position, min_value, max_value) VALUES ('\$150-500k', 5, 150000, 500000);" >/dev/null

# Ratings in an order that makes labels change on the way: lead 1 is lost,
# then won; lead 2 is quoted (lost under the custom label).
submit "$ALICE" "SELECT leadscore.submit_feedback(1, 'no_answer', reason_codes => '{no_response}');" \
                "SELECT leadscore.submit_feedback(2, 'quoted', '\$150-500k', '{storm_damage,qualified}', 'big job');"
submit "$BOB"   "SELECT leadscore.submit_feedback(1, 'won', '\$5-15k', '{good_contact}', 'signed');" \
                "SELECT leadscore.submit_feedback(3, 'bad_contact');" \
                "SELECT leadscore.submit_feedback(3, 'not_qualified', notes => 'changed my mind');"
submit "$CAROL" "SELECT leadscore.submit_feedback(2, 'no_answer');"
# A deleted rating leaves a gap in the ids; scores written by the service.
q "$src" "DELETE FROM leadscore.lead_feedback WHERE account_id = '$CAROL';
          UPDATE leadscore.lead_outcomes SET win_prob = 0.8, calibrated_score = 0.75 WHERE lead_id = 1;" >/dev/null
# The run log and the score history.
q "$src" "SELECT leadscore.nightly_training();
          INSERT INTO leadscore.score_history (lead_id, scored_at, score, win_prob, model_version, method)
          VALUES (1, '2026-03-01 08:00+00', 55, NULL, NULL, 'rules'), (1, '2026-03-02 08:00+00', 61, NULL, NULL, 'rules');" >/dev/null

is "$(q "$src" "SELECT string_agg(lead_id || '=' || coalesce(win_label::text, 'null'), ' ' ORDER BY lead_id) FROM leadscore.lead_outcomes")" \
   "1=true 2=false 3=false" "source: the labels follow the customised rating_labels"

dst=$(new_db dst) && install_compat "$dst"
ok "restore step 1: a new database with the stand-in step" test -n "$dst"
err=$(pg_dump --data-only --schema=auth "$src" | psql -X -q -d "$dst" 2>&1 >/dev/null)
is "$err" "" "restore step 2: auth's data, without an error"
err=$(pg_dump --exclude-schema=auth "$src" | psql -X -q -v ON_ERROR_STOP=1 -d "$dst" 2>&1 >/dev/null)
ok "restore step 3: everything else, with ON_ERROR_STOP" test $? -eq 0
[ -n "$err" ] && diag "$err"

# table_digest DB TABLE: the md5 of the table's rows, as text, in order.
table_digest() {
  q "$1" "SELECT count(*) || ' rows, ' || coalesce(md5(string_agg(t::text, E'\n' ORDER BY t::text)), '-') FROM $2 t"
}
for t in auth.users leadscore.leads leadscore.lead_feedback leadscore.rating_labels \
         leadscore.reason_codes leadscore.deal_bands leadscore.training_runs leadscore.score_history; do
  is "$(table_digest "$dst" $t)" "$(table_digest "$src" $t)" "$t: every row is identical"
done
outcomes="(SELECT lead_id, win_label, win_prob, calibrated_score FROM leadscore.lead_outcomes)"
is "$(table_digest "$dst" "$outcomes")" "$(table_digest "$src" "$outcomes")" \
   "leadscore.lead_outcomes: every label and score is identical"
# Outcomes and the label mapping come back before the feedback, whose trigger
# then re-derives every label once from complete data: no label changes, so
# updated_at is untouched too.
is "$(table_digest "$dst" leadscore.lead_outcomes)" "$(table_digest "$src" leadscore.lead_outcomes)" \
   "leadscore.lead_outcomes: every row is identical, updated_at too"

src_max=$(q "$src" "SELECT max(id) FROM leadscore.lead_feedback")
src_last=$(q "$src" "SELECT last_value FROM leadscore.lead_feedback_id_seq")
is "$(q "$dst" "SELECT last_value FROM leadscore.lead_feedback_id_seq")" "$src_last" \
   "the id sequence is restored"

src=$dst submit "$CAROL" "SELECT leadscore.submit_feedback(3, 'won', '\$150-500k', '{storm_damage}');"
new_id=$(q "$dst" "SELECT id FROM leadscore.lead_feedback WHERE account_id = '$CAROL'")
ok "submitting feedback works after the restore, with an id past the old maximum ($new_id > $src_max)" \
  test "${new_id:-0}" -gt "$src_max"
is "$(q "$dst" "SELECT win_label FROM leadscore.lead_outcomes WHERE lead_id = 3")" "t" \
   "and the label trigger works after the restore"

rls=$(psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$dst" <<SQL
BEGIN; SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', '{"sub":"$ALICE","role":"authenticated"}', true) \\g /dev/null
SELECT string_agg(DISTINCT account_id::text, ',') FROM leadscore.get_feedback();
COMMIT;
SQL
)
is "$rls" "$ALICE" "row-level security holds in the restored database"

done_testing
