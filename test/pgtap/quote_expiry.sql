-- Quotes resolve: a rating that rating_labels maps to NULL (by default
-- quoted) is a pending deal while young and a lost one once its feedback row
-- is older than leadscore.quote_expiry_days; the stored label follows when
-- the nightly run (or any change of the lead's feedback, a quote submitted
-- again included) re-derives it.
BEGIN;
\ir fixture.psql
SELECT plan(13);

INSERT INTO leadscore.leads (id) SELECT generate_series(1, 6);
SELECT pg_temp.act_as('service_role');
SELECT leadscore.submit_feedback(1, 'quoted', account_id => 'aaaaaaaa-0000-4000-8000-000000000001');
SELECT leadscore.submit_feedback(2, 'quoted', account_id => 'aaaaaaaa-0000-4000-8000-000000000001');
SELECT leadscore.submit_feedback(2, 'no_answer', account_id => 'bbbbbbbb-0000-4000-8000-000000000002');
SELECT leadscore.submit_feedback(3, 'quoted', account_id => 'aaaaaaaa-0000-4000-8000-000000000001');
SELECT leadscore.submit_feedback(3, 'won', account_id => 'bbbbbbbb-0000-4000-8000-000000000002');
SELECT leadscore.submit_feedback(4, 'quoted', account_id => 'aaaaaaaa-0000-4000-8000-000000000001');
SELECT leadscore.submit_feedback(4, 'quoted', account_id => 'bbbbbbbb-0000-4000-8000-000000000002');
RESET ROLE;

SELECT results_eq('SELECT lead_id, win_label FROM leadscore.lead_outcomes WHERE lead_id <= 4 ORDER BY lead_id',
  $$VALUES (1::bigint, NULL::boolean), (2, NULL), (3, true), (4, NULL)$$,
  'young quotes are pending, alone or beside a loss; a win beside a quote is a win');

-- Time passes for some of the quotes: the same ratings, loaded again in bulk
-- as history with their own timestamps, 61 days old.
CREATE TEMP TABLE aged ON COMMIT DROP AS
  SELECT account_id, lead_id, rating FROM leadscore.lead_feedback
   WHERE lead_id IN (1, 2, 3) OR (lead_id = 4 AND account_id = 'aaaaaaaa-0000-4000-8000-000000000001');
DELETE FROM leadscore.lead_feedback f USING aged a WHERE f.account_id = a.account_id AND f.lead_id = a.lead_id;
INSERT INTO leadscore.lead_feedback (account_id, lead_id, rating, created_at, updated_at)
SELECT account_id, lead_id, rating, now() - interval '61 days', now() - interval '61 days' FROM aged;
-- The statement-level trigger derived the labels from the loaded rows at once;
-- to watch the nightly run do it, put the stored labels back to pending.
UPDATE leadscore.lead_outcomes SET win_label = NULL WHERE lead_id IN (1, 2);
SELECT results_eq('SELECT lead_id, win_label FROM leadscore.derived_win_labels WHERE lead_id <= 4 ORDER BY lead_id',
  $$VALUES (1::bigint, false), (2, false), (3, true), (4, NULL)$$,
  'after 60 days a quote counts as lost, alone or beside a loss; one young quote keeps lead 4 pending');
SELECT is((SELECT win_label FROM leadscore.lead_outcomes WHERE lead_id = 1), NULL::boolean,
  'a stored label that is pending waits for a re-derivation');

SET LOCAL leadscore.enable_nightly_training = on;
CREATE TEMP TABLE run ON COMMIT DROP AS SELECT leadscore.nightly_training() AS r;
SELECT is((SELECT (r ->> 'relabelled')::int FROM run), 2, 'the nightly run re-derives the labels of the quotes that expired');
SELECT results_eq('SELECT lead_id, win_label FROM leadscore.lead_outcomes WHERE lead_id <= 4 ORDER BY lead_id',
  $$VALUES (1::bigint, false), (2, false), (3, true), (4, NULL)$$, 'and the stored labels follow');

SET LOCAL leadscore.quote_expiry_days = 90;
SELECT is(leadscore.rederive_win_labels(), 2::bigint, 'a longer expiry makes those quotes pending again');
SELECT is((SELECT win_label FROM leadscore.lead_outcomes WHERE lead_id = 1), NULL::boolean, 'lead 1 is pending');
RESET leadscore.quote_expiry_days;

-- An expired quote submitted again is young again: pending at once, not at the next nightly run.
INSERT INTO leadscore.lead_feedback (account_id, lead_id, rating, created_at, updated_at)
VALUES ('aaaaaaaa-0000-4000-8000-000000000001', 6, 'quoted', now() - interval '61 days', now() - interval '61 days');
SELECT is((SELECT win_label FROM leadscore.lead_outcomes WHERE lead_id = 6), false, 'an expired quote is lost');
SELECT pg_temp.act_as('service_role');
SELECT leadscore.submit_feedback(6, 'quoted', account_id => 'aaaaaaaa-0000-4000-8000-000000000001');
RESET ROLE;
SELECT is((SELECT win_label FROM leadscore.lead_outcomes WHERE lead_id = 6), NULL::boolean,
  'submitted again, the quote is pending at once');
SELECT cmp_ok((SELECT quote_age_days FROM leadscore.labelled_leads WHERE lead_id = 6), '<', 1::float8,
  'and training reads it as a young open quote, on the clock its expiry reads');

-- An operator's mapping comes first: a rating it maps to true or false never expires into anything else.
UPDATE leadscore.rating_labels SET win_label = true WHERE rating = 'quoted';
SELECT is((SELECT win_label FROM leadscore.lead_outcomes WHERE lead_id = 1), true,
  'quoted mapped to won: an old quote is a win, not a loss');
UPDATE leadscore.rating_labels SET win_label = NULL WHERE rating = 'not_qualified';
INSERT INTO leadscore.lead_feedback (account_id, lead_id, rating, updated_at)
VALUES ('aaaaaaaa-0000-4000-8000-000000000001', 5, 'not_qualified', now() - interval '61 days');
SELECT is((SELECT win_label FROM leadscore.derived_win_labels WHERE lead_id = 5), false,
  'any rating an operator maps to NULL expires the same way');

SELECT is((leadscore.health() -> 'outcomes') - 'unrated',
  (SELECT jsonb_build_object('won', count(*) FILTER (WHERE win_label), 'lost', count(*) FILTER (WHERE NOT win_label),
                             'pending', count(*) FILTER (WHERE win_label IS NULL))
     FROM leadscore.lead_outcomes WHERE lead_id <= 6),
  'health() counts won, lost and pending leads');

SELECT * FROM finish();
ROLLBACK;
