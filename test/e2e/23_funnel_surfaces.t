#!/usr/bin/env bash
# The funnel on every scoring surface. A model stored by an earlier release
# (blob format 4, from the fuzz corpus, which keeps a blob of every format)
# still loads and scores: win probability and percentile as before, the
# funnel's fields NULL everywhere. A model trained on the demo's ratings
# serves contact_prob >= quote_prob >= win_prob, value_if_won and
# expected_value = win_prob x value_if_won through score_lead, ml_inference,
# score_leads and explain_lead alike.
source "$(dirname "$0")/lib.sh"
plan 8

db=$(new_leadscore_db main) || { echo "Bail out! cannot create a leadscore database"; exit 1; }
blob_hex=$(python3 -c "import sys; print(open(sys.argv[1], 'rb').read().hex())" \
             "$(dirname "$0")/../../fuzz/corpus/format4-isotonic.bin")
q "$db" "INSERT INTO leadscore.models (algorithm, params, feature_spec, metrics, training_rows, blob)
         VALUES ('random_forest', '{}', '[]', '{}', 300, '\\x$blob_hex'::bytea);
         SELECT leadscore.activate_model(1);
         INSERT INTO leadscore.leads (id, attributes)
         SELECT i, jsonb_build_object('score', i, 'region', CASE WHEN i % 2 = 0 THEN 'north' ELSE 'south' END)
           FROM generate_series(1, 20) AS i;" >/dev/null

is "$(q "$db" "SELECT count(*) FILTER (WHERE s.method = 'ml' AND s.win_prob IS NOT NULL AND s.percentile IS NOT NULL)
                || ' ' || count(*) FILTER (WHERE s.contact_prob IS NULL AND s.quote_prob IS NULL
                                             AND s.value_if_won IS NULL AND s.expected_value IS NULL)
                 FROM leadscore.leads l, LATERAL leadscore.score_lead(l, true) s")" \
   "20 20" "score_lead: the format-4 model scores every lead, its funnel fields NULL"
is "$(q "$db" "SELECT count(*) FROM jsonb_array_elements(leadscore.ml_inference(
                 (SELECT jsonb_agg(jsonb_build_object('id', id) || attributes) FROM leadscore.leads), true)) r
               WHERE r ? 'win_prob' AND NOT (r ? 'contact_prob' OR r ? 'quote_prob' OR r ? 'expected_value')")" \
   "20" "ml_inference: win_prob on every result, no funnel keys"
is "$(q "$db" "SELECT (e ? 'win_prob')::text || ' ' || (e ? 'expected_value')::text
                 FROM leadscore.leads l, LATERAL leadscore.explain_lead(l, 3, true) e WHERE l.id = 7")" \
   "true false" "explain_lead: win_prob, no expected_value"
like "$(q "$db" "SELECT leadscore.model_report_svg(1)")" "^<svg .*height=\"420\"" \
   "the report has no funnel panel (the canvas keeps its height)"

# A funnel model trained on the demo generator's ratings.
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -v leads=1500 -v seed=7 -f "$(dirname "$0")/../../demo/generate.sql" >/dev/null
is "$(q "$db" "SELECT leadscore.train_lead_model(activate => 'always', params => '{\"n_trees\": 20}') ->> 'activated'")" \
   "true" "a model is trained on every rating and activated"
is "$(q "$db" "SELECT count(*) FILTER (WHERE s.contact_prob >= s.quote_prob AND s.quote_prob >= s.win_prob
                                        AND s.value_if_won > 0
                                        AND abs(s.expected_value - s.win_prob * s.value_if_won) < 1e-9 * s.value_if_won)
                 || '/' || count(*)
               FROM leadscore.leads l, LATERAL leadscore.score_lead(l, true) s")" \
   "1500/1500" "score_lead: every lead has nested stages, a value and its expected value"
body=$(q "$db" "SELECT jsonb_agg(jsonb_build_object('id', id, 'address', address, 'permit_value', permit_value, 'trade_tags', trade_tags,
                                                    'created_at', created_at) || attributes)
                  FROM leadscore.leads WHERE id <= 40")
is "$(q "$db" "WITH r AS (SELECT jsonb_array_elements(leadscore.ml_inference('$body', true)) AS r)
               SELECT count(*) FROM r, leadscore.leads l,
                      LATERAL leadscore.score_lead(l, true) s, LATERAL leadscore.explain_lead(l, 3, true) e
                WHERE l.id = (r ->> 'id')::bigint
                  AND (r ->> 'contact_prob')::float8 = s.contact_prob AND (r ->> 'quote_prob')::float8 = s.quote_prob
                  AND (r ->> 'value_if_won')::float8 = s.value_if_won
                  AND (r ->> 'expected_value')::float8 = s.expected_value
                  AND abs((e ->> 'expected_value')::float8 - s.expected_value) <= 1e-5 * s.expected_value")" \
   "40" "ml_inference and explain_lead carry the same funnel as score_lead"
is "$(q "$db" "BEGIN; SET LOCAL ROLE service_role;
               SELECT set_config('request.jwt.claims', '{\"role\": \"service_role\"}', true) IS NULL;
               CREATE TEMP TABLE returned AS SELECT jsonb_array_elements(leadscore.score_leads('$body', true)) AS r;
               -- stored as numeric, which keeps 15 significant digits of a float8
               SELECT count(*) FILTER (WHERE abs((r ->> 'expected_value')::float8 - o.expected_value::float8)
                                               <= 1e-12 * o.expected_value::float8
                                         AND abs((r ->> 'contact_prob')::float8 - o.contact_prob::float8) <= 1e-12)
                 FROM returned JOIN leadscore.lead_outcomes o ON o.lead_id = (r ->> 'id')::bigint;
               COMMIT;" | tail -1)" \
   "40" "score_leads returns the funnel and stores it in lead_outcomes"
