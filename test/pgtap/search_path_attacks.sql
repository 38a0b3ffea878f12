-- Nothing that runs with another role's rights can be steered by its caller's
-- search_path. mallory logs in, is a member of authenticated and may create
-- objects in schema public; she shadows operators, functions, types and casts
-- there, puts public before pg_catalog, and calls everything that switches
-- role: score_lead, explain_lead and model_report_svg (which read the model
-- registry as its owner), every SECURITY DEFINER function (directly, or through
-- the DML that fires it), and, as a member of service_role, train_lead_model
-- (which runs as its caller and activates the model it trains). None of her
-- objects may run, and she must not become superuser.
--
-- Whether one of mallory's functions ran is read from this transaction's
-- function call counts (track_functions), which, unlike a row the function
-- would write, survive the rollback of a call that fails.
BEGIN;
\ir fixture.psql
SELECT plan(43);
SET LOCAL client_min_messages = warning;
SET LOCAL track_functions = 'all';
SET LOCAL leadscore.enable_nightly_training = on;

-- A served model, so that scoring takes the model's path; 160 labelled leads
-- old enough to train on.
INSERT INTO leadscore.leads (id, address, permit_value, trade_tags, created_at, attributes)
SELECT i, format('%s Oak St, Springfield, IL 62704', i), 1000 * (1 + (i * 7919) % 200),
       ARRAY[(ARRAY['roofing', 'windows', 'solar'])[1 + i % 3]],
       timestamptz '2024-01-01' + make_interval(days => i),
       jsonb_build_object('owner_occupied', i % 4 <> 0)
  FROM generate_series(1, 200) AS i;
SELECT count(*) AS rated FROM leadscore.leads l,
  LATERAL leadscore.submit_feedback(l.id,
    CASE WHEN l.permit_value > 90000 OR (l.id * 31) % 7 = 0 THEN 'won' ELSE 'no_answer' END,
    account_id => 'aaaaaaaa-0000-4000-8000-000000000001')
 WHERE l.id <= 160 \gset
SELECT leadscore.train_lead_model(min_feedback => 50, activate => 'always',
         params => '{"n_trees": 5, "max_depth": 4}') ->> 'version' AS first_version \gset

-- mallory, a contractor with direct SQL access.
INSERT INTO auth.users (id, email) VALUES ('dddddddd-0000-4000-8000-000000000004', 'mallory@example.com');
CREATE ROLE mallory LOGIN IN ROLE authenticated;
GRANT CREATE ON SCHEMA public TO mallory;

-- Run as mallory: executes query (whose first column is read as text) and
-- records its result or error, and which of mallory's functions ran meanwhile.
-- Every name in these helpers is schema-qualified, since they run under
-- mallory's search_path.
CREATE TEMP TABLE attempts (
  label       pg_catalog.text PRIMARY KEY,
  call_result pg_catalog.text,
  call_error  pg_catalog.text,
  ran         pg_catalog.text[]
);
GRANT ALL ON attempts TO PUBLIC;
CREATE FUNCTION pg_temp.mallory_calls() RETURNS pg_catalog.jsonb LANGUAGE sql AS $$
  SELECT COALESCE(pg_catalog.jsonb_object_agg(n.nspname OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) p.proname,
                                              pg_catalog.pg_stat_get_xact_function_calls(p.oid)),
                  '{}')
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
   WHERE p.proowner OPERATOR(pg_catalog.=) 'mallory'::pg_catalog.regrole
     AND pg_catalog.pg_stat_get_xact_function_calls(p.oid) IS NOT NULL
$$;
CREATE FUNCTION pg_temp.attempt(label pg_catalog.text, query pg_catalog.text) RETURNS void
  LANGUAGE plpgsql AS $$
DECLARE
  before pg_catalog.jsonb := pg_temp.mallory_calls();
  call_result pg_catalog.text;
  call_error pg_catalog.text;
BEGIN
  BEGIN
    EXECUTE query INTO call_result;
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS call_error = MESSAGE_TEXT;
  END;
  INSERT INTO pg_temp.attempts
  SELECT label, call_result, call_error,
         COALESCE(pg_catalog.array_agg(c.key ORDER BY c.key), '{}')
    FROM pg_catalog.jsonb_each(pg_temp.mallory_calls()) c
   WHERE NOT COALESCE(c.value OPERATOR(pg_catalog.=) (before OPERATOR(pg_catalog.->) c.key), false);
END
$$;

---------------------------------------------------------------------------
-- 1. The attack as reported, verbatim.
---------------------------------------------------------------------------
SET LOCAL ROLE mallory;
CREATE FUNCTION public.pwn_eq(text,text) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN
  IF NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) current_user) THEN
    EXECUTE 'ALTER ROLE mallory SUPERUSER'; END IF; RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.pwn_eq);
SET search_path = public, pg_catalog;
SELECT (leadscore.score_lead(l, true)).method FROM leadscore.leads l WHERE id = 1 \gset reported_
RESET search_path;
RESET ROLE;

SELECT is(:'reported_method'::text, 'ml', 'the reported attack: score_lead took the model''s path');
SELECT is(pg_stat_get_xact_function_calls('public.pwn_eq(text,text)'::regprocedure), NULL,
  'the reported attack: mallory''s operator = never ran');
SELECT is((SELECT rolsuper FROM pg_roles WHERE rolname = 'mallory'), false,
  'the reported attack: mallory is not superuser');

---------------------------------------------------------------------------
-- 2. Every shadow mallory can make, against every role switch.
---------------------------------------------------------------------------
SET LOCAL ROLE mallory;
SELECT set_config('request.jwt.claims',
  '{"sub": "dddddddd-0000-4000-8000-000000000004", "role": "authenticated"}', true) IS NOT NULL AS signed_in \gset

-- Her operator = on text now does what the report meant: make her superuser
-- whenever a superuser runs it.
CREATE OR REPLACE FUNCTION public.pwn_eq(text, text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) current_user) THEN
    EXECUTE 'ALTER ROLE mallory SUPERUSER';
  END IF;
  RETURN $1 OPERATOR(pg_catalog.=) $2;
END $$;
-- Operators on the key types of leadscore's tables.
CREATE FUNCTION public.shadow_int4_eq(integer, integer) RETURNS boolean LANGUAGE plpgsql
  AS $$ BEGIN RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
CREATE OPERATOR public.= (LEFTARG = integer, RIGHTARG = integer, FUNCTION = public.shadow_int4_eq);
CREATE FUNCTION public.shadow_int8_eq(bigint, bigint) RETURNS boolean LANGUAGE plpgsql
  AS $$ BEGIN RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
CREATE OPERATOR public.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = public.shadow_int8_eq);
CREATE FUNCTION public.shadow_timestamptz_le(timestamptz, timestamptz) RETURNS boolean LANGUAGE plpgsql
  AS $$ BEGIN RETURN $1 OPERATOR(pg_catalog.<=) $2; END $$;
CREATE OPERATOR public.<= (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = public.shadow_timestamptz_le);
-- Functions the C++ and the SQL bodies call, with pg_catalog's signatures.
CREATE FUNCTION public.to_char(timestamp, text) RETURNS text LANGUAGE plpgsql
  AS $$ BEGIN RETURN 'shadowed'; END $$;
CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE plpgsql
  AS $$ BEGIN RETURN pg_catalog.now(); END $$;
CREATE FUNCTION public.clock_timestamp() RETURNS timestamptz LANGUAGE plpgsql
  AS $$ BEGIN RETURN pg_catalog.clock_timestamp(); END $$;
CREATE FUNCTION public.current_setting(text) RETURNS text LANGUAGE plpgsql
  AS $$ BEGIN RETURN pg_catalog.current_setting($1); END $$;
CREATE FUNCTION public.pg_has_role(name, text, text) RETURNS boolean LANGUAGE plpgsql
  AS $$ BEGIN RETURN true; END $$;  -- "everyone acts for the service"
CREATE FUNCTION public.unnest(bigint[]) RETURNS SETOF bigint LANGUAGE plpgsql
  AS $$ BEGIN RETURN QUERY SELECT pg_catalog.unnest($1); END $$;
CREATE FUNCTION public.cardinality(bigint[]) RETURNS integer LANGUAGE plpgsql
  AS $$ BEGIN RETURN pg_catalog.cardinality($1); END $$;
CREATE FUNCTION public.jsonb_typeof(jsonb) RETURNS text LANGUAGE plpgsql
  AS $$ BEGIN RETURN pg_catalog.jsonb_typeof($1); END $$;
CREATE FUNCTION public.jsonb_build_object(text, integer, text, integer) RETURNS jsonb LANGUAGE plpgsql
  AS $$ BEGIN RETURN pg_catalog.jsonb_build_object($1, $2, $3, $4); END $$;
CREATE FUNCTION public.hashint8extended(bigint, bigint) RETURNS bigint LANGUAGE plpgsql
  AS $$ BEGIN RETURN pg_catalog.hashint8extended($1, $2); END $$;
-- Types named like pg_catalog's, reached from pg_catalog.text by casts of hers.
CREATE TYPE public.text AS (value pg_catalog.text);
CREATE FUNCTION public.shadow_to_text(pg_catalog.text) RETURNS public.text LANGUAGE plpgsql
  AS $$ BEGIN RETURN ROW($1); END $$;
CREATE CAST (pg_catalog.text AS public.text) WITH FUNCTION public.shadow_to_text(pg_catalog.text) AS IMPLICIT;
CREATE TYPE public.jsonb AS (value pg_catalog.text);
CREATE FUNCTION public.shadow_to_jsonb(pg_catalog.text) RETURNS public.jsonb LANGUAGE plpgsql
  AS $$ BEGIN RETURN ROW($1); END $$;
CREATE CAST (pg_catalog.text AS public.jsonb) WITH FUNCTION public.shadow_to_jsonb(pg_catalog.text) AS IMPLICIT;
CREATE FUNCTION public.shadow_from_jsonb(public.jsonb) RETURNS pg_catalog.jsonb LANGUAGE plpgsql
  AS $$ BEGIN RETURN ($1).value::pg_catalog.jsonb; END $$;
CREATE CAST (public.jsonb AS pg_catalog.jsonb) WITH FUNCTION public.shadow_from_jsonb(public.jsonb) AS ASSIGNMENT;

SET LOCAL search_path = public, pg_catalog;
-- The detector works: a shadow that runs is seen.
SELECT pg_temp.attempt('control: mallory calls her own now()', 'SELECT now()::pg_catalog.text');

-- As a member of authenticated.
SELECT pg_temp.attempt('score_lead with the model',
  'SELECT (leadscore.score_lead(l, true)).method FROM leadscore.leads l WHERE id = 2');
SELECT pg_temp.attempt('score_lead, then the caller''s user and search_path',
  $$WITH scored AS MATERIALIZED (
      SELECT leadscore.score_lead(l, true) AS s FROM leadscore.leads l WHERE id = 2)
    SELECT (s).method OPERATOR(pg_catalog.||) ' as ' OPERATOR(pg_catalog.||) current_user::pg_catalog.text
           OPERATOR(pg_catalog.||) ' with ' OPERATOR(pg_catalog.||) pg_catalog.current_setting('search_path')
      FROM scored$$);
SELECT pg_temp.attempt('score_lead by rules',
  'SELECT (leadscore.score_lead(l, false)).method FROM leadscore.leads l WHERE id = 2');
SELECT pg_temp.attempt('explain_lead with the model',
  'SELECT leadscore.explain_lead(l, 3, true) OPERATOR(pg_catalog.->>) ''method'' FROM leadscore.leads l WHERE id = 2');
SELECT pg_temp.attempt('explain_lead by rules',
  'SELECT leadscore.explain_lead(l, 3, false) OPERATOR(pg_catalog.->>) ''method'' FROM leadscore.leads l WHERE id = 2');
SELECT pg_temp.attempt('model_report_svg of the active model', 'SELECT leadscore.model_report_svg()');
SELECT pg_temp.attempt('model_report_svg of a version',
  pg_catalog.format('SELECT leadscore.model_report_svg(%s)', :'first_version'));
SELECT pg_temp.attempt('submit_feedback, and the feedback trigger it fires',
  $$SELECT f.rating::pg_catalog.text
      FROM leadscore.submit_feedback(3, 'won', '$15-50k', ARRAY['good_contact'], 'fine') f$$);
SELECT pg_temp.attempt('score_leads',
  $$SELECT leadscore.score_leads('[{"id": 9001, "permit_value": 120000, "trade_tags": ["roofing"]}]', true)
             OPERATOR(pg_catalog.->) 0 OPERATOR(pg_catalog.->>) 'method'$$);

-- As a member of service_role too.
RESET ROLE;
RESET search_path;
GRANT service_role TO mallory;
SET LOCAL ROLE mallory;
SET LOCAL search_path = public, pg_catalog;
SELECT pg_temp.attempt('train_lead_model (as its caller) and activate_model',
  $$SELECT leadscore.train_lead_model(min_feedback => 50, activate => 'always',
                                      params => '{"n_trees": 5, "max_depth": 4}')
             OPERATOR(pg_catalog.->>) 'activated'$$);
SELECT pg_temp.attempt('score_lead with a newly activated model',
  'SELECT (leadscore.score_lead(l, true)).method FROM leadscore.leads l WHERE id = 2');
SELECT pg_temp.attempt('refresh_outcomes', 'SELECT leadscore.refresh_outcomes(NULL)::pg_catalog.text');
SELECT pg_temp.attempt('nightly_training',
  $$SELECT leadscore.nightly_training() OPERATOR(pg_catalog.->>) 'status'$$);
SELECT pg_temp.attempt('rederive_win_labels', 'SELECT leadscore.rederive_win_labels()::pg_catalog.text');
SELECT pg_temp.attempt('rating_labels_trigger, fired by an UPDATE of rating_labels',
  $$UPDATE leadscore.rating_labels SET win_label = true WHERE rating OPERATOR(pg_catalog.=) 'quoted'
    RETURNING rating::pg_catalog.text$$);
SELECT pg_temp.attempt('feedback_label_trigger, fired by an INSERT into lead_feedback',
  $$INSERT INTO leadscore.lead_feedback (account_id, lead_id, rating)
    VALUES ('dddddddd-0000-4000-8000-000000000004', 4, 'won') RETURNING rating::pg_catalog.text$$);
SELECT pg_temp.attempt('feedback_label_trigger, fired by a DELETE from lead_feedback',
  $$DELETE FROM leadscore.lead_feedback WHERE lead_id OPERATOR(pg_catalog.=) 4::pg_catalog.int8
    RETURNING rating::pg_catalog.text$$);
RESET ROLE;
RESET search_path;

---------------------------------------------------------------------------
-- What happened.
---------------------------------------------------------------------------
SELECT is(ran, ARRAY['public.now'], 'the detector sees a shadow of mallory''s that runs')
  FROM attempts WHERE label = 'control: mallory calls her own now()';

-- Every call succeeded and ran none of mallory's functions (17 + 17 tests).
SELECT is(call_error, NULL, label || ': succeeds') FROM attempts WHERE label NOT LIKE 'control:%' ORDER BY label;
SELECT is(ran, '{}', label || ': runs none of mallory''s functions')
  FROM attempts WHERE label NOT LIKE 'control:%' ORDER BY label;

SELECT set_eq(
  $$SELECT label, call_result FROM attempts
     WHERE label ~ '^(score_lead|explain_lead|score_leads|submit|train|nightly)'$$,
  $$VALUES ('explain_lead by rules', 'rules'), ('explain_lead with the model', 'ml'),
           ('nightly_training', 'succeeded'),
           ('score_lead by rules', 'rules'),
           ('score_lead, then the caller''s user and search_path', 'ml as mallory with public, pg_catalog'),
           ('score_lead with a newly activated model', 'ml'),
           ('score_lead with the model', 'ml'), ('score_leads', 'ml'),
           ('submit_feedback, and the feedback trigger it fires', 'won'),
           ('train_lead_model (as its caller) and activate_model', 'true')$$,
  'each call took the path under attack (the model''s, where there is one)');
SELECT ok(call_result LIKE '<svg%' AND call_result NOT LIKE '%shadowed%' AND call_result ~ '\d{4}-\d\d-\d\d \d\d:\d\d UTC',
          label || ': the report, dated by pg_catalog.to_char')
  FROM attempts WHERE label LIKE 'model_report_svg%' ORDER BY label;

SELECT set_eq(
  $$SELECT oid::regprocedure::text FROM pg_proc WHERE prosecdef AND pronamespace = 'leadscore'::regnamespace$$,
  ARRAY['leadscore.submit_feedback(bigint,text,text,text[],text,uuid)', 'leadscore.score_leads(jsonb,boolean)',
        'leadscore.refresh_outcomes(timestamp with time zone)', 'leadscore.nightly_training()',
        'leadscore.rederive_win_labels()', 'leadscore.rating_labels_trigger()',
        'leadscore.feedback_label_trigger()', 'leadscore.refresh_win_labels(bigint[])',
        'leadscore.activate_model(integer)'],
  'every SECURITY DEFINER function is attacked above (refresh_win_labels through the feedback trigger, activate_model through train_lead_model)');
SELECT is((SELECT rolsuper FROM pg_roles WHERE rolname = 'mallory'), false, 'mallory is not superuser');

SELECT * FROM finish();
ROLLBACK;
