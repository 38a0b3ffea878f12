-- leadscore 0.3.0 -> 0.4.0. Only the changes: the whole current schema is
-- sql/leadscore.sql, and an updated database must end with its catalog.

\echo Use "ALTER EXTENSION leadscore UPDATE TO '0.4.0'" to load this file. \quit

---------------------------------------------------------------------------
-- The leads training may use, and whether there are enough, in one place
---------------------------------------------------------------------------

CREATE FUNCTION leadscore.training_min_lead_age() RETURNS int
  LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'training_min_lead_age';
COMMENT ON FUNCTION leadscore.training_min_lead_age() IS
  'The leadscore.training_min_lead_age setting: the age in days a lead needs before training uses its label.';

CREATE VIEW leadscore.labelled_leads WITH (security_invoker = true) AS
  SELECT o.lead_id, o.win_label, l AS lead,
         l.id IS NOT NULL AS has_lead_row,
         l.id IS NOT NULL
           AND (l.created_at IS NULL
                OR l.created_at <= now() - make_interval(days => leadscore.training_min_lead_age())) AS trainable
    FROM leadscore.lead_outcomes o
    LEFT JOIN leadscore.leads l ON l.id = o.lead_id
   WHERE o.win_label IS NOT NULL;
COMMENT ON VIEW leadscore.labelled_leads IS
  'Every lead with a win_label, its leads row (NULL if it has none), and whether training may use it (trainable: has a row and is at least leadscore.training_min_lead_age days old).';

-- Whether there is enough to train on, and if not, why. The default
-- min_feedback lives here; train_lead_model() and nightly_training() use it.
CREATE FUNCTION leadscore.training_readiness(min_feedback int DEFAULT 50) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT jsonb_build_object(
           'ready', c.won + c.lost >= min_feedback AND c.won > 0 AND c.lost > 0,
           'reason', CASE
             WHEN c.won + c.lost < min_feedback THEN format(
               'not enough labelled leads to train: %s, min_feedback is %s (%s won, %s lost); %s',
               c.won + c.lost, min_feedback, c.won, c.lost,
               CASE WHEN c.labelled = 0
                    THEN 'no lead has a label yet: a lead is labelled once contractors'' feedback resolves it (see leadscore.rating_labels)'
                    ELSE format('%s leads are labelled: %s younger than leadscore.training_min_lead_age (%s days), %s without a row in leadscore.leads',
                                c.labelled, c.too_young, c.min_age, c.without_lead_row) END)
             WHEN c.won = 0 OR c.lost = 0 THEN format('cannot train on one class: %s won, %s lost', c.won, c.lost)
           END,
           'trainable', c.won + c.lost, 'won', c.won, 'lost', c.lost, 'labelled', c.labelled,
           'too_young', c.too_young, 'without_lead_row', c.without_lead_row,
           'min_feedback', min_feedback, 'min_lead_age_days', c.min_age)
    FROM (SELECT count(*) FILTER (WHERE ll.trainable AND ll.win_label) AS won,
                 count(*) FILTER (WHERE ll.trainable AND NOT ll.win_label) AS lost,
                 count(*) AS labelled,
                 count(*) FILTER (WHERE ll.has_lead_row AND NOT ll.trainable) AS too_young,
                 count(*) FILTER (WHERE NOT ll.has_lead_row) AS without_lead_row,
                 leadscore.training_min_lead_age() AS min_age
            FROM leadscore.labelled_leads ll) c
$$;
COMMENT ON FUNCTION leadscore.training_readiness(int) IS
  'Whether training has enough labelled leads (min_feedback, default 50, and both classes), with the counts: trainable, won, lost, labelled, too young, without a leads row; reason says what is missing.';

CREATE OR REPLACE FUNCTION leadscore.train_lead_model(
  min_feedback int   DEFAULT NULL,
  activate     text  DEFAULT 'if_better',
  params       jsonb DEFAULT '{}'
) RETURNS jsonb
  LANGUAGE c VOLATILE
  AS 'MODULE_PATHNAME', 'train_lead_model';
COMMENT ON FUNCTION leadscore.train_lead_model(int, text, jsonb) IS
  'Trains a model on the trainable labelled leads (see labelled_leads; min_feedback NULL: the default of training_readiness(), 50), registers it, and activates it per activate (if_better, always, never). Returns version, metrics and whether it was activated.';

---------------------------------------------------------------------------
-- Storing scores, in one place
---------------------------------------------------------------------------

-- Stores scores, in one place: each lead's latest score in lead_outcomes and
-- one row per score in score_history. Rows are written in lead order, so two
-- concurrent callers lock shared rows in the same order and cannot deadlock.
CREATE FUNCTION leadscore.store_scores(scores leadscore.lead_score[]) RETURNS bigint
  LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp
AS $$
  WITH history AS (
    INSERT INTO leadscore.score_history (lead_id, scored_at, score, win_prob, model_version, method)
    SELECT s.lead_id, now(), s.score, s.win_prob, s.model_version, s.method
      FROM unnest(scores) AS s
    RETURNING 1
  ), stored AS (
    INSERT INTO leadscore.lead_outcomes AS o
           (lead_id, win_prob, calibrated_score, score, confidence, method, model_version,
            scored_at, updated_at)
    SELECT s.lead_id, s.win_prob, s.score, s.score, s.confidence, s.method, s.model_version, now(), now()
      FROM unnest(scores) AS s
     ORDER BY s.lead_id
    ON CONFLICT (lead_id) DO UPDATE
       SET win_prob = excluded.win_prob, calibrated_score = excluded.calibrated_score,
           score = excluded.score, confidence = excluded.confidence, method = excluded.method,
           model_version = excluded.model_version, scored_at = excluded.scored_at,
           updated_at = excluded.updated_at
    RETURNING 1
  )
  SELECT count(*) FROM stored  -- history runs to completion though unreferenced
$$;
COMMENT ON FUNCTION leadscore.store_scores(leadscore.lead_score[]) IS
  'Stores scores as the latest in lead_outcomes and appends them to score_history; returns how many (internal).';

CREATE OR REPLACE FUNCTION leadscore.score_leads(leads jsonb, use_ml boolean DEFAULT NULL) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  parsed  leadscore.leads[];
  scores  leadscore.lead_score[];
  factors jsonb[];
BEGIN
  -- Validation raises before anything is written.
  parsed := ARRAY(SELECT p FROM leadscore.parse_leads(leads) AS p);

  -- In id order, so that concurrent calls lock the same leads in the same order.
  INSERT INTO leadscore.leads AS l (id, address, permit_value, trade_tags, created_at, attributes)
  SELECT p.id, p.address, p.permit_value, p.trade_tags, p.created_at, p.attributes
    FROM unnest(parsed) AS p
   ORDER BY p.id
  ON CONFLICT (id) DO UPDATE
     SET address = excluded.address, permit_value = excluded.permit_value,
         trade_tags = excluded.trade_tags, created_at = excluded.created_at,
         attributes = excluded.attributes;

  -- One statement scores and explains the batch, so it sees one model (looked up once).
  SELECT array_agg(leadscore.score_lead(parsed[i], score_leads.use_ml) ORDER BY i),
         array_agg(leadscore.explain_lead(parsed[i], 3, score_leads.use_ml) ORDER BY i)
    INTO scores, factors
    FROM generate_subscripts(parsed, 1) AS i;
  PERFORM leadscore.store_scores(scores);

  RETURN (SELECT coalesce(jsonb_agg(leadscore.score_result(scores[i], factors[i]) ORDER BY i), '[]')
            FROM generate_subscripts(scores, 1) AS i);
END
$$;
COMMENT ON FUNCTION leadscore.score_leads(jsonb, boolean) IS
  'The seed''s /api/score-leads: upserts the leads, scores them, stores the scores in lead_outcomes and score_history, and returns one result per lead in input order.';

CREATE OR REPLACE FUNCTION leadscore.refresh_outcomes(since timestamptz DEFAULT NULL) RETURNS bigint
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
    n := leadscore.store_scores(ARRAY(
      SELECT leadscore.score_lead(l, true)
        FROM leadscore.leads l
        LEFT JOIN leadscore.lead_outcomes o ON o.lead_id = l.id
       WHERE l.id > last_id AND l.id <= upper_id
         AND (refresh_outcomes.since IS NULL OR o.scored_at IS NULL
              OR o.scored_at < refresh_outcomes.since OR l.updated_at > o.scored_at)));
    total := total + n;
    RAISE NOTICE 'refresh_outcomes: % leads rescored so far (through lead id %)', total, upper_id;
    last_id := upper_id;
  END LOOP;
  RETURN total;
END
$$;
COMMENT ON FUNCTION leadscore.refresh_outcomes(timestamptz) IS
  'Rescores leads into lead_outcomes (and score_history) in batches of 10,000, reporting progress as notices; since NULL rescores every lead, else those unscored, scored before since, or changed since scored. Returns the count.';

CREATE OR REPLACE FUNCTION leadscore.nightly_training() RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  run leadscore.training_runs;
  retention int;
  readiness jsonb;
  n_won bigint;
  n_lost bigint;
  trained jsonb;
  error_text text;
  error_state text;
  active_since timestamptz;
  n_rescored bigint;
BEGIN
  PERFORM leadscore.feedback_enabled();  -- loads the library, which defines the settings
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

  -- Too little to train on is not a failure: the run is skipped, saying why.
  readiness := leadscore.training_readiness();
  n_won := (readiness ->> 'won')::bigint;
  n_lost := (readiness ->> 'lost')::bigint;
  IF NOT (readiness ->> 'ready')::boolean THEN
    UPDATE leadscore.training_runs
       SET status = 'skipped', labelled_rows = n_won + n_lost, won = n_won, lost = n_lost,
           reason = readiness ->> 'reason', finished_at = clock_timestamp()
     WHERE id = run.id RETURNING * INTO run;
    RETURN to_jsonb(run);
  END IF;

  -- A failed training or rescoring rolls back to here: the previous model
  -- keeps serving, the stored scores stay as they were, and the run row
  -- records the error.
  BEGIN
    trained := leadscore.train_lead_model(activate => 'if_better');
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

CREATE OR REPLACE FUNCTION leadscore.health() RETURNS jsonb
  LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  active record;
  last_run leadscore.training_runs;
  last_trained timestamptz;
  labels record;
BEGIN
  PERFORM leadscore.feedback_enabled();  -- loads the library, which defines the settings
  SELECT m.version, m.created_at, m.activated_at INTO active FROM leadscore.models m WHERE m.status = 'active';
  SELECT * INTO last_run FROM leadscore.training_runs r ORDER BY r.id DESC LIMIT 1;
  SELECT max(m.created_at) INTO last_trained FROM leadscore.models m;
  SELECT count(*) FILTER (WHERE ll.win_label) AS won, count(*) FILTER (WHERE NOT ll.win_label) AS lost,
         count(*) FILTER (WHERE ll.trainable) AS old_enough
    INTO labels
    FROM leadscore.labelled_leads ll
   WHERE ll.has_lead_row;
  RETURN jsonb_build_object(
    'flags', jsonb_build_object(
      'enable_lead_feedback', current_setting('leadscore.enable_lead_feedback')::boolean,
      'enable_ml_scoring', current_setting('leadscore.enable_ml_scoring')::boolean,
      'enable_nightly_training', current_setting('leadscore.enable_nightly_training')::boolean),
    'settings', jsonb_build_object(
      'training_min_lead_age_days', leadscore.training_min_lead_age(),
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
-- Privileges of the new objects
---------------------------------------------------------------------------

REVOKE ALL ON leadscore.labelled_leads FROM PUBLIC;
REVOKE ALL ON FUNCTION leadscore.training_min_lead_age(),
                       leadscore.training_readiness(int),
                       leadscore.store_scores(leadscore.lead_score[])
  FROM PUBLIC;
GRANT SELECT ON leadscore.labelled_leads TO service_role;
GRANT EXECUTE ON FUNCTION leadscore.training_min_lead_age(), leadscore.training_readiness(int) TO service_role;
