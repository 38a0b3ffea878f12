-- Who writes which lead. Leads from the feed (service_role) are shared; a
-- signed-in contractor creates leads of its own through score_leads(), which
-- only it can read and change. score_leads() by a contractor scores every lead
-- of the body but writes, and stores scores of, only leads it may write; the
-- others come back with "stored": false. In 0.3.0 any contractor rewrote any
-- lead: score_leads('[{"id": 1}]') set a shared lead's fields to NULL.
BEGIN;
\ir fixture.psql
SELECT plan(22);

INSERT INTO leadscore.leads (id, address, permit_value, trade_tags, created_at)
VALUES (1, '1 Main St, Springfield, IL 62704', 25000, '{roofing}', '2026-10-01');
CREATE TEMP TABLE shared_before ON COMMIT DROP AS SELECT * FROM leadscore.leads WHERE id = 1;
GRANT SELECT ON shared_before TO authenticated;

-- alice, a contractor
SELECT pg_temp.act_as('authenticated', 'aaaaaaaa-0000-4000-8000-000000000001');
CREATE TEMP TABLE r ON COMMIT DROP AS
  SELECT leadscore.score_leads('[{"id": 1}, {"id": 500, "permit_value": 9000, "trade_tags": ["windows"]}]') AS result;
SELECT is((SELECT jsonb_agg(x ->> 'stored' ORDER BY x ->> 'id') FROM r, jsonb_array_elements(r.result) x),
  '["false", "true"]'::jsonb, 'a contractor''s body: the shared lead is not stored, its new lead is');
SELECT is((SELECT count(*) FROM r, jsonb_array_elements(r.result) x WHERE x ? 'score'), 2::bigint,
  'both leads are scored');
SELECT is((SELECT (l.*)::text FROM leadscore.leads l WHERE id = 1), (SELECT (b.*)::text FROM shared_before b),
  'the shared lead is unchanged (0.3.0 set its address, value, tags and date to NULL)');
SELECT is((SELECT count(*) FROM leadscore.leads WHERE id = 500), 1::bigint, 'alice sees the lead she created');
RESET ROLE;
SELECT is((SELECT owner_account::text FROM leadscore.leads WHERE id = 500), 'aaaaaaaa-0000-4000-8000-000000000001',
  'and it is hers');
SELECT is((SELECT string_agg(lead_id::text, ',' ORDER BY lead_id) FROM leadscore.lead_outcomes WHERE score IS NOT NULL),
  '500', 'only her own lead''s score is stored');

-- bob, another contractor
SELECT pg_temp.act_as('authenticated', 'bbbbbbbb-0000-4000-8000-000000000002');
SELECT is((SELECT count(*) FROM leadscore.leads WHERE id = 500), 0::bigint, 'bob cannot see alice''s lead');
SELECT is((SELECT count(*) FROM leadscore.leads WHERE id = 1), 1::bigint, 'but sees the shared one');
SELECT is(leadscore.score_leads('[{"id": 500, "permit_value": 1}]') -> 0 ->> 'stored', 'false',
  'his body with alice''s lead id stores nothing');
SELECT throws_ok($$SELECT leadscore.submit_feedback(500, 'won')$$, '42501',
  'lead_id: 500 is not a lead you can rate', 'nor may he rate her lead');
SELECT lives_ok($$SELECT leadscore.submit_feedback(1, 'won')$$, 'he rates the shared lead');
RESET ROLE;
SELECT is((SELECT permit_value FROM leadscore.leads WHERE id = 500), 9000::numeric, 'alice''s lead is unchanged');

-- alice changes her own lead
SELECT pg_temp.act_as('authenticated', 'aaaaaaaa-0000-4000-8000-000000000001');
SELECT is(leadscore.score_leads('[{"id": 500, "permit_value": 12000}]') -> 0 ->> 'stored', 'true',
  'alice changes her own lead');
RESET ROLE;
SELECT is((SELECT permit_value FROM leadscore.leads WHERE id = 500), 12000::numeric, 'and the change is written');

-- service_role, the feed
SELECT pg_temp.act_as('service_role');
SELECT is((SELECT jsonb_agg(x ->> 'stored') FROM jsonb_array_elements(
             leadscore.score_leads('[{"id": 1, "permit_value": 30000}, {"id": 501}]')) x),
  '["true", "true"]'::jsonb, 'service_role writes and stores every lead');
RESET ROLE;
SELECT is((SELECT owner_account FROM leadscore.leads WHERE id = 501), NULL, 'leads the feed creates are shared');
SELECT is((SELECT permit_value FROM leadscore.leads WHERE id = 1), 30000::numeric, 'and it may change shared leads');

-- A request without a JWT subject
SELECT pg_temp.act_as('authenticated');
SELECT throws_ok($$SELECT leadscore.score_leads('[{"id": 1}]')$$, '28000',
  'not signed in: the request has no JWT subject', 'score_leads needs a signed-in caller');
RESET ROLE;

-- Rate limits (superuser-only settings; SET LOCAL inside this test)
SET LOCAL leadscore.max_private_leads_per_day = 2;
SELECT pg_temp.act_as('authenticated', 'bbbbbbbb-0000-4000-8000-000000000002');
SELECT throws_ok($$SELECT leadscore.score_leads('[{"id": 601}, {"id": 602}, {"id": 603}]')$$, '54000',
  'rate limit: this call would write 3 of your own leads, after 0 in the last 24 hours; leadscore.max_private_leads_per_day is 2',
  'a contractor''s own leads are rate-limited per day');
RESET ROLE;
SELECT is((SELECT count(*) FROM leadscore.leads WHERE id BETWEEN 601 AND 603), 0::bigint, 'and nothing of that call is written');
SET LOCAL leadscore.max_feedback_per_day = 1;
SELECT pg_temp.act_as('authenticated', 'bbbbbbbb-0000-4000-8000-000000000002');
SELECT throws_ok($$SELECT leadscore.submit_feedback(501, 'won')$$, '54000',
  'rate limit: 1 feedback rows in the last 24 hours; leadscore.max_feedback_per_day is 1',
  'feedback is rate-limited per account and day');
SELECT lives_ok($$SELECT leadscore.submit_feedback(1, 'quoted')$$,
  'resubmitting a rating already counted is not refused');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
