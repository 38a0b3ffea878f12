-- Nightly training's run records (each status, who started it), the flag, the
-- minimum lead age, score history retention, the drift levels of health(),
-- latest_model()'s contents, and scheduling without pg_cron.
-- (The lock needs two sessions: test/e2e/45_nightly_lock.t.)
BEGIN;
\ir fixture.psql
SELECT plan(27);

-- The flag is off by default: a run is recorded as skipped, whoever starts it.
SELECT is(leadscore.nightly_training() ->> 'status', 'skipped', 'with the flag off a run is skipped');
SELECT results_eq(
  $$SELECT status, reason, finished_at IS NOT NULL, started_by LIKE 'postgres%' FROM leadscore.training_runs$$,
  $$VALUES ('skipped', 'leadscore.enable_nightly_training is off', true, true)$$,
  'and recorded, finished, with the reason and the session user that started it');
SELECT pg_temp.act_as('service_role');
SELECT is(leadscore.nightly_training() ->> 'started_by', 'service_role via ' || current_setting('application_name'),
  'service_role may run it; the run names the role');
RESET ROLE;
SELECT pg_temp.act_as('authenticated', 'aaaaaaaa-0000-4000-8000-000000000001');
SELECT throws_ok('SELECT leadscore.nightly_training()', '42501', NULL, 'authenticated may not run training');
SELECT throws_ok('SELECT leadscore.health()', '42501', NULL, 'nor read health()');
SELECT throws_ok('SELECT * FROM leadscore.training_runs', '42501', NULL, 'nor the run log');
RESET ROLE;
SELECT throws_ok($$SET leadscore.enable_nightly_training = on$$, '42501', NULL, 'the flag is not theirs to set')
  FROM (SELECT pg_temp.act_as('service_role')) s;
RESET ROLE;

-- 60 labelled leads, all created today: none is old enough to train on.
SET LOCAL leadscore.enable_nightly_training = on;
INSERT INTO leadscore.leads (id, permit_value, trade_tags, created_at)
SELECT i, 1000 * i, ARRAY['roofing'], now() FROM generate_series(1, 60) i;
SELECT count(*) FROM leadscore.leads l,
  LATERAL leadscore.submit_feedback(l.id, CASE WHEN l.id % 2 = 0 THEN 'won' ELSE 'no_answer' END,
                                    account_id => 'aaaaaaaa-0000-4000-8000-000000000001');
SELECT results_eq(
  $$SELECT r ->> 'status', r ->> 'labelled_rows', r ->> 'reason' FROM leadscore.nightly_training() r$$,
  $$VALUES ('skipped', '0', 'not enough labelled leads to train: 0, min_feedback is 50 (0 won, 0 lost); 60 leads are labelled: 60 younger than leadscore.training_min_lead_age (14 days), 0 without a row in leadscore.leads')$$,
  'leads younger than training_min_lead_age are not counted: skipped, with the counts');
SELECT throws_like('SELECT leadscore.train_lead_model(min_feedback => 10)',
  'not enough labelled leads to train: 0, min_feedback is 10 (0 won, 0 lost); 60 leads are labelled: 60 younger than %',
  'train_lead_model() leaves them out too');
SET LOCAL leadscore.training_min_lead_age = 0;
SELECT is(leadscore.health() -> 'labelled_leads',
  '{"won": 30, "lost": 30, "old_enough_to_train": 60}'::jsonb, 'health() counts labelled leads by age');
UPDATE leadscore.leads SET created_at = now() - interval '20 days' WHERE id <= 40;
RESET leadscore.training_min_lead_age;
SELECT is(leadscore.health() -> 'labelled_leads' -> 'old_enough_to_train', '40'::jsonb,
  'leads older than the minimum age count as old enough');
UPDATE leadscore.leads SET created_at = NULL WHERE id > 40;
SELECT is(leadscore.health() -> 'labelled_leads' -> 'old_enough_to_train', '60'::jsonb,
  'and so do leads without created_at');
SELECT results_eq(
  $$SELECT r ->> 'status', r ->> 'labelled_rows', r ->> 'activated', r ->> 'rescored'
      FROM leadscore.nightly_training() r$$,
  $$VALUES ('succeeded', '60', 'false', '60')$$,
  'with enough old leads the run trains and rescores every lead, but does not activate a model no better than chance');
SELECT alike((SELECT reason FROM leadscore.training_runs ORDER BY id DESC LIMIT 1),
  'its held-out ranking is not credibly better than chance: AUC %',
  'the labels here follow the lead id''s parity, which no feature shows: the run says why the model stays a candidate');
SELECT is((SELECT count(*) FROM leadscore.training_runs WHERE status = 'succeeded' AND model_version IS NOT NULL
             AND metrics ? 'auc' AND duration IS NOT NULL AND won = 30 AND lost = 30), 1::bigint,
  'the succeeded run records the model, its metrics, the class counts and the duration');

-- Retention: rows older than score_history_retention days go at the next run.
INSERT INTO leadscore.score_history (lead_id, scored_at, score, method) VALUES
  (1, now() - interval '31 days', 10, 'rules'), (1, now() - interval '29 days', 20, 'rules');
SET LOCAL leadscore.score_history_retention = 30;
SELECT leadscore.nightly_training();
SELECT results_eq(
  $$SELECT score FROM leadscore.score_history WHERE lead_id = 1 AND scored_at < now() - interval '1 day'$$,
  $$VALUES (20)$$, 'a run deletes history older than the retention period and keeps the rest');
SELECT is((SELECT count(*) FROM leadscore.score_history WHERE lead_id = 1 AND scored_at >= now() - interval '1 day'),
  1::bigint, 'the rescoring of lead 1 is in its history, once: in the same transaction nothing was stale for the second run');
RESET leadscore.score_history_retention;

-- Drift: a model whose held-out predictions spread evenly over the 10 bins.
UPDATE leadscore.models SET status = 'retired' WHERE status = 'active';
INSERT INTO leadscore.models (version, algorithm, params, feature_spec, metrics, training_rows, blob, status, activated_at)
SELECT 900, 'random_forest', '{}', '{}',
       jsonb_build_object('auc', 0.8, 'brier', 0.2, 'ece', 0.03, 'accuracy', 0.7, 'positive_rate', 0.4,
         'rows_train', 800, 'rows_holdout', 200,
         'calibration_curve', (SELECT jsonb_agg(jsonb_build_object('lo', b / 10.0, 'hi', (b + 1) / 10.0, 'count', 20))
                                 FROM generate_series(0, 9) b),
         'feature_importance', (SELECT jsonb_agg(jsonb_build_object('feature', 'f' || i, 'importance', i / 100.0))
                                  FROM generate_series(1, 12) i)),
       1000, '\x00', 'active', now() - interval '1 hour';
CREATE TEMP TABLE drift_case (name text, bin int, n int);
INSERT INTO drift_case
SELECT 'same', b, 20 FROM generate_series(0, 9) b
UNION ALL SELECT 'shifted', b, CASE WHEN b < 5 THEN 28 ELSE 12 END FROM generate_series(0, 9) b
UNION ALL SELECT 'collapsed', 0, 200
UNION ALL SELECT 'few', b, 5 FROM generate_series(0, 9) b;
CREATE FUNCTION pg_temp.drift_of(case_name text) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM leadscore.score_history;
  INSERT INTO leadscore.score_history (lead_id, scored_at, score, win_prob, model_version, method)
  SELECT 1, now(), 50, (d.bin + 0.5) / 10.0, 900, 'ml' FROM drift_case d, generate_series(1, d.n)
   WHERE d.name = case_name;
  RETURN leadscore.health() -> 'drift';
END $$;
SELECT is(pg_temp.drift_of('same') ->> 'level', 'ok', 'scores spread like the held-out predictions: ok');
SELECT is((pg_temp.drift_of('same') ->> 'psi')::numeric, 0::numeric, 'with a PSI of 0');
SELECT results_eq($$SELECT d ->> 'level', (d ->> 'psi')::numeric BETWEEN 0.1 AND 0.25 FROM pg_temp.drift_of('shifted') d$$,
  $$VALUES ('warning', true)$$, 'a shift to lower scores (PSI between 0.1 and 0.25): warning');
SELECT results_eq($$SELECT d ->> 'level', (d ->> 'psi')::numeric >= 0.25 FROM pg_temp.drift_of('collapsed') d$$,
  $$VALUES ('alert', true)$$, 'every score in one bin (PSI of 0.25 or more): alert');
SELECT results_eq($$SELECT d ->> 'level', d -> 'psi' FROM pg_temp.drift_of('few') d$$,
  $$VALUES ('insufficient_data', 'null'::jsonb)$$, 'under 100 scores since activation: insufficient_data, no PSI');
SELECT is(leadscore.health() -> 'active_model' ->> 'version', '900', 'health() names the active model');
SELECT set_eq($$SELECT jsonb_object_keys(leadscore.health())$$,
  ARRAY['flags', 'settings', 'active_model', 'last_run', 'labelled_leads', 'outcomes', 'feedback_since_last_training', 'drift',
        'model_problems'],
  'health() has its documented keys');

-- latest_model(): the newest model, whole.
SELECT results_eq(
  $$SELECT m ->> 'version', m ->> 'active', m -> 'class_balance', m -> 'metrics' -> 'auc',
           jsonb_array_length(m -> 'calibration_curve'),
           (SELECT array_agg(f ->> 'feature') FROM jsonb_array_elements(m -> 'top_features') f)
      FROM leadscore.latest_model() m$$,
  $$VALUES ('900', 'true', '{"positive_rate": 0.4, "rows_train": 800, "rows_holdout": 200}'::jsonb, '0.8'::jsonb, 10,
            ARRAY['f12', 'f11', 'f10', 'f9', 'f8', 'f7', 'f6', 'f5', 'f4', 'f3'])$$,
  'latest_model(): version, activation, class balance, metrics, calibration curve, the 10 top features in order');

-- Scheduling needs pg_cron, which this database does not have.
SELECT throws_ok('SELECT leadscore.schedule_nightly_training()', '0A000',
  'pg_cron is not installed in database ' || current_database(), 'scheduling without pg_cron says so');
SELECT throws_ok('SELECT leadscore.unschedule_nightly_training()', '0A000',
  'pg_cron is not installed in database ' || current_database(), 'and so does unscheduling');

SELECT * FROM finish();
ROLLBACK;
