-- leadscore 0.2.0 -> 0.3.0: nightly training, the run log, score history and
-- monitoring.
--
-- Operations are plain SQL around the C++ trainer and scorer:
--   nightly_training()   one run: flag, lock, retention, training with the
--                        promotion gate, rescoring of stale leads; every run,
--                        whatever happens, leaves one row in training_runs.
--   score_history        every stored score, append-only, kept for
--                        leadscore.score_history_retention days.
--   health()             flags, the serving model, the last run, labels, and
--                        score drift (population stability index).
-- pg_cron is optional: only schedule_nightly_training() and
-- unschedule_nightly_training() need it, and say how to install it.

\echo Use "ALTER EXTENSION leadscore UPDATE TO '0.3.0'" to load this file. \quit

---------------------------------------------------------------------------
-- Run log and score history
---------------------------------------------------------------------------

CREATE TABLE leadscore.training_runs (
  id            bigserial PRIMARY KEY,
  started_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at   timestamptz,
  status        text NOT NULL DEFAULT 'running'
                CHECK (status IN ('running', 'succeeded', 'skipped', 'failed')),
  reason        text,
  labelled_rows bigint,
  won           bigint,
  lost          bigint,
  model_version int,
  activated     boolean,
  metrics       jsonb,
  rescored      bigint,
  duration      interval GENERATED ALWAYS AS (finished_at - started_at) STORED,
  started_by    text NOT NULL
);
COMMENT ON TABLE leadscore.training_runs IS
  'One row per nightly_training() run: status succeeded, skipped or failed, with the reason or error, the labelled rows used, the model produced and whether it was activated, its metrics, the leads rescored, the duration and who started it.';
CREATE INDEX training_runs_started_at_idx ON leadscore.training_runs (started_at);

CREATE TABLE leadscore.score_history (
  lead_id       bigint NOT NULL,
  scored_at     timestamptz NOT NULL,
  score         int NOT NULL CHECK (score BETWEEN 0 AND 100),
  win_prob      float8,
  model_version int,
  method        text NOT NULL CHECK (method IN ('ml', 'rules'))
);
COMMENT ON TABLE leadscore.score_history IS
  'Append-only: every score stored by score_leads() and refresh_outcomes(). Rows older than leadscore.score_history_retention days are deleted by nightly_training().';
CREATE INDEX score_history_lead_idx ON leadscore.score_history (lead_id, scored_at);
CREATE INDEX score_history_scored_at_idx ON leadscore.score_history (scored_at);

-- History is written by SECURITY DEFINER functions; service_role reads it and
-- may prune it, never rewrite it.
ALTER TABLE leadscore.training_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_all ON leadscore.training_runs
  FOR ALL TO service_role USING (true) WITH CHECK (true);
ALTER TABLE leadscore.score_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_all ON leadscore.score_history
  FOR ALL TO service_role USING (true) WITH CHECK (true);
REVOKE ALL ON leadscore.training_runs, leadscore.score_history FROM PUBLIC;
REVOKE ALL ON SEQUENCE leadscore.training_runs_id_seq FROM PUBLIC;
GRANT SELECT ON leadscore.training_runs TO service_role;
GRANT SELECT, DELETE ON leadscore.score_history TO service_role;

SELECT pg_catalog.pg_extension_config_dump('leadscore.training_runs', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.training_runs_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.score_history', '');

---------------------------------------------------------------------------
-- Storing scores: score_leads() now also appends to score_history
---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION leadscore.score_leads(leads jsonb, use_ml boolean DEFAULT NULL) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  parsed leadscore.leads[];
  result jsonb;
BEGIN
  -- Validation raises before anything is written.
  parsed := ARRAY(SELECT p FROM leadscore.parse_leads(leads) AS p);

  -- One statement, so the batch sees one model (looked up once).
  WITH upserted AS (
    INSERT INTO leadscore.leads AS l (id, address, permit_value, trade_tags, created_at, attributes)
    SELECT p.id, p.address, p.permit_value, p.trade_tags, p.created_at, p.attributes
      FROM unnest(parsed) AS p
    ON CONFLICT (id) DO UPDATE
       SET address = excluded.address, permit_value = excluded.permit_value,
           trade_tags = excluded.trade_tags, created_at = excluded.created_at,
           attributes = excluded.attributes
    RETURNING 1
  ), scored AS MATERIALIZED (
    SELECT i AS ord, leadscore.score_lead(parsed[i], score_leads.use_ml) AS s,
           leadscore.explain_lead(parsed[i], 3, score_leads.use_ml) AS factors
      FROM generate_subscripts(parsed, 1) AS i
  ), stored AS (
    INSERT INTO leadscore.lead_outcomes AS o
           (lead_id, win_prob, calibrated_score, score, confidence, method, model_version,
            scored_at, updated_at)
    SELECT (x.s).lead_id, (x.s).win_prob, (x.s).score, (x.s).score, (x.s).confidence,
           (x.s).method, (x.s).model_version, now(), now()
      FROM scored x
    ON CONFLICT (lead_id) DO UPDATE
       SET win_prob = excluded.win_prob, calibrated_score = excluded.calibrated_score,
           score = excluded.score, confidence = excluded.confidence, method = excluded.method,
           model_version = excluded.model_version, scored_at = excluded.scored_at,
           updated_at = excluded.updated_at
    RETURNING 1
  ), history AS (
    INSERT INTO leadscore.score_history (lead_id, scored_at, score, win_prob, model_version, method)
    SELECT (x.s).lead_id, now(), (x.s).score, (x.s).win_prob, (x.s).model_version, (x.s).method
      FROM scored x
    RETURNING 1
  )
  SELECT coalesce(jsonb_agg(leadscore.score_result(x.s, x.factors) ORDER BY x.ord), '[]')
    INTO result
    FROM scored x;  -- upserted, stored and history run to completion though unreferenced
  RETURN result;
END
$$;
COMMENT ON FUNCTION leadscore.score_leads(jsonb, boolean) IS
  'The seed''s /api/score-leads: upserts the leads, scores them, stores the scores in lead_outcomes and score_history, and returns one result per lead in input order.';

-- Rescores leads in batches of 10,000 by id (keyset), one statement per batch,
-- so memory stays bounded however many leads there are. A lead is rescored
-- when since is NULL (every lead), or when it has no stored score, its score
-- is older than since, or the lead changed after it was scored.
CREATE FUNCTION leadscore.refresh_outcomes(since timestamptz DEFAULT NULL) RETURNS bigint
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  batch_size CONSTANT int := 10000;
  last_id bigint := 0;
  upper_id bigint;
  n bigint;
  total bigint := 0;
BEGIN
  LOOP
    SELECT max(b.id) INTO upper_id
      FROM (SELECT l.id FROM leadscore.leads l WHERE l.id > last_id ORDER BY l.id LIMIT batch_size) b;
    EXIT WHEN upper_id IS NULL;
    WITH scored AS MATERIALIZED (
      SELECT leadscore.score_lead(l, true) AS s
        FROM leadscore.leads l
        LEFT JOIN leadscore.lead_outcomes o ON o.lead_id = l.id
       WHERE l.id > last_id AND l.id <= upper_id
         AND (refresh_outcomes.since IS NULL OR o.scored_at IS NULL
              OR o.scored_at < refresh_outcomes.since OR l.updated_at > o.scored_at)
    ), history AS (
      INSERT INTO leadscore.score_history (lead_id, scored_at, score, win_prob, model_version, method)
      SELECT (x.s).lead_id, now(), (x.s).score, (x.s).win_prob, (x.s).model_version, (x.s).method
        FROM scored x
      RETURNING 1
    )
    INSERT INTO leadscore.lead_outcomes AS o
           (lead_id, win_prob, calibrated_score, score, confidence, method, model_version,
            scored_at, updated_at)
    SELECT (x.s).lead_id, (x.s).win_prob, (x.s).score, (x.s).score, (x.s).confidence,
           (x.s).method, (x.s).model_version, now(), now()
      FROM scored x
    ON CONFLICT (lead_id) DO UPDATE
       SET win_prob = excluded.win_prob, calibrated_score = excluded.calibrated_score,
           score = excluded.score, confidence = excluded.confidence, method = excluded.method,
           model_version = excluded.model_version, scored_at = excluded.scored_at,
           updated_at = excluded.updated_at;
    GET DIAGNOSTICS n = ROW_COUNT;
    total := total + n;
    RAISE NOTICE 'refresh_outcomes: % leads rescored so far (through lead id %)', total, upper_id;
    last_id := upper_id;
  END LOOP;
  RETURN total;
END
$$;
COMMENT ON FUNCTION leadscore.refresh_outcomes(timestamptz) IS
  'Rescores leads into lead_outcomes (and score_history) in batches of 10,000, reporting progress as notices; since NULL rescores every lead, else those unscored, scored before since, or changed since scored. Returns the count.';

---------------------------------------------------------------------------
-- Nightly training
---------------------------------------------------------------------------

-- Two runs never train at once: each takes the transaction-level advisory lock
-- (19539, 1) first; 19539 is 0x4C53, "LS", leadscore's namespace of advisory
-- lock keys, and 1 is nightly training.
CREATE FUNCTION leadscore.nightly_training() RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  min_feedback CONSTANT int := 50;
  run leadscore.training_runs;
  min_age int;
  retention int;
  n_won bigint;
  n_lost bigint;
  trained jsonb;
  error_text text;
  error_state text;
  active_since timestamptz;
  n_rescored bigint;
BEGIN
  PERFORM leadscore.feedback_enabled();  -- loads the library, which defines the settings
  min_age := current_setting('leadscore.training_min_lead_age')::int;
  retention := current_setting('leadscore.score_history_retention')::int;

  INSERT INTO leadscore.training_runs (started_by)
  VALUES (CASE current_setting('role') WHEN 'none' THEN session_user ELSE current_setting('role') END
          || coalesce(' via ' || nullif(current_setting('application_name'), ''), ''))
  RETURNING * INTO run;

  IF NOT current_setting('leadscore.enable_nightly_training')::boolean THEN
    UPDATE leadscore.training_runs
       SET status = 'skipped', reason = 'leadscore.enable_nightly_training is off', finished_at = clock_timestamp()
     WHERE id = run.id RETURNING * INTO run;
    RETURN to_jsonb(run);
  END IF;
  IF NOT pg_try_advisory_xact_lock(19539, 1) THEN
    UPDATE leadscore.training_runs
       SET status = 'skipped', reason = 'already running', finished_at = clock_timestamp()
     WHERE id = run.id RETURNING * INTO run;
    RETURN to_jsonb(run);
  END IF;

  DELETE FROM leadscore.score_history h WHERE h.scored_at < now() - make_interval(days => retention);

  -- The same leads train_lead_model() selects: labelled and old enough.
  SELECT count(*) FILTER (WHERE o.win_label), count(*) FILTER (WHERE NOT o.win_label)
    INTO n_won, n_lost
    FROM leadscore.lead_outcomes o JOIN leadscore.leads l ON l.id = o.lead_id
   WHERE o.win_label IS NOT NULL
     AND (l.created_at IS NULL OR l.created_at <= now() - make_interval(days => min_age));
  IF n_won + n_lost < min_feedback OR n_won = 0 OR n_lost = 0 THEN
    UPDATE leadscore.training_runs
       SET status = 'skipped', labelled_rows = n_won + n_lost, won = n_won, lost = n_lost,
           reason = format('not enough feedback: %s labelled leads at least %s days old (%s won, %s lost); training needs %s of both classes',
                           n_won + n_lost, min_age, n_won, n_lost, min_feedback),
           finished_at = clock_timestamp()
     WHERE id = run.id RETURNING * INTO run;
    RETURN to_jsonb(run);
  END IF;

  -- A failed training or rescoring rolls back to here: the previous model
  -- keeps serving, the stored scores stay as they were, and the run row
  -- records the error.
  BEGIN
    trained := leadscore.train_lead_model(min_feedback => min_feedback, activate => 'if_better');
    -- Stale: scored before the serving model was activated, never scored, or changed since.
    SELECT m.activated_at INTO active_since FROM leadscore.models m WHERE m.status = 'active';
    n_rescored := leadscore.refresh_outcomes(since => coalesce(active_since, '-infinity'));
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS error_text = MESSAGE_TEXT, error_state = RETURNED_SQLSTATE;
    UPDATE leadscore.training_runs
       SET status = 'failed', labelled_rows = n_won + n_lost, won = n_won, lost = n_lost,
           reason = format('%s (SQLSTATE %s)', error_text, error_state), finished_at = clock_timestamp()
     WHERE id = run.id RETURNING * INTO run;
    RETURN to_jsonb(run);
  END;

  UPDATE leadscore.training_runs
     SET status = 'succeeded', reason = trained ->> 'reason',
         labelled_rows = (trained ->> 'training_rows')::bigint,
         won = (trained ->> 'won')::bigint, lost = (trained ->> 'lost')::bigint,
         model_version = (trained ->> 'version')::int, activated = (trained ->> 'activated')::boolean,
         metrics = trained -> 'metrics', rescored = n_rescored,
         finished_at = clock_timestamp()
   WHERE id = run.id RETURNING * INTO run;
  RETURN to_jsonb(run);
END
$$;
COMMENT ON FUNCTION leadscore.nightly_training() IS
  'One nightly run: honours leadscore.enable_nightly_training, trains on leads older than leadscore.training_min_lead_age days with the promotion gate, rescores stale leads, prunes score_history, and records the run in training_runs (returned as JSON).';

-- Where pg_cron lives, or a clear error saying how to get it.
CREATE FUNCTION leadscore.require_pg_cron() RETURNS void
  LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') THEN
    RAISE EXCEPTION 'pg_cron is not installed in database %', current_database()
      USING ERRCODE = 'feature_not_supported',
            HINT = format('Install the pg_cron package, add pg_cron to shared_preload_libraries, set cron.database_name = %L (pg_cron schedules from one database), restart, then run CREATE EXTENSION pg_cron there. Nothing else in leadscore needs pg_cron.',
                          current_database());
  END IF;
END
$$;
COMMENT ON FUNCTION leadscore.require_pg_cron() IS
  'Raises an error with installation steps unless pg_cron is installed in this database (internal).';

-- One job per database, named leadscore_nightly_training; pg_cron (1.4 and
-- later) replaces the schedule of a job with the same name and owner.
CREATE FUNCTION leadscore.schedule_nightly_training(schedule text DEFAULT '0 2 * * *') RETURNS bigint
  LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  job bigint;
BEGIN
  PERFORM leadscore.require_pg_cron();
  EXECUTE 'SELECT cron.schedule_in_database($1, $2, $3, $4)'
     INTO job
    USING 'leadscore_nightly_training', schedule, 'SELECT leadscore.nightly_training()', current_database();
  RETURN job;
END
$$;
COMMENT ON FUNCTION leadscore.schedule_nightly_training(text) IS
  'Registers (or reschedules) the pg_cron job leadscore_nightly_training that runs nightly_training() in this database; the schedule is a cron expression in UTC. Returns the job id. Needs pg_cron.';

CREATE FUNCTION leadscore.unschedule_nightly_training() RETURNS boolean
  LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  job bigint;
BEGIN
  PERFORM leadscore.require_pg_cron();
  EXECUTE 'SELECT jobid FROM cron.job WHERE jobname = $1 AND username = current_user'
     INTO job USING 'leadscore_nightly_training';
  IF job IS NULL THEN
    RETURN false;
  END IF;
  EXECUTE 'SELECT cron.unschedule($1)' USING job;
  RETURN true;
END
$$;
COMMENT ON FUNCTION leadscore.unschedule_nightly_training() IS
  'Removes the pg_cron job leadscore_nightly_training; returns whether there was one. Needs pg_cron.';

---------------------------------------------------------------------------
-- Monitoring
---------------------------------------------------------------------------

CREATE VIEW leadscore.model_history WITH (security_invoker = true) AS
  SELECT m.version, m.created_at AS trained_at,
         (m.metrics ->> 'auc')::float8 AS auc, (m.metrics ->> 'brier')::float8 AS brier,
         (m.metrics ->> 'ece')::float8 AS ece, (m.metrics ->> 'accuracy')::float8 AS accuracy,
         m.training_rows AS rows, m.status, m.activated_at
    FROM leadscore.models m;
COMMENT ON VIEW leadscore.model_history IS
  'One row per model: version, trained_at, held-out AUC, Brier score, ECE, accuracy, training rows, status.';

CREATE VIEW leadscore.recent_runs WITH (security_invoker = true) AS
  SELECT r.id, r.started_at, r.finished_at, r.duration, r.status, r.reason, r.labelled_rows,
         r.model_version, r.activated, (r.metrics ->> 'auc')::float8 AS auc, r.rescored, r.started_by
    FROM leadscore.training_runs r
   WHERE r.started_at > now() - interval '30 days';
COMMENT ON VIEW leadscore.recent_runs IS
  'The training runs of the last 30 days, with the AUC of the model each produced.';

CREATE FUNCTION leadscore.latest_model() RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT jsonb_build_object(
           'version', m.version, 'trained_at', m.created_at, 'algorithm', m.algorithm,
           'params', m.params, 'training_rows', m.training_rows,
           'class_balance', jsonb_build_object(
             'positive_rate', (m.metrics ->> 'positive_rate')::float8,
             'rows_train', (m.metrics ->> 'rows_train')::bigint,
             'rows_holdout', (m.metrics ->> 'rows_holdout')::bigint),
           'metrics', m.metrics - ARRAY['calibration_curve', 'roc_curve', 'feature_importance'],
           'calibration_curve', m.metrics -> 'calibration_curve',
           'roc_curve', m.metrics -> 'roc_curve',
           'top_features', (SELECT coalesce(jsonb_agg(f ORDER BY (f ->> 'importance')::float8 DESC), '[]')
                              FROM (SELECT f FROM jsonb_array_elements(m.metrics -> 'feature_importance') f
                                     ORDER BY (f ->> 'importance')::float8 DESC LIMIT 10) t),
           'feature_spec', m.feature_spec,
           'status', m.status, 'active', m.status = 'active', 'activated_at', m.activated_at,
           'active_version', (SELECT a.version FROM leadscore.models a WHERE a.status = 'active'))
    FROM leadscore.models m
   ORDER BY m.version DESC
   LIMIT 1
$$;
COMMENT ON FUNCTION leadscore.latest_model() IS
  'The newest model as JSON: version, trained_at, algorithm and params, rows, class balance, every metric, calibration and ROC curves, the 10 most important features, and whether it is active. NULL before any training.';

-- Population stability index between the scores stored since the active
-- model's activation (its ml scores in score_history) and its predictions on
-- its held-out leads at training time (the calibration curve's counts), over
-- the same 10 equal-width bins of win probability. Empty bins count as 0.0001
-- of their side. Levels: ok below 0.1, warning from 0.1, alert from 0.25;
-- insufficient_data with fewer than 100 recent scores.
CREATE FUNCTION leadscore.score_drift() RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
  WITH active AS (
    SELECT m.version, m.activated_at, m.metrics FROM leadscore.models m WHERE m.status = 'active'
  ), reference AS (
    SELECT least(floor((b ->> 'lo')::float8 * 10 + 0.5)::int, 9) AS bin, (b ->> 'count')::float8 AS n
      FROM active, jsonb_array_elements(active.metrics -> 'calibration_curve') b
  ), recent AS (
    SELECT least(floor(h.win_prob * 10)::int, 9) AS bin, count(*)::float8 AS n
      FROM active, leadscore.score_history h
     WHERE h.model_version = active.version AND h.method = 'ml' AND h.win_prob IS NOT NULL
       AND h.scored_at >= active.activated_at
     GROUP BY 1
  ), bins AS (
    SELECT g.bin,
           greatest(coalesce(r.n, 0) / nullif((SELECT sum(n) FROM reference), 0), 0.0001) AS expected,
           greatest(coalesce(c.n, 0) / nullif((SELECT sum(n) FROM recent), 0), 0.0001) AS actual
      FROM generate_series(0, 9) AS g(bin)
      LEFT JOIN reference r USING (bin) LEFT JOIN recent c USING (bin)
  ), psi AS (
    SELECT sum((actual - expected) * ln(actual / expected)) AS value FROM bins
  )
  SELECT jsonb_build_object(
           'model_version', (SELECT version FROM active),
           'reference_rows', (SELECT coalesce(sum(n), 0)::bigint FROM reference),
           'scored_rows', (SELECT coalesce(sum(n), 0)::bigint FROM recent),
           'psi', CASE WHEN (SELECT coalesce(sum(n), 0) FROM recent) >= 100
                        AND (SELECT coalesce(sum(n), 0) FROM reference) > 0
                       THEN round((SELECT value FROM psi)::numeric, 4) END,
           'level', CASE
                      WHEN NOT EXISTS (SELECT 1 FROM active) THEN 'no_active_model'
                      WHEN (SELECT coalesce(sum(n), 0) FROM recent) < 100
                        OR (SELECT coalesce(sum(n), 0) FROM reference) = 0 THEN 'insufficient_data'
                      WHEN (SELECT value FROM psi) >= 0.25 THEN 'alert'
                      WHEN (SELECT value FROM psi) >= 0.1 THEN 'warning'
                      ELSE 'ok' END,
           'warning_at', 0.1, 'alert_at', 0.25)
$$;
COMMENT ON FUNCTION leadscore.score_drift() IS
  'Score drift of the active model: population stability index of its scores since activation against its held-out predictions, 10 bins; level ok (< 0.1), warning (>= 0.1), alert (>= 0.25), insufficient_data (< 100 scores).';

CREATE FUNCTION leadscore.health() RETURNS jsonb
  LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  min_age int;
  active record;
  last_run leadscore.training_runs;
  last_trained timestamptz;
  labels record;
BEGIN
  PERFORM leadscore.feedback_enabled();  -- loads the library, which defines the settings
  min_age := current_setting('leadscore.training_min_lead_age')::int;
  SELECT m.version, m.created_at, m.activated_at INTO active FROM leadscore.models m WHERE m.status = 'active';
  SELECT * INTO last_run FROM leadscore.training_runs r ORDER BY r.id DESC LIMIT 1;
  SELECT max(m.created_at) INTO last_trained FROM leadscore.models m;
  SELECT count(*) FILTER (WHERE o.win_label) AS won, count(*) FILTER (WHERE NOT o.win_label) AS lost,
         count(*) FILTER (WHERE l.created_at IS NULL
                             OR l.created_at <= now() - make_interval(days => min_age)) AS old_enough
    INTO labels
    FROM leadscore.lead_outcomes o JOIN leadscore.leads l ON l.id = o.lead_id
   WHERE o.win_label IS NOT NULL;
  RETURN jsonb_build_object(
    'flags', jsonb_build_object(
      'enable_lead_feedback', current_setting('leadscore.enable_lead_feedback')::boolean,
      'enable_ml_scoring', current_setting('leadscore.enable_ml_scoring')::boolean,
      'enable_nightly_training', current_setting('leadscore.enable_nightly_training')::boolean),
    'settings', jsonb_build_object(
      'training_min_lead_age_days', min_age,
      'score_history_retention_days', current_setting('leadscore.score_history_retention')::int),
    'active_model', CASE WHEN active.version IS NOT NULL THEN jsonb_build_object(
      'version', active.version, 'trained_at', active.created_at, 'activated_at', active.activated_at,
      'age_days', round((extract(epoch FROM now() - active.created_at) / 86400)::numeric, 2)) END,
    'last_run', CASE WHEN last_run.id IS NOT NULL THEN jsonb_build_object(
      'id', last_run.id, 'status', last_run.status, 'reason', last_run.reason,
      'started_at', last_run.started_at, 'finished_at', last_run.finished_at,
      'model_version', last_run.model_version) END,
    'labelled_leads', jsonb_build_object(
      'won', labels.won, 'lost', labels.lost, 'old_enough_to_train', labels.old_enough),
    'feedback_since_last_training', (SELECT count(*) FROM leadscore.lead_feedback f
                                      WHERE last_trained IS NULL OR f.updated_at > last_trained),
    'drift', leadscore.score_drift());
END
$$;
COMMENT ON FUNCTION leadscore.health() IS
  'The state of leadscore as JSON: feature flags, settings, the active model and its age, the last training run, labelled leads, feedback received since the last training, and score drift (see score_drift()).';

---------------------------------------------------------------------------
-- Model report
---------------------------------------------------------------------------

CREATE FUNCTION leadscore.model_report_svg(version int DEFAULT NULL) RETURNS text LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'model_report_svg';
COMMENT ON FUNCTION leadscore.model_report_svg(int) IS
  'An SVG report of a model (the active one when version is NULL).';

---------------------------------------------------------------------------
-- Privileges
---------------------------------------------------------------------------

REVOKE ALL ON FUNCTION leadscore.refresh_outcomes(timestamptz),
                       leadscore.nightly_training(),
                       leadscore.require_pg_cron(),
                       leadscore.schedule_nightly_training(text),
                       leadscore.unschedule_nightly_training(),
                       leadscore.latest_model(),
                       leadscore.score_drift(),
                       leadscore.health(),
                       leadscore.model_report_svg(int)
  FROM PUBLIC;
REVOKE SELECT ON leadscore.model_history, leadscore.recent_runs FROM PUBLIC;
GRANT SELECT ON leadscore.model_history, leadscore.recent_runs TO service_role;
GRANT EXECUTE ON FUNCTION leadscore.refresh_outcomes(timestamptz),
                          leadscore.nightly_training(),
                          leadscore.latest_model(),
                          leadscore.score_drift(),
                          leadscore.health()
  TO service_role;
GRANT EXECUTE ON FUNCTION leadscore.model_report_svg(int) TO authenticated, service_role;
