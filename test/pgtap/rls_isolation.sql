-- Who sees and writes what: each account sees only its own feedback, writes it
-- only through submit_feedback(), service_role sees everything, anon nothing.
BEGIN;
\ir fixture.psql

-- Every table, view, sequence and function in the schema, for the anon checks.
CREATE TEMP TABLE anon_probe ON COMMIT DROP AS
  SELECT format('SELECT * FROM %s LIMIT 0', c.oid::regclass) AS query,
         format('anon cannot read %s', c.oid::regclass) AS description
    FROM pg_class c
   WHERE c.relnamespace = 'leadscore'::regnamespace AND c.relkind IN ('r', 'v', 'S')
  UNION ALL
  SELECT format('SELECT %s.%I(%s)', 'leadscore', p.proname,
                (SELECT string_agg('NULL::' || format_type(t, NULL), ', ')
                   FROM unnest(p.proargtypes) AS t)),
         format('anon cannot call %s', p.oid::regprocedure)
    FROM pg_proc p
   WHERE p.pronamespace = 'leadscore'::regnamespace;
GRANT SELECT ON anon_probe TO anon;

SELECT plan(25 + (SELECT count(*)::int FROM anon_probe));

INSERT INTO leadscore.leads (id, address) VALUES
  (101, '1 Main St'), (102, '2 Main St'), (103, '3 Main St');

SELECT pg_temp.act_as('authenticated', 'aaaaaaaa-0000-4000-8000-000000000001');
DO $$ BEGIN
  PERFORM leadscore.submit_feedback(101, 'won');
  PERFORM leadscore.submit_feedback(102, 'no_answer');
END $$;
RESET ROLE;
SELECT pg_temp.act_as('authenticated', 'bbbbbbbb-0000-4000-8000-000000000002');
DO $$ BEGIN
  PERFORM leadscore.submit_feedback(101, 'quoted');
  PERFORM leadscore.submit_feedback(103, 'bad_contact');
END $$;
RESET ROLE;

-- alice
SELECT pg_temp.act_as('authenticated', 'aaaaaaaa-0000-4000-8000-000000000001');
SELECT results_eq(
  $$SELECT account_id::text, lead_id, rating::text FROM leadscore.get_feedback() ORDER BY lead_id$$,
  $$VALUES ('aaaaaaaa-0000-4000-8000-000000000001', 101::bigint, 'won'),
           ('aaaaaaaa-0000-4000-8000-000000000001', 102::bigint, 'no_answer')$$,
  'alice: get_feedback() returns her two rows only');
SELECT results_eq(
  $$SELECT account_id::text, lead_id FROM leadscore.lead_feedback ORDER BY lead_id$$,
  $$VALUES ('aaaaaaaa-0000-4000-8000-000000000001', 101::bigint),
           ('aaaaaaaa-0000-4000-8000-000000000001', 102::bigint)$$,
  'alice: SELECT on lead_feedback returns her two rows only');
SELECT is_empty(
  $$SELECT * FROM leadscore.get_feedback(lead_id => 103)$$,
  'alice: bob''s lead 103 is invisible through get_feedback(lead_id)');
SELECT throws_ok(
  $$INSERT INTO leadscore.lead_feedback (account_id, lead_id, rating)
    VALUES ('aaaaaaaa-0000-4000-8000-000000000001', 104, 'won')$$,
  '42501', 'permission denied for table lead_feedback',
  'alice cannot INSERT into lead_feedback directly');
SELECT throws_ok(
  $$UPDATE leadscore.lead_feedback SET rating = 'won'$$,
  '42501', 'permission denied for table lead_feedback',
  'alice cannot UPDATE lead_feedback directly');
SELECT throws_ok(
  $$DELETE FROM leadscore.lead_feedback$$,
  '42501', 'permission denied for table lead_feedback',
  'alice cannot DELETE from lead_feedback directly');
RESET ROLE;

-- bob
SELECT pg_temp.act_as('authenticated', 'bbbbbbbb-0000-4000-8000-000000000002');
SELECT results_eq(
  $$SELECT account_id::text, lead_id, rating::text FROM leadscore.get_feedback() ORDER BY lead_id$$,
  $$VALUES ('bbbbbbbb-0000-4000-8000-000000000002', 101::bigint, 'quoted'),
           ('bbbbbbbb-0000-4000-8000-000000000002', 103::bigint, 'bad_contact')$$,
  'bob: get_feedback() returns his two rows only');
SELECT results_eq(
  $$SELECT account_id::text, lead_id FROM leadscore.lead_feedback ORDER BY lead_id$$,
  $$VALUES ('bbbbbbbb-0000-4000-8000-000000000002', 101::bigint),
           ('bbbbbbbb-0000-4000-8000-000000000002', 103::bigint)$$,
  'bob: SELECT on lead_feedback returns his two rows only');
RESET ROLE;

-- An account with no feedback sees nothing.
INSERT INTO auth.users (id) VALUES ('dddddddd-0000-4000-8000-000000000004');
SELECT pg_temp.act_as('authenticated', 'dddddddd-0000-4000-8000-000000000004');
SELECT is_empty($$SELECT * FROM leadscore.get_feedback()$$,
  'an account without feedback gets no rows from get_feedback()');
SELECT is_empty($$SELECT * FROM leadscore.lead_feedback$$,
  'an account without feedback sees no rows in lead_feedback');
RESET ROLE;

-- service_role (no JWT subject)
SELECT pg_temp.act_as('service_role');
SELECT results_eq(
  $$SELECT account_id::text, lead_id FROM leadscore.get_feedback() ORDER BY lead_id, account_id$$,
  $$VALUES ('aaaaaaaa-0000-4000-8000-000000000001', 101::bigint),
           ('bbbbbbbb-0000-4000-8000-000000000002', 101::bigint),
           ('aaaaaaaa-0000-4000-8000-000000000001', 102::bigint),
           ('bbbbbbbb-0000-4000-8000-000000000002', 103::bigint)$$,
  'service_role: get_feedback() returns every account''s rows');
SELECT is((SELECT count(*) FROM leadscore.lead_feedback), 4::bigint,
  'service_role: SELECT on lead_feedback sees all four rows');
SELECT is((SELECT count(*) FROM leadscore.lead_outcomes), 3::bigint,
  'service_role: reads lead_outcomes');
SELECT lives_ok(
  $$UPDATE leadscore.leads SET address = 'moved' WHERE id = 103$$,
  'service_role: writes leads');
RESET ROLE;

-- authenticated on the other tables
SELECT pg_temp.act_as('authenticated', 'aaaaaaaa-0000-4000-8000-000000000001');
SELECT is((SELECT count(*) FROM leadscore.leads), 3::bigint, 'authenticated reads leads');
SELECT is((SELECT count(*) FROM leadscore.rating_labels), 5::bigint, 'authenticated reads rating_labels');
SELECT is((SELECT count(*) FROM leadscore.deal_bands), 5::bigint, 'authenticated reads deal_bands');
SELECT is((SELECT count(*) FROM leadscore.reason_codes), 17::bigint, 'authenticated reads reason_codes');
SELECT throws_ok($$INSERT INTO leadscore.leads (id) VALUES (999)$$,
  '42501', 'permission denied for table leads', 'authenticated cannot INSERT leads');
SELECT throws_ok($$UPDATE leadscore.leads SET address = 'x'$$,
  '42501', 'permission denied for table leads', 'authenticated cannot UPDATE leads');
SELECT throws_ok($$DELETE FROM leadscore.leads$$,
  '42501', 'permission denied for table leads', 'authenticated cannot DELETE leads');
SELECT throws_ok($$SELECT * FROM leadscore.lead_outcomes$$,
  '42501', 'permission denied for table lead_outcomes', 'authenticated cannot read lead_outcomes');
SELECT throws_ok($$UPDATE leadscore.rating_labels SET win_label = true$$,
  '42501', 'permission denied for table rating_labels', 'authenticated cannot change rating_labels');
SELECT throws_ok($$INSERT INTO leadscore.reason_codes (code, polarity) VALUES ('mine', 'good')$$,
  '42501', 'permission denied for table reason_codes', 'authenticated cannot add reason codes');
RESET ROLE;

-- anon: no USAGE on the schema, so every table and function is out of reach.
SELECT pg_temp.act_as('anon');
SELECT throws_ok($$SELECT 1 FROM leadscore.leads$$,
  '42501', 'permission denied for schema leadscore', 'anon has no USAGE on schema leadscore');
SELECT throws_ok(query, '42501', 'permission denied for schema leadscore', description) FROM anon_probe ORDER BY description;
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
