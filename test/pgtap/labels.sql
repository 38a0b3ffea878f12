-- lead_outcomes.win_label: derived from every account's rating of a lead
-- through rating_labels, kept current on insert, update and delete, and
-- re-derived when the operator changes rating_labels.
--
-- The rule, stated here independently of the view that implements it:
-- a lead is won (true) if any rating is a win, lost (false) if every rating is
-- a loss, and unresolved (NULL) otherwise. With the default rating_labels,
-- 'won' is a win, 'quoted' is unresolved, and the other three are losses.
BEGIN;
\ir fixture.psql
SELECT plan(30);

INSERT INTO auth.users (id) VALUES ('eeeeeeee-0000-4000-8000-000000000005');
CREATE TEMP TABLE raters (n, account_id) ON COMMIT DROP AS VALUES
  (1, 'aaaaaaaa-0000-4000-8000-000000000001'::uuid),
  (2, 'bbbbbbbb-0000-4000-8000-000000000002'::uuid),
  (3, 'eeeeeeee-0000-4000-8000-000000000005'::uuid);

-- Every multiset of one to three of the five ratings (5 + 15 + 35 = 55 leads,
-- lead ids from 1001); the n-th rating of a lead comes from rater n.
CREATE TEMP TABLE cases ON COMMIT DROP AS
  WITH r(pos, rating) AS (VALUES
    (1, 'no_answer'), (2, 'bad_contact'), (3, 'not_qualified'), (4, 'quoted'), (5, 'won')),
  multisets(ratings) AS (
    SELECT ARRAY[a.rating] FROM r a
    UNION ALL
    SELECT ARRAY[a.rating, b.rating] FROM r a JOIN r b ON a.pos <= b.pos
    UNION ALL
    SELECT ARRAY[a.rating, b.rating, c.rating]
      FROM r a JOIN r b ON a.pos <= b.pos JOIN r c ON b.pos <= c.pos)
  SELECT 1000 + row_number() OVER (ORDER BY cardinality(ratings), ratings) AS lead_id, ratings
    FROM multisets;

-- The expected label of a list of ratings, given which ratings are wins and
-- which are unresolved (all others are losses).
CREATE FUNCTION pg_temp.expected_label(ratings text[], wins text[], unresolved text[])
  RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN ratings && wins THEN true
              WHEN ratings && unresolved THEN NULL
              ELSE false END
$$;

INSERT INTO leadscore.lead_feedback (account_id, lead_id, rating)
  SELECT r.account_id, c.lead_id, x.rating::leadscore.lead_rating
    FROM cases c, unnest(c.ratings) WITH ORDINALITY AS x(rating, n)
    JOIN raters r USING (n);

SELECT is((SELECT count(*) FROM cases), 55::bigint, '55 multisets of one to three ratings');
SELECT is((SELECT count(*) FROM leadscore.lead_outcomes), 55::bigint, 'one outcome row per rated lead');
SELECT set_eq(
  $$SELECT lead_id, win_label FROM leadscore.lead_outcomes$$,
  $$SELECT lead_id, pg_temp.expected_label(ratings, '{won}', '{quoted}') FROM cases$$,
  'every combination of ratings gets the label the rule gives');
SELECT set_eq(
  $$SELECT c.ratings, o.win_label FROM cases c JOIN leadscore.lead_outcomes o USING (lead_id)
     WHERE cardinality(c.ratings) <= 2 AND c.ratings && '{quoted}'$$,
  $$VALUES ('{quoted}'::text[], NULL::boolean),
           ('{no_answer,quoted}', NULL), ('{bad_contact,quoted}', NULL),
           ('{not_qualified,quoted}', NULL), ('{quoted,quoted}', NULL),
           ('{quoted,won}', true)$$,
  'quoted beside losses is unresolved; beside a win it is won');
SELECT set_eq(
  $$SELECT c.ratings, o.win_label FROM cases c JOIN leadscore.lead_outcomes o USING (lead_id)
     WHERE c.ratings IN ('{won}', '{no_answer}', '{no_answer,won}',
                         '{no_answer,bad_contact,not_qualified}', '{no_answer,quoted,won}')$$,
  $$VALUES ('{won}'::text[], true), ('{no_answer}', false), ('{no_answer,won}', true),
           ('{no_answer,bad_contact,not_qualified}', false), ('{no_answer,quoted,won}', true)$$,
  'spot checks: any win wins, all losses lose');
SELECT set_eq(
  $$SELECT lead_id, win_label FROM leadscore.derived_win_labels$$,
  $$SELECT lead_id, win_label FROM leadscore.lead_outcomes$$,
  'derived_win_labels agrees with lead_outcomes');

-- One lead through its life: insert, update, delete.
INSERT INTO leadscore.lead_feedback (account_id, lead_id, rating)
  VALUES ('aaaaaaaa-0000-4000-8000-000000000001', 1, 'no_answer');
SELECT is((SELECT win_label FROM leadscore.lead_outcomes WHERE lead_id = 1), false, 'insert no_answer: lost');
UPDATE leadscore.lead_outcomes SET win_prob = 0.25 WHERE lead_id = 1;
INSERT INTO leadscore.lead_feedback (account_id, lead_id, rating)
  VALUES ('bbbbbbbb-0000-4000-8000-000000000002', 1, 'quoted');
SELECT is((SELECT win_label FROM leadscore.lead_outcomes WHERE lead_id = 1), NULL, 'insert quoted: unresolved');
UPDATE leadscore.lead_feedback SET rating = 'won' WHERE lead_id = 1 AND account_id = 'bbbbbbbb-0000-4000-8000-000000000002';
SELECT is((SELECT win_label FROM leadscore.lead_outcomes WHERE lead_id = 1), true, 'update quoted -> won: won');
UPDATE leadscore.lead_feedback SET notes = 'called twice' WHERE lead_id = 1;
SELECT is((SELECT win_label FROM leadscore.lead_outcomes WHERE lead_id = 1), true, 'update of notes only: unchanged');
DELETE FROM leadscore.lead_feedback WHERE lead_id = 1 AND account_id = 'bbbbbbbb-0000-4000-8000-000000000002';
SELECT is((SELECT win_label FROM leadscore.lead_outcomes WHERE lead_id = 1), false, 'delete the win: lost again');
UPDATE leadscore.lead_feedback SET lead_id = 2 WHERE lead_id = 1;
SELECT results_eq(
  $$SELECT lead_id, win_label FROM leadscore.lead_outcomes WHERE lead_id IN (1, 2) ORDER BY lead_id$$,
  $$VALUES (1::bigint, NULL::boolean), (2, false)$$,
  'moving a rating to another lead re-derives both');
DELETE FROM leadscore.lead_feedback WHERE lead_id = 2;
SELECT results_eq(
  $$SELECT lead_id, win_label, win_prob FROM leadscore.lead_outcomes WHERE lead_id IN (1, 2) ORDER BY lead_id$$,
  $$VALUES (1::bigint, NULL::boolean, 0.25), (2, NULL, NULL)$$,
  'a lead with no feedback left is unresolved, and its outcome row (and score) is kept');

-- The operator's label table. With the re-derive trigger off, a change leaves
-- labels stale and rederive_win_labels() reports how many it fixes.
SET CONSTRAINTS ALL IMMEDIATE;
ALTER TABLE leadscore.rating_labels DISABLE TRIGGER rederive_win_labels;
UPDATE leadscore.rating_labels SET win_label = false WHERE rating = 'quoted';
SELECT set_eq(
  $$SELECT lead_id, win_label FROM leadscore.lead_outcomes WHERE lead_id > 1000$$,
  $$SELECT lead_id, pg_temp.expected_label(ratings, '{won}', '{quoted}') FROM cases$$,
  'without the trigger the labels are stale');
SELECT is(leadscore.rederive_win_labels(),
  (SELECT count(*) FROM cases WHERE pg_temp.expected_label(ratings, '{won}', '{quoted}') IS NULL),
  'rederive_win_labels() returns how many labels changed (every unresolved lead)');
SELECT set_eq(
  $$SELECT lead_id, win_label FROM leadscore.lead_outcomes WHERE lead_id > 1000$$,
  $$SELECT lead_id, pg_temp.expected_label(ratings, '{won}', '{}') FROM cases$$,
  'quoted = false: every lead without a win is lost');
SELECT is(leadscore.rederive_win_labels(), 0::bigint, 'a second rederive changes nothing');
ALTER TABLE leadscore.rating_labels ENABLE TRIGGER rederive_win_labels;

-- With the trigger, the change re-derives by itself.
UPDATE leadscore.rating_labels SET win_label = NULL WHERE rating = 'quoted';
SELECT set_eq(
  $$SELECT lead_id, win_label FROM leadscore.lead_outcomes WHERE lead_id > 1000$$,
  $$SELECT lead_id, pg_temp.expected_label(ratings, '{won}', '{quoted}') FROM cases$$,
  'UPDATE of rating_labels re-derives every label');
UPDATE leadscore.rating_labels SET win_label = NULL WHERE rating = 'no_answer';
SELECT set_eq(
  $$SELECT lead_id, win_label FROM leadscore.lead_outcomes WHERE lead_id > 1000$$,
  $$SELECT lead_id, pg_temp.expected_label(ratings, '{won}', '{quoted,no_answer}') FROM cases$$,
  'no_answer = NULL: leads with no_answer and no win become unresolved');
UPDATE leadscore.rating_labels SET win_label = false WHERE rating = 'no_answer';

-- INSERT of an existing rating replaces the row (as a restored dump does).
SELECT lives_ok(
  $$INSERT INTO leadscore.rating_labels (rating, win_label, description)
    VALUES ('quoted', true, 'a quote counts as a win here')$$,
  'INSERT of an existing rating succeeds');
SELECT results_eq(
  $$SELECT count(*), count(*) FILTER (WHERE rating = 'quoted' AND win_label
                                      AND description = 'a quote counts as a win here')
      FROM leadscore.rating_labels$$,
  $$VALUES (5::bigint, 1::bigint)$$,
  'it replaced the row: still five ratings, quoted now a win');
SELECT set_eq(
  $$SELECT lead_id, win_label FROM leadscore.lead_outcomes WHERE lead_id > 1000$$,
  $$SELECT lead_id, pg_temp.expected_label(ratings, '{won,quoted}', '{}') FROM cases$$,
  'and re-derived every label');
SELECT throws_ok($$DELETE FROM leadscore.rating_labels WHERE rating = 'won'$$, '23503', NULL,
  'a rating in use keeps its row in rating_labels (change its win_label instead)');
UPDATE leadscore.rating_labels SET win_label = NULL WHERE rating = 'quoted';
SELECT set_eq(
  $$SELECT lead_id, win_label FROM leadscore.lead_outcomes WHERE lead_id > 1000$$,
  $$SELECT lead_id, pg_temp.expected_label(ratings, '{won}', '{quoted}') FROM cases$$,
  'back to the defaults, back to the first labels');
SELECT results_eq(
  $$SELECT count(*)::int, bool_and(r.win_label IS NOT DISTINCT FROM
                                   CASE r.rating WHEN 'won' THEN true WHEN 'quoted' THEN NULL ELSE false END)
      FROM leadscore.rating_labels r$$,
  $$VALUES (5, true)$$,
  'rating_labels holds the defaults again');

-- Deleting an account deletes its feedback and re-derives the leads it rated:
-- each lead loses its second rating (rater 2 is bob).
DELETE FROM auth.users WHERE id = 'bbbbbbbb-0000-4000-8000-000000000002';
SELECT is((SELECT count(*) FROM leadscore.lead_feedback
            WHERE account_id = 'bbbbbbbb-0000-4000-8000-000000000002'), 0::bigint,
          'deleting an account deletes its feedback');
SELECT set_eq(
  $$SELECT lead_id, win_label FROM leadscore.lead_outcomes WHERE lead_id > 1000$$,
  $$SELECT lead_id, pg_temp.expected_label(ratings[1:1] || ratings[3:3], '{won}', '{quoted}') FROM cases$$,
  'and re-derives the labels of the leads it rated');
SELECT is((SELECT win_label FROM leadscore.lead_outcomes o JOIN cases c USING (lead_id)
            WHERE c.ratings = '{no_answer,won}'), false,
          'e.g. no_answer + bob''s won: lost once bob is gone');
SELECT is((SELECT count(*) FROM leadscore.lead_outcomes WHERE lead_id > 1000), 55::bigint,
          'every outcome row is kept');
SELECT results_eq(
  $$SELECT DISTINCT win_label FROM leadscore.lead_outcomes o JOIN cases c USING (lead_id)
     WHERE cardinality(c.ratings) = 2 AND c.ratings[1] = 'quoted'$$,
  $$VALUES (NULL::boolean)$$,
  'quoted + bob''s rating: unresolved once bob is gone');

SELECT * FROM finish();
ROLLBACK;
