-- Training, activation and scoring in the database, as an operator and the app see them.
-- Scores depend on the day the test runs (lead age is a feature), so this file
-- prints what must hold rather than the numbers themselves.
\ir test/fixtures/setup.sql

-- 600 permit leads whose outcome follows their features; 480 rated, 120 not.
INSERT INTO auth.users (id, email) VALUES ('c0000000-0000-0000-0000-000000000001', 'ml@example.com');
INSERT INTO leadscore.leads (id, address, permit_value, trade_tags, created_at, attributes)
SELECT 500000 + i,
       format('%s Main St, %s', i, (ARRAY['Springfield, IL 62704', 'Riverton, WY 82501'])[1 + i % 2]),
       1000 * (1 + (i * 7919) % 200),
       ARRAY[(ARRAY['roofing', 'windows', 'solar'])[1 + i % 3]],
       timestamptz '2026-01-01' + make_interval(days => i % 300),
       jsonb_build_object('owner_occupied', i % 4 <> 0, 'competing_bids', 1 + i % 5)
  FROM generate_series(1, 600) AS i;
SELECT count(*) AS rated FROM (
  SELECT leadscore.submit_feedback(l.id,
           CASE WHEN (l.permit_value > 90000)::int + (l.attributes ->> 'owner_occupied')::boolean::int
                     + (l.trade_tags[1] = 'roofing')::int + ((l.id * 31) % 7 = 0)::int >= 2
                THEN 'won' ELSE 'not_qualified' END,
           account_id => 'c0000000-0000-0000-0000-000000000001')
    FROM leadscore.leads l WHERE l.id BETWEEN 500001 AND 500480) s;

-- Bad requests name what is wrong and register nothing.
SELECT leadscore.train_lead_model(activate => 'sometimes');
SELECT leadscore.train_lead_model(params => '{"trees": 10}');
SELECT leadscore.train_lead_model(params => '{"n_trees": 0}');
SELECT leadscore.train_lead_model(params => '[1, 2]');
SELECT leadscore.train_lead_model(min_feedback => 5000);
BEGIN;
UPDATE leadscore.rating_labels SET win_label = false WHERE rating = 'won';
SELECT leadscore.train_lead_model();
ROLLBACK;
SELECT count(*) AS models FROM leadscore.models;

-- Without a model, scores come from the rules, and they spread.
SELECT s.method, s.model_version, count(*) AS leads, count(DISTINCT s.score) > 10 AS spread,
       min(s.score) >= 0 AND max(s.score) <= 100 AS in_range
  FROM leadscore.leads l, LATERAL leadscore.score_lead(l, true) s
 WHERE l.id > 500000 GROUP BY 1, 2;

-- The first model is activated: there was none.
SELECT r ->> 'version' AS version, r ->> 'activated' AS activated, r ->> 'reason' AS reason,
       r ->> 'training_rows' AS rows, r ->> 'won' AS won, r ->> 'lost' AS lost,
       (r -> 'metrics' ->> 'auc')::float8 > 0.75 AS auc_above_075,
       (r -> 'params' ->> 'refit_full') AS refit_full
  FROM leadscore.train_lead_model(min_feedback => 100) AS r;
SELECT version, status, algorithm, training_rows, activated_at IS NOT NULL AS activated,
       metrics ?& ARRAY['auc', 'accuracy', 'brier', 'log_loss', 'ece', 'calibration_curve', 'roc_curve',
                        'feature_importance', 'positive_rate', 'rows_train', 'rows_holdout'] AS has_metrics,
       octet_length(blob) > 1000 AS has_blob
  FROM leadscore.models ORDER BY version;

-- ML scores: every lead, in range, graded by its band, with a confidence.
SELECT s.method, s.model_version, count(*) AS leads,
       bool_and(s.score = round(100 * s.win_prob)) AS score_is_probability,
       bool_and(s.grade = CASE WHEN s.percentile >= 90 THEN 'A' WHEN s.percentile >= 70 THEN 'B'
                               WHEN s.percentile >= 40 THEN 'C' ELSE 'D' END) AS graded,
       bool_and(s.confidence IN ('high', 'medium', 'low')
                AND s.confidence_value BETWEEN 0 AND 1) AS confident
  FROM leadscore.leads l, LATERAL leadscore.score_lead(l, true) s
 WHERE l.id > 500000 GROUP BY 1, 2;
-- The flag decides when use_ml is not given (off by default).
SELECT (leadscore.score_lead(l)).method AS default_method FROM leadscore.leads l WHERE l.id = 500001;
SET leadscore.enable_ml_scoring = on;
SELECT (leadscore.score_lead(l)).method AS flag_on_method FROM leadscore.leads l WHERE l.id = 500001;
RESET leadscore.enable_ml_scoring;

-- Explanations name the lead's own fields, with labels and values, up factors
-- positive, down negative, in points that add up to the score.
SELECT e ->> 'method' AS method, jsonb_array_length(e -> 'top_factors' -> 'up') <= 3 AS at_most_3_up,
       (SELECT bool_and((f ->> 'points')::float8 > 0) FROM jsonb_array_elements(e -> 'top_factors' -> 'up') f) AS ups_positive,
       (SELECT bool_and((f ->> 'points')::float8 < 0) FROM jsonb_array_elements(e -> 'top_factors' -> 'down') f) AS downs_negative,
       (SELECT bool_and(f ->> 'feature' ~ '^(permit_value|address|trade_tags:|created_at|attributes\.)'
                        AND f ->> 'label' <> '' AND f ->> 'value' <> '')
          FROM jsonb_array_elements((e -> 'top_factors' -> 'up') || (e -> 'top_factors' -> 'down')) f) AS lead_terms,
       abs((e ->> 'base_points')::float8 + (e -> 'top_factors' ->> 'other_points')::float8
           + (SELECT sum((f ->> 'points')::float8)
                FROM jsonb_array_elements((e -> 'top_factors' -> 'up') || (e -> 'top_factors' -> 'down')) f)
           - (e ->> 'score')::int) <= 0.5 + 0.05 * 8 AS adds_up
  FROM leadscore.leads l, LATERAL leadscore.explain_lead(l, 3, true) e WHERE l.id = 500007;
SELECT leadscore.explain_lead(l, 0) FROM leadscore.leads l WHERE l.id = 500007;
SELECT e ->> 'method' AS method, e ->> 'fallback_reason' AS fallback_reason
  FROM leadscore.leads l, LATERAL leadscore.explain_lead(l, 3, false) e WHERE l.id = 500007;

-- The promotion gate: a one-tree stump stays a candidate (its probabilities are
-- worse than always saying the win rate).
SELECT r ->> 'version' AS version, r ->> 'activated' AS activated, r ->> 'reason' AS reason
  FROM leadscore.train_lead_model(min_feedback => 100,
         params => '{"n_trees": 1, "max_depth": 1, "calibration": "platt"}') AS r;
-- never registers a candidate; always activates.
SELECT r ->> 'version' AS version, r ->> 'activated' AS activated
  FROM leadscore.train_lead_model(min_feedback => 100, activate => 'never') AS r;
SELECT r ->> 'version' AS version, r ->> 'activated' AS activated
  FROM leadscore.train_lead_model(min_feedback => 100, activate => 'always',
         params => '{"n_trees": 20, "seed": 7}') AS r;
SELECT version, status FROM leadscore.models ORDER BY version;
-- Rollback to the first model; an unknown version is an error.
SELECT leadscore.activate_model(1);
SELECT leadscore.activate_model(42);
SELECT version, status FROM leadscore.models ORDER BY version;
SELECT DISTINCT (leadscore.score_lead(l, true)).model_version FROM leadscore.leads l WHERE l.id > 500000;
-- A model row never changes but for its status.
UPDATE leadscore.models SET blob = '\x00' WHERE version = 1;

-- The app's RPCs: the seed's request bodies.
SELECT jsonb_array_length(r) AS results, r -> 0 ->> 'id' AS first_id, r -> 1 ->> 'id' AS second_id,
       r -> 0 ->> 'method' AS method, r -> 0 ? 'top_factors' AS has_factors
  FROM leadscore.score_leads('[{"id": 700002, "address": "9 Oak Ave, Springfield, IL 62704", "permit_value": 120000,
                               "trade_tags": ["roofing"], "created_at": "2026-11-01T10:00:00Z", "owner_occupied": true},
                              {"id": 700001, "permit_value": 3000}]', true) AS r;
SELECT id, permit_value, trade_tags, attributes FROM leadscore.leads WHERE id >= 700000 ORDER BY id;
SELECT lead_id, method, model_version, score = round(100 * win_prob) AS stored, scored_at IS NOT NULL AS scored
  FROM leadscore.lead_outcomes WHERE lead_id >= 700000 ORDER BY lead_id;
SELECT r -> 0 ->> 'method' AS method, r -> 0 ->> 'fallback_reason' AS fallback_reason
  FROM leadscore.ml_inference('[{"id": 9}]') AS r;
SET leadscore.enable_ml_scoring = on;
SELECT r -> 0 ->> 'method' AS method, r -> 0 ->> 'model_version' AS model_version
  FROM leadscore.ml_inference('[{"id": 9}]') AS r;
RESET leadscore.enable_ml_scoring;

-- Bad request bodies: the lead (index and id) and the field are named; nothing is written.
SELECT count(*) AS leads_before FROM leadscore.leads;
SELECT leadscore.score_leads('{"id": 1}');
SELECT leadscore.score_leads((SELECT jsonb_agg(jsonb_build_object('id', i)) FROM generate_series(1, 1001) i));
SELECT leadscore.score_leads('[{"id": 1}, {"permit_value": 5}]');
SELECT leadscore.score_leads('[{"id": 0}]');
SELECT leadscore.score_leads('[{"id": 1}, {"id": 2}, {"id": 1}]');
SELECT leadscore.score_leads('[{"id": 3, "permit_value": "a lot"}]');
SELECT leadscore.score_leads('[{"id": 3, "trade_tags": "roofing"}]');
SELECT leadscore.score_leads('[{"id": 3, "trade_tags": ["roofing", 7]}]');
SELECT leadscore.score_leads('[{"id": 3, "created_at": "last tuesday"}]');
SELECT leadscore.score_leads('[{"id": 3, "owner": {"name": "x"}}]');
SELECT leadscore.ml_inference('[{"id": 3, "tags": [1]}]');
SELECT count(*) AS leads_after FROM leadscore.leads;

-- Who may do what, as PostgREST runs it.
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', '{"sub":"c0000000-0000-0000-0000-000000000001","role":"authenticated"}', true) IS NOT NULL AS signed_in;
SELECT (s).method, (s).model_version FROM (
  SELECT leadscore.score_lead(l, true) AS s FROM leadscore.leads l WHERE l.id = 500001) x;
SELECT jsonb_array_length(leadscore.score_leads('[{"id": 700003}]', true)) AS scored_as_app;
SAVEPOINT s;
SELECT leadscore.train_lead_model();
ROLLBACK TO s;
SELECT leadscore.activate_model(1);
ROLLBACK TO s;
SELECT count(*) FROM leadscore.models;
ROLLBACK;
BEGIN;
SET LOCAL ROLE anon;
SELECT leadscore.ml_inference('[{"id": 9}]');
ROLLBACK;

-- A corrupt active model falls back to rules with the reason, never a crash.
-- (A new session: this one has version 1 cached, and cached models are never re-read.)
ALTER TABLE leadscore.models DISABLE TRIGGER models_immutable;
UPDATE leadscore.models SET blob = overlay(blob PLACING '\xdeadbeef' FROM 100) WHERE version = 1;
ALTER TABLE leadscore.models ENABLE TRIGGER models_immutable;
\c
SELECT (leadscore.score_lead(l, true)).method AS method,
       leadscore.explain_lead(l, 3, true) ->> 'fallback_reason' AS fallback_reason
  FROM leadscore.leads l WHERE l.id = 500001;
-- Training replaces it: an unreadable active model never blocks a new one.
SELECT r ->> 'activated' AS activated, r ->> 'reason' AS reason
  FROM leadscore.train_lead_model(min_feedback => 100) AS r;
