-- The feedback RPCs as an app calls them through PostgREST, and the errors it sees.
\ir test/fixtures/setup.sql

INSERT INTO auth.users (id, email) VALUES
  ('b0000000-0000-0000-0000-000000000001', 'windows@example.com'),
  ('b0000000-0000-0000-0000-000000000002', 'roofing@example.com');

-- POST /rpc/submit_feedback as a signed-in contractor (the seed's example).
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims',
  '{"sub":"b0000000-0000-0000-0000-000000000001","role":"authenticated"}', true) IS NOT NULL AS signed_in;
SELECT id, account_id, lead_id, rating, deal_band, reason_codes, notes
  FROM leadscore.submit_feedback(lead_id => 12345, rating => 'won', deal_band => '$15-50k',
         reason_codes => ARRAY['good_contact', 'qualified'],
         notes => 'Excellent lead, closed within 2 weeks');
-- A second submission for the same lead replaces the first.
SELECT id, lead_id, rating, deal_band, reason_codes, notes
  FROM leadscore.submit_feedback(lead_id => 12345, rating => 'quoted');
SELECT (leadscore.submit_feedback(lead_id => 777, rating => 'no_answer')).id IS NOT NULL AS ok;
-- GET /rpc/get_feedback: own rows only, newest first, then the next page.
SELECT id, lead_id, rating FROM leadscore.get_feedback();
SELECT id, lead_id, rating FROM leadscore.get_feedback(max_rows => 1);
SELECT id, lead_id, rating FROM leadscore.get_feedback(max_rows => 1, after_id => 3);
COMMIT;

-- Another contractor sees none of it.
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims',
  '{"sub":"b0000000-0000-0000-0000-000000000002","role":"authenticated"}', true) IS NOT NULL AS signed_in;
SELECT count(*) AS visible FROM leadscore.get_feedback();
SELECT count(*) AS visible FROM leadscore.lead_feedback;
COMMIT;

-- service_role sees every account and must say whom it writes for.
BEGIN;
SET LOCAL ROLE service_role;
SELECT count(*) AS visible FROM leadscore.get_feedback();
SELECT leadscore.submit_feedback(99, 'won');
ROLLBACK;
BEGIN;
SET LOCAL ROLE service_role;
SELECT account_id, lead_id, rating
  FROM leadscore.submit_feedback(99, 'won', account_id => 'b0000000-0000-0000-0000-000000000002');
ROLLBACK;

-- Errors as a signed-in app user sees them; nothing is written by any of them.
SELECT count(*) AS rows_before FROM leadscore.lead_feedback;
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', '{"role":"authenticated"}', true) IS NOT NULL AS no_subject;
SELECT leadscore.submit_feedback(1, 'won');
ROLLBACK;
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims',
  '{"sub":"b0000000-0000-0000-0000-000000000001","role":"authenticated"}', true) IS NOT NULL AS signed_in;
SAVEPOINT s;
SELECT leadscore.submit_feedback(1, 'great');
ROLLBACK TO s;
SELECT leadscore.submit_feedback(1, 'won', deal_band => '$1M+');
ROLLBACK TO s;
SELECT leadscore.submit_feedback(1, 'won', reason_codes => ARRAY['good_contact', 'nice_person']);
ROLLBACK TO s;
SELECT leadscore.submit_feedback(1, 'won', reason_codes => array_fill('qualified'::text, ARRAY[21]));
ROLLBACK TO s;
SELECT leadscore.submit_feedback(1, 'won', notes => repeat('x', 2001));
ROLLBACK TO s;
SELECT leadscore.submit_feedback(NULL, 'won');
ROLLBACK TO s;
SELECT leadscore.submit_feedback(-5, 'won');
ROLLBACK TO s;
SELECT leadscore.submit_feedback(1, 'won', account_id => 'b0000000-0000-0000-0000-000000000002');
ROLLBACK TO s;
SELECT * FROM leadscore.get_feedback(max_rows => 1001);
ROLLBACK TO s;
SELECT * FROM leadscore.get_feedback(lead_id => 0);
ROLLBACK TO s;
INSERT INTO leadscore.lead_feedback (account_id, lead_id, rating)
  VALUES ('b0000000-0000-0000-0000-000000000001', 5, 'won');
ROLLBACK;
SELECT count(*) AS rows_after FROM leadscore.lead_feedback;

-- anon, the role of a request without a JWT, gets nothing.
BEGIN;
SET LOCAL ROLE anon;
SELECT * FROM leadscore.get_feedback();
ROLLBACK;

-- The feature flag: off refuses new feedback, reading still works.
BEGIN;
SET LOCAL leadscore.enable_lead_feedback = off;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims',
  '{"sub":"b0000000-0000-0000-0000-000000000001","role":"authenticated"}', true) IS NOT NULL AS signed_in;
SAVEPOINT s;
SELECT leadscore.submit_feedback(12345, 'won');
ROLLBACK TO s;
SELECT count(*) AS still_readable FROM leadscore.get_feedback();
-- and an API caller cannot turn it back on.
SET leadscore.enable_lead_feedback = on;
ROLLBACK;
