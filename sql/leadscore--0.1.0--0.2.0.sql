-- leadscore 0.1.0 -> 0.2.0: the model registry, training and scoring in the database.
--
-- A model is an immutable row of leadscore.models (its blob never changes once
-- written); which one serves is a status, at most one 'active'. Backends cache
-- deserialized models by version, so switching the active model can never
-- serve a stale one.

\echo Use "ALTER EXTENSION leadscore UPDATE TO '0.2.0'" to load this file. \quit

---------------------------------------------------------------------------
-- Registry
---------------------------------------------------------------------------

CREATE TABLE leadscore.models (
  version       serial PRIMARY KEY,
  created_at    timestamptz NOT NULL DEFAULT now(),
  algorithm     text NOT NULL,
  params        jsonb NOT NULL,
  feature_spec  jsonb NOT NULL,
  metrics       jsonb NOT NULL,
  training_rows int NOT NULL CHECK (training_rows > 0),
  blob          bytea NOT NULL,
  status        text NOT NULL DEFAULT 'candidate'
                CHECK (status IN ('candidate', 'active', 'retired')),
  activated_at  timestamptz
);
COMMENT ON TABLE leadscore.models IS
  'Trained models, one immutable row each; status says which one serves (at most one active).';
CREATE UNIQUE INDEX models_one_active ON leadscore.models (status) WHERE status = 'active';

-- Only status and activated_at may change: a version always names the same model.
CREATE FUNCTION leadscore.models_immutable() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF (NEW.version, NEW.created_at, NEW.algorithm, NEW.params, NEW.feature_spec,
      NEW.metrics, NEW.training_rows, NEW.blob)
     IS DISTINCT FROM
     (OLD.version, OLD.created_at, OLD.algorithm, OLD.params, OLD.feature_spec,
      OLD.metrics, OLD.training_rows, OLD.blob) THEN
    RAISE EXCEPTION 'model % is immutable: only status and activated_at may change', OLD.version
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION leadscore.models_immutable() IS
  'Trigger: refuses changes to a model row other than its status.';
CREATE TRIGGER models_immutable BEFORE UPDATE ON leadscore.models
  FOR EACH ROW EXECUTE FUNCTION leadscore.models_immutable();

ALTER TABLE leadscore.models ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_all ON leadscore.models
  FOR ALL TO service_role USING (true) WITH CHECK (true);
REVOKE ALL ON leadscore.models FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON leadscore.models TO service_role;
GRANT USAGE, SELECT ON SEQUENCE leadscore.models_version_seq TO service_role;

SELECT pg_catalog.pg_extension_config_dump('leadscore.models', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.models_version_seq', '');

---------------------------------------------------------------------------
-- Scores
---------------------------------------------------------------------------

ALTER TABLE leadscore.lead_outcomes
  ADD COLUMN score         int CHECK (score BETWEEN 0 AND 100),
  ADD COLUMN confidence    text,
  ADD COLUMN method        text CHECK (method IN ('ml', 'rules')),
  ADD COLUMN model_version int,
  ADD COLUMN scored_at     timestamptz;

CREATE TYPE leadscore.lead_score AS (
  lead_id          bigint,
  score            int,     -- 0..100
  grade            text,    -- A >= 70, B >= 50, C >= 30, D below
  win_prob         float8,  -- calibrated probability (ml); NULL for rules
  confidence       text,    -- high, medium, low
  confidence_value float8,  -- the number behind confidence, 0..1
  method           text,    -- ml or rules
  model_version    int      -- NULL for rules
);
COMMENT ON TYPE leadscore.lead_score IS 'The result of score_lead().';

-- The rules that score a lead when no model serves (cold start, ML off).
-- score = base + permit band + best trade tag + recency + completeness, in 0..100.
CREATE TABLE leadscore.rule_weights (
  factor      text NOT NULL CHECK (factor IN ('base', 'permit_value_at_least', 'trade_tag',
                                              'recency', 'recency_half_life_days', 'completeness')),
  key         text NOT NULL DEFAULT '',
  points      float8 NOT NULL,
  description text,
  PRIMARY KEY (factor, key)
);
COMMENT ON TABLE leadscore.rule_weights IS
  'Weights of rules-based scoring: base points, permit value bands (key = lower bound in dollars), trade tags (key = tag, * = any other), recency (points for a new lead, halving every recency_half_life_days), completeness (points for a lead with every field).';
INSERT INTO leadscore.rule_weights (factor, key, points, description) VALUES
  ('base',                  '',        5, 'every lead'),
  ('permit_value_at_least', '0',       0, 'under $5k'),
  ('permit_value_at_least', '5000',    8, '$5k to $15k'),
  ('permit_value_at_least', '15000',  16, '$15k to $50k'),
  ('permit_value_at_least', '50000',  22, '$50k to $150k'),
  ('permit_value_at_least', '150000', 26, '$150k and more'),
  ('trade_tag',             'roofing',    14, NULL),
  ('trade_tag',             'windows',    12, NULL),
  ('trade_tag',             'siding',     10, NULL),
  ('trade_tag',             'hvac',       10, NULL),
  ('trade_tag',             'remodel',     8, NULL),
  ('trade_tag',             'solar',       6, NULL),
  ('trade_tag',             'electrical',  6, NULL),
  ('trade_tag',             'plumbing',    6, NULL),
  ('trade_tag',             '*',           4, 'any other tag'),
  ('recency',               '',       20, 'a lead created today'),
  ('recency_half_life_days', '',      30, 'recency points halve every this many days'),
  ('completeness',          '',       10, 'address, permit value, trade tags, created_at and attributes all present');
CREATE TRIGGER replace_on_insert BEFORE INSERT ON leadscore.rule_weights
  FOR EACH ROW EXECUTE FUNCTION leadscore.replace_on_insert('factor', 'key');
REVOKE ALL ON leadscore.rule_weights FROM PUBLIC;
GRANT SELECT ON leadscore.rule_weights TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON leadscore.rule_weights TO service_role;
SELECT pg_catalog.pg_extension_config_dump('leadscore.rule_weights', '');

---------------------------------------------------------------------------
-- Training and activation
---------------------------------------------------------------------------

CREATE FUNCTION leadscore.train_lead_model(
  min_feedback int   DEFAULT 50,
  activate     text  DEFAULT 'if_better',
  params       jsonb DEFAULT '{}'
) RETURNS jsonb
  LANGUAGE c VOLATILE
  AS 'MODULE_PATHNAME', 'train_lead_model';
COMMENT ON FUNCTION leadscore.train_lead_model(int, text, jsonb) IS
  'Trains a model on labelled leads, registers it, and activates it per activate (if_better, always, never). Returns version, metrics and whether it was activated.';

CREATE FUNCTION leadscore.activate_model(version int) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  previous int;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM leadscore.models m WHERE m.version = activate_model.version) THEN
    RAISE EXCEPTION 'version: no model with version %', coalesce(activate_model.version::text, 'NULL')
      USING ERRCODE = 'no_data_found',
            HINT = 'SELECT version, status FROM leadscore.models lists them.';
  END IF;
  SELECT m.version INTO previous FROM leadscore.models m WHERE m.status = 'active' FOR UPDATE;
  IF previous IS DISTINCT FROM activate_model.version THEN
    UPDATE leadscore.models m SET status = 'retired' WHERE m.version = previous;
    UPDATE leadscore.models m SET status = 'active', activated_at = now()
     WHERE m.version = activate_model.version;
  END IF;
  RETURN jsonb_build_object('version', activate_model.version, 'previous_version', previous);
END
$$;
COMMENT ON FUNCTION leadscore.activate_model(int) IS
  'Makes the given model version the one that serves (rollback and roll forward).';

---------------------------------------------------------------------------
-- Scoring
---------------------------------------------------------------------------

CREATE FUNCTION leadscore.score_lead(lead leadscore.leads, use_ml boolean DEFAULT NULL)
  RETURNS leadscore.lead_score
  LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'score_lead';
COMMENT ON FUNCTION leadscore.score_lead(leadscore.leads, boolean) IS
  'Scores a lead 0-100 with the active model (method ml) or by rules (method rules); use_ml NULL follows leadscore.enable_ml_scoring.';

CREATE FUNCTION leadscore.explain_lead(lead leadscore.leads, top_n int DEFAULT 5,
                                       use_ml boolean DEFAULT NULL)
  RETURNS jsonb
  LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'explain_lead';
COMMENT ON FUNCTION leadscore.explain_lead(leadscore.leads, int, boolean) IS
  'The factors pushing a lead''s score up and down (top_n each way), with signed contributions in the lead''s own terms; when it falls back to rules, fallback_reason says why.';

-- The seed's request body, [{id, address, permit_value, trade_tags, created_at, ...}],
-- as lead rows: keys other than those five go to attributes. Every problem is
-- an error naming the lead (index and id) and the field.
-- Not parallel safe: checking created_at needs a subtransaction.
CREATE FUNCTION leadscore.parse_leads(leads jsonb) RETURNS SETOF leadscore.leads
  LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  max_leads CONSTANT int := 1000;
  item   jsonb;
  idx    int;
  lead   leadscore.leads;
  where_ text;
  seen   jsonb := '{}';
  k      text;
  v      jsonb;
BEGIN
  IF leads IS NULL OR jsonb_typeof(leads) <> 'array' THEN
    RAISE EXCEPTION 'leads: must be a JSON array of lead objects' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF jsonb_array_length(leads) > max_leads THEN
    RAISE EXCEPTION 'leads: at most % leads per call, got %', max_leads, jsonb_array_length(leads)
      USING ERRCODE = 'program_limit_exceeded';
  END IF;
  FOR item, idx IN SELECT e, (o - 1)::int FROM jsonb_array_elements(leads) WITH ORDINALITY AS t(e, o) LOOP
    where_ := format('leads[%s]', idx);
    IF jsonb_typeof(item) <> 'object' THEN
      RAISE EXCEPTION '%: must be an object', where_ USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF item -> 'id' IS NULL OR jsonb_typeof(item -> 'id') = 'null' THEN
      RAISE EXCEPTION '%: id is required', where_ USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF jsonb_typeof(item -> 'id') <> 'number' OR (item ->> 'id')::numeric <= 0
       OR (item ->> 'id')::numeric <> trunc((item ->> 'id')::numeric)
       OR (item ->> 'id')::numeric > 9223372036854775807 THEN
      RAISE EXCEPTION '%: id must be a positive integer, got %', where_, item -> 'id'
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    lead.id := (item ->> 'id')::bigint;
    where_ := format('leads[%s] (id %s)', idx, lead.id);
    IF seen ? lead.id::text THEN
      RAISE EXCEPTION '%: duplicate id, also at leads[%]', where_, seen ->> lead.id::text
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    seen := seen || jsonb_build_object(lead.id::text, idx);

    lead.address := NULL;
    IF jsonb_typeof(item -> 'address') NOT IN ('string', 'null') THEN
      RAISE EXCEPTION '%: address must be a string', where_ USING ERRCODE = 'invalid_parameter_value';
    END IF;
    lead.address := item ->> 'address';

    IF jsonb_typeof(item -> 'permit_value') NOT IN ('number', 'null') THEN
      RAISE EXCEPTION '%: permit_value must be a number, got %', where_, item -> 'permit_value'
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    lead.permit_value := (item ->> 'permit_value')::numeric;

    lead.trade_tags := NULL;
    IF jsonb_typeof(item -> 'trade_tags') NOT IN ('array', 'null') OR EXISTS (
         SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof(item -> 'trade_tags')
                                              WHEN 'array' THEN item -> 'trade_tags' END) AS t(e)
          WHERE jsonb_typeof(t.e) <> 'string') THEN
      RAISE EXCEPTION '%: trade_tags must be an array of strings', where_
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF jsonb_typeof(item -> 'trade_tags') = 'array' THEN
      lead.trade_tags := ARRAY(SELECT jsonb_array_elements_text(item -> 'trade_tags'));
    END IF;

    lead.created_at := NULL;
    IF jsonb_typeof(item -> 'created_at') NOT IN ('string', 'null') THEN
      RAISE EXCEPTION '%: created_at must be a timestamp string', where_ USING ERRCODE = 'invalid_parameter_value';
    END IF;
    BEGIN
      lead.created_at := (item ->> 'created_at')::timestamptz;
    EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow OR invalid_parameter_value THEN
      RAISE EXCEPTION '%: created_at is not a timestamp: %', where_, item ->> 'created_at'
        USING ERRCODE = 'invalid_datetime_format';
    END;

    lead.attributes := item - ARRAY['id', 'address', 'permit_value', 'trade_tags', 'created_at'];
    FOR k, v IN SELECT * FROM jsonb_each(lead.attributes) LOOP
      IF jsonb_typeof(v) IN ('object', 'array') THEN
        RAISE EXCEPTION '%: attribute "%" must be a number, string, boolean or null, not an %',
          where_, k, jsonb_typeof(v) USING ERRCODE = 'invalid_parameter_value';
      END IF;
    END LOOP;
    lead.updated_at := now();
    RETURN NEXT lead;
  END LOOP;
END
$$;
COMMENT ON FUNCTION leadscore.parse_leads(jsonb) IS
  'Validates a JSON array of leads (at most 1000) and returns them as leads rows; keys other than id, address, permit_value, trade_tags, created_at become attributes.';

CREATE FUNCTION leadscore.score_leads(leads jsonb, use_ml boolean DEFAULT NULL) RETURNS jsonb
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
  )
  SELECT coalesce(jsonb_agg(leadscore.score_result(x.s, x.factors) ORDER BY x.ord), '[]')
    INTO result
    FROM scored x;  -- upserted and stored run to completion though unreferenced
  RETURN result;
END
$$;
COMMENT ON FUNCTION leadscore.score_leads(jsonb, boolean) IS
  'The seed''s /api/score-leads: upserts the leads, scores them, stores the scores in lead_outcomes, and returns one result per lead in input order.';

-- One result object of score_leads() and ml_inference().
CREATE FUNCTION leadscore.score_result(s leadscore.lead_score, factors jsonb) RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT jsonb_strip_nulls(jsonb_build_object(
           'id', s.lead_id, 'score', s.score, 'grade', s.grade, 'win_prob', s.win_prob,
           'confidence', s.confidence, 'confidence_value', s.confidence_value,
           'method', s.method, 'model_version', s.model_version,
           'fallback_reason', factors ->> 'fallback_reason'))
         || jsonb_build_object('top_factors', jsonb_build_object(
              'up', factors -> 'top_up', 'down', factors -> 'top_down'))
$$;
COMMENT ON FUNCTION leadscore.score_result(leadscore.lead_score, jsonb) IS
  'Formats one scored lead as returned by score_leads() and ml_inference().';

CREATE FUNCTION leadscore.ml_inference(leads jsonb) RETURNS jsonb
  LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
  WITH parsed AS (SELECT ARRAY(SELECT p FROM leadscore.parse_leads(leads) AS p) AS a)
  SELECT coalesce(jsonb_agg(leadscore.score_result(leadscore.score_lead(parsed.a[i]),
                                                   leadscore.explain_lead(parsed.a[i], 3))
                            ORDER BY i), '[]')
    FROM parsed, generate_subscripts(parsed.a, 1) AS i
$$;
COMMENT ON FUNCTION leadscore.ml_inference(jsonb) IS
  'The seed''s /api/ml-inference, read-only: scores the given leads with the active model when leadscore.enable_ml_scoring is on, else by rules, and says why in fallback_reason.';

REVOKE ALL ON FUNCTION leadscore.train_lead_model(int, text, jsonb),
                       leadscore.activate_model(int),
                       leadscore.models_immutable(),
                       leadscore.score_lead(leadscore.leads, boolean),
                       leadscore.explain_lead(leadscore.leads, int, boolean),
                       leadscore.parse_leads(jsonb),
                       leadscore.score_leads(jsonb, boolean),
                       leadscore.score_result(leadscore.lead_score, jsonb),
                       leadscore.ml_inference(jsonb)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION leadscore.train_lead_model(int, text, jsonb),
                          leadscore.activate_model(int)
  TO service_role;
GRANT EXECUTE ON FUNCTION leadscore.score_lead(leadscore.leads, boolean),
                          leadscore.explain_lead(leadscore.leads, int, boolean),
                          leadscore.parse_leads(jsonb),
                          leadscore.score_leads(jsonb, boolean),
                          leadscore.score_result(leadscore.lead_score, jsonb),
                          leadscore.ml_inference(jsonb)
  TO authenticated, service_role;
