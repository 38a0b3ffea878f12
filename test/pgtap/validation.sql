-- Every way a call can be wrong: the SQLSTATE, a message that names the field
-- and what is allowed, and nothing written.
BEGIN;
\ir fixture.psql
SELECT plan(42);

-- Baseline: one row of alice's, so "nothing written" has something to compare.
SELECT pg_temp.act_as('authenticated', 'aaaaaaaa-0000-4000-8000-000000000001');
DO $$ BEGIN PERFORM leadscore.submit_feedback(1, 'quoted', notes => 'before'); END $$;
RESET ROLE;
CREATE TEMP TABLE snapshot ON COMMIT DROP AS
  SELECT (SELECT array_agg(f ORDER BY id)::text FROM leadscore.lead_feedback f) AS feedback,
         (SELECT array_agg(o ORDER BY lead_id)::text FROM leadscore.lead_outcomes o) AS outcomes;

-- The authenticated role, but the request carries no JWT at all.
SELECT pg_temp.act_as('authenticated');
SET LOCAL request.jwt.claims = '';
SELECT throws_ok($$SELECT leadscore.submit_feedback(1, 'won')$$,
  '28000', 'not signed in: the request has no JWT subject',
  'submit_feedback without request.jwt.claims: 28000');
SELECT throws_ok($$SELECT * FROM leadscore.get_feedback()$$,
  '28000', 'not signed in: the request has no JWT subject',
  'get_feedback without request.jwt.claims: 28000');
RESET ROLE;
SELECT pg_temp.act_as('authenticated');
SELECT throws_ok($$SELECT leadscore.submit_feedback(1, 'won')$$,
  '28000', 'not signed in: the request has no JWT subject',
  'submit_feedback with claims but no sub: 28000');
SELECT throws_ok($$SELECT * FROM leadscore.get_feedback()$$,
  '28000', 'not signed in: the request has no JWT subject',
  'get_feedback with claims but no sub: 28000');
RESET ROLE;

SELECT pg_temp.act_as('authenticated', 'aaaaaaaa-0000-4000-8000-000000000001');
SELECT throws_ok($$SELECT leadscore.submit_feedback(1, 'great')$$,
  '22023', 'rating: ''great'' is not a rating; allowed: no_answer, bad_contact, not_qualified, quoted, won',
  'unknown rating');
SELECT throws_ok($$SELECT leadscore.submit_feedback(1, 'WON')$$,
  '22023', 'rating: ''WON'' is not a rating; allowed: no_answer, bad_contact, not_qualified, quoted, won',
  'ratings are case-sensitive');
SELECT throws_ok($$SELECT leadscore.submit_feedback(1, NULL)$$,
  '22023', 'rating: NULL is not a rating; allowed: no_answer, bad_contact, not_qualified, quoted, won',
  'NULL rating');
SELECT throws_ok($$SELECT leadscore.submit_feedback(1, 'won', '$1-2k')$$,
  '22023', 'deal_band: ''$1-2k'' is not a deal band; allowed: <$5k, $5-15k, $15-50k, $50-150k, $150k+',
  'unknown deal band');
SELECT throws_ok($$SELECT leadscore.submit_feedback(1, 'won', reason_codes => ARRAY['qualified', 'bogus'])$$,
  '22023', 'reason_codes: ''bogus'' not in the vocabulary; allowed: already_hired, budget_confirmed, '
           'duplicate_lead, follow_up_later, good_contact, no_budget, no_response, not_interested, '
           'out_of_area, price_shopping, project_cancelled, qualified, repeat_customer, responsive, '
           'urgent_need, wrong_number, wrong_trade',
  'reason code outside the vocabulary');
SELECT throws_like($$SELECT leadscore.submit_feedback(1, 'won', reason_codes => ARRAY['bogus', 'Qualified'])$$,
  'reason_codes: ''bogus'', ''Qualified'' not in the vocabulary; allowed: %',
  'every unknown reason code is named');
SELECT throws_like($$SELECT leadscore.submit_feedback(1, 'won', reason_codes => ARRAY['qualified', NULL])$$,
  'reason_codes: NULL not in the vocabulary; allowed: already_hired, %',
  'NULL reason code');
SELECT throws_ok($$SELECT leadscore.submit_feedback(1, 'won', reason_codes => array_fill('qualified'::text, ARRAY[21]))$$,
  '22023', 'reason_codes: at most 20 codes, got 21',
  'more than 20 reason codes');
SELECT lives_ok($$SELECT leadscore.submit_feedback(2, 'won', reason_codes => array_fill('qualified'::text, ARRAY[20]))$$,
  'exactly 20 reason codes are accepted');
SELECT lives_ok($$SELECT leadscore.submit_feedback(2, 'won', reason_codes => '{}')$$,
  'no reason codes are accepted');
SELECT throws_ok($$SELECT leadscore.submit_feedback(1, 'won', notes => repeat('é', 2001))$$,
  '22001', 'notes: at most 2000 characters, got 2001',
  'notes longer than 2000 characters');
SELECT lives_ok($$SELECT leadscore.submit_feedback(2, 'won', notes => repeat('é', 2000))$$,
  'notes of exactly 2000 characters (not bytes) are accepted');
SELECT throws_ok($$SELECT leadscore.submit_feedback(NULL, 'won')$$,
  '22023', 'lead_id: must be a positive integer, got NULL', 'submit: lead_id NULL');
SELECT throws_ok($$SELECT leadscore.submit_feedback(0, 'won')$$,
  '22023', 'lead_id: must be a positive integer, got 0', 'submit: lead_id 0');
SELECT throws_ok($$SELECT leadscore.submit_feedback(-7, 'won')$$,
  '22023', 'lead_id: must be a positive integer, got -7', 'submit: lead_id negative');
SELECT throws_ok($$SELECT * FROM leadscore.get_feedback(lead_id => 0)$$,
  '22023', 'lead_id: must be a positive integer, got 0', 'get: lead_id 0');
SELECT throws_ok($$SELECT * FROM leadscore.get_feedback(lead_id => -7)$$,
  '22023', 'lead_id: must be a positive integer, got -7', 'get: lead_id negative');
SELECT throws_ok($$SELECT * FROM leadscore.get_feedback(max_rows => 0)$$,
  '22023', 'max_rows: must be between 1 and 1000, got 0', 'max_rows 0');
SELECT throws_ok($$SELECT * FROM leadscore.get_feedback(max_rows => 1001)$$,
  '22023', 'max_rows: must be between 1 and 1000, got 1001', 'max_rows 1001');
SELECT throws_ok($$SELECT * FROM leadscore.get_feedback(max_rows => NULL)$$,
  '22023', 'max_rows: must be between 1 and 1000, got NULL', 'max_rows NULL');
SELECT lives_ok($$SELECT * FROM leadscore.get_feedback(max_rows => 1)$$, 'max_rows 1 is accepted');
SELECT lives_ok($$SELECT * FROM leadscore.get_feedback(max_rows => 1000)$$, 'max_rows 1000 is accepted');
SELECT throws_ok(
  $$SELECT leadscore.submit_feedback(1, 'won', account_id => 'bbbbbbbb-0000-4000-8000-000000000002')$$,
  '42501', 'account_id: only service_role may submit feedback for another account',
  'authenticated cannot submit for another account');
SELECT lives_ok(
  $$SELECT leadscore.submit_feedback(2, 'won', account_id => 'aaaaaaaa-0000-4000-8000-000000000001')$$,
  'authenticated may name its own account');
RESET ROLE;

-- Signed in with a valid JWT for an account that is not in auth.users.
SELECT pg_temp.act_as('authenticated', 'cccccccc-0000-4000-8000-000000000003');
SELECT throws_ok($$SELECT leadscore.submit_feedback(1, 'won')$$,
  '23503', 'account_id: cccccccc-0000-4000-8000-000000000003 is not a known user',
  'authenticated: an account missing from auth.users');
RESET ROLE;

SELECT pg_temp.act_as('service_role');
SELECT throws_ok($$SELECT leadscore.submit_feedback(1, 'won')$$,
  '22004', 'account_id is required when submitting as service_role',
  'service_role without account_id');
SELECT throws_ok(
  $$SELECT leadscore.submit_feedback(1, 'won', account_id => 'cccccccc-0000-4000-8000-000000000003')$$,
  '23503', 'account_id: cccccccc-0000-4000-8000-000000000003 is not a known user',
  'service_role: an account missing from auth.users');
SELECT lives_ok(
  $$SELECT leadscore.submit_feedback(3, 'won', account_id => 'bbbbbbbb-0000-4000-8000-000000000002')$$,
  'service_role submits for a named account');
RESET ROLE;

-- The operator retires a band, and adds a band and a reason code.
UPDATE leadscore.deal_bands SET active = false WHERE band = '$150k+';
INSERT INTO leadscore.deal_bands (band, position, min_value) VALUES ('$500k+', 6, 500000);
INSERT INTO leadscore.reason_codes (code, polarity, description)
  VALUES ('storm_damage', 'good', 'insurance-backed repair after a storm');
SELECT pg_temp.act_as('authenticated', 'aaaaaaaa-0000-4000-8000-000000000001');
SELECT throws_ok($$SELECT leadscore.submit_feedback(1, 'won', '$150k+')$$,
  '22023', 'deal_band: ''$150k+'' is not a deal band; allowed: <$5k, $5-15k, $15-50k, $50-150k, $500k+',
  'an inactive deal band is refused and no longer listed');
SELECT lives_ok($$SELECT leadscore.submit_feedback(4, 'won', '$500k+')$$,
  'an operator-added deal band is accepted');
SELECT lives_ok($$SELECT leadscore.submit_feedback(4, 'won', reason_codes => ARRAY['storm_damage'])$$,
  'an operator-added reason code is accepted');
SELECT throws_like($$SELECT leadscore.submit_feedback(1, 'won', reason_codes => ARRAY['bogus'])$$,
  '%; allowed: %, responsive, storm_damage, urgent_need, %',
  'an operator-added reason code is listed as allowed');
RESET ROLE;
UPDATE leadscore.reason_codes SET active = false WHERE code = 'storm_damage';
SELECT pg_temp.act_as('authenticated', 'aaaaaaaa-0000-4000-8000-000000000001');
SELECT throws_like($$SELECT leadscore.submit_feedback(4, 'won', reason_codes => ARRAY['storm_damage'])$$,
  'reason_codes: ''storm_damage'' not in the vocabulary; %',
  'an inactive reason code is refused');
RESET ROLE;

-- Nothing that failed left a trace; lead 1 still has alice's first rating.
SELECT is((SELECT array_agg(f ORDER BY id)::text FROM leadscore.lead_feedback f WHERE lead_id = 1),
          (SELECT feedback FROM snapshot), 'failed calls wrote no feedback');
SELECT is((SELECT array_agg(o ORDER BY lead_id)::text FROM leadscore.lead_outcomes o WHERE lead_id = 1),
          (SELECT outcomes FROM snapshot), 'failed calls changed no outcome');
SELECT is((SELECT count(*) FROM leadscore.lead_feedback), 4::bigint,
          'only the accepted calls wrote rows (leads 1, 2, 3, 4)');
SELECT is((SELECT count(*) FROM leadscore.lead_outcomes), 4::bigint,
          'and outcome rows only for those leads');
SELECT results_eq(
  $$SELECT char_length(notes), cardinality(reason_codes) FROM leadscore.lead_feedback WHERE lead_id = 2$$,
  $$VALUES (NULL::int, NULL::int)$$,
  'the last accepted call for lead 2 replaced notes and reason codes');

SELECT * FROM finish();
ROLLBACK;
