-- updated_at follows every change of a lead or a rating whose writer leaves
-- it as it was (touch_updated_at, whose triggers fire only for those rows),
-- and keeps what a writer sets itself. score_leads() sets it as the trigger
-- would, so rewriting a batch of leads calls no trigger function.
BEGIN;
\ir fixture.psql
SELECT plan(8);

-- Calls of touch_updated_at in this transaction.
SET LOCAL track_functions = 'pl';
CREATE FUNCTION pg_temp.touch_calls() RETURNS bigint LANGUAGE sql AS $$
  SELECT coalesce(pg_stat_get_xact_function_calls('leadscore.touch_updated_at'::regproc), 0)
$$;

INSERT INTO leadscore.leads (id, permit_value, updated_at) VALUES
  (9001, 1000, '2024-01-01 00:00+00'), (9002, 1000, '2024-01-01 00:00+00'),
  (9003, 1000, '2024-01-01 00:00+00'), (9004, 1000, '2024-01-01 00:00+00');
INSERT INTO leadscore.lead_feedback (account_id, lead_id, rating, updated_at) VALUES
  ('aaaaaaaa-0000-4000-8000-000000000001', 9001, 'no_answer', '2024-01-01 00:00+00'),
  ('aaaaaaaa-0000-4000-8000-000000000001', 9002, 'no_answer', '2024-01-01 00:00+00');

SELECT pg_temp.touch_calls() AS before_plain \gset
UPDATE leadscore.leads SET permit_value = 2000 WHERE id = 9001;
SELECT is((SELECT updated_at FROM leadscore.leads WHERE id = 9001), now(),
          'a lead updated without updated_at gets now()');
SELECT is(pg_temp.touch_calls() - :before_plain, 1::bigint, 'the trigger ran for it');

UPDATE leadscore.leads SET permit_value = 2000, updated_at = '2025-05-05 00:00+00' WHERE id = 9002;
SELECT is((SELECT updated_at FROM leadscore.leads WHERE id = 9002), '2025-05-05 00:00+00'::timestamptz,
          'a lead updated with its own updated_at keeps it');

UPDATE leadscore.lead_feedback SET rating = 'quoted' WHERE lead_id = 9001;
UPDATE leadscore.lead_feedback SET rating = 'quoted', updated_at = '2025-05-05 00:00+00' WHERE lead_id = 9002;
SELECT is(ARRAY(SELECT updated_at FROM leadscore.lead_feedback WHERE lead_id IN (9001, 9002) ORDER BY lead_id),
          ARRAY[now(), '2025-05-05 00:00+00'::timestamptz],
          'a rating updated without updated_at gets now(); one updated with it keeps it');

SELECT pg_temp.touch_calls() AS before_rpc \gset
SELECT pg_temp.act_as('service_role');
SELECT is(jsonb_array_length(leadscore.score_leads('[{"id": 9003, "permit_value": 5000}, {"id": 9004}]', false)), 2,
          'score_leads rewrites two existing leads');
RESET ROLE;
SELECT is(ARRAY(SELECT updated_at FROM leadscore.leads WHERE id IN (9003, 9004) ORDER BY id), ARRAY[now(), now()],
          'the leads score_leads rewrote have updated_at now()');
SELECT is((SELECT permit_value FROM leadscore.leads WHERE id = 9003), 5000::numeric, 'with the values of the body');
SELECT is(pg_temp.touch_calls() - :before_rpc, 0::bigint, 'and no call of the trigger function');

SELECT * FROM finish();
ROLLBACK;
