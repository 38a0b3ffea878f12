-- Nightly training, the run log, score history, rescoring and monitoring, as an
-- operator sees them. Only what does not depend on the day the test runs is
-- printed: statuses, reasons, counts, keys.
-- A database of its own: the counts below start from no leads and no models.
CREATE DATABASE leadscore_operations;
\c leadscore_operations
\ir test/fixtures/setup.sql

-- The settings and their defaults.
SELECT leadscore.feedback_enabled();
SHOW leadscore.enable_nightly_training;
SHOW leadscore.training_min_lead_age;
SHOW leadscore.score_history_retention;

-- Off by default: the run is recorded as skipped, with the reason.
SELECT r ->> 'status' AS status, r ->> 'reason' AS reason, r ->> 'model_version' AS version
  FROM leadscore.nightly_training() AS r;
SET leadscore.enable_nightly_training = on;

-- Too little feedback is skipped with the counts, not a failure.
SELECT r ->> 'status' AS status, r ->> 'reason' AS reason FROM leadscore.nightly_training() AS r;

-- 600 leads from this year, 480 of them rated; and 40 rated leads created
-- today, too young to teach the model anything: training leaves them out.
INSERT INTO auth.users (id, email) VALUES ('c0000000-0000-0000-0000-000000000002', 'ops@example.com');
INSERT INTO leadscore.leads (id, address, permit_value, trade_tags, created_at, attributes)
SELECT 600000 + i,
       format('%s Oak St, %s', i, (ARRAY['Springfield, IL 62704', 'Riverton, WY 82501'])[1 + i % 2]),
       1000 * (1 + (i * 7919) % 200),
       ARRAY[(ARRAY['roofing', 'windows', 'solar'])[1 + i % 3]],
       CASE WHEN i > 600 THEN now() ELSE timestamptz '2026-01-01' + make_interval(days => i % 300) END,
       jsonb_build_object('owner_occupied', i % 4 <> 0, 'competing_bids', 1 + i % 5)
  FROM generate_series(1, 640) AS i;
SELECT count(*) AS rated FROM (
  SELECT leadscore.submit_feedback(l.id,
           CASE WHEN (l.permit_value > 90000)::int + (l.attributes ->> 'owner_occupied')::boolean::int
                     + (l.trade_tags[1] = 'roofing')::int + ((l.id * 31) % 7 = 0)::int >= 2
                     AND l.id <= 600600
                THEN 'won' ELSE 'not_qualified' END,
           account_id => 'c0000000-0000-0000-0000-000000000002')
    FROM leadscore.leads l WHERE l.id BETWEEN 600001 AND 600480 OR l.id > 600600) s;

-- The minimum age applies to train_lead_model() itself: 500 is more than the
-- 480 labelled leads old enough, though 520 are labelled.
SELECT leadscore.train_lead_model(min_feedback => 500);
SET leadscore.training_min_lead_age = 0;
SELECT r ->> 'training_rows' AS rows FROM leadscore.train_lead_model(min_feedback => 500, activate => 'never') AS r;
RESET leadscore.training_min_lead_age;
DELETE FROM leadscore.models;

-- History older than the retention period goes at the next run; younger stays.
INSERT INTO leadscore.score_history (lead_id, scored_at, score, win_prob, model_version, method) VALUES
  (600001, now() - interval '400 days', 40, NULL, NULL, 'rules'),
  (600001, now() - interval '300 days', 45, NULL, NULL, 'rules');

-- A run that trains: the model is activated (there was none), and every lead
-- is rescored with it into lead_outcomes and score_history.
SELECT r ->> 'status' AS status, r ->> 'reason' AS reason, r ->> 'labelled_rows' AS labelled_rows,
       r ->> 'won' AS won, r ->> 'lost' AS lost, r ->> 'activated' AS activated,
       r ->> 'model_version' IS NOT NULL AS produced_a_model,
       (r -> 'metrics' ->> 'auc')::float8 > 0.75 AS auc_above_075, r ->> 'rescored' AS rescored,
       (r ->> 'duration')::interval >= interval '0' AS timed
  FROM leadscore.nightly_training() AS r;
SELECT count(*) AS history_rows, count(*) FILTER (WHERE method = 'ml') AS ml,
       count(*) FILTER (WHERE scored_at < now() - interval '365 days') AS older_than_retention
  FROM leadscore.score_history;
SELECT count(*) AS scored, count(*) FILTER (WHERE o.method = 'ml'
                                              AND o.model_version = (SELECT version FROM leadscore.models WHERE status = 'active')) AS by_active
  FROM leadscore.lead_outcomes o WHERE o.scored_at IS NOT NULL;

-- Rescoring: nothing is stale right after a run; a changed lead is; NULL rescores all.
-- History gains a row only when a score moves: lead 600001's small change
-- and the full rescore leave its score where it was.
SELECT leadscore.refresh_outcomes(since => (SELECT activated_at FROM leadscore.models WHERE status = 'active'));
UPDATE leadscore.leads SET permit_value = permit_value + 1 WHERE id IN (600001, 600002);
SELECT leadscore.refresh_outcomes(since => (SELECT activated_at FROM leadscore.models WHERE status = 'active'));
SELECT leadscore.refresh_outcomes();
SELECT count(*) AS history_rows FROM leadscore.score_history WHERE lead_id = 600001;

-- score_leads() appends to the history as well, when the score moves.
SELECT jsonb_array_length(leadscore.score_leads('[{"id": 600001, "permit_value": 20000}, {"id": 700001}]'));
SELECT lead_id, count(*) AS scores FROM leadscore.score_history
 WHERE lead_id IN (600001, 700001) GROUP BY lead_id ORDER BY lead_id;

-- A training that fails leaves the active model serving and is recorded with its error.
CREATE FUNCTION pg_temp.refuse() RETURNS trigger LANGUAGE plpgsql AS
  $$BEGIN RAISE EXCEPTION 'the registry refuses new models today'; END$$;
CREATE TRIGGER refuse BEFORE INSERT ON leadscore.models FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse();
SELECT r ->> 'status' AS status, r ->> 'reason' AS reason, r ->> 'labelled_rows' AS labelled_rows,
       r ->> 'model_version' AS version, r ->> 'finished_at' IS NOT NULL AS finished
  FROM leadscore.nightly_training() AS r;
DROP TRIGGER refuse ON leadscore.models;
SELECT version, status FROM leadscore.models ORDER BY version;
SELECT status, reason, model_version IS NOT NULL AS has_model FROM leadscore.training_runs ORDER BY id;

-- Monitoring.
SELECT version, auc > 0.75 AS auc_above_075, brier < 0.25 AS brier_below_025, ece IS NOT NULL AS has_ece,
       accuracy > 0.5 AS accuracy_above_05, rows, status
  FROM leadscore.model_history ORDER BY version;
SELECT status, count(*) FROM leadscore.recent_runs GROUP BY status ORDER BY status;
SELECT k FROM jsonb_object_keys(leadscore.latest_model()) AS k ORDER BY k;
SELECT m ->> 'version' AS version, m ->> 'active' AS active, m ->> 'training_rows' AS rows,
       jsonb_array_length(m -> 'calibration_curve') AS calibration_bins,
       jsonb_array_length(m -> 'top_features') BETWEEN 1 AND 10 AS top_features,
       m -> 'metrics' ?& ARRAY['auc', 'brier', 'ece', 'accuracy', 'log_loss'] AS metrics
  FROM leadscore.latest_model() AS m;
SELECT k FROM jsonb_object_keys(leadscore.health()) AS k ORDER BY k;
SELECT h -> 'flags' AS flags, h -> 'settings' AS settings, h -> 'labelled_leads' AS labelled,
       h -> 'last_run' ->> 'status' AS last_run, h -> 'active_model' ->> 'version' AS active_version,
       h -> 'feedback_since_last_training' AS feedback_since,
       h -> 'drift' ->> 'warning_at' AS warning_at,
       h -> 'drift' ->> 'alert_at' AS alert_at
  FROM leadscore.health() AS h;

-- Scheduling needs pg_cron, which this database does not have.
SELECT leadscore.schedule_nightly_training();
SELECT leadscore.unschedule_nightly_training();
RESET leadscore.enable_nightly_training;
\c contrib_regression
DROP DATABASE leadscore_operations;
