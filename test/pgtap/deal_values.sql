-- Each lead's outcome keeps its best rating (the funnel stage it reached) and
-- its deal value beside its win label: the mean typical value of the deal
-- bands on the ratings equal to the best one, so a won lead's value comes from
-- the win and not from another contractor's quote. Both follow the ratings as
-- they change, a band's bounds as they change, and quotes as they expire.
BEGIN;
\ir fixture.psql
SELECT plan(15);

INSERT INTO auth.users (id) VALUES ('cccccccc-0000-4000-8000-000000000003');
-- Typical values of the default bands: $5-15k 10000, $15-50k 32500, $50-150k 100000.
INSERT INTO leadscore.lead_feedback (account_id, lead_id, rating, deal_band) VALUES
  ('aaaaaaaa-0000-4000-8000-000000000001', 1, 'won',       '$15-50k'),
  ('bbbbbbbb-0000-4000-8000-000000000002', 1, 'quoted',    '$5-15k'),
  ('aaaaaaaa-0000-4000-8000-000000000001', 2, 'quoted',    '$5-15k'),
  ('bbbbbbbb-0000-4000-8000-000000000002', 2, 'quoted',    '$15-50k'),
  ('cccccccc-0000-4000-8000-000000000003', 2, 'no_answer', NULL),
  ('aaaaaaaa-0000-4000-8000-000000000001', 3, 'won',       NULL),
  ('bbbbbbbb-0000-4000-8000-000000000002', 3, 'quoted',    '$50-150k'),
  ('aaaaaaaa-0000-4000-8000-000000000001', 4, 'no_answer', NULL);

SELECT results_eq('SELECT lead_id, best_rating, deal_value FROM leadscore.derived_win_labels ORDER BY lead_id',
  $$VALUES (1::bigint, 'won'::leadscore.lead_rating, 32500::numeric), (2, 'quoted', 21250), (3, 'won', NULL),
           (4, 'no_answer', NULL)$$,
  'deal_value: the won rating''s band beside another''s quote; the mean of two quotes; NULL when the best rating has no band');
SELECT results_eq('SELECT lead_id, win_label, best_rating, deal_value FROM leadscore.lead_outcomes ORDER BY lead_id',
  $$VALUES (1::bigint, true, 'won'::leadscore.lead_rating, 32500::numeric), (2, NULL, 'quoted', 21250),
           (3, true, 'won', NULL), (4, false, 'no_answer', NULL)$$,
  'lead_outcomes stores them with the label');
SELECT results_eq('SELECT lead_id, deal_value_min, deal_value_max FROM leadscore.labelled_leads ORDER BY lead_id',
  $$VALUES (1::bigint, 15000::numeric, 50000::numeric), (2, 5000, 50000), (3, NULL, NULL), (4, NULL, NULL)$$,
  'training reads each band as its range: the won rating''s band; the span of two quotes'' bands; none without a band');

-- Ratings change.
UPDATE leadscore.lead_feedback SET rating = 'won', deal_band = '$50-150k'
 WHERE lead_id = 1 AND account_id = 'bbbbbbbb-0000-4000-8000-000000000002';
SELECT results_eq('SELECT win_label, best_rating, deal_value FROM leadscore.lead_outcomes WHERE lead_id = 1',
  $$VALUES (true, 'won'::leadscore.lead_rating, 66250::numeric)$$,
  'a second win with another band: the mean of the two wins');
UPDATE leadscore.lead_feedback SET deal_band = '$15-50k'
 WHERE lead_id = 1 AND account_id = 'bbbbbbbb-0000-4000-8000-000000000002';
SELECT is((SELECT deal_value FROM leadscore.lead_outcomes WHERE lead_id = 1), 32500::numeric,
  'a band changed without the rating: the value follows');
UPDATE leadscore.lead_feedback SET rating = 'quoted' WHERE lead_id = 4;
SELECT results_eq('SELECT win_label, best_rating, deal_value FROM leadscore.lead_outcomes WHERE lead_id = 4',
  $$VALUES (NULL::boolean, 'quoted'::leadscore.lead_rating, NULL::numeric)$$,
  'no_answer becomes a quote without a band: pending, best rating quoted, no value');
DELETE FROM leadscore.lead_feedback WHERE lead_id = 3 AND rating = 'won';
SELECT results_eq('SELECT win_label, best_rating, deal_value FROM leadscore.lead_outcomes WHERE lead_id = 3',
  $$VALUES (NULL::boolean, 'quoted'::leadscore.lead_rating, 100000::numeric)$$, 'the win withdrawn: the quote''s band gives the value');
DELETE FROM leadscore.lead_feedback WHERE lead_id = 3;
SELECT results_eq('SELECT win_label, best_rating, deal_value FROM leadscore.lead_outcomes WHERE lead_id = 3',
  $$VALUES (NULL::boolean, NULL::leadscore.lead_rating, NULL::numeric)$$,
  'every rating withdrawn: no label, no best rating, no value');

-- Nothing differs, nothing is written.
CREATE TEMP TABLE before ON COMMIT DROP AS SELECT lead_id, xmin::text AS version FROM leadscore.lead_outcomes;
UPDATE leadscore.lead_feedback SET notes = 'called twice' WHERE lead_id = 2;
SELECT is(leadscore.rederive_win_labels(), 0::bigint, 're-deriving what is current changes nothing');
SELECT is((SELECT count(*) FROM leadscore.lead_outcomes o JOIN before b USING (lead_id) WHERE o.xmin::text <> b.version),
  0::bigint, 'and rewrites no outcome row');

-- An operator moves a band's bounds: the values of the leads rated with it follow.
UPDATE leadscore.deal_bands SET max_value = 25000 WHERE band = '$15-50k';
SELECT results_eq('SELECT lead_id, deal_value FROM leadscore.lead_outcomes WHERE lead_id IN (1, 2) ORDER BY lead_id',
  $$VALUES (1::bigint, 20000::numeric), (2, 15000)$$, 'a band''s new bounds move the deal values rated with it');

-- Quotes expire: lead 2's quotes, loaded again as history 61 days old.
CREATE TEMP TABLE aged ON COMMIT DROP AS
  SELECT account_id, lead_id, rating, deal_band FROM leadscore.lead_feedback WHERE lead_id = 2;
DELETE FROM leadscore.lead_feedback WHERE lead_id = 2;
SELECT results_eq('SELECT win_label, best_rating, deal_value FROM leadscore.lead_outcomes WHERE lead_id = 2',
  $$VALUES (NULL::boolean, NULL::leadscore.lead_rating, NULL::numeric)$$,
  'while the ratings are away, the outcome is empty');
INSERT INTO leadscore.lead_feedback (account_id, lead_id, rating, deal_band, created_at, updated_at)
SELECT account_id, lead_id, rating, deal_band, now() - interval '61 days', now() - interval '61 days' FROM aged;
SELECT results_eq('SELECT win_label, best_rating, deal_value FROM leadscore.lead_outcomes WHERE lead_id = 2',
  $$VALUES (false, 'quoted'::leadscore.lead_rating, 15000::numeric)$$, 'an expired quote is lost, and keeps its best rating and deal value');
-- Time passes for a stored outcome: put it back as it was before expiry, and the nightly run re-derives it.
UPDATE leadscore.lead_outcomes SET win_label = NULL, best_rating = NULL, deal_value = NULL WHERE lead_id = 2;
SELECT is(leadscore.rederive_win_labels(), 1::bigint, 'the nightly re-derivation fills the stale outcome once');
-- A win in the open top band leaves the range open above.
UPDATE leadscore.lead_feedback SET deal_band = '$150k+' WHERE lead_id = 1 AND account_id = 'bbbbbbbb-0000-4000-8000-000000000002';
SELECT results_eq('SELECT deal_value_min, deal_value_max FROM leadscore.labelled_leads WHERE lead_id = 1',
  $$VALUES (15000::numeric, NULL::numeric)$$, 'a range that reaches the open top band has no upper bound');
SELECT * FROM finish();
ROLLBACK;
