-- leadscore.enable_lead_feedback: off stops submit_feedback() for every caller
-- while reading still works; only a superuser (or a role granted SET on the
-- parameter) may change it.
BEGIN;
\ir fixture.psql
SELECT plan(14);

-- Calling into the library loads it, so the setting is defined from here on.
SELECT is(leadscore.feedback_enabled(), true, 'feedback is enabled by default');
SELECT is(current_setting('leadscore.enable_lead_feedback'), 'on', 'the setting reads on');

SELECT pg_temp.act_as('authenticated', 'aaaaaaaa-0000-4000-8000-000000000001');
DO $$ BEGIN PERFORM leadscore.submit_feedback(10, 'quoted'); END $$;
RESET ROLE;

SET LOCAL leadscore.enable_lead_feedback = off;
SELECT is(leadscore.feedback_enabled(), false, 'feedback_enabled() follows the setting');

SELECT pg_temp.act_as('authenticated', 'aaaaaaaa-0000-4000-8000-000000000001');
SELECT throws_ok($$SELECT leadscore.submit_feedback(10, 'won')$$,
  '55000', 'lead feedback is disabled', 'off: submit_feedback fails with 55000');
SELECT throws_ok($$SELECT leadscore.submit_feedback(11, 'won')$$,
  '55000', 'lead feedback is disabled', 'off: a first rating of a new lead fails too');
SELECT results_eq($$SELECT lead_id, rating::text FROM leadscore.get_feedback()$$,
  $$VALUES (10::bigint, 'quoted')$$, 'off: get_feedback still returns the stored feedback');
SELECT throws_ok($$SET leadscore.enable_lead_feedback = on$$,
  '42501', 'permission denied to set parameter "leadscore.enable_lead_feedback"',
  'authenticated cannot SET the flag');
SELECT throws_ok($$SELECT set_config('leadscore.enable_lead_feedback', 'on', true)$$,
  '42501', 'permission denied to set parameter "leadscore.enable_lead_feedback"',
  'authenticated cannot set_config() the flag');
SELECT throws_ok($$RESET leadscore.enable_lead_feedback$$,
  '42501', 'permission denied to set parameter "leadscore.enable_lead_feedback"',
  'authenticated cannot RESET the flag');
SELECT is(current_setting('leadscore.enable_lead_feedback'), 'off', 'the flag is still off');
RESET ROLE;

SELECT pg_temp.act_as('service_role');
SELECT throws_ok(
  $$SELECT leadscore.submit_feedback(10, 'won', account_id => 'aaaaaaaa-0000-4000-8000-000000000001')$$,
  '55000', 'lead feedback is disabled', 'off: service_role cannot submit either');
RESET ROLE;

SELECT is((SELECT rating::text FROM leadscore.lead_feedback WHERE lead_id = 10), 'quoted',
  'off: the stored rating is unchanged');
SELECT is((SELECT count(*) FROM leadscore.lead_outcomes WHERE lead_id = 11), 0::bigint,
  'off: no outcome row for the refused lead');

SET LOCAL leadscore.enable_lead_feedback = on;
SELECT pg_temp.act_as('authenticated', 'aaaaaaaa-0000-4000-8000-000000000001');
SELECT lives_ok($$SELECT leadscore.submit_feedback(10, 'won')$$, 'on again: submit_feedback works');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
