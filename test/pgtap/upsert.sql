-- submit_feedback() keeps one row per (account, lead) and replaces it on a
-- second call; get_feedback() returns newest first, pages by after_id and
-- filters by since, lead_id and max_rows.
BEGIN;
\ir fixture.psql
SELECT plan(25);

CREATE TEMP TABLE first_submit ON COMMIT DROP AS
  SELECT * FROM leadscore.lead_feedback WITH NO DATA;
CREATE TEMP TABLE second_submit ON COMMIT DROP AS
  SELECT * FROM leadscore.lead_feedback WITH NO DATA;
GRANT INSERT ON first_submit, second_submit TO authenticated;

-- First submission, then backdated by an hour: now() is fixed for the whole
-- transaction, so without this an update could not be told apart in time.
SELECT pg_temp.act_as('authenticated', 'aaaaaaaa-0000-4000-8000-000000000001');
INSERT INTO first_submit
  SELECT * FROM leadscore.submit_feedback(500, 'quoted', '$5-15k', ARRAY['responsive'], 'sent a quote');
RESET ROLE;
-- (session_replication_role = replica keeps touch_updated_at from firing.)
SET LOCAL session_replication_role = replica;
UPDATE leadscore.lead_feedback
   SET created_at = created_at - interval '1 hour', updated_at = updated_at - interval '1 hour'
 WHERE lead_id = 500;
SET LOCAL session_replication_role = origin;

SELECT pg_temp.act_as('authenticated', 'aaaaaaaa-0000-4000-8000-000000000001');
INSERT INTO second_submit
  SELECT * FROM leadscore.submit_feedback(500, 'won', '$15-50k', ARRAY['good_contact', 'qualified']);
RESET ROLE;

SELECT is((SELECT count(*) FROM leadscore.lead_feedback
            WHERE account_id = 'aaaaaaaa-0000-4000-8000-000000000001' AND lead_id = 500),
          1::bigint, 'a second submit for the same lead leaves one row');
SELECT is((SELECT id FROM second_submit), (SELECT id FROM first_submit),
          'the second submit updates the row in place (same id)');
SELECT results_eq(
  $$SELECT rating::text, deal_band, reason_codes, notes FROM leadscore.lead_feedback
     WHERE account_id = 'aaaaaaaa-0000-4000-8000-000000000001' AND lead_id = 500$$,
  $$VALUES ('won', '$15-50k', ARRAY['good_contact', 'qualified'], NULL::text)$$,
  'every field is replaced, notes left out become NULL');
SELECT results_eq(
  $$SELECT rating::text, deal_band FROM second_submit$$,
  $$VALUES ('won', '$15-50k')$$,
  'submit_feedback() returns the stored row');
SELECT is((SELECT created_at FROM leadscore.lead_feedback WHERE lead_id = 500),
          (SELECT created_at - interval '1 hour' FROM first_submit),
          'created_at is kept');
SELECT ok((SELECT updated_at FROM leadscore.lead_feedback WHERE lead_id = 500)
            > (SELECT updated_at - interval '1 hour' FROM first_submit),
          'updated_at advanced');
SELECT is((SELECT updated_at FROM leadscore.lead_feedback WHERE lead_id = 500), now(),
          'updated_at is the time of the second submit');
SELECT is((SELECT win_label FROM leadscore.lead_outcomes WHERE lead_id = 500), true,
          'the label follows the new rating');

-- Another account's rating of the same lead is a row of its own.
SELECT pg_temp.act_as('authenticated', 'bbbbbbbb-0000-4000-8000-000000000002');
DO $$ BEGIN PERFORM leadscore.submit_feedback(500, 'no_answer'); END $$;
RESET ROLE;
SELECT results_eq(
  $$SELECT account_id::text, rating::text FROM leadscore.lead_feedback WHERE lead_id = 500 ORDER BY account_id$$,
  $$VALUES ('aaaaaaaa-0000-4000-8000-000000000001', 'won'),
           ('bbbbbbbb-0000-4000-8000-000000000002', 'no_answer')$$,
  'one row per (account, lead)');
SELECT throws_ok(
  $$INSERT INTO leadscore.lead_feedback (account_id, lead_id, rating)
    VALUES ('bbbbbbbb-0000-4000-8000-000000000002', 500, 'won')$$,
  '23505', NULL, 'the table itself refuses a second row for (account, lead)');

-- Seven more leads for alice, rated in order 601..607.
SELECT pg_temp.act_as('authenticated', 'aaaaaaaa-0000-4000-8000-000000000001');
DO $$ BEGIN
  FOR i IN 601..607 LOOP PERFORM leadscore.submit_feedback(i, 'no_answer'); END LOOP;
END $$;
RESET ROLE;
-- Lead 601 and 602 were last changed long ago.
SET LOCAL session_replication_role = replica;
UPDATE leadscore.lead_feedback SET updated_at = '2024-01-01 00:00+00' WHERE lead_id IN (601, 602);
SET LOCAL session_replication_role = origin;

SELECT pg_temp.act_as('authenticated', 'aaaaaaaa-0000-4000-8000-000000000001');
SELECT results_eq(
  $$SELECT lead_id FROM leadscore.get_feedback()$$,
  $$VALUES (607::bigint), (606), (605), (604), (603), (602), (601), (500)$$,
  'get_feedback() returns the newest first');
SELECT results_eq(
  $$SELECT lead_id FROM leadscore.get_feedback(max_rows => 3)$$,
  $$VALUES (607::bigint), (606), (605)$$,
  'page 1: max_rows => 3');
SELECT results_eq(
  $$SELECT lead_id FROM leadscore.get_feedback(max_rows => 3,
      after_id => (SELECT min(id) FROM leadscore.get_feedback(max_rows => 3)))$$,
  $$VALUES (604::bigint), (603), (602)$$,
  'page 2: after_id => the last id of page 1');
SELECT results_eq(
  $$SELECT lead_id FROM leadscore.get_feedback(max_rows => 3,
      after_id => (SELECT id FROM leadscore.lead_feedback WHERE lead_id = 602))$$,
  $$VALUES (601::bigint), (500)$$,
  'page 3: the rest');
SELECT is_empty(
  $$SELECT * FROM leadscore.get_feedback(after_id => (SELECT min(id) FROM leadscore.lead_feedback))$$,
  'after the oldest id there is nothing');
SELECT results_eq(
  $$WITH RECURSIVE pages(n, last_id, ids) AS (
      SELECT 1, min(id), array_agg(id ORDER BY id DESC) FROM leadscore.get_feedback(max_rows => 2)
      UNION ALL
      SELECT n + 1, (SELECT min(id) FROM leadscore.get_feedback(max_rows => 2, after_id => last_id)),
             (SELECT array_agg(id ORDER BY id DESC) FROM leadscore.get_feedback(max_rows => 2, after_id => last_id))
        FROM pages WHERE last_id IS NOT NULL)
    SELECT unnest(ids) FROM pages ORDER BY n$$,
  $$SELECT id FROM leadscore.lead_feedback ORDER BY id DESC$$,
  'walking every page of two yields each of the caller''s rows once, in order');
SELECT results_eq(
  $$SELECT lead_id FROM leadscore.get_feedback(since => now() - interval '1 day') ORDER BY lead_id$$,
  $$VALUES (500::bigint), (603), (604), (605), (606), (607)$$,
  'since leaves out rows last changed before it');
SELECT results_eq(
  $$SELECT lead_id FROM leadscore.get_feedback(since => '2024-01-01 00:00+00') ORDER BY lead_id$$,
  $$VALUES (500::bigint), (601), (602), (603), (604), (605), (606), (607)$$,
  'since is inclusive');
SELECT is_empty(
  $$SELECT * FROM leadscore.get_feedback(since => now() + interval '1 second')$$,
  'since in the future returns nothing');
SELECT results_eq(
  $$SELECT lead_id, rating::text FROM leadscore.get_feedback(lead_id => 500)$$,
  $$VALUES (500::bigint, 'won')$$,
  'lead_id returns the caller''s row for that lead only');
SELECT results_eq(
  $$SELECT lead_id FROM leadscore.get_feedback(lead_id => 603, since => now() - interval '1 day')$$,
  $$VALUES (603::bigint)$$,
  'filters combine');
SELECT is((SELECT count(*) FROM leadscore.get_feedback(max_rows => 1)), 1::bigint, 'max_rows => 1 returns one row');
RESET ROLE;

SELECT pg_temp.act_as('service_role');
SELECT results_eq(
  $$SELECT account_id::text FROM leadscore.get_feedback(lead_id => 500)$$,
  $$VALUES ('bbbbbbbb-0000-4000-8000-000000000002'), ('aaaaaaaa-0000-4000-8000-000000000001')$$,
  'service_role: lead_id returns every account''s row, newest first');
-- 149 rows in all, more than the default page of 100.
SELECT lives_ok($q$
  DO $$ BEGIN
    FOR i IN 701..841 LOOP
      PERFORM leadscore.submit_feedback(i, 'quoted', account_id => 'bbbbbbbb-0000-4000-8000-000000000002');
    END LOOP;
  END $$ $q$, 'service_role submits for an account');
SELECT is((SELECT count(*) FROM leadscore.get_feedback()), 100::bigint, 'max_rows defaults to 100');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
