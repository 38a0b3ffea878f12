-- leadscore: contractors' feedback on leads, each lead's outcome label, a
-- model trained in the database, and scores.
--
-- This file is the whole current schema, in one place. The build copies it to
-- leadscore--<default_version>.sql, the script a fresh CREATE EXTENSION runs;
-- the upgrade scripts (leadscore--X--Y.sql) hold only what changed between two
-- releases, and a test checks that a database updated through them from 0.1.0
-- has exactly the catalog of a fresh install. A change to the schema goes here
-- and, as a change, into the upgrade script of the release being made.
--
-- Who may do what (PostgREST roles, as on Supabase):
--   anon           nothing at all: no USAGE on the schema, no EXECUTE anywhere.
--   authenticated  reads leads, the vocabularies and the rule weights; reads its
--                  own feedback (row-level security on auth.uid()); writes
--                  feedback only through submit_feedback(); scores leads.
--   service_role   reads and writes everything; names the account it acts for;
--                  trains, activates and monitors models.
-- Functions run as their caller (SECURITY INVOKER) unless they must write what
-- the caller may not; those pin search_path to pg_catalog, pg_temp, qualify
-- every object they use, and are revoked from PUBLIC and anon. Privileges,
-- row-level security and pg_dump registration are at the end of the file.
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
-- reachable by roles that are not granted at the end of this file.
CREATE SCHEMA leadscore;
COMMENT ON SCHEMA leadscore IS 'leadscore: feedback on leads, outcome labels, lead scoring';

---------------------------------------------------------------------------
-- Types
---------------------------------------------------------------------------

CREATE TYPE leadscore.lead_rating AS ENUM
  ('no_answer', 'bad_contact', 'not_qualified', 'quoted', 'won');
COMMENT ON TYPE leadscore.lead_rating IS
  'How a contractor''s contact with a lead ended, from worst to best.';

-- Attributes are appended release by release (an updated database and a
-- fresh one must agree on their order); NULL where a score does not have it.
CREATE TYPE leadscore.lead_score AS (
  lead_id          bigint,
  score            int,     -- 0..100
  grade            text,    -- by percentile band (grade_bands): A top 10%, B next 20%, C next 30%, D the rest
  win_prob         float8,  -- calibrated probability (ml); NULL for rules
  confidence       text,    -- high, medium, low
  confidence_value float8,  -- the number behind confidence, 0..1
  method           text,    -- ml or rules
  model_version    int,     -- NULL for rules
  percentile       float8,  -- 0..100: share of the model's held-out leads with a lower win_prob
  win_prob_low     float8,  -- a 90% interval for the lead's true win probability
  win_prob_high    float8,
  contact_prob     float8,  -- P(someone reached a decision maker)
  quote_prob       float8,  -- P(it comes to a quote)
  value_if_won     float8,  -- expected deal value in dollars, if won
  expected_value   float8   -- win_prob x value_if_won
);
COMMENT ON TYPE leadscore.lead_score IS
  'The result of score_lead(): score, grade, win probability and confidence, method and model version; percentile, interval, stage probabilities and deal value where the model provides them (NULL otherwise).';

---------------------------------------------------------------------------
-- Settings, as SQL reads them
---------------------------------------------------------------------------
-- Settings are defined by the library (src/pg/gucs.cpp); calling one of these
-- loads it first, so the value is the setting's, never unchecked text that
-- PostgreSQL keeps for a custom setting no library has defined yet.

CREATE FUNCTION leadscore.feedback_enabled() RETURNS boolean
  LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'feedback_enabled';
COMMENT ON FUNCTION leadscore.feedback_enabled() IS
  'The leadscore.enable_lead_feedback setting: whether submit_feedback() accepts feedback.';

CREATE FUNCTION leadscore.settings() RETURNS jsonb
  LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'settings';
COMMENT ON FUNCTION leadscore.settings() IS
  'Every leadscore.* setting as this session sees it, keyed by name without the prefix.';

CREATE FUNCTION leadscore.quote_expiry_days() RETURNS int
  LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'quote_expiry_days';
COMMENT ON FUNCTION leadscore.quote_expiry_days() IS
  'The leadscore.quote_expiry_days setting: the age in days after which an unresolved rating (quoted) counts as lost.';

CREATE FUNCTION leadscore.training_min_lead_age() RETURNS int
  LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'training_min_lead_age';
COMMENT ON FUNCTION leadscore.training_min_lead_age() IS
  'The leadscore.training_min_lead_age setting: the age in days a lead needs before training uses its label.';

---------------------------------------------------------------------------
-- Vocabularies and configuration an operator edits
---------------------------------------------------------------------------

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
     AND a.attgenerated = ''  -- a generated column follows the others by itself
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

-- A band is a range of deal values in dollars, [min_value, max_value); the top
-- band is open (max_value NULL). An active band must have its lower bound, no
-- band is inverted, and active bands do not overlap (checked at the end of the
-- transaction, so a restore or an operator can rewrite several bands at once).
-- A band is a range, not a number: training takes each band at its typical
-- value, the midpoint of a closed band and 1.5 times the lower bound of the
-- open top band (which has no midpoint; the deals above a bound thin out).
CREATE TABLE leadscore.deal_bands (
  band      text PRIMARY KEY CHECK (length(band) BETWEEN 1 AND 40),
  position  int NOT NULL,
  min_value numeric,
  max_value numeric,
  active    boolean NOT NULL DEFAULT true,
  CONSTRAINT deal_bands_bounds_check
    CHECK ((min_value IS NULL OR min_value >= 0) AND (max_value IS NULL OR max_value > min_value)),
  CONSTRAINT deal_bands_active_bounded CHECK (NOT active OR min_value IS NOT NULL),
  CONSTRAINT deal_bands_no_overlap
    EXCLUDE USING gist (numrange(min_value, max_value) WITH &&) WHERE (active)
    DEFERRABLE INITIALLY DEFERRED,
  typical_value numeric GENERATED ALWAYS AS
    (CASE WHEN max_value IS NULL THEN min_value * 1.5 ELSE (min_value + max_value) * 0.5 END) STORED
);
COMMENT ON TABLE leadscore.deal_bands IS
  'Allowed values of lead_feedback.deal_band (the deal size), each a range of dollars [min_value, max_value), the top one open (max_value NULL). Operators may add bands, with bounds that do not overlap the active ones. A band is a range, not a number: training reads each band as its range (labelled_leads.deal_value_min, deal_value_max).';
COMMENT ON COLUMN leadscore.deal_bands.typical_value IS
  'The one number a band stands for where one number is needed (a lead''s stored deal_value, the fallback value estimate): the midpoint (min_value + max_value) / 2 of a closed band and 1.5 x min_value for the open top band (max_value NULL). Training reads a band as its range.';
INSERT INTO leadscore.deal_bands (band, position, min_value, max_value) VALUES
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

-- Grades are relative: each grade is a band of percentiles (the share of the
-- model's held-out leads with a lower win probability), so an A means the
-- same on a 12% and on a 38% win rate. The bands must cover 0..100 once, with
-- no gap and no overlap; the check runs at commit, so an operator can move
-- several bounds in one transaction. score_lead reads the bands as the
-- registry owner and checks them again.
CREATE TABLE leadscore.grade_bands (
  grade          text PRIMARY KEY CHECK (length(grade) BETWEEN 1 AND 20),
  min_percentile float8 NOT NULL CHECK (min_percentile >= 0 AND min_percentile < 100),
  max_percentile float8 NOT NULL CHECK (max_percentile > 0 AND max_percentile <= 100),
  description    text,
  CHECK (min_percentile < max_percentile)
);
COMMENT ON TABLE leadscore.grade_bands IS
  'Letter grades as percentile bands: a lead whose percentile p has min_percentile <= p < max_percentile (<= 100 for the top band) gets the grade. Together the bands cover 0..100 without gap or overlap.';
INSERT INTO leadscore.grade_bands (grade, min_percentile, max_percentile, description) VALUES
  ('A', 90, 100, 'the top 10% of leads'),
  ('B', 70,  90, 'the next 20%'),
  ('C', 40,  70, 'the next 30%'),
  ('D',  0,  40, 'the rest');
CREATE TRIGGER replace_on_insert BEFORE INSERT ON leadscore.grade_bands
  FOR EACH ROW EXECUTE FUNCTION leadscore.replace_on_insert('grade');

-- Raises unless leadscore.grade_bands covers 0..100 exactly once.
CREATE FUNCTION leadscore.check_grade_bands() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  b         record;
  prev_band text;
  prev_max  float8;
BEGIN
  FOR b IN SELECT grade, min_percentile, max_percentile FROM leadscore.grade_bands ORDER BY min_percentile LOOP
    IF prev_band IS NULL AND b.min_percentile <> 0 THEN
      RAISE EXCEPTION 'grade bands: no band starts at percentile 0 (the lowest, %, starts at %)',
        b.grade, b.min_percentile USING ERRCODE = 'check_violation';
    ELSIF prev_band IS NOT NULL AND b.min_percentile < prev_max THEN
      RAISE EXCEPTION 'grade bands: % and % overlap', prev_band, b.grade USING ERRCODE = 'check_violation';
    ELSIF prev_band IS NOT NULL AND b.min_percentile > prev_max THEN
      RAISE EXCEPTION 'grade bands: a gap lies between % and %', prev_band, b.grade
        USING ERRCODE = 'check_violation';
    END IF;
    prev_band := b.grade;
    prev_max := b.max_percentile;
  END LOOP;
  IF prev_band IS NULL THEN
    RAISE EXCEPTION 'grade bands: there must be at least one band' USING ERRCODE = 'check_violation';
  END IF;
  IF prev_max <> 100 THEN
    RAISE EXCEPTION 'grade bands: no band reaches percentile 100 (the highest, %, ends at %)',
      prev_band, prev_max USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION leadscore.check_grade_bands() IS
  'Constraint trigger: grade_bands must cover percentiles 0..100 without gap or overlap.';
CREATE CONSTRAINT TRIGGER grade_bands_cover_0_to_100
  AFTER INSERT OR UPDATE OR DELETE ON leadscore.grade_bands
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION leadscore.check_grade_bands();

---------------------------------------------------------------------------
-- Leads, feedback, outcomes
---------------------------------------------------------------------------

-- Keeps updated_at honest for writers that forget it; a writer that sets it
-- (the service loading history with its own timestamps) keeps its value.
-- Its triggers fire only for the rows whose updated_at the writer left as it
-- was (WHEN), so a writer that sets it, as score_leads() does, pays no call.
CREATE FUNCTION leadscore.touch_updated_at() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
    NEW.updated_at := now();
  END IF;
  RETURN NEW;
END
$$;

-- Who owns a lead: leads the service writes (the feed) are shared, owner_account
-- NULL, readable by every signed-in contractor; a contractor's own leads
-- (created through score_leads) are readable and writable by that account
-- alone, and go when the account goes.
CREATE TABLE leadscore.leads (
  id            bigint PRIMARY KEY CHECK (id > 0),
  address       text,
  permit_value  numeric,
  trade_tags    text[],
  created_at    timestamptz,
  attributes    jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  owner_account uuid REFERENCES auth.users (id) ON DELETE CASCADE
);
COMMENT ON TABLE leadscore.leads IS
  'The feature snapshot of each lead that training and scoring read. attributes holds any further fields (numbers, strings, booleans).';
COMMENT ON COLUMN leadscore.leads.owner_account IS
  'NULL: a shared lead, written by service_role (the feed). Otherwise the one account that created it, which alone may read and change it.';
-- A contractor's own leads: what row-level security lets it read, and what
-- deleting its account deletes. Not updated_at beside it: every write
-- changes updated_at, so no rewrite of a contractor's lead could be a HOT
-- update, and each left entries behind in this index and the primary key.
CREATE INDEX leads_owner_account_idx ON leadscore.leads (owner_account)
  WHERE owner_account IS NOT NULL;
COMMENT ON FUNCTION leadscore.touch_updated_at() IS 'Trigger: sets updated_at on every update that does not set it itself.';
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON leadscore.leads
  FOR EACH ROW WHEN (NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at)
  EXECUTE FUNCTION leadscore.touch_updated_at();

-- One row per lead that has ever been rated or scored. win_label, best_rating
-- and deal_value are derived from lead_feedback by the trigger below and are
-- never written by hand; the other columns hold the latest stored score (see
-- store_scores()).
-- The columns keep the order in which releases added them, so that an updated
-- database and a fresh one agree column for column.
CREATE TABLE leadscore.lead_outcomes (
  lead_id          bigint PRIMARY KEY,
  win_label        boolean,
  win_prob         numeric,
  calibrated_score numeric,
  updated_at       timestamptz DEFAULT now(),
  score            int CHECK (score BETWEEN 0 AND 100),
  confidence       text,
  method           text CHECK (method IN ('ml', 'rules')),
  model_version    int,
  scored_at        timestamptz,
  best_rating      leadscore.lead_rating,
  deal_value       numeric,
  contact_prob     numeric,
  quote_prob       numeric,
  value_if_won     numeric,
  expected_value   numeric
) WITH (fillfactor = 80);  -- room on each page, so a rescore's updates stay on it (HOT)
COMMENT ON TABLE leadscore.lead_outcomes IS
  'Per lead: the outcome derived from all contractors'' feedback (win_label, best_rating, deal_value) and the latest score (win, stage probabilities, expected deal value).';
COMMENT ON COLUMN leadscore.lead_outcomes.win_label IS
  'true if any contractor won the lead; false if every rating is a loss; NULL while unresolved (see rating_labels).';
COMMENT ON COLUMN leadscore.lead_outcomes.best_rating IS
  'The best rating any contractor gave the lead, in the rating enum''s order (the funnel stage it reached); NULL when nobody rated it.';
COMMENT ON COLUMN leadscore.lead_outcomes.deal_value IS
  'The deal value in dollars the ratings equal to best_rating give: the mean typical_value of their deal bands, to the cent; NULL when none carries a band.';
COMMENT ON COLUMN leadscore.lead_outcomes.contact_prob IS
  'Latest stored score: the probability that someone reaches a decision maker (NULL when the rules scored).';
COMMENT ON COLUMN leadscore.lead_outcomes.quote_prob IS
  'Latest stored score: the probability that the lead comes to a quote (NULL when the rules scored).';
COMMENT ON COLUMN leadscore.lead_outcomes.value_if_won IS
  'Latest stored score: the expected deal value in dollars if won (NULL when the rules scored).';
COMMENT ON COLUMN leadscore.lead_outcomes.expected_value IS
  'Latest stored score: win_prob x value_if_won, in dollars (NULL when the rules scored).';

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
-- An account's feedback written in the last day (its rate limit).
CREATE INDEX lead_feedback_account_updated_idx ON leadscore.lead_feedback (account_id, updated_at);
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON leadscore.lead_feedback
  FOR EACH ROW WHEN (NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at)
  EXECUTE FUNCTION leadscore.touch_updated_at();

---------------------------------------------------------------------------
-- Outcome labels
---------------------------------------------------------------------------

-- The labelling rule, in one place. Each rating says won, lost, or nothing yet
-- (rating_labels; by default quoted says nothing yet); a rating that says
-- nothing yet counts as lost once its feedback row is older than
-- leadscore.quote_expiry_days (a quote nobody accepted). A lead is won if any
-- rating says won, lost if every rating says lost, and unresolved otherwise
-- (e.g. a young quote beside losses). Time moves labels: nightly_training()
-- re-derives them, and so does any change of the lead's feedback.
-- The funnel's stages follow the best rating across contractors, in the
-- rating enum's order: contacted (someone reached a decision maker: the best
-- rating is not_qualified, quoted or won) and quoted (it is quoted or won).
-- The deal value is what the ratings at that best rating say: the mean
-- typical value of their deal bands (a won lead's comes from the win, not
-- from another contractor's quote; a quoted lead's from its quotes).
CREATE VIEW leadscore.derived_win_labels AS
  SELECT r.lead_id,
         CASE WHEN bool_or(r.says IS TRUE) THEN true
              WHEN bool_and(r.says IS FALSE) THEN false END AS win_label,
         count(*) AS ratings,
         max(r.rating) AS best_rating,
         max(r.rating) >= 'not_qualified' AS contacted,
         max(r.rating) >= 'quoted' AS quoted,
         round(avg(r.typical_value) FILTER (WHERE r.rating = r.best_rating), 2) AS deal_value
    FROM (SELECT f.lead_id, f.rating, max(f.rating) OVER (PARTITION BY f.lead_id) AS best_rating,
                 b.typical_value,
                 coalesce(rl.win_label,
                          CASE WHEN f.updated_at <= now() - make_interval(days => leadscore.quote_expiry_days())
                               THEN false END) AS says
            FROM leadscore.lead_feedback f
            LEFT JOIN leadscore.rating_labels rl ON rl.rating = f.rating
            LEFT JOIN leadscore.deal_bands b ON b.band = f.deal_band) AS r
   GROUP BY r.lead_id;
COMMENT ON VIEW leadscore.derived_win_labels IS
  'The labels of every rated lead, derived from lead_feedback, rating_labels and deal_bands: win_label (quotes older than leadscore.quote_expiry_days count as lost), the best rating, the funnel stages it reached (contacted, quoted), and deal_value (the mean typical_value of the deal bands on the ratings equal to the best one, to the cent; NULL when none carries a band).';

-- Re-derives the outcome (win_label, best_rating, deal_value) of the given
-- leads; a row is written only when one of them differs. Concurrent raters
-- of a lead queue on its outcome row's lock (taken in lead order, so batches
-- cannot deadlock); the statement after the lock takes a fresh snapshot (READ
-- COMMITTED), so it sees every rating committed before it.
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
     SET win_label = d.win_label, best_rating = d.best_rating, deal_value = d.deal_value, updated_at = now()
    FROM (SELECT i.id AS lead_id, dl.win_label, dl.best_rating, dl.deal_value
            FROM unnest(lead_ids) AS i(id)
            -- filtered by the parameter, which the planner pushes into the
            -- view's scan (a join condition would not be)
            LEFT JOIN (SELECT * FROM leadscore.derived_win_labels
                        WHERE lead_id = ANY (lead_ids)) dl ON dl.lead_id = i.id) d
   WHERE o.lead_id = d.lead_id
     AND (o.win_label, o.best_rating, o.deal_value) IS DISTINCT FROM (d.win_label, d.best_rating, d.deal_value);
END
$$;
COMMENT ON FUNCTION leadscore.refresh_win_labels(bigint[]) IS
  'Re-derives lead_outcomes.win_label, best_rating and deal_value of the given leads from their feedback (internal).';

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
       WHERE o.lead_id <> n.lead_id OR o.rating <> n.rating
          OR o.deal_band IS DISTINCT FROM n.deal_band
          -- a rating that can be pending is as old as its row: submitted
          -- again, an expired quote is young and pending again
          OR (o.updated_at IS DISTINCT FROM n.updated_at
              AND EXISTS (SELECT 1 FROM leadscore.rating_labels rl
                           WHERE rl.rating = n.rating AND rl.win_label IS NULL)));
  END IF;
  -- An upsert fires both the INSERT and the UPDATE trigger; one of them has nothing to do.
  IF cardinality(touched) > 0 THEN
    PERFORM leadscore.refresh_win_labels(touched);
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION leadscore.feedback_label_trigger() IS
  'Trigger: re-derives the outcome (win_label, best_rating, deal_value) of the leads whose feedback a statement changed.';
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
  -- Leads without feedback are unresolved and unrated already (the feedback
  -- trigger saw their last rating go), so only rated leads can change.
  UPDATE leadscore.lead_outcomes o
     SET win_label = d.win_label, best_rating = d.best_rating, deal_value = d.deal_value, updated_at = now()
    FROM leadscore.derived_win_labels d
   WHERE o.lead_id = d.lead_id
     AND (o.win_label, o.best_rating, o.deal_value) IS DISTINCT FROM (d.win_label, d.best_rating, d.deal_value);
  GET DIAGNOSTICS changed = ROW_COUNT;
  RETURN changed;
END
$$;
COMMENT ON FUNCTION leadscore.rederive_win_labels() IS
  'Re-derives every lead''s win_label, best_rating and deal_value from its feedback; returns how many leads changed. Runs by itself when rating_labels or deal_bands changes.';

CREATE FUNCTION leadscore.rating_labels_trigger() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM leadscore.rederive_win_labels();
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION leadscore.rating_labels_trigger() IS
  'Trigger: re-derives every lead''s outcome when the operator changes rating_labels (its labels) or deal_bands (the deal values).';
CREATE TRIGGER rederive_win_labels
  AFTER INSERT OR UPDATE OR DELETE ON leadscore.rating_labels
  FOR EACH STATEMENT EXECUTE FUNCTION leadscore.rating_labels_trigger();
-- A band's bounds set the deal value of every lead rated with it.
CREATE TRIGGER rederive_deal_values
  AFTER INSERT OR UPDATE OR DELETE ON leadscore.deal_bands
  FOR EACH STATEMENT EXECUTE FUNCTION leadscore.rating_labels_trigger();

---------------------------------------------------------------------------
-- Feedback API (RPC)
---------------------------------------------------------------------------

-- True when the role that called into leadscore acts for the service: it is
-- service_role, a member of it, or a superuser. Inside SECURITY DEFINER code
-- current_user is the owner, so the caller is read from the role setting that
-- SET [LOCAL] ROLE (as PostgREST issues it) leaves behind.
-- PL/pgSQL, not SQL: every RPC asks, and a SQL function that cannot be
-- inlined (it pins search_path) is parsed and planned again on each call.
CREATE FUNCTION leadscore.caller_is_service() RETURNS boolean
  LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN pg_has_role(
           CASE current_setting('role')
             WHEN 'none' THEN session_user
             ELSE current_setting('role')
           END::name,
           'service_role', 'MEMBER');
END
$$;
COMMENT ON FUNCTION leadscore.caller_is_service() IS
  'Whether the calling role acts for the service (service_role, its members, superusers).';

-- The signed-in account, for row-level security. auth.uid() (Supabase's, or
-- the stand-in's) reads the JWT claims with an unqualified cast to jsonb; here
-- it runs with a pinned search_path, so a caller's own objects named jsonb
-- cannot change how its rows are filtered.
CREATE FUNCTION leadscore.current_account() RETURNS uuid
  LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN auth.uid();  -- PL/pgSQL keeps the plan; a SQL function would be planned on every call
END
$$;
COMMENT ON FUNCTION leadscore.current_account() IS
  'The signed-in account (auth.uid()), read with a pinned search_path; the row-level security policies use it.';

CREATE FUNCTION leadscore.submit_feedback(
  lead_id      bigint,
  rating       text,
  deal_band    text   DEFAULT NULL,
  reason_codes text[] DEFAULT NULL,
  notes        text   DEFAULT NULL,
  account_id   uuid   DEFAULT NULL
) RETURNS leadscore.lead_feedback
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  -- Generic plans, as for score_leads: PostgreSQL costed custom plans below
  -- the generic ones and planned the statements again on every call (one
  -- client: 1.20-1.25 ms of CPU a call before, 0.83-0.99 ms after).
  SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
  v_account  uuid;
  v_rating   leadscore.lead_rating;
  v_bad      text;
  v_row      leadscore.lead_feedback;
  v_limit    int;
  v_recent   bigint;
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

  -- A signed-in contractor rates shared leads and its own, at a bounded rate.
  IF NOT leadscore.caller_is_service() THEN
    IF EXISTS (SELECT 1 FROM leadscore.leads l
                WHERE l.id = submit_feedback.lead_id AND l.owner_account <> v_account) THEN
      RAISE EXCEPTION 'lead_id: % is not a lead you can rate', submit_feedback.lead_id
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    v_limit := (leadscore.settings() ->> 'max_feedback_per_day')::int;
    SELECT count(*) INTO v_recent FROM leadscore.lead_feedback f
     WHERE f.account_id = v_account AND f.updated_at > now() - interval '1 day'
       AND f.lead_id <> submit_feedback.lead_id;
    IF v_recent >= v_limit THEN
      RAISE EXCEPTION 'rate limit: % feedback rows in the last 24 hours; leadscore.max_feedback_per_day is %',
        v_recent, v_limit
        USING ERRCODE = 'program_limit_exceeded',
              HINT = 'Try again later; an operator can raise leadscore.max_feedback_per_day.';
    END IF;
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
-- Model registry
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
-- Blobs are stored out of line but not compressed: compressing a blob of
-- megabytes took about 8% of a training run, where nothing checks for a
-- cancel, and every backend that loads a model would decompress it again;
-- a few models' worth of disk is the cheaper side.
ALTER TABLE leadscore.models ALTER COLUMN blob SET STORAGE EXTERNAL;

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

---------------------------------------------------------------------------
-- Locks only leadscore's own functions can take
---------------------------------------------------------------------------

-- One row per thing that must not run twice at once. No role but the owner
-- has any privilege on it, so no API role (nor anyone else who can merely
-- connect) can take these row locks and block the job: an advisory lock, by
-- contrast, is open to every role. Only SECURITY DEFINER functions lock rows.
CREATE TABLE leadscore.job_locks (
  job         text PRIMARY KEY,
  description text NOT NULL
);
COMMENT ON TABLE leadscore.job_locks IS
  'Rows that leadscore''s own functions lock so that a job never runs twice at once (nightly training, model activation); no API role may lock them.';
INSERT INTO leadscore.job_locks (job, description) VALUES
  ('nightly_training', 'held by nightly_training() for its whole run'),
  ('model_activation', 'held by activate_model() until its transaction ends, so activations queue');

---------------------------------------------------------------------------
-- Training and activation
---------------------------------------------------------------------------

-- The leads training may learn from, in one place: every rated lead, its win
-- resolved or still pending (a young quote), with its row in leads and
-- whether it is old enough for its outcome to be known (a lead without
-- created_at counts as old enough). The contact and quote stages learn from
-- every trainable one, the win stage only from those with a win_label.
-- Training, the nightly run and health() all read it, so their counts are the
-- rows training sees.
CREATE VIEW leadscore.labelled_leads WITH (security_invoker = true) AS
  SELECT o.lead_id, o.win_label, l AS lead,
         l.id IS NOT NULL AS has_lead_row,
         l.id IS NOT NULL
           AND (l.created_at IS NULL
                OR l.created_at <= now() - make_interval(days => leadscore.training_min_lead_age())) AS trainable,
         o.best_rating, o.deal_value,
         q.quote_age_days, q.days_to_win,
         q.deal_value_min, q.deal_value_max
    FROM leadscore.lead_outcomes o
    LEFT JOIN leadscore.leads l ON l.id = o.lead_id
    -- When the lead's quote came and, if won, how long the win took to be
    -- reported: training estimates from them how likely an open quote is to
    -- end in a win. An open quote's age is read on the clock that keeps it
    -- open (its youngest unresolved rating's updated_at, as
    -- derived_win_labels reads it), so a quote submitted again is young. And the dollar range the deal bands on the best rating
    -- span (the upper bound NULL when one of them is the open top band):
    -- training reads a band as that range, not as one number. Read for
    -- quoted and won leads only.
    LEFT JOIN LATERAL (
      SELECT (extract(epoch FROM now() - CASE WHEN o.win_label IS NULL
                                               THEN max(f.updated_at) FILTER (WHERE rl.win_label IS NULL)
                                               ELSE min(f.created_at) END) / 86400)::float8 AS quote_age_days,
             (extract(epoch FROM min(f.updated_at - f.created_at) FILTER (WHERE rl.win_label)) / 86400)::float8
               AS days_to_win,
             min(b.min_value) FILTER (WHERE f.rating = o.best_rating) AS deal_value_min,
             CASE WHEN bool_and(b.max_value IS NOT NULL) FILTER (WHERE f.rating = o.best_rating AND b.band IS NOT NULL)
                  THEN max(b.max_value) FILTER (WHERE f.rating = o.best_rating) END AS deal_value_max
        FROM leadscore.lead_feedback f
        JOIN leadscore.rating_labels rl ON rl.rating = f.rating
        LEFT JOIN leadscore.deal_bands b ON b.band = f.deal_band
       WHERE f.lead_id = o.lead_id AND o.best_rating >= 'quoted'
         AND (rl.win_label IS NULL OR rl.win_label)) q ON true
   WHERE o.best_rating IS NOT NULL;
COMMENT ON VIEW leadscore.labelled_leads IS
  'Every rated lead, its win is resolved (win_label) or pending (win_label NULL: a young quote), with its leads row (NULL if it has none), whether training may use it (trainable: has a row and is at least leadscore.training_min_lead_age days old), the best rating (the funnel stage it reached), its deal value, and for a quoted or won lead the days since its first quote or win was rated (quote_age_days; for a pending quote, since its youngest unresolved rating was last submitted, the clock its expiry reads) and, if won, the days that win took to be reported (days_to_win), and the dollar range [deal_value_min, deal_value_max) the deal bands on its best rating span (deal_value_max NULL when one is the open top band; both NULL without a band). The contact and quote stages learn from all of them, the win stage from those with a win_label.';

-- The verdict on counts of rated leads: whether they are enough to train on
-- (min_feedback won and lost leads, and both classes) and, if not, why.
-- training_readiness() counts them; train_lead_model() counts them while it
-- reads the trainable leads' ids, in the same scan, and asks this function,
-- so both give the same verdict in the same words. The rule and the default
-- min_feedback live here (training_readiness() declares the same default, a
-- test holds them equal).
CREATE FUNCTION leadscore.readiness_verdict(won bigint, lost bigint, labelled bigint, too_young bigint,
                                            without_lead_row bigint, pending bigint, min_feedback int DEFAULT 50)
  RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT jsonb_build_object(
           'ready', won + lost >= min_feedback AND won > 0 AND lost > 0,
           'reason', CASE
             WHEN won + lost < min_feedback THEN format(
               'not enough labelled leads to train: %s, min_feedback is %s (%s won, %s lost); %s',
               won + lost, min_feedback, won, lost,
               CASE WHEN labelled = 0
                    THEN 'no lead has a label yet: a lead is labelled once contractors'' feedback resolves it (see leadscore.rating_labels)'
                    ELSE format('%s leads are labelled: %s younger than leadscore.training_min_lead_age (%s days), %s without a row in leadscore.leads',
                                labelled, too_young, leadscore.training_min_lead_age(), without_lead_row) END)
             WHEN won = 0 OR lost = 0 THEN format('cannot train on one class: %s won, %s lost', won, lost)
           END,
           'trainable', won + lost, 'won', won, 'lost', lost, 'labelled', labelled,
           'too_young', too_young, 'without_lead_row', without_lead_row,
           'min_feedback', min_feedback, 'min_lead_age_days', leadscore.training_min_lead_age(), 'pending', pending)
$$;
COMMENT ON FUNCTION leadscore.readiness_verdict(bigint, bigint, bigint, bigint, bigint, bigint, int) IS
  'The verdict of training_readiness() on given counts of rated leads (won, lost, labelled, too young, without a leads row, pending) and min_feedback (default 50): ready, reason and the counts. train_lead_model() counts while it reads the leads and asks it.';

-- Whether there is enough to train on, and if not, why: the verdict of
-- readiness_verdict() on the rated leads counted now. train_lead_model()
-- and nightly_training() give the same verdict. Enough means enough won and
-- lost leads (the win stage, on which the promotion gate decides); pending
-- leads are counted beside them.
CREATE FUNCTION leadscore.training_readiness(min_feedback int DEFAULT 50) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT leadscore.readiness_verdict(c.won, c.lost, c.labelled, c.too_young, c.without_lead_row, c.pending,
                                     min_feedback)
    FROM (SELECT count(*) FILTER (WHERE ll.trainable AND ll.win_label) AS won,
                 count(*) FILTER (WHERE ll.trainable AND NOT ll.win_label) AS lost,
                 count(*) FILTER (WHERE ll.win_label IS NOT NULL) AS labelled,
                 count(*) FILTER (WHERE ll.win_label IS NOT NULL AND ll.has_lead_row AND NOT ll.trainable) AS too_young,
                 count(*) FILTER (WHERE ll.win_label IS NOT NULL AND NOT ll.has_lead_row) AS without_lead_row,
                 count(*) FILTER (WHERE ll.trainable AND ll.win_label IS NULL) AS pending
            FROM leadscore.labelled_leads ll) c
$$;
COMMENT ON FUNCTION leadscore.training_readiness(int) IS
  'Whether training has enough labelled leads (min_feedback, default 50, and both classes), with the counts: trainable, won, lost, labelled (leads with a win_label), too young, without a leads row, and pending (trainable rated leads whose win is unresolved, which train the contact and quote stages only); reason says what is missing.';

CREATE FUNCTION leadscore.train_lead_model(
  min_feedback int   DEFAULT NULL,
  activate     text  DEFAULT 'if_better',
  params       jsonb DEFAULT '{}'
) RETURNS jsonb
  LANGUAGE c VOLATILE
  AS 'MODULE_PATHNAME', 'train_lead_model';
COMMENT ON FUNCTION leadscore.train_lead_model(int, text, jsonb) IS
  'Trains a model on the trainable rated leads (see labelled_leads; min_feedback NULL: the default of training_readiness(), 50), registers it, and activates it per activate (if_better, always, never). Returns version, metrics and whether it was activated.';

-- Activations queue on the model_activation row lock, so the active model they
-- replace is read after any earlier activation committed, and two at once
-- never collide on models_one_active. SECURITY DEFINER because only the owner
-- may take that lock; it is executable by service_role alone.
CREATE FUNCTION leadscore.activate_model(version int) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  previous int;
BEGIN
  PERFORM 1 FROM leadscore.job_locks j WHERE j.job = 'model_activation' FOR UPDATE;
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
-- Run log and score history
---------------------------------------------------------------------------
-- History is written by SECURITY DEFINER functions; service_role reads it and
-- may prune it, never rewrite it.
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
  started_by    text NOT NULL,
  relabelled    bigint
);
COMMENT ON TABLE leadscore.training_runs IS
  'One row per nightly_training() run: status succeeded, skipped or failed, with the reason or error, the labelled rows used, the model produced and whether it was activated, its metrics, the leads rescored, the duration, who started it, and how many labels it re-derived (quotes that expired).';
CREATE INDEX training_runs_started_at_idx ON leadscore.training_runs (started_at);

CREATE TABLE leadscore.score_history (
  lead_id       bigint NOT NULL,
  scored_at     timestamptz NOT NULL,
  score         int NOT NULL CHECK (score BETWEEN 0 AND 100),
  win_prob      float8,
  model_version int,
  method        text NOT NULL CHECK (method IN ('ml', 'rules')),
  expected_value numeric
);
COMMENT ON TABLE leadscore.score_history IS
  'Append-only: a row whenever score_leads() or refresh_outcomes() stores a score that differs from the lead''s previous one in score, method or model version, with the expected deal value it gave. Rows older than leadscore.score_history_retention days are deleted by nightly_training().';
COMMENT ON COLUMN leadscore.score_history.expected_value IS
  'win_prob x value_if_won, in dollars, when the score was stored (NULL when the rules scored or the model has no value model).';
CREATE INDEX score_history_lead_idx ON leadscore.score_history (lead_id, scored_at);
CREATE INDEX score_history_scored_at_idx ON leadscore.score_history (scored_at);

-- What score_leads' rate limit for signed-in accounts counts: each own lead
-- an account created or changed through score_leads, and when it last did.
-- The count reads this table by account, not leads by (owner_account,
-- updated_at): every write moves a lead in that index, so an account that
-- rewrote its leads left behind index entries the count walked on every call
-- until a vacuum cleaned the index. Here a rewrite updates one row in place
-- (written_at is in no index, and fillfactor leaves room for the new
-- version on its page). score_leads deletes an account's rows older than a
-- day as it writes, and nightly_training() everyone's. Internal: no API role
-- may read it.
CREATE TABLE leadscore.private_writes (
  account_id uuid NOT NULL,
  lead_id    bigint NOT NULL,
  written_at timestamptz NOT NULL,
  PRIMARY KEY (account_id, lead_id)
) WITH (fillfactor = 70);
COMMENT ON TABLE leadscore.private_writes IS
  'Per signed-in account, the own leads it created or changed through score_leads() in about the last day and when (internal: what leadscore.max_private_leads_per_day counts).';

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
  'The factors pushing a lead''s score up and down (top_n each way) in score points, each with a readable label and the lead''s own value; base_points plus every factor''s points is the score; when it falls back to rules, fallback_reason says why.';

-- The seed's request body, [{id, address, permit_value, trade_tags, created_at, ...}],
-- as lead rows: keys other than those five go to attributes. Every problem is
-- an error naming the lead (index and id) and the field. Every part a caller
-- controls is bounded, so that no body can make scoring or a later training
-- run slow or huge (README, "Input limits"):
--   at most 1,000 leads; an address of at most 1,000 characters; at most 50
--   trade tags of 1 to 64 characters; created_at at most one day in the future
--   (a lead dated later would never be old enough to train on); at most 50
--   attributes, each key 1 to 64 characters of letters, digits, space, '_',
--   '.', '-' (starting with a letter, digit or '_'), each string value at most
--   1,000 characters.
-- Not parallel safe: checking created_at needs a subtransaction.
CREATE FUNCTION leadscore.parse_leads(leads jsonb) RETURNS SETOF leadscore.leads
  LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  max_leads          CONSTANT int := 1000;
  max_address_chars  CONSTANT int := 1000;
  max_trade_tags     CONSTANT int := 50;
  max_tag_chars      CONSTANT int := 64;
  max_attributes     CONSTANT int := 50;
  max_value_chars    CONSTANT int := 1000;
  attribute_key      CONSTANT text := '^[A-Za-z0-9_][A-Za-z0-9_ .-]{0,63}$';
  max_future         CONSTANT interval := '1 day';
  item   jsonb;
  idx    int;
  lead   leadscore.leads;
  where_ text;
  seen   jsonb := '{}';
  id_num numeric;
  k      text;
  v      jsonb;
  tag    text;
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
    -- A JSON number with a zero fraction (1.0, 1e2) is that integer.
    id_num := CASE WHEN jsonb_typeof(item -> 'id') = 'number' THEN (item -> 'id')::numeric END;
    IF id_num IS NULL OR id_num <= 0 OR id_num <> trunc(id_num) OR id_num > 9223372036854775807 THEN
      RAISE EXCEPTION '%: id must be a positive integer, got %', where_, item -> 'id'
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    lead.id := id_num::bigint;
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
    IF char_length(lead.address) > max_address_chars THEN
      RAISE EXCEPTION '%: address must be at most % characters, got %', where_, max_address_chars,
        char_length(lead.address) USING ERRCODE = 'string_data_right_truncation';
    END IF;

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
      IF jsonb_array_length(item -> 'trade_tags') > max_trade_tags THEN
        RAISE EXCEPTION '%: trade_tags must have at most % tags, got %', where_, max_trade_tags,
          jsonb_array_length(item -> 'trade_tags') USING ERRCODE = 'program_limit_exceeded';
      END IF;
      lead.trade_tags := ARRAY(SELECT jsonb_array_elements_text(item -> 'trade_tags'));
      FOREACH tag IN ARRAY lead.trade_tags LOOP
        IF char_length(tag) NOT BETWEEN 1 AND max_tag_chars THEN
          RAISE EXCEPTION '%: trade_tags: each tag must have 1 to % characters, got one of %', where_, max_tag_chars,
            char_length(tag) USING ERRCODE = 'invalid_parameter_value';
        END IF;
      END LOOP;
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
    IF lead.created_at > now() + max_future THEN
      RAISE EXCEPTION '%: created_at is in the future: %', where_, item ->> 'created_at'
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'A lead cannot be created more than a day from now.';
    END IF;

    lead.attributes := item - ARRAY['id', 'address', 'permit_value', 'trade_tags', 'created_at'];
    IF (SELECT count(*) FROM jsonb_object_keys(lead.attributes)) > max_attributes THEN
      RAISE EXCEPTION '%: at most % attributes per lead, got %', where_, max_attributes,
        (SELECT count(*) FROM jsonb_object_keys(lead.attributes)) USING ERRCODE = 'program_limit_exceeded';
    END IF;
    FOR k, v IN SELECT * FROM jsonb_each(lead.attributes) LOOP
      IF k !~ attribute_key THEN
        -- Echoed as printable ASCII only: a hostile key (escape sequences,
        -- direction overrides) must not reach a log or a screen as it is.
        RAISE EXCEPTION '%: attribute key "%" is not allowed: keys have 1 to 64 characters, letters, digits, space, _ . - (not starting with space, . or -)',
          where_, (SELECT string_agg(CASE WHEN c ~ '^[ -~]$' THEN c
                                          ELSE format('\u%s', lpad(to_hex(ascii(c)), greatest(4, length(to_hex(ascii(c)))), '0')) END,
                                          '' ORDER BY n)
                     FROM regexp_split_to_table(left(k, 80), '') WITH ORDINALITY AS t(c, n))
          USING ERRCODE = 'invalid_parameter_value';
      END IF;
      IF jsonb_typeof(v) IN ('object', 'array') THEN
        RAISE EXCEPTION '%: attribute "%" must be a number, string, boolean or null, not an %',
          where_, k, jsonb_typeof(v) USING ERRCODE = 'invalid_parameter_value';
      END IF;
      IF jsonb_typeof(v) = 'string' AND char_length(v #>> '{}') > max_value_chars THEN
        RAISE EXCEPTION '%: attribute "%" must be at most % characters, got %', where_, k, max_value_chars,
          char_length(v #>> '{}') USING ERRCODE = 'string_data_right_truncation';
      END IF;
    END LOOP;
    lead.updated_at := now();
    RETURN NEXT lead;
  END LOOP;
END
$$;
COMMENT ON FUNCTION leadscore.parse_leads(jsonb) IS
  'Validates a JSON array of leads (at most 1000) and returns them as leads rows; keys other than id, address, permit_value, trade_tags, created_at become attributes. Every field is bounded (see the README''s input limits).';

-- parse_leads() as the RPCs run it: the same checks, messages, SQLSTATEs and
-- rows, in one C++ pass over the body, as an array.
CREATE FUNCTION leadscore.parse_lead_array(leads jsonb) RETURNS leadscore.leads[]
  LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'parse_lead_array';
COMMENT ON FUNCTION leadscore.parse_lead_array(jsonb) IS
  'The rows parse_leads() returns, in order, as an array, checked exactly as parse_leads() checks them (same messages and SQLSTATEs), in one pass in C++.';

-- Stores scores, in one place. A lead's row of lead_outcomes is written only
-- when its score differs from the stored one (score, probabilities, deal
-- values, confidence, method or model version) or the lead changed after it
-- was scored, and a row of score_history only when the score, the method or
-- the model version changed: a rescore that moves nothing writes nothing
-- (scored_at is when the stored score was computed, for a lead unchanged
-- since).
-- Rows are written in lead order, so two concurrent callers lock shared rows
-- in the same order and cannot deadlock. Every part of the statement reads
-- the outcomes as they were before it, so "changed" compares with the old row.
-- Returns how many rows of lead_outcomes were written. PL/pgSQL, not SQL:
-- a SQL function's body is parsed and planned again on every call, which
-- was half the time of a one-lead score_leads(); PL/pgSQL keeps the plan for
-- the session.
CREATE FUNCTION leadscore.store_scores(scores leadscore.lead_score[]) RETURNS bigint
  LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  written bigint;
BEGIN
  WITH previous AS (
    SELECT o.lead_id, o.score, o.method, o.model_version, o.win_prob, o.confidence,
           o.contact_prob, o.quote_prob, o.value_if_won, o.expected_value,
           o.scored_at IS NULL OR coalesce(o.scored_at < l.updated_at, false) AS lead_changed
      FROM leadscore.lead_outcomes o
      LEFT JOIN leadscore.leads l ON l.id = o.lead_id
     WHERE o.lead_id = ANY (ARRAY(SELECT s.lead_id FROM unnest(scores) AS s))
  ), history AS (
    INSERT INTO leadscore.score_history (lead_id, scored_at, score, win_prob, model_version, method, expected_value)
    SELECT s.lead_id, now(), s.score, s.win_prob, s.model_version, s.method, s.expected_value
      FROM unnest(scores) AS s
      LEFT JOIN previous p ON p.lead_id = s.lead_id
     WHERE p.lead_id IS NULL OR p.score IS DISTINCT FROM s.score OR p.method IS DISTINCT FROM s.method
        OR p.model_version IS DISTINCT FROM s.model_version
    RETURNING 1
  ), stored AS (
    INSERT INTO leadscore.lead_outcomes AS o
           (lead_id, win_prob, calibrated_score, score, confidence, method, model_version,
            scored_at, updated_at, contact_prob, quote_prob, value_if_won, expected_value)
    SELECT s.lead_id, s.win_prob, s.score, s.score, s.confidence, s.method, s.model_version, now(), now(),
           s.contact_prob, s.quote_prob, s.value_if_won, s.expected_value
      FROM unnest(scores) AS s
      LEFT JOIN previous p ON p.lead_id = s.lead_id
     WHERE p.lead_id IS NULL OR p.lead_changed
        OR (p.score, p.method, p.model_version, p.win_prob, p.confidence,
            p.contact_prob, p.quote_prob, p.value_if_won, p.expected_value)
           IS DISTINCT FROM (s.score, s.method, s.model_version, s.win_prob::numeric, s.confidence,
                             s.contact_prob::numeric, s.quote_prob::numeric, s.value_if_won::numeric,
                             s.expected_value::numeric)
     ORDER BY s.lead_id
    ON CONFLICT (lead_id) DO UPDATE
       SET win_prob = excluded.win_prob, calibrated_score = excluded.calibrated_score,
           score = excluded.score, confidence = excluded.confidence, method = excluded.method,
           model_version = excluded.model_version, scored_at = excluded.scored_at,
           updated_at = excluded.updated_at, contact_prob = excluded.contact_prob,
           quote_prob = excluded.quote_prob, value_if_won = excluded.value_if_won,
           expected_value = excluded.expected_value
    RETURNING 1
  )
  SELECT count(*) INTO written FROM stored;  -- history runs to completion though unreferenced
  RETURN written;
END
$$;
COMMENT ON FUNCTION leadscore.store_scores(leadscore.lead_score[]) IS
  'Stores the scores that differ from the stored ones (score, probabilities, stage probabilities, deal values, confidence, method, model version) as the latest in lead_outcomes, and appends to score_history, with the expected value, those whose score, method or model version changed; returns how many outcome rows it wrote (internal).';

-- The result array of ml_inference() and score_leads(), made in one pass in
-- C++: for each lead (in order), score_result(score_lead(l, use_ml),
-- explain_lead(l, 3, use_ml)), plus "stored" (the lead's id is in stored)
-- when stored is not NULL. One model lookup per call.
CREATE FUNCTION leadscore.score_results(leads leadscore.leads[], use_ml boolean DEFAULT NULL,
                                        stored bigint[] DEFAULT NULL)
  RETURNS jsonb
  LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'score_results';
COMMENT ON FUNCTION leadscore.score_results(leadscore.leads[], boolean, bigint[]) IS
  'The results of ml_inference() and score_leads(): each lead scored, explained (top 3 factors each way) and formatted as score_result() does, in input order; with stored, each result says whether its id is in it.';

-- score_results() and, beside its body, the lead_score rows of the leads
-- whose id is in stored, from the same walk: what score_leads() stores.
-- Internal: score_leads() calls it as the owner.
CREATE FUNCTION leadscore.score_results_stored(leads leadscore.leads[], use_ml boolean, stored bigint[],
                                               OUT result jsonb, OUT scores leadscore.lead_score[])
  LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'score_results_stored';
COMMENT ON FUNCTION leadscore.score_results_stored(leadscore.leads[], boolean, bigint[]) IS
  'score_results() and the lead_score rows of the leads whose id is in stored, from one walk of the trees per lead (internal: what score_leads() returns and stores).';

-- ml_inference()'s body in one call: the leads checked exactly as
-- parse_lead_array() checks them (the same errors, in the same order), then
-- scored, explained and formatted as score_results() does with the rows
-- parse_lead_array() would make, without making them.
CREATE FUNCTION leadscore.score_body(leads jsonb, use_ml boolean DEFAULT NULL) RETURNS jsonb
  LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'score_body';
COMMENT ON FUNCTION leadscore.score_body(jsonb, boolean) IS
  'score_results(parse_lead_array(leads), use_ml) without the rows in between: what ml_inference() returns.';

-- Who writes what: service_role writes any lead (leads it creates are shared)
-- and stores every score. A signed-in contractor gets every lead of the body
-- scored, but creates and changes only its own leads and stores only their
-- scores; for a shared lead, or another account's, nothing is written and the
-- result says "stored": false.
-- Generic plans: every statement here takes the body as an array, and a
-- custom plan, which knows the array's length, is costed lower than the
-- generic one for a short body, so PostgreSQL planned the statements again on
-- every call (a 1-lead call as a contractor: 0.68 ms of CPU with them, 0.52-0.59
-- without). The generic plans are the same index probes, and measured no
-- slower with 100 and 1,000 leads.
CREATE FUNCTION leadscore.score_leads(leads jsonb, use_ml boolean DEFAULT NULL) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  service   boolean := leadscore.caller_is_service();
  account   uuid;
  parsed    leadscore.leads[];
  scored    record;
  scores    leadscore.lead_score[];
  result    jsonb;
  stored    bigint[];
  own_limit int;
  writing   bigint;
  recent    bigint;
  aged      bigint := 0;
  -- Once, not for each of the account's rows the count reads.
  day_ago   timestamptz := now() - interval '1 day';
BEGIN
  IF NOT service THEN
    account := auth.uid();
    IF account IS NULL THEN
      RAISE EXCEPTION 'not signed in: the request has no JWT subject'
        USING ERRCODE = 'invalid_authorization_specification';
    END IF;
  END IF;
  -- Validation raises before anything is written.
  parsed := leadscore.parse_lead_array(leads);

  -- The rate limit, before anything is written: a refused call writes
  -- nothing and waits for no lock. One statement reads how many of the
  -- body's leads the account may write (new ones and its own) and, in one
  -- pass over its rows, those of the last day not in this body and whether
  -- any are older (then deleted below, after the writes).
  IF NOT service THEN
    SELECT (SELECT count(*) FROM unnest(parsed) AS p
             WHERE NOT EXISTS (SELECT 1 FROM leadscore.leads l
                                WHERE l.id = p.id AND l.owner_account IS DISTINCT FROM account)),
           count(*) FILTER (WHERE w.written_at > day_ago
                              AND w.lead_id <> ALL (ARRAY(SELECT p.id FROM unnest(parsed) AS p))),
           count(*) FILTER (WHERE w.written_at <= day_ago)
      INTO writing, recent, aged
      FROM leadscore.private_writes AS w WHERE w.account_id = account;
    own_limit := (leadscore.settings() ->> 'max_private_leads_per_day')::int;
    IF writing > 0 AND recent + writing > own_limit THEN
      RAISE EXCEPTION 'rate limit: this call would write % of your own leads, after % in the last 24 hours; leadscore.max_private_leads_per_day is %',
        writing, recent, own_limit
        USING ERRCODE = 'program_limit_exceeded',
              HINT = 'Try again later; an operator can raise leadscore.max_private_leads_per_day.';
    END IF;
  END IF;

  -- In id order, so that concurrent calls lock the same leads in the same
  -- order. The conflict clause is what enforces ownership, atomically: a row
  -- that exists is changed only by the service or by its owner. updated_at
  -- is set here, as touch_updated_at would set it, so its trigger (a call per
  -- row) does not fire. A contractor's own leads written are logged in
  -- private_writes in the same statement, after the leads' row locks, so
  -- that two calls of one account take these rows in the same order too.
  WITH written AS (
    INSERT INTO leadscore.leads AS l (id, address, permit_value, trade_tags, created_at, attributes, owner_account)
    SELECT p.id, p.address, p.permit_value, p.trade_tags, p.created_at, p.attributes, account
      FROM unnest(parsed) AS p
     ORDER BY p.id
    ON CONFLICT (id) DO UPDATE
       SET address = excluded.address, permit_value = excluded.permit_value,
           trade_tags = excluded.trade_tags, created_at = excluded.created_at,
           attributes = excluded.attributes, updated_at = now()
     WHERE service OR l.owner_account = excluded.owner_account
    RETURNING l.id
  ), logged AS (
    INSERT INTO leadscore.private_writes AS w (account_id, lead_id, written_at)
    SELECT account, s.id, now() FROM written AS s WHERE NOT service ORDER BY s.id
    ON CONFLICT (account_id, lead_id) DO UPDATE SET written_at = excluded.written_at
  )
  SELECT ARRAY(SELECT w.id FROM written AS w) INTO stored;

  -- The account's rows older than a day, but for rows another call of the
  -- account holds: it is rewriting them (their written_at moves to now) or
  -- deleting them. Waiting for them could deadlock, as each call already
  -- holds its own leads' rows, which the other may see as older than a day.
  IF NOT service AND aged > 0 AND cardinality(stored) > 0 THEN
    DELETE FROM leadscore.private_writes w
     WHERE (w.account_id, w.lead_id) IN
           (SELECT o.account_id, o.lead_id FROM leadscore.private_writes o
             WHERE o.account_id = account AND o.written_at <= day_ago
               FOR UPDATE SKIP LOCKED);
  END IF;

  -- One call scores, explains and formats the batch and returns the scores
  -- of the leads to store beside it: one model, one walk per lead.
  -- Assigned, not selected from: a function in FROM copies its row into a
  -- tuplestore first.
  scored := leadscore.score_results_stored(parsed, score_leads.use_ml, stored);
  result := scored.result;
  scores := scored.scores;
  PERFORM leadscore.store_scores(scores);
  RETURN result;
END
$$;
COMMENT ON FUNCTION leadscore.score_leads(jsonb, boolean) IS
  'The seed''s /api/score-leads: scores every lead of the body and returns one result per lead in input order; writes the leads the caller may write (service_role: any; a contractor: new leads, as its own, and its own) and stores their scores in lead_outcomes and score_history ("stored" says which).';

-- One result object of score_leads() and ml_inference().
CREATE FUNCTION leadscore.score_result(s leadscore.lead_score, factors jsonb) RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT jsonb_strip_nulls(jsonb_build_object(
           'id', s.lead_id, 'score', s.score, 'grade', s.grade, 'percentile', s.percentile,
           'win_prob', s.win_prob, 'win_prob_low', s.win_prob_low, 'win_prob_high', s.win_prob_high,
           'contact_prob', s.contact_prob, 'quote_prob', s.quote_prob,
           'value_if_won', s.value_if_won, 'expected_value', s.expected_value,
           'confidence', s.confidence, 'confidence_value', s.confidence_value,
           'method', s.method, 'model_version', s.model_version,
           'base_points', factors -> 'base_points',
           'fallback_reason', factors ->> 'fallback_reason'))
         || jsonb_build_object('top_factors', factors -> 'top_factors')
$$;
COMMENT ON FUNCTION leadscore.score_result(leadscore.lead_score, jsonb) IS
  'Formats one scored lead as returned by score_leads() and ml_inference().';

-- Read-only: score_body checks the body and scores, explains and formats it
-- in one pass, so the batch sees one model. PL/pgSQL returns the result as it
-- is: a SQL function copies it into a tuplestore and out again, which cost a
-- 100-lead call about 8% of its CPU.
CREATE FUNCTION leadscore.ml_inference(leads jsonb, use_ml boolean DEFAULT NULL) RETURNS jsonb
  LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN leadscore.score_body(ml_inference.leads, ml_inference.use_ml);
END
$$;
COMMENT ON FUNCTION leadscore.ml_inference(jsonb, boolean) IS
  'The seed''s /api/ml-inference, read-only: scores the given leads with the active model when use_ml is true (NULL: when leadscore.enable_ml_scoring is on), else by rules, and says why in fallback_reason.';

-- Rescores leads in batches of 10,000 by id (keyset), one scoring statement
-- per batch (so a batch sees one model), so memory stays bounded however many
-- leads there are. A lead is rescored when since is NULL (every lead), or when
-- it has no stored score, its score is older than since, or the lead changed
-- after it was scored; store_scores() writes only what changed.
CREATE FUNCTION leadscore.refresh_outcomes(since timestamptz DEFAULT NULL) RETURNS bigint
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  batch_size CONSTANT int := 10000;
  last_id bigint := 0;
  upper_id bigint;
  batch leadscore.lead_score[];
  total bigint := 0;
BEGIN
  LOOP
    SELECT max(b.id) INTO upper_id
      FROM (SELECT l.id FROM leadscore.leads l WHERE l.id > last_id ORDER BY l.id LIMIT batch_size) b;
    EXIT WHEN upper_id IS NULL;
    -- The outcomes are read by the batch's id range too, so each batch reads
    -- its own slice of lead_outcomes rather than all of it.
    batch := ARRAY(
      SELECT leadscore.score_lead(l, true)
        FROM leadscore.leads l
        LEFT JOIN leadscore.lead_outcomes o
               ON o.lead_id = l.id AND o.lead_id > last_id AND o.lead_id <= upper_id
       WHERE l.id > last_id AND l.id <= upper_id
         AND (refresh_outcomes.since IS NULL OR o.scored_at IS NULL
              OR o.scored_at < refresh_outcomes.since OR l.updated_at > o.scored_at));
    PERFORM leadscore.store_scores(batch);
    total := total + cardinality(batch);
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

-- Two runs never train at once: each takes the row lock of
-- job_locks('nightly_training') first, without waiting; a run that cannot take
-- it is skipped. Only leadscore's owner can lock that row.
CREATE FUNCTION leadscore.nightly_training() RETURNS jsonb
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
  IF NOT EXISTS (SELECT 1 FROM leadscore.job_locks j WHERE j.job = 'nightly_training'
                  FOR UPDATE SKIP LOCKED) THEN
    UPDATE leadscore.training_runs
       SET status = 'skipped', reason = 'already running', finished_at = clock_timestamp()
     WHERE id = run.id RETURNING * INTO run;
    RETURN to_jsonb(run);
  END IF;

  DELETE FROM leadscore.score_history h WHERE h.scored_at < now() - make_interval(days => retention);
  DELETE FROM leadscore.private_writes w WHERE w.written_at <= now() - interval '1 day';

  -- Labels move with time (quotes expire): re-derive them before counting.
  UPDATE leadscore.training_runs SET relabelled = leadscore.rederive_win_labels()
   WHERE id = run.id RETURNING * INTO run;

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

-- What the pg_cron job runs. pg_cron's jobs outlive DROP EXTENSION leadscore
-- (they are rows of pg_cron's table, which an extension cannot own), so the
-- job checks first: once leadscore is gone it removes itself instead of
-- failing every night.
CREATE FUNCTION leadscore.nightly_job_command() RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT 'DO $job$ BEGIN IF pg_catalog.to_regprocedure(''leadscore.nightly_training()'') IS NULL THEN '
      || 'PERFORM cron.unschedule(j.jobid) FROM cron.job j WHERE j.jobname OPERATOR(pg_catalog.=) ''leadscore_nightly_training'' '
      || 'AND j.username OPERATOR(pg_catalog.=) CURRENT_USER AND j.database OPERATOR(pg_catalog.=) pg_catalog.current_database(); '
      || 'ELSE PERFORM leadscore.nightly_training(); END IF; END $job$'
$$;
COMMENT ON FUNCTION leadscore.nightly_job_command() IS
  'The command of the pg_cron job: nightly_training(), or, once leadscore has been dropped, removing the job itself (internal).';

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
    USING 'leadscore_nightly_training', schedule, leadscore.nightly_job_command(), current_database();
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

-- Monitoring reads models.metrics, which a service_role INSERT could fill with
-- anything: it reads what is well formed and names the rows that are not,
-- rather than failing on the first bad value.

-- One number of a metrics object, or NULL when it is not there or not a number.
CREATE FUNCTION leadscore.metric(metrics jsonb, key text) RETURNS float8
  LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN jsonb_typeof(metrics) = 'object' AND jsonb_typeof(metrics -> key) = 'number'
              THEN (metrics -> key)::float8 END
$$;
COMMENT ON FUNCTION leadscore.metric(jsonb, text) IS
  'The number under key in a model''s metrics, or NULL when it is missing or not a number (internal).';

-- One object of a metrics object (the per-stage metrics, the value model), or
-- NULL when it is not there (models trained before 0.4.0) or not an object.
CREATE FUNCTION leadscore.metric_object(metrics jsonb, key text) RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN jsonb_typeof(metrics) = 'object' AND jsonb_typeof(metrics -> key) = 'object'
              THEN metrics -> key END
$$;
COMMENT ON FUNCTION leadscore.metric_object(jsonb, text) IS
  'The JSON object under key in a model''s metrics, or NULL when it is missing or not an object (internal).';

-- The elements of a metrics array (a curve, the importances) that are objects
-- whose given fields are all numbers; anything else is skipped.
CREATE FUNCTION leadscore.metric_points(metrics jsonb, key text, fields text[]) RETURNS SETOF jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT e FROM jsonb_array_elements(CASE WHEN jsonb_typeof(metrics) = 'object'
                                           AND jsonb_typeof(metrics -> key) = 'array'
                                          THEN metrics -> key ELSE '[]' END) AS e
   WHERE jsonb_typeof(e) = 'object'
     AND NOT EXISTS (SELECT 1 FROM unnest(fields) AS f WHERE jsonb_typeof(e -> f) IS DISTINCT FROM 'number')
$$;
COMMENT ON FUNCTION leadscore.metric_points(jsonb, text, text[]) IS
  'The well-formed points of a metrics array: objects whose given fields are numbers (internal).';

-- What is wrong with a model's metrics, one message per problem naming the model.
CREATE FUNCTION leadscore.metrics_problems(version int, metrics jsonb) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE
    WHEN jsonb_typeof(metrics) IS DISTINCT FROM 'object' THEN
      ARRAY[format('model %s: metrics is %s, not a JSON object', version, coalesce(jsonb_typeof(metrics), 'NULL'))]
    ELSE coalesce(ARRAY(
      SELECT format('model %s: metrics.%s is %s, not %s', version, k.key, jsonb_typeof(metrics -> k.key), k.kind)
        FROM (VALUES ('auc', 'number'), ('auc_raw', 'number'), ('brier', 'number'), ('ece', 'number'),
                     ('accuracy', 'number'), ('log_loss', 'number'), ('positive_rate', 'number'),
                     ('rows_train', 'number'), ('rows_holdout', 'number'), ('calibration_curve', 'array'),
                     ('roc_curve', 'array'), ('feature_importance', 'array'), ('stages', 'object'),
                     ('value_model', 'object')) AS k(key, kind)
       WHERE metrics ? k.key AND jsonb_typeof(metrics -> k.key) <> k.kind
       ORDER BY k.key), '{}')
  END
$$;
COMMENT ON FUNCTION leadscore.metrics_problems(int, jsonb) IS
  'Why a model''s metrics cannot be read in full: one message per malformed field, naming the model (internal).';

CREATE VIEW leadscore.model_history WITH (security_invoker = true) AS
  SELECT m.version, m.created_at AS trained_at,
         leadscore.metric(m.metrics, 'auc') AS auc, leadscore.metric(m.metrics, 'brier') AS brier,
         leadscore.metric(m.metrics, 'ece') AS ece, leadscore.metric(m.metrics, 'accuracy') AS accuracy,
         m.training_rows AS rows, m.status, m.activated_at,
         leadscore.metric_object(m.metrics, 'stages') AS stages,
         leadscore.metric_object(m.metrics, 'value_model') AS value_model
    FROM leadscore.models m;
COMMENT ON VIEW leadscore.model_history IS
  'One row per model: version, trained_at, held-out AUC, Brier score, ECE, accuracy, training rows, status; stages (per funnel stage: AUC, log loss, Brier, ECE, positive rate, mean predicted, rows on the held-out leads) and value_model (whether a deal value model was fitted, or the estimate it fell back to), NULL for models trained before 0.4.0.';

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
             'positive_rate', leadscore.metric(m.metrics, 'positive_rate'),
             'rows_train', leadscore.metric(m.metrics, 'rows_train')::bigint,
             'rows_holdout', leadscore.metric(m.metrics, 'rows_holdout')::bigint),
           'metrics', CASE WHEN jsonb_typeof(m.metrics) = 'object'
                           THEN m.metrics - ARRAY['calibration_curve', 'roc_curve', 'feature_importance',
                                                  'stages', 'value_model']
                           ELSE '{}' END,
           'stages', leadscore.metric_object(m.metrics, 'stages'),
           'value_model', leadscore.metric_object(m.metrics, 'value_model'),
           'calibration_curve', (SELECT coalesce(jsonb_agg(p), '[]')
                                   FROM leadscore.metric_points(m.metrics, 'calibration_curve', '{}') p),
           'roc_curve', (SELECT coalesce(jsonb_agg(p), '[]') FROM leadscore.metric_points(m.metrics, 'roc_curve', '{}') p),
           'top_features', (SELECT coalesce(jsonb_agg(f ORDER BY (f -> 'importance')::float8 DESC), '[]')
                              FROM (SELECT f FROM leadscore.metric_points(m.metrics, 'feature_importance', '{importance}') f
                                     ORDER BY (f -> 'importance')::float8 DESC LIMIT 10) t),
           'feature_spec', m.feature_spec,
           'status', m.status, 'active', m.status = 'active', 'activated_at', m.activated_at,
           'active_version', (SELECT a.version FROM leadscore.models a WHERE a.status = 'active'),
           'problems', to_jsonb(leadscore.metrics_problems(m.version, m.metrics)))
    FROM leadscore.models m
   ORDER BY m.version DESC
   LIMIT 1
$$;
COMMENT ON FUNCTION leadscore.latest_model() IS
  'The newest model as JSON: version, trained_at, algorithm and params, rows, class balance, every metric, calibration and ROC curves, the 10 most important features, the metrics of each funnel stage (stages) and of the deal value model (value_model; both NULL for models trained before 0.4.0), whether it is active, and problems (malformed metrics, named). NULL before any training.';

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
    SELECT least(greatest(floor((b -> 'lo')::float8 * 10 + 0.5)::int, 0), 9) AS bin, (b -> 'count')::float8 AS n
      FROM active, leadscore.metric_points(active.metrics, 'calibration_curve', '{lo,count}') b
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
         count(*) FILTER (WHERE ll.trainable AND ll.win_label IS NOT NULL) AS old_enough
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
      'quote_expiry_days', leadscore.quote_expiry_days(),
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
    'outcomes', (SELECT jsonb_build_object(
                   'won', count(*) FILTER (WHERE o.win_label),
                   'lost', count(*) FILTER (WHERE NOT o.win_label),
                   'pending', count(*) FILTER (WHERE o.win_label IS NULL AND d.lead_id IS NOT NULL),
                   'unrated', (SELECT count(*) FROM leadscore.leads l
                                WHERE NOT EXISTS (SELECT 1 FROM leadscore.lead_feedback f WHERE f.lead_id = l.id)))
                   FROM leadscore.lead_outcomes o
                   LEFT JOIN (SELECT DISTINCT f.lead_id FROM leadscore.lead_feedback f) d ON d.lead_id = o.lead_id),
    'feedback_since_last_training', (SELECT count(*) FROM leadscore.lead_feedback f
                                      WHERE last_trained IS NULL OR f.updated_at > last_trained),
    'drift', leadscore.score_drift(),
    'model_problems', (SELECT coalesce(jsonb_agg(p ORDER BY m.version), '[]')
                         FROM leadscore.models m, unnest(leadscore.metrics_problems(m.version, m.metrics)) AS p));
END
$$;
COMMENT ON FUNCTION leadscore.health() IS
  'The state of leadscore as JSON: feature flags, settings, the active model and its age, the last training run, labelled leads, outcomes (won, lost, pending: rated but unresolved, e.g. a young quote; unrated leads), feedback received since the last training, score drift (see score_drift()), and model_problems (models whose metrics are malformed, named).';

---------------------------------------------------------------------------
-- Model report
---------------------------------------------------------------------------

CREATE FUNCTION leadscore.model_report_svg(version int DEFAULT NULL) RETURNS text
  LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'model_report_svg';
COMMENT ON FUNCTION leadscore.model_report_svg(int) IS
  'An SVG report of a model (the active one when version is NULL).';

---------------------------------------------------------------------------
-- Row-level security
---------------------------------------------------------------------------

ALTER TABLE leadscore.lead_feedback ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_feedback ON leadscore.lead_feedback
  FOR SELECT TO authenticated USING (account_id = (SELECT leadscore.current_account()));
CREATE POLICY service_all ON leadscore.lead_feedback
  FOR ALL TO service_role USING (true) WITH CHECK (true);

ALTER TABLE leadscore.leads ENABLE ROW LEVEL SECURITY;
CREATE POLICY signed_in_read ON leadscore.leads
  FOR SELECT TO authenticated
  USING (owner_account IS NULL OR owner_account = (SELECT leadscore.current_account()));
CREATE POLICY service_all ON leadscore.leads
  FOR ALL TO service_role USING (true) WITH CHECK (true);

ALTER TABLE leadscore.lead_outcomes ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_all ON leadscore.lead_outcomes
  FOR ALL TO service_role USING (true) WITH CHECK (true);

ALTER TABLE leadscore.models ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_all ON leadscore.models
  FOR ALL TO service_role USING (true) WITH CHECK (true);

ALTER TABLE leadscore.training_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_all ON leadscore.training_runs
  FOR ALL TO service_role USING (true) WITH CHECK (true);

ALTER TABLE leadscore.score_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_all ON leadscore.score_history
  FOR ALL TO service_role USING (true) WITH CHECK (true);

---------------------------------------------------------------------------
-- Privileges: nothing for PUBLIC (so nothing for anon), then each role's grants
---------------------------------------------------------------------------

REVOKE ALL ON SCHEMA leadscore FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA leadscore FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA leadscore FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA leadscore FROM PUBLIC;

GRANT USAGE ON SCHEMA leadscore TO authenticated, service_role;

-- authenticated: reads leads, its own feedback (RLS), the vocabularies and the
-- rule weights; calls the feedback and scoring RPCs and the model report.
GRANT SELECT ON leadscore.leads, leadscore.lead_feedback, leadscore.rating_labels,
                leadscore.deal_bands, leadscore.reason_codes, leadscore.rule_weights,
                leadscore.grade_bands
  TO authenticated;
GRANT EXECUTE ON FUNCTION leadscore.current_account(),
                          leadscore.submit_feedback(bigint, text, text, text[], text, uuid),
                          leadscore.get_feedback(bigint, timestamptz, int, bigint),
                          leadscore.score_lead(leadscore.leads, boolean),
                          leadscore.explain_lead(leadscore.leads, int, boolean),
                          leadscore.parse_leads(jsonb),
                          leadscore.parse_lead_array(jsonb),
                          leadscore.score_leads(jsonb, boolean),
                          leadscore.score_result(leadscore.lead_score, jsonb),
                          leadscore.score_results(leadscore.leads[], boolean, bigint[]),
                          leadscore.score_body(jsonb, boolean),
                          leadscore.ml_inference(jsonb, boolean),
                          leadscore.model_report_svg(int)
  TO authenticated, service_role;

-- service_role: reads and writes the data and the configuration; reads the run
-- log, reads and prunes the score history; trains, activates and monitors.
GRANT SELECT, INSERT, UPDATE, DELETE
   ON leadscore.leads, leadscore.lead_feedback, leadscore.lead_outcomes, leadscore.derived_win_labels,
      leadscore.rating_labels, leadscore.deal_bands, leadscore.reason_codes, leadscore.rule_weights,
      leadscore.grade_bands, leadscore.models
   TO service_role;
GRANT SELECT ON leadscore.training_runs, leadscore.model_history, leadscore.recent_runs,
                leadscore.labelled_leads
  TO service_role;
GRANT SELECT, DELETE ON leadscore.score_history TO service_role;
GRANT USAGE, SELECT ON SEQUENCE leadscore.lead_feedback_id_seq, leadscore.models_version_seq TO service_role;
GRANT EXECUTE ON FUNCTION leadscore.rederive_win_labels(),
                          leadscore.feedback_enabled(),
                          leadscore.settings(),
                          leadscore.training_min_lead_age(),
                          leadscore.quote_expiry_days(),
                          leadscore.training_readiness(int),
                          leadscore.readiness_verdict(bigint, bigint, bigint, bigint, bigint, bigint, int),
                          leadscore.train_lead_model(int, text, jsonb),
                          leadscore.activate_model(int),
                          leadscore.refresh_outcomes(timestamptz),
                          leadscore.nightly_training(),
                          leadscore.latest_model(),
                          leadscore.score_drift(),
                          leadscore.health(),
                          leadscore.metric(jsonb, text),
                          leadscore.metric_object(jsonb, text),
                          leadscore.metric_points(jsonb, text, text[]),
                          leadscore.metrics_problems(int, jsonb)
  TO service_role;

---------------------------------------------------------------------------
-- pg_dump keeps users' data, models, history and operators' configuration
---------------------------------------------------------------------------

SELECT pg_catalog.pg_extension_config_dump('leadscore.leads', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.lead_feedback', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.lead_feedback_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.lead_outcomes', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.rating_labels', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.deal_bands', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.reason_codes', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.models', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.models_version_seq', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.rule_weights', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.grade_bands', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.training_runs', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.training_runs_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.score_history', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.private_writes', '');
