-- labelled_leads, the view training reads, holds every rated lead: those whose
-- win is resolved and those still pending (a young quote, win_label NULL),
-- with its best rating and deal value. The contact and quote stages learn
-- from all of them, the win stage from the resolved ones: training_readiness()
-- and health() count won, lost and labelled as before and the pending beside.
BEGIN;
\ir fixture.psql
SELECT plan(12);

-- 60 old leads, won or lost; lead 100 is scored but never rated.
INSERT INTO leadscore.leads (id, permit_value, trade_tags, created_at)
SELECT i, 1000 * i, ARRAY[(ARRAY['roofing', 'windows'])[1 + i % 2]], now() - interval '100 days'
  FROM generate_series(1, 60) i;
INSERT INTO leadscore.leads (id, created_at) VALUES (61, now() - interval '100 days'), (100, now());
INSERT INTO leadscore.lead_feedback (account_id, lead_id, rating)
SELECT 'aaaaaaaa-0000-4000-8000-000000000001', i, CASE WHEN i % 3 = 0 OR i > 40 THEN 'won' ELSE 'no_answer' END::leadscore.lead_rating
  FROM generate_series(1, 60) i;
INSERT INTO leadscore.lead_outcomes (lead_id, score, method, scored_at) VALUES (100, 40, 'rules', now());

CREATE TEMP TABLE before ON COMMIT DROP AS SELECT leadscore.training_readiness() AS r, leadscore.health() AS h;
SELECT is((SELECT r ->> 'pending' FROM before), '0', 'no pending lead yet');

-- A young quote with a band: its win is pending.
INSERT INTO leadscore.lead_feedback (account_id, lead_id, rating, deal_band)
VALUES ('bbbbbbbb-0000-4000-8000-000000000002', 61, 'quoted', '$15-50k');
SELECT results_eq('SELECT win_label, best_rating, deal_value, trainable FROM leadscore.labelled_leads WHERE lead_id = 61',
  $$VALUES (NULL::boolean, 'quoted'::leadscore.lead_rating, 32500::numeric, true)$$,
  'labelled_leads holds the young quote, win_label NULL, with its best rating and deal value');
SELECT is((SELECT count(*) FROM leadscore.labelled_leads), 61::bigint, 'every rated lead, resolved or pending');
SELECT is_empty('SELECT * FROM leadscore.labelled_leads WHERE lead_id = 100', 'a lead scored but never rated is not in it');
SELECT results_eq('SELECT count(*) FILTER (WHERE win_label), count(*) FILTER (WHERE NOT win_label), count(*) FILTER (WHERE win_label IS NULL)
                     FROM leadscore.labelled_leads',
  $$VALUES (33::bigint, 27::bigint, 1::bigint)$$, 'won, lost and pending leads side by side');

SELECT is(leadscore.training_readiness() - 'pending', (SELECT r - 'pending' FROM before),
  'training_readiness(): won, lost, labelled and every other count are as before the pending quote');
SELECT is(leadscore.training_readiness() -> 'pending', '1'::jsonb, 'and pending counts it');
SELECT is(leadscore.health() -> 'labelled_leads', (SELECT h -> 'labelled_leads' FROM before),
  'health() counts the labelled leads as before');
SELECT is(leadscore.health() -> 'outcomes' -> 'pending', '1'::jsonb, 'and its outcomes name the pending lead');

-- A quote on a lead too young to train on: pending among the outcomes, but
-- training cannot read it, so training_readiness() does not count it (it
-- made training believe more leads would come than did).
INSERT INTO leadscore.leads (id, created_at) VALUES (62, now());
INSERT INTO leadscore.lead_feedback (account_id, lead_id, rating) VALUES ('bbbbbbbb-0000-4000-8000-000000000002', 62, 'quoted');
SELECT is(leadscore.health() -> 'outcomes' -> 'pending', '2'::jsonb, 'health() names both pending leads');
SELECT is(leadscore.training_readiness() -> 'pending', '1'::jsonb, 'training_readiness() counts only the one training can read');

-- Every trainable rated lead trains (the pending quote the contact and quote stages),
-- and the result counts the pending one apart.
SELECT is((SELECT (r ->> 'training_rows')::int || ' rows, ' || (r ->> 'pending') || ' pending'
             FROM leadscore.train_lead_model(min_feedback => 50, activate => 'never', params => '{"n_trees": 5}') r),
          '61 rows, 1 pending', 'a model trains on all 61 rated leads, the pending quote among them');

SELECT * FROM finish();
ROLLBACK;
