-- Training, activation and scoring through SQL: the errors, the promotion gate
-- both ways, rollback, the flag, every fallback reason, and who may call what.
BEGIN;
\ir fixture.psql
SELECT plan(52);

-- 400 leads; the outcome is decided by value, occupancy and trade, plus noise.
INSERT INTO leadscore.leads (id, address, permit_value, trade_tags, created_at, attributes)
SELECT i, format('%s Elm St, Springfield, IL 62704', i), 1000 * (1 + (i * 7919) % 200),
       ARRAY[(ARRAY['roofing', 'windows', 'solar'])[1 + i % 3]],
       timestamptz '2026-01-01' + make_interval(days => i % 300),
       jsonb_build_object('owner_occupied', i % 4 <> 0, 'competing_bids', 1 + i % 5)
  FROM generate_series(1, 400) AS i;
CREATE TEMP TABLE truth ON COMMIT DROP AS
SELECT l.id, (l.permit_value > 90000)::int + (l.attributes ->> 'owner_occupied')::boolean::int
             + (l.trade_tags[1] = 'roofing')::int + ((l.id * 31) % 7 = 0)::int >= 2 AS won
  FROM leadscore.leads l;
SELECT is(count(*), 320::bigint, '320 leads rated by alice')
  FROM truth t, LATERAL leadscore.submit_feedback(t.id, CASE WHEN t.won THEN 'won' ELSE 'no_answer' END,
                                                  account_id => 'aaaaaaaa-0000-4000-8000-000000000001') f
 WHERE t.id <= 320;

-- Training errors.
SELECT throws_ok($$SELECT leadscore.train_lead_model(activate => 'maybe')$$, '22023',
  'activate: ''maybe'' is not allowed; allowed: if_better, always, never', 'bad activate');
SELECT throws_like($$SELECT leadscore.train_lead_model(params => '{"depth": 3}')$$,
  '%unknown parameter "depth"; allowed: n_trees, %max_depth, %', 'unknown params key, allowed keys listed');
SELECT throws_like($$SELECT leadscore.train_lead_model(params => '{"n_trees": "many"}')$$,
  '%"n_trees"%', 'bad params value names the key');
SELECT throws_ok($$SELECT leadscore.train_lead_model(params => '{"n_trees": [1]}')$$, '22023',
  'params: the value of "n_trees" must be a number, string or boolean', 'nested params value');
SELECT throws_ok($$SELECT leadscore.train_lead_model(params => '"x"')$$, '22023',
  'params: must be a JSON object', 'params not an object');
SELECT throws_like($$SELECT leadscore.train_lead_model(min_feedback => 1000)$$,
  'not enough labelled leads to train: 320, min_feedback is 1000 (% won, % lost); 320 leads are labelled: 0 younger than leadscore.training_min_lead_age (14 days), 0 without a row in leadscore.leads',
  'too few labels, with counts of what is labelled and why it is not trainable');
SELECT throws_ok($$SELECT leadscore.train_lead_model(min_feedback => 1)$$, '22023',
  'min_feedback: must be at least 2, got 1', 'min_feedback below 2');
SAVEPOINT one_class;
UPDATE leadscore.rating_labels SET win_label = false WHERE rating = 'won';
SELECT throws_like($$SELECT leadscore.train_lead_model()$$, 'cannot train on one class: 0 won, 320 lost',
  'one class only, with counts');
ROLLBACK TO one_class;
SELECT is((SELECT count(*) FROM leadscore.models), 0::bigint, 'failed training registers nothing');

-- Rules before any model, with the reason.
SELECT is((leadscore.score_lead(l, true)).method, 'rules', 'no model: rules') FROM leadscore.leads l WHERE id = 1;
SELECT is(leadscore.explain_lead(l, 3, true) ->> 'fallback_reason', 'no_active_model', 'reason: no_active_model')
  FROM leadscore.leads l WHERE id = 1;

-- The gate, upward: a weak model first (always), then a forest (if_better) replaces it.
SELECT is(leadscore.train_lead_model(min_feedback => 50, activate => 'always',
            params => '{"n_trees": 3, "max_depth": 2, "calibration": "platt"}') ->> 'activated',
          'true', 'always activates a weak model that is still credibly better than chance');
CREATE TEMP TABLE better ON COMMIT DROP AS SELECT leadscore.train_lead_model(min_feedback => 50) AS r;
SELECT is(r ->> 'activated', 'true', 'if_better activates a better model') FROM better;
SELECT ok((r -> 'metrics' ->> 'auc_raw')::float8 >= (r ->> 'previous_active_auc_on_holdout')::float8 - 0.01,
          'its held-out AUC is at least the active model''s on the same leads minus 0.01') FROM better;
-- ... and downward: a stump does not replace the forest.
CREATE TEMP TABLE worse ON COMMIT DROP AS
  SELECT leadscore.train_lead_model(min_feedback => 50,
           params => '{"n_trees": 1, "max_depth": 1, "calibration": "platt"}') AS r;
SELECT is(r ->> 'activated', 'false', 'if_better keeps the better active model') FROM worse;
SELECT ok((r -> 'metrics' ->> 'auc_raw')::float8 < (r ->> 'previous_active_auc_on_holdout')::float8 - 0.01,
          'because its held-out AUC is lower by more than 0.01') FROM worse;
SELECT is(leadscore.train_lead_model(min_feedback => 50, activate => 'never') ->> 'activated', 'false',
          'never registers a candidate only');
SELECT results_eq($$SELECT version, status FROM leadscore.models ORDER BY version$$,
  $$VALUES (1, 'retired'), (2, 'active'), (3, 'candidate'), (4, 'candidate')$$, 'one active model, the rest retired or candidates');
SELECT throws_ok($$UPDATE leadscore.models SET status = 'active' WHERE version = 3$$, '23505', NULL,
  'the schema refuses a second active model');
SELECT is((SELECT params ->> 'n_trees' FROM leadscore.models WHERE version = 1), '3', 'the parameters used are stored');
SELECT ok((SELECT (params ->> 'shrinkage')::float8 IN (0, 10, 30, 100, 300, 1000) FROM leadscore.models WHERE version = 1),
  'the shrinkage chosen out of bag (the default, -1) is stored as the value the forest got');
SELECT is((SELECT training_rows FROM leadscore.models WHERE version = 2), 320, 'training_rows is stored');

-- Rollback and roll forward.
SELECT is(leadscore.activate_model(1) ->> 'previous_version', '2', 'activate_model returns the previous version');
SELECT is((leadscore.score_lead(l, true)).model_version, 1, 'scores come from the rolled-back model')
  FROM leadscore.leads l WHERE id = 1;
SELECT lives_ok($$SELECT leadscore.activate_model(2)$$, 'roll forward');
SELECT throws_ok($$SELECT leadscore.activate_model(99)$$, 'P0002', 'version: no model with version 99',
  'unknown version');

-- The flag: score_lead and ml_inference follow leadscore.enable_ml_scoring when use_ml is not given.
SELECT is((leadscore.score_lead(l)).method, 'rules', 'flag off (default): rules') FROM leadscore.leads l WHERE id = 1;
SELECT is(leadscore.ml_inference('[{"id": 1}]') -> 0 ->> 'fallback_reason', 'flag_off', 'reason: flag_off');
-- ml_inference can be asked for the model, as score_leads can (0.3.0 had no use_ml).
SELECT is(leadscore.ml_inference('[{"id": 1}]', use_ml => true) -> 0 ->> 'method', 'ml',
  'ml_inference(use_ml => true) uses the model with the flag off');
SELECT is(leadscore.ml_inference('[{"id": 1}]', use_ml => false) -> 0 ->> 'fallback_reason', 'ml_not_requested',
  'and use_ml => false scores by rules, saying so');
SET LOCAL leadscore.enable_ml_scoring = on;
SELECT is((leadscore.score_lead(l)).method, 'ml', 'flag on: ml') FROM leadscore.leads l WHERE id = 1;
SELECT is(leadscore.ml_inference('[{"id": 1}]') -> 0 ->> 'method', 'ml', 'ml_inference uses the model');
SELECT is((leadscore.score_lead(l, false)).method, 'rules', 'use_ml false overrides the flag')
  FROM leadscore.leads l WHERE id = 1;
RESET leadscore.enable_ml_scoring;

-- Scores: 0-100, graded, and better for the leads that were won.
SELECT ok(bool_and(s.score BETWEEN 0 AND 100 AND s.grade IN ('A', 'B', 'C', 'D')), 'scores in 0..100 with a grade')
  FROM leadscore.leads l, LATERAL leadscore.score_lead(l, true) s;
SELECT ok(avg(s.win_prob) FILTER (WHERE t.won) > avg(s.win_prob) FILTER (WHERE NOT t.won) + 0.2,
          'won leads score well above lost ones')
  FROM leadscore.leads l JOIN truth t ON t.id = l.id, LATERAL leadscore.score_lead(l, true) s;
SELECT is(count(*) FILTER (WHERE abs(s.win_prob - (leadscore.explain_lead(l, 1, true) ->> 'win_prob')::float8) > 1e-5),
          0::bigint, 'score_lead and explain_lead agree on every lead''s probability')
  FROM leadscore.leads l, LATERAL leadscore.score_lead(l, true) s;
SELECT ok(count(DISTINCT s.score) > 15, 'rules scores spread over the range')
  FROM leadscore.leads l, LATERAL leadscore.score_lead(l, false) s;

-- Bad bodies for the RPCs: error naming lead and field, nothing written.
SELECT throws_ok($$SELECT leadscore.score_leads('[{"id": 5, "permit_value": true}]')$$, '22023',
  'leads[0] (id 5): permit_value must be a number, got true', 'permit_value not a number');
SELECT throws_ok($$SELECT leadscore.score_leads('[{"id": 5}, {"id": "6"}]')$$, '22023',
  'leads[1]: id must be a positive integer, got "6"', 'id not a number');
SELECT throws_ok($$SELECT leadscore.ml_inference('[{"id": 5, "created_at": "2026-02-30"}]')$$, '22007',
  'leads[0] (id 5): created_at is not a timestamp: 2026-02-30', 'impossible date');
SELECT is((SELECT count(*) FROM leadscore.leads), 400::bigint, 'nothing written by the failed calls');

-- Who may call what, as PostgREST runs it.
SELECT pg_temp.act_as('authenticated', 'aaaaaaaa-0000-4000-8000-000000000001');
SELECT throws_ok($$SELECT leadscore.train_lead_model()$$, '42501', NULL, 'authenticated cannot train');
SELECT throws_ok($$SELECT leadscore.activate_model(1)$$, '42501', NULL, 'authenticated cannot activate');
SELECT is(jsonb_array_length(leadscore.score_leads('[{"id": 900001, "permit_value": 5000}]', true)), 1,
          'authenticated scores through score_leads');
RESET ROLE;
SELECT pg_temp.act_as('anon');
SELECT throws_ok($$SELECT leadscore.ml_inference('[{"id": 1}]')$$, '42501', NULL, 'anon cannot score');
RESET ROLE;
SELECT pg_temp.act_as('service_role');
SELECT lives_ok($$SELECT leadscore.activate_model(1)$$, 'service_role activates');
RESET ROLE;

-- Memory bound: beyond max_training_leads, a fixed sample by id hash trains.
CREATE TEMP TABLE sampled ON COMMIT DROP AS
  SELECT leadscore.train_lead_model(activate => 'never', params => '{"max_training_leads": 100, "n_trees": 5}') AS r
  UNION ALL
  SELECT leadscore.train_lead_model(activate => 'never', params => '{"max_training_leads": 100, "n_trees": 5}');
SELECT is(array_agg(DISTINCT (r ->> 'training_rows')::int), ARRAY[100], 'only max_training_leads leads train') FROM sampled;
SELECT ok(bool_and((r ->> 'sampled')::boolean) AND bool_and((r ->> 'won')::int + (r ->> 'lost')::int = 320),
          'the result says the leads were sampled from all 320') FROM sampled;
SELECT is(count(DISTINCT blob), 1::bigint, 'the sample, and so the model, is the same run after run')
  FROM leadscore.models WHERE version IN (SELECT (r ->> 'version')::int FROM sampled);

-- No more leads than the spec sample holds are read in one pass and binned
-- from memory; with a sample smaller than the leads, their ids are read
-- first, then the sample's rows, then every other row. Both learn the spec
-- from the same training leads (fewer than 300 of the 320 are not held
-- out), so the model is the same.
CREATE TEMP TABLE passes ON COMMIT DROP AS
  SELECT 'one' AS pass, leadscore.train_lead_model(activate => 'never', params => '{"n_trees": 5}') AS r
  UNION ALL
  SELECT 'two', leadscore.train_lead_model(activate => 'never', params => '{"n_trees": 5, "spec_sample_leads": 300}')
  UNION ALL
  SELECT 'small', leadscore.train_lead_model(activate => 'never', params => '{"n_trees": 5, "spec_sample_leads": 40}');
SELECT is((SELECT m.metrics FROM passes p JOIN leadscore.models m ON m.version = (p.r ->> 'version')::int WHERE p.pass = 'one'),
          (SELECT m.metrics FROM passes p JOIN leadscore.models m ON m.version = (p.r ->> 'version')::int WHERE p.pass = 'two'),
          'one pass over the leads and the sample first give the same model');
SELECT is((SELECT (r ->> 'training_rows')::int FROM passes WHERE pass = 'small'), 320,
          'with the sample read first, every lead trains once: none left out, none twice');

SELECT * FROM finish();
ROLLBACK;
