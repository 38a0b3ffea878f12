#!/usr/bin/env bash
# Real data through SQL: the X Education leads (../shared/data/Leads.csv) loaded
# as leads with attributes, the training rows' outcomes submitted as feedback,
# a model trained with train_lead_model() and the held-out test rows scored
# with score_lead(). The floors sit well below the targets (AUC 0.868 for the
# seed's design): they catch breakage, not noise.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../../bench/sql/datasets.sh"
plan 8

db=$(new_leadscore_db main) || { echo "Bail out! cannot create a leadscore database"; exit 1; }
ok "Leads.csv loads as leads with feedback" load_dataset leads "$db"
is "$(q "$db" "SELECT count(*) FILTER (WHERE win_label) || '/' || count(*) FROM leadscore.lead_outcomes")" \
   "2849/7392" "every training row has its label (2849 conversions of 7392: the split file's train rate, 0.3854)"

trained=$(q "$db" "SELECT leadscore.train_lead_model(min_feedback => 1000) ->> 'activated'")
is "$trained" "true" "a model is trained and activated"
is "$(q "$db" "SELECT metrics -> 'value_model' ->> 'kind' || ': ' || (metrics -> 'value_model' ->> 'estimate')
               FROM leadscore.models WHERE status = 'active'")" \
   "none: no value model fitted: no training lead carries a deal band" \
   "won and lost leads without deal bands: the model says no value model was fitted"
is "$(q "$db" "SELECT count(*) FILTER (WHERE s.expected_value IS NULL AND s.value_if_won IS NULL
                                        AND s.contact_prob >= s.quote_prob AND s.quote_prob >= s.win_prob)
                 || '/' || count(*)
               FROM leadscore.leads l, LATERAL leadscore.score_lead(l, true) s")" \
   "$(q "$db" "SELECT count(*) || '/' || count(*) FROM leadscore.leads")" \
   "every lead: no value, and contact >= quote >= win"
is "$(q "$db" "SELECT count(*) FILTER (WHERE s.quote_prob = s.win_prob AND s.contact_prob > 0.99) || '/' || count(*)
               FROM leadscore.leads l, LATERAL leadscore.score_lead(l, true) s")" \
   "$(q "$db" "SELECT count(*) || '/' || count(*) FROM leadscore.leads")" \
   "won and not_qualified only: every lead was reached, and the quote is the win"

q "$db" "CREATE VIEW bench_scored AS
           SELECT (leadscore.score_lead(l, true)).win_prob AS p, s.label AS y
             FROM leadscore.leads l JOIN bench_split s ON s.id = l.id WHERE s.split = 'test'" >/dev/null
read -r auc ece < <(psql -X -q -A -t -F ' ' -d "$db" -f "$(dirname "$0")/../../bench/sql/metrics.sql" | cut -d' ' -f1,4)
diag "test AUC $auc, ECE $ece (1848 held-out leads)"
ok "test AUC $auc is at least 0.80" awk -v a="$auc" 'BEGIN { exit !(a >= 0.80) }'
ok "test ECE $ece is at most 0.05" awk -v e="$ece" 'BEGIN { exit !(e <= 0.05) }'
done_testing
