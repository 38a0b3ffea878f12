-- What CREATE EXTENSION leadscore puts in the database, as a reviewer reads it.
\ir test/fixtures/setup.sql

SELECT extname, extversion, extnamespace::regnamespace AS recorded_in, extrelocatable
  FROM pg_extension WHERE extname = 'leadscore';

-- Every table, with row-level security and whether pg_dump keeps its rows.
SELECT c.relname, c.relkind, c.relrowsecurity AS rls,
       c.oid = ANY (e.extconfig) AS dumped
  FROM pg_class c, pg_extension e
 WHERE c.relnamespace = 'leadscore'::regnamespace AND c.relkind IN ('r', 'v', 'S')
   AND e.extname = 'leadscore'
 ORDER BY c.relname;

-- Every function: volatility, security, strictness, parallel safety, pinned settings.
SELECT p.oid::regprocedure AS function, p.provolatile AS vol, p.prosecdef AS definer,
       p.proisstrict AS strict, p.proparallel AS par, p.proconfig AS settings,
       obj_description(p.oid, 'pg_proc') IS NOT NULL AS commented
  FROM pg_proc p
 WHERE p.pronamespace = 'leadscore'::regnamespace
 ORDER BY p.proname;

-- Who may call what: anon nothing, authenticated the feedback RPCs.
SELECT p.proname,
       has_function_privilege('anon', p.oid, 'EXECUTE') AS anon,
       has_function_privilege('authenticated', p.oid, 'EXECUTE') AS authenticated,
       has_function_privilege('service_role', p.oid, 'EXECUTE') AS service_role
  FROM pg_proc p
 WHERE p.pronamespace = 'leadscore'::regnamespace AND p.prorettype <> 'trigger'::regtype
 ORDER BY p.proname;

SELECT r.rolname,
       has_schema_privilege(r.rolname, 'leadscore', 'USAGE') AS schema_usage,
       has_table_privilege(r.rolname, 'leadscore.leads', 'SELECT') AS read_leads,
       has_table_privilege(r.rolname, 'leadscore.leads', 'INSERT') AS write_leads,
       has_table_privilege(r.rolname, 'leadscore.lead_feedback', 'INSERT') AS write_feedback,
       has_table_privilege(r.rolname, 'leadscore.lead_outcomes', 'SELECT') AS read_outcomes
  FROM pg_roles r
 WHERE r.rolname IN ('anon', 'authenticated', 'service_role')
 ORDER BY r.rolname;

-- The settings leadscore defines (calling any leadscore function loads the library).
SELECT leadscore.feedback_enabled();
SELECT name, setting, context, vartype FROM pg_settings WHERE name LIKE 'leadscore.%' ORDER BY name;

-- The prefix is reserved: a misspelt setting is an error, not a silent placeholder.
SET leadscore.enable_lead_feedbak = off;
