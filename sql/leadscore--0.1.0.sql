-- leadscore 0.1.0: contractors' feedback on leads, and each lead's outcome label.
--
-- Who may do what (PostgREST roles, as on Supabase):
--   anon           nothing at all: no USAGE on the schema, no EXECUTE anywhere.
--   authenticated  reads leads and the vocabularies; reads its own feedback
--                  (row-level security on auth.uid()); writes feedback only
--                  through submit_feedback().
--   service_role   reads and writes everything; names the account it acts for.
-- Functions run as their caller (SECURITY INVOKER) unless they must write what
-- the caller may not; those pin search_path and are revoked from PUBLIC and anon.

\echo Use "CREATE EXTENSION leadscore" to load this file. \quit

DO $prerequisites$
BEGIN
  IF to_regrole('anon') IS NULL OR to_regrole('authenticated') IS NULL
     OR to_regrole('service_role') IS NULL OR to_regclass('auth.users') IS NULL
     OR to_regprocedure('auth.uid()') IS NULL THEN
    RAISE EXCEPTION 'leadscore needs the roles anon, authenticated, service_role, the table auth.users and the function auth.uid()'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Supabase has them. On plain PostgreSQL run, as a superuser: psql -f "$(pg_config --sharedir)/extension/leadscore_auth_compat.sql"';
  END IF;
END
$prerequisites$;

-- The schema belongs to the extension (see leadscore.control); nothing in it is
-- reachable by roles that are not granted below.
CREATE SCHEMA leadscore;
COMMENT ON SCHEMA leadscore IS 'leadscore: feedback on leads, outcome labels, lead scoring';
REVOKE ALL ON SCHEMA leadscore FROM PUBLIC;
GRANT USAGE ON SCHEMA leadscore TO authenticated, service_role;

---------------------------------------------------------------------------
-- Types and vocabularies
---------------------------------------------------------------------------

CREATE TYPE leadscore.lead_rating AS ENUM
  ('no_answer', 'bad_contact', 'not_qualified', 'quoted', 'won');
COMMENT ON TYPE leadscore.lead_rating IS
  'How a contractor''s contact with a lead ended, from worst to best.';

-- Vocabulary tables are configuration an operator edits. They are dumped whole
-- by pg_dump; on restore, CREATE EXTENSION first inserts the defaults and the
-- dumped rows then replace them (see replace_on_insert below). To retire a
-- default row, set active = false rather than deleting it.

-- Makes INSERT of an existing key update that row in place (and insert
-- nothing), so that a restored dump's rows win over the defaults that CREATE
-- EXTENSION has just inserted. The arguments name the key columns.
CREATE FUNCTION leadscore.replace_on_insert() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  key_match   text;
  assignments text;
  replaced    bigint;
BEGIN
  SELECT string_agg(format('%I = $1.%I', k, k), ' AND ') INTO key_match FROM unnest(TG_ARGV) AS k;
  SELECT string_agg(format('%I = $1.%I', a.attname, a.attname), ', ' ORDER BY a.attnum) INTO assignments
    FROM pg_attribute a
   WHERE a.attrelid = TG_RELID AND a.attnum > 0 AND NOT a.attisdropped
     AND NOT a.attname = ANY (TG_ARGV);
  EXECUTE format('UPDATE %I.%I SET %s WHERE %s', TG_TABLE_SCHEMA, TG_TABLE_NAME, assignments, key_match)
    USING NEW;
  GET DIAGNOSTICS replaced = ROW_COUNT;
  IF replaced > 0 THEN
    RETURN NULL;
  END IF;
  RETURN NEW;
END
$$;

CREATE TABLE leadscore.rating_labels (
  rating      leadscore.lead_rating PRIMARY KEY,
  win_label   boolean,
  description text
);
COMMENT ON TABLE leadscore.rating_labels IS
  'What each rating says about the outcome: true = won, false = lost, NULL = not known yet. Changing it re-derives every lead''s win_label.';
INSERT INTO leadscore.rating_labels (rating, win_label, description) VALUES
  ('won',           true,  'the contractor won the job'),
  ('quoted',        NULL,  'a quote is out; the outcome is not known yet'),
  ('not_qualified', false, 'reached, but not a real prospect'),
  ('bad_contact',   false, 'the contact details were wrong'),
  ('no_answer',     false, 'nobody answered');

CREATE TABLE leadscore.deal_bands (
  band     text PRIMARY KEY CHECK (length(band) BETWEEN 1 AND 40),
  position int NOT NULL,
  min_usd  numeric,
  max_usd  numeric,
  active   boolean NOT NULL DEFAULT true
);
COMMENT ON TABLE leadscore.deal_bands IS
  'Allowed values of lead_feedback.deal_band (the deal size). Operators may add bands.';
INSERT INTO leadscore.deal_bands (band, position, min_usd, max_usd) VALUES
  ('<$5k',      1,      0,   5000),
  ('$5-15k',    2,   5000,  15000),
  ('$15-50k',   3,  15000,  50000),
  ('$50-150k',  4,  50000, 150000),
  ('$150k+',    5, 150000,   NULL);

CREATE TABLE leadscore.reason_codes (
  code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,39}$'),
  polarity    text NOT NULL CHECK (polarity IN ('good', 'bad', 'neutral')),
  description text,
  active      boolean NOT NULL DEFAULT true
);
COMMENT ON TABLE leadscore.reason_codes IS
  'Allowed values of lead_feedback.reason_codes: why a lead went well or badly. Operators may add codes.';
INSERT INTO leadscore.reason_codes (code, polarity, description) VALUES
  ('good_contact',      'good',    'the contact details reached the decision maker'),
  ('qualified',         'good',    'a real project with budget and timeline'),
  ('responsive',        'good',    'answered quickly and stayed in touch'),
  ('budget_confirmed',  'good',    'the budget fits the job'),
  ('urgent_need',       'good',    'the work has to happen soon'),
  ('repeat_customer',   'good',    'has worked with the contractor before'),
  ('wrong_number',      'bad',     'the phone number or email was wrong'),
  ('no_response',       'bad',     'never answered'),
  ('not_interested',    'bad',     'reached, but not interested'),
  ('no_budget',         'bad',     'cannot afford the job'),
  ('already_hired',     'bad',     'another contractor already has the job'),
  ('out_of_area',       'bad',     'outside the contractor''s service area'),
  ('wrong_trade',       'bad',     'the work is not in the contractor''s trade'),
  ('project_cancelled', 'bad',     'the project was dropped'),
  ('duplicate_lead',    'bad',     'the same lead came in before'),
  ('price_shopping',    'neutral', 'collecting quotes without intent to hire soon'),
  ('follow_up_later',   'neutral', 'asked to be contacted again later');

COMMENT ON FUNCTION leadscore.replace_on_insert() IS
  'Trigger: an INSERT of an existing key replaces that row (vocabulary tables).';
CREATE TRIGGER replace_on_insert BEFORE INSERT ON leadscore.rating_labels
  FOR EACH ROW EXECUTE FUNCTION leadscore.replace_on_insert('rating');
CREATE TRIGGER replace_on_insert BEFORE INSERT ON leadscore.deal_bands
  FOR EACH ROW EXECUTE FUNCTION leadscore.replace_on_insert('band');
CREATE TRIGGER replace_on_insert BEFORE INSERT ON leadscore.reason_codes
  FOR EACH ROW EXECUTE FUNCTION leadscore.replace_on_insert('code');

---------------------------------------------------------------------------
-- Leads, feedback, outcomes
---------------------------------------------------------------------------

-- Keeps updated_at honest for writers that forget it.
CREATE FUNCTION leadscore.touch_updated_at() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;

CREATE TABLE leadscore.leads (
  id           bigint PRIMARY KEY CHECK (id > 0),
  address      text,
  permit_value numeric,
  trade_tags   text[],
  created_at   timestamptz,
  attributes   jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE leadscore.leads IS
  'The feature snapshot of each lead that training and scoring read. attributes holds any further fields (numbers, strings, booleans).';
COMMENT ON FUNCTION leadscore.touch_updated_at() IS 'Trigger: sets updated_at on every update.';
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON leadscore.leads
  FOR EACH ROW EXECUTE FUNCTION leadscore.touch_updated_at();

-- One row per lead that has ever been rated (or, later, scored). win_label is
-- derived from lead_feedback by the trigger below and is never written by hand.
CREATE TABLE leadscore.lead_outcomes (
  lead_id          bigint PRIMARY KEY,
  win_label        boolean,
  win_prob         numeric,
  calibrated_score numeric,
  updated_at       timestamptz DEFAULT now()
);
COMMENT ON TABLE leadscore.lead_outcomes IS
  'Per lead: the outcome label derived from all contractors'' feedback (win_label) and the latest score.';
COMMENT ON COLUMN leadscore.lead_outcomes.win_label IS
  'true if any contractor won the lead; false if every rating is a loss; NULL while unresolved (see rating_labels).';

CREATE TABLE leadscore.lead_feedback (
  id           bigserial PRIMARY KEY,
  account_id   uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  lead_id      bigint NOT NULL,
  rating       leadscore.lead_rating NOT NULL,
  deal_band    text,
  reason_codes text[],
  notes        text,
  created_at   timestamptz DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, lead_id),
  -- Every rated lead has an outcome row (the trigger below creates it), and
  -- every rating has a label mapping. Besides stating that, these keys make
  -- pg_dump restore lead_outcomes and rating_labels before lead_feedback, so a
  -- restore re-derives every label from complete data and changes none.
  FOREIGN KEY (lead_id) REFERENCES leadscore.lead_outcomes (lead_id)
    DEFERRABLE INITIALLY DEFERRED,
  FOREIGN KEY (rating) REFERENCES leadscore.rating_labels (rating)
);
COMMENT ON TABLE leadscore.lead_feedback IS
  'One rating per contractor account and lead; resubmitting replaces it. Written through submit_feedback().';
CREATE INDEX lead_feedback_lead_id_idx ON leadscore.lead_feedback (lead_id);
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON leadscore.lead_feedback
  FOR EACH ROW EXECUTE FUNCTION leadscore.touch_updated_at();

---------------------------------------------------------------------------
-- Outcome labels
---------------------------------------------------------------------------

-- The labelling rule, in one place: a lead is won if any rating maps to true,
-- lost if it has ratings and all of them map to false, and unresolved otherwise
-- (some rating maps to NULL, e.g. only 'quoted' beside losses, or no ratings).
CREATE VIEW leadscore.derived_win_labels AS
  SELECT f.lead_id,
         CASE
           WHEN bool_or(coalesce(rl.win_label, false)) THEN true
           WHEN bool_and(rl.win_label IS NOT NULL AND NOT rl.win_label) THEN false
         END AS win_label,
         count(*) AS ratings
    FROM leadscore.lead_feedback f
    LEFT JOIN leadscore.rating_labels rl ON rl.rating = f.rating
   GROUP BY f.lead_id;
COMMENT ON VIEW leadscore.derived_win_labels IS
  'win_label of every rated lead, derived from lead_feedback and rating_labels.';

-- Re-derives the labels of the given leads. Concurrent raters of a lead queue
-- on its outcome row's lock (taken in lead order, so batches cannot deadlock);
-- the statement after the lock takes a fresh snapshot (READ COMMITTED), so it
-- sees every rating committed before it.
CREATE FUNCTION leadscore.refresh_win_labels(lead_ids bigint[]) RETURNS void
  LANGUAGE plpgsql STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  INSERT INTO leadscore.lead_outcomes (lead_id)
  SELECT DISTINCT id FROM unnest(lead_ids) AS id ORDER BY id
  ON CONFLICT (lead_id) DO NOTHING;
  PERFORM 1 FROM leadscore.lead_outcomes
   WHERE lead_id = ANY (lead_ids) ORDER BY lead_id FOR UPDATE;
  UPDATE leadscore.lead_outcomes o
     SET win_label = d.win_label, updated_at = now()
    FROM (SELECT i.id AS lead_id, dl.win_label
            FROM unnest(lead_ids) AS i(id)
            -- filtered by the parameter, which the planner pushes into the
            -- view's scan (a join condition would not be)
            LEFT JOIN (SELECT * FROM leadscore.derived_win_labels
                        WHERE lead_id = ANY (lead_ids)) dl ON dl.lead_id = i.id) d
   WHERE o.lead_id = d.lead_id AND o.win_label IS DISTINCT FROM d.win_label;
END
$$;
COMMENT ON FUNCTION leadscore.refresh_win_labels(bigint[]) IS
  'Re-derives lead_outcomes.win_label of the given leads from their feedback (internal).';

-- Once per statement, over every lead the statement touched: a bulk load (or a
-- restore) of feedback derives each label once, from the complete ratings.
CREATE FUNCTION leadscore.feedback_label_trigger() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  touched bigint[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    touched := ARRAY(SELECT DISTINCT lead_id FROM new_rows);
  ELSIF TG_OP = 'DELETE' THEN
    touched := ARRAY(SELECT DISTINCT lead_id FROM old_rows);
  ELSE
    touched := ARRAY(
      SELECT unnest(ARRAY[o.lead_id, n.lead_id])
        FROM old_rows o JOIN new_rows n USING (id)
       WHERE o.lead_id <> n.lead_id OR o.rating <> n.rating);
  END IF;
  -- An upsert fires both the INSERT and the UPDATE trigger; one of them has nothing to do.
  IF cardinality(touched) > 0 THEN
    PERFORM leadscore.refresh_win_labels(touched);
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION leadscore.feedback_label_trigger() IS
  'Trigger: re-derives the win_label of the leads whose feedback a statement changed.';
CREATE TRIGGER keep_win_label_current_on_insert AFTER INSERT ON leadscore.lead_feedback
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION leadscore.feedback_label_trigger();
CREATE TRIGGER keep_win_label_current_on_update AFTER UPDATE ON leadscore.lead_feedback
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION leadscore.feedback_label_trigger();
CREATE TRIGGER keep_win_label_current_on_delete AFTER DELETE ON leadscore.lead_feedback
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION leadscore.feedback_label_trigger();

CREATE FUNCTION leadscore.rederive_win_labels() RETURNS bigint
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  changed bigint;
BEGIN
  -- Leads without feedback are unresolved already (the feedback trigger saw
  -- their last rating go), so only rated leads can change.
  UPDATE leadscore.lead_outcomes o
     SET win_label = d.win_label, updated_at = now()
    FROM leadscore.derived_win_labels d
   WHERE o.lead_id = d.lead_id AND o.win_label IS DISTINCT FROM d.win_label;
  GET DIAGNOSTICS changed = ROW_COUNT;
  RETURN changed;
END
$$;
COMMENT ON FUNCTION leadscore.rederive_win_labels() IS
  'Re-derives every lead''s win_label from its feedback; returns how many changed. Runs by itself when rating_labels changes.';

CREATE FUNCTION leadscore.rating_labels_trigger() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM leadscore.rederive_win_labels();
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION leadscore.rating_labels_trigger() IS
  'Trigger: re-derives every win_label when the operator changes rating_labels.';
CREATE TRIGGER rederive_win_labels
  AFTER INSERT OR UPDATE OR DELETE ON leadscore.rating_labels
  FOR EACH STATEMENT EXECUTE FUNCTION leadscore.rating_labels_trigger();

---------------------------------------------------------------------------
-- Feedback API (RPC)
---------------------------------------------------------------------------

CREATE FUNCTION leadscore.feedback_enabled() RETURNS boolean
  LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'feedback_enabled';
COMMENT ON FUNCTION leadscore.feedback_enabled() IS
  'The leadscore.enable_lead_feedback setting: whether submit_feedback() accepts feedback.';

-- True when the role that called into leadscore acts for the service: it is
-- service_role, a member of it, or a superuser. Inside SECURITY DEFINER code
-- current_user is the owner, so the caller is read from the role setting that
-- SET [LOCAL] ROLE (as PostgREST issues it) leaves behind.
CREATE FUNCTION leadscore.caller_is_service() RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT pg_has_role(
           CASE current_setting('role')
             WHEN 'none' THEN session_user
             ELSE current_setting('role')
           END::name,
           'service_role', 'MEMBER')
$$;
COMMENT ON FUNCTION leadscore.caller_is_service() IS
  'Whether the calling role acts for the service (service_role, its members, superusers).';

CREATE FUNCTION leadscore.submit_feedback(
  lead_id      bigint,
  rating       text,
  deal_band    text   DEFAULT NULL,
  reason_codes text[] DEFAULT NULL,
  notes        text   DEFAULT NULL,
  account_id   uuid   DEFAULT NULL
) RETURNS leadscore.lead_feedback
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_account  uuid;
  v_rating   leadscore.lead_rating;
  v_bad      text;
  v_row      leadscore.lead_feedback;
BEGIN
  IF NOT leadscore.feedback_enabled() THEN
    RAISE EXCEPTION 'lead feedback is disabled'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'The setting leadscore.enable_lead_feedback is off for this database or role.';
  END IF;

  -- Who the feedback is from.
  IF leadscore.caller_is_service() THEN
    v_account := coalesce(submit_feedback.account_id, auth.uid());
    IF v_account IS NULL THEN
      RAISE EXCEPTION 'account_id is required when submitting as service_role'
        USING ERRCODE = 'null_value_not_allowed',
              HINT = 'Pass account_id, or a JWT whose sub claim names the account.';
    END IF;
  ELSE
    v_account := auth.uid();
    IF v_account IS NULL THEN
      RAISE EXCEPTION 'not signed in: the request has no JWT subject'
        USING ERRCODE = 'invalid_authorization_specification';
    END IF;
    IF submit_feedback.account_id IS NOT NULL AND submit_feedback.account_id <> v_account THEN
      RAISE EXCEPTION 'account_id: only service_role may submit feedback for another account'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM auth.users u WHERE u.id = v_account) THEN
    RAISE EXCEPTION 'account_id: % is not a known user', v_account
      USING ERRCODE = 'foreign_key_violation';
  END IF;

  -- What the feedback says.
  IF submit_feedback.lead_id IS NULL OR submit_feedback.lead_id <= 0 THEN
    RAISE EXCEPTION 'lead_id: must be a positive integer, got %',
      coalesce(submit_feedback.lead_id::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF submit_feedback.rating IS NULL
     OR NOT submit_feedback.rating = ANY (enum_range(NULL::leadscore.lead_rating)::text[]) THEN
    RAISE EXCEPTION 'rating: % is not a rating; allowed: %',
      coalesce(quote_literal(submit_feedback.rating), 'NULL'),
      array_to_string(enum_range(NULL::leadscore.lead_rating)::text[], ', ')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  v_rating := submit_feedback.rating::leadscore.lead_rating;
  IF submit_feedback.deal_band IS NOT NULL AND NOT EXISTS (
       SELECT 1 FROM leadscore.deal_bands b
        WHERE b.band = submit_feedback.deal_band AND b.active) THEN
    RAISE EXCEPTION 'deal_band: % is not a deal band; allowed: %',
      quote_literal(submit_feedback.deal_band),
      (SELECT string_agg(b.band, ', ' ORDER BY b.position)
         FROM leadscore.deal_bands b WHERE b.active)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF cardinality(submit_feedback.reason_codes) > 20 THEN
    RAISE EXCEPTION 'reason_codes: at most 20 codes, got %', cardinality(submit_feedback.reason_codes)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(coalesce(quote_literal(c), 'NULL'), ', ') INTO v_bad
    FROM unnest(submit_feedback.reason_codes) AS c
   WHERE c IS NULL OR NOT EXISTS (
           SELECT 1 FROM leadscore.reason_codes r WHERE r.code = c AND r.active);
  IF v_bad IS NOT NULL THEN
    RAISE EXCEPTION 'reason_codes: % not in the vocabulary; allowed: %', v_bad,
      (SELECT string_agg(r.code, ', ' ORDER BY r.code)
         FROM leadscore.reason_codes r WHERE r.active)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF char_length(submit_feedback.notes) > 2000 THEN
    RAISE EXCEPTION 'notes: at most 2000 characters, got %', char_length(submit_feedback.notes)
      USING ERRCODE = 'string_data_right_truncation';
  END IF;

  INSERT INTO leadscore.lead_feedback AS f
         (account_id, lead_id, rating, deal_band, reason_codes, notes)
  VALUES (v_account, submit_feedback.lead_id, v_rating, submit_feedback.deal_band,
          submit_feedback.reason_codes, submit_feedback.notes)
  ON CONFLICT (account_id, lead_id) DO UPDATE
     SET rating       = excluded.rating,
         deal_band    = excluded.deal_band,
         reason_codes = excluded.reason_codes,
         notes        = excluded.notes,
         updated_at   = now()
  RETURNING f.* INTO v_row;
  RETURN v_row;
END
$$;
COMMENT ON FUNCTION leadscore.submit_feedback(bigint, text, text, text[], text, uuid) IS
  'Records the signed-in contractor''s rating of a lead; a second call for the same lead replaces it. service_role passes account_id.';

CREATE FUNCTION leadscore.get_feedback(
  lead_id  bigint      DEFAULT NULL,
  since    timestamptz DEFAULT NULL,
  max_rows int         DEFAULT 100,
  after_id bigint      DEFAULT NULL
) RETURNS SETOF leadscore.lead_feedback
  LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY INVOKER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
  IF auth.uid() IS NULL AND NOT pg_has_role(current_user, 'service_role', 'MEMBER') THEN
    RAISE EXCEPTION 'not signed in: the request has no JWT subject'
      USING ERRCODE = 'invalid_authorization_specification';
  END IF;
  IF get_feedback.lead_id IS NOT NULL AND get_feedback.lead_id <= 0 THEN
    RAISE EXCEPTION 'lead_id: must be a positive integer, got %', get_feedback.lead_id
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF get_feedback.max_rows IS NULL OR get_feedback.max_rows NOT BETWEEN 1 AND 1000 THEN
    RAISE EXCEPTION 'max_rows: must be between 1 and 1000, got %',
      coalesce(get_feedback.max_rows::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  -- Row-level security limits authenticated callers to their own rows.
  RETURN QUERY
    SELECT f.*
      FROM leadscore.lead_feedback f
     WHERE (get_feedback.lead_id IS NULL OR f.lead_id = get_feedback.lead_id)
       AND (get_feedback.since IS NULL OR f.updated_at >= get_feedback.since)
       AND (get_feedback.after_id IS NULL OR f.id < get_feedback.after_id)
     ORDER BY f.id DESC
     LIMIT get_feedback.max_rows;
END
$$;
COMMENT ON FUNCTION leadscore.get_feedback(bigint, timestamptz, int, bigint) IS
  'The caller''s feedback (every account''s for service_role), newest first; pass the last id seen as after_id for the next page.';

---------------------------------------------------------------------------
-- Row-level security and privileges
---------------------------------------------------------------------------

ALTER TABLE leadscore.lead_feedback ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_feedback ON leadscore.lead_feedback
  FOR SELECT TO authenticated USING (account_id = (SELECT auth.uid()));
CREATE POLICY service_all ON leadscore.lead_feedback
  FOR ALL TO service_role USING (true) WITH CHECK (true);

ALTER TABLE leadscore.leads ENABLE ROW LEVEL SECURITY;
CREATE POLICY signed_in_read ON leadscore.leads
  FOR SELECT TO authenticated USING (true);
CREATE POLICY service_all ON leadscore.leads
  FOR ALL TO service_role USING (true) WITH CHECK (true);

ALTER TABLE leadscore.lead_outcomes ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_all ON leadscore.lead_outcomes
  FOR ALL TO service_role USING (true) WITH CHECK (true);

REVOKE ALL ON ALL TABLES IN SCHEMA leadscore FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA leadscore FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA leadscore FROM PUBLIC;

GRANT SELECT ON leadscore.leads, leadscore.lead_feedback,
                leadscore.rating_labels, leadscore.deal_bands, leadscore.reason_codes
  TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA leadscore TO service_role;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA leadscore TO service_role;

GRANT EXECUTE ON FUNCTION leadscore.submit_feedback(bigint, text, text, text[], text, uuid),
                          leadscore.get_feedback(bigint, timestamptz, int, bigint)
  TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION leadscore.rederive_win_labels(), leadscore.feedback_enabled()
  TO service_role;

---------------------------------------------------------------------------
-- pg_dump keeps users' data and operators' configuration
---------------------------------------------------------------------------

SELECT pg_catalog.pg_extension_config_dump('leadscore.leads', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.lead_feedback', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.lead_feedback_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.lead_outcomes', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.rating_labels', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.deal_bands', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.reason_codes', '');
