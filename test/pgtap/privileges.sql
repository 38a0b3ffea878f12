-- The schema's security properties, read from the catalogs: functions that
-- run with the owner's rights pin search_path and are out of anon's and
-- PUBLIC's reach, the RPC surface is exactly what the API documents, every
-- object belongs to the extension, and each role holds only its grants.
BEGIN;
SELECT plan(23);

CREATE TEMP VIEW fns AS
  SELECT p.oid, p.oid::regprocedure AS signature, p.proname, p.prosecdef, p.proconfig, p.proacl
    FROM pg_proc p WHERE p.pronamespace = 'leadscore'::regnamespace;
CREATE TEMP VIEW rels AS
  SELECT c.oid, c.oid::regclass AS name, c.relkind, c.relacl
    FROM pg_class c
   WHERE c.relnamespace = 'leadscore'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'S', 'f', 'p');

-- SECURITY DEFINER functions
SELECT cmp_ok((SELECT count(*) FROM fns WHERE prosecdef), '>=', 3::bigint,
  'the schema has SECURITY DEFINER functions to check');
SELECT is_empty(
  $$SELECT signature FROM fns
     WHERE prosecdef AND NOT EXISTS (SELECT 1 FROM unnest(proconfig) c WHERE c LIKE 'search_path=%')$$,
  'every SECURITY DEFINER function pins search_path');
SELECT is_empty(
  $$SELECT signature, c FROM fns, unnest(proconfig) c
     WHERE prosecdef AND c LIKE 'search_path=%'
       AND string_to_array(replace(substr(c, 13), ' ', ''), ',') <> '{pg_catalog,pg_temp}'$$,
  'their search_path is pg_catalog, then pg_temp last (no schema a user can create objects in)');
SELECT is_empty(
  $$SELECT signature FROM fns
     WHERE prosecdef
       AND (proacl IS NULL
            OR EXISTS (SELECT 1 FROM aclexplode(proacl) a
                        WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE'))$$,
  'no SECURITY DEFINER function is executable by PUBLIC');
SELECT is_empty(
  $$SELECT signature FROM fns WHERE prosecdef AND has_function_privilege('anon', oid, 'EXECUTE')$$,
  'no SECURITY DEFINER function is executable by anon');
SELECT is_empty(
  $$SELECT signature FROM fns WHERE has_function_privilege('anon', oid, 'EXECUTE')$$,
  'no leadscore function at all is executable by anon');
SELECT is((SELECT prosecdef FROM fns WHERE proname = 'get_feedback'), false,
  'get_feedback runs as its caller, so row-level security applies to it');

-- The RPC surface
SELECT is_empty(
  $$SELECT proname, count(*) FROM fns GROUP BY proname HAVING count(*) > 1$$,
  'function names are unique in the schema (no overloads for PostgREST to choose between)');
SELECT set_eq(
  $$SELECT proname::text FROM fns WHERE has_function_privilege('authenticated', oid, 'EXECUTE')$$,
  ARRAY['current_account', 'submit_feedback', 'get_feedback', 'score_lead', 'explain_lead', 'score_leads', 'ml_inference',
        'parse_leads', 'parse_lead_array', 'score_result', 'score_results', 'score_body', 'model_report_svg'],
  'authenticated may call exactly the feedback and scoring RPCs and the model report');
SELECT set_eq(
  $$SELECT proname::text FROM fns WHERE has_function_privilege('service_role', oid, 'EXECUTE')$$,
  ARRAY['current_account', 'submit_feedback', 'get_feedback', 'score_lead', 'explain_lead', 'score_leads', 'ml_inference',
        'parse_leads', 'parse_lead_array', 'score_result', 'score_results', 'score_body', 'rederive_win_labels', 'feedback_enabled',
        'train_lead_model', 'activate_model', 'model_report_svg', 'training_readiness', 'readiness_verdict', 'training_min_lead_age',
        'metric', 'metric_object', 'metric_points', 'metrics_problems', 'settings', 'quote_expiry_days',
        'nightly_training', 'refresh_outcomes', 'latest_model', 'health', 'score_drift'],
  'service_role may call exactly the API, training, activation, operations, monitoring, rederive_win_labels and feedback_enabled');
SELECT is_empty(
  $$SELECT proname FROM fns
     WHERE proname IN ('schedule_nightly_training', 'unschedule_nightly_training', 'require_pg_cron')
       AND (has_function_privilege('authenticated', oid, 'EXECUTE')
            OR has_function_privilege('service_role', oid, 'EXECUTE'))$$,
  'scheduling is for the database owner or a superuser, as pg_cron itself is');
SELECT is_empty(
  $$SELECT signature FROM fns
     WHERE (has_function_privilege('authenticated', oid, 'EXECUTE')
            OR has_function_privilege('service_role', oid, 'EXECUTE'))
       AND coalesce(obj_description(oid, 'pg_proc'), '') = ''$$,
  'every function granted to authenticated or service_role has a comment');

-- Tables, views and sequences
SELECT is_empty(
  $$SELECT name, p FROM rels, unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE',
                                          'REFERENCES', 'TRIGGER']) p
     WHERE relkind <> 'S' AND has_table_privilege('anon', oid, p)
    UNION ALL
    SELECT name, p FROM rels, unnest(ARRAY['USAGE', 'SELECT', 'UPDATE']) p
     WHERE relkind = 'S' AND has_sequence_privilege('anon', oid, p)$$,
  'anon holds no privilege on any table, view or sequence');
SELECT is_empty(
  $$SELECT name FROM rels
     WHERE relacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(relacl) a WHERE a.grantee = 0)$$,
  'PUBLIC holds no privilege on any table, view or sequence');
SELECT set_eq(
  $$SELECT name::text, p FROM rels, unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE',
                                                'REFERENCES', 'TRIGGER']) p
     WHERE relkind <> 'S' AND has_table_privilege('authenticated', oid, p)
    UNION ALL
    SELECT name::text, p FROM rels, unnest(ARRAY['USAGE', 'SELECT', 'UPDATE']) p
     WHERE relkind = 'S' AND has_sequence_privilege('authenticated', oid, p)$$,
  $$VALUES ('leadscore.leads', 'SELECT'), ('leadscore.lead_feedback', 'SELECT'),
           ('leadscore.rating_labels', 'SELECT'), ('leadscore.deal_bands', 'SELECT'),
           ('leadscore.reason_codes', 'SELECT'), ('leadscore.rule_weights', 'SELECT'),
           ('leadscore.grade_bands', 'SELECT')$$,
  'authenticated holds SELECT on leads, lead_feedback, the vocabularies, rule weights and grade bands, and nothing else');
SELECT set_eq(
  $$SELECT name::text, p FROM rels, unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p
     WHERE name::text IN ('leadscore.training_runs', 'leadscore.score_history', 'leadscore.model_history',
                          'leadscore.recent_runs')
       AND has_table_privilege('service_role', oid, p)$$,
  $$VALUES ('leadscore.training_runs', 'SELECT'), ('leadscore.score_history', 'SELECT'),
           ('leadscore.score_history', 'DELETE'), ('leadscore.model_history', 'SELECT'),
           ('leadscore.recent_runs', 'SELECT')$$,
  'service_role reads the run log and the score history and may prune the history, but rewrites neither');
SELECT ok(NOT has_table_privilege('authenticated', 'leadscore.derived_win_labels', 'SELECT'),
  'authenticated cannot read derived_win_labels (it would show every account''s ratings)');
SELECT is_empty(
  $$SELECT c.relname FROM pg_class c
     WHERE c.relnamespace = 'leadscore'::regnamespace
       AND c.relname IN ('leads', 'lead_feedback', 'lead_outcomes', 'models', 'training_runs', 'score_history')
       AND NOT c.relrowsecurity$$,
  'row-level security is on for leads, lead_feedback, lead_outcomes, models, training_runs and score_history');

-- The schema
SELECT results_eq(
  $$SELECT has_schema_privilege('anon', 'leadscore', 'USAGE'),
           has_schema_privilege('authenticated', 'leadscore', 'USAGE'),
           has_schema_privilege('service_role', 'leadscore', 'USAGE')$$,
  $$VALUES (false, true, true)$$,
  'USAGE on schema leadscore: not anon; authenticated and service_role');
SELECT is_empty(
  $$SELECT r FROM unnest(ARRAY['anon', 'authenticated', 'service_role']) r
     WHERE has_schema_privilege(r, 'leadscore', 'CREATE')$$,
  'no API role may create objects in schema leadscore');
SELECT is_empty(
  $$SELECT a.privilege_type FROM pg_namespace n, aclexplode(n.nspacl) a
     WHERE n.nspname = 'leadscore' AND a.grantee = 0$$,
  'PUBLIC holds nothing on schema leadscore');

-- Everything belongs to the extension, so DROP EXTENSION removes it.
SELECT is_empty(
  $$SELECT name::text FROM rels
     WHERE NOT EXISTS (SELECT 1 FROM pg_depend d
                        WHERE d.classid = 'pg_class'::regclass AND d.objid = rels.oid
                          AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e')
    UNION ALL
    SELECT signature::text FROM fns
     WHERE NOT EXISTS (SELECT 1 FROM pg_depend d
                        WHERE d.classid = 'pg_proc'::regclass AND d.objid = fns.oid
                          AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e')$$,
  'every table, view, sequence and function in leadscore is a member of the extension');
SELECT is(
  (SELECT e.extname::text FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
    WHERE d.classid = 'pg_namespace'::regclass AND d.objid = 'leadscore'::regnamespace
      AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'),
  'leadscore', 'the schema itself is a member of the extension');

SELECT * FROM finish();
ROLLBACK;
