-- train_lead_model() counts the rated leads itself, in the one scan that
-- reads the trainable leads' ids, and asks readiness_verdict() about those
-- counts; training_readiness() counts with SQL. With every kind of rated lead
-- present (trainable won and lost, a pending quote, labelled but too young,
-- labelled without a leads row, a young pending quote), train_lead_model()
-- must refuse in training_readiness()'s words and train with its counts.
BEGIN;
\ir fixture.psql
SELECT plan(10);

-- 20 old leads, won or lost; 4 young labelled leads; a pending quote on an
-- old lead (61) and on a young one (62); 3 rated ids without a leads row.
INSERT INTO leadscore.leads (id, permit_value, trade_tags, created_at)
SELECT i, 1000 * i, ARRAY[(ARRAY['roofing', 'windows'])[1 + i % 2]], now() - interval '100 days'
  FROM generate_series(1, 20) i;
INSERT INTO leadscore.leads (id, created_at) SELECT i, now() FROM generate_series(21, 24) i;
INSERT INTO leadscore.leads (id, created_at) VALUES (61, now() - interval '100 days'), (62, now());
INSERT INTO leadscore.lead_feedback (account_id, lead_id, rating)
SELECT 'aaaaaaaa-0000-4000-8000-000000000001', i,
       CASE WHEN i % 3 = 0 THEN 'won' ELSE 'no_answer' END::leadscore.lead_rating
  FROM (SELECT generate_series(1, 24) UNION ALL SELECT generate_series(201, 203)) g(i);
INSERT INTO leadscore.lead_feedback (account_id, lead_id, rating)
VALUES ('bbbbbbbb-0000-4000-8000-000000000002', 61, 'quoted'),
       ('bbbbbbbb-0000-4000-8000-000000000002', 62, 'quoted');

SELECT results_eq(
  $$SELECT r -> 'won', r -> 'lost', r -> 'labelled', r -> 'too_young', r -> 'without_lead_row', r -> 'pending'
      FROM leadscore.training_readiness() r$$,
  $$VALUES ('6'::jsonb, '14'::jsonb, '27'::jsonb, '4'::jsonb, '3'::jsonb, '1'::jsonb)$$,
  'the fixture has every kind of rated lead training_readiness() counts');

SELECT throws_ok($$SELECT leadscore.train_lead_model()$$, '55000',
  (SELECT leadscore.training_readiness() ->> 'reason'),
  'with the default min_feedback train_lead_model() refuses in training_readiness()''s words');
SELECT throws_ok($$SELECT leadscore.train_lead_model(min_feedback => 1000)$$, '55000',
  (SELECT leadscore.training_readiness(1000) ->> 'reason'),
  'and with a given min_feedback');
SELECT is(leadscore.readiness_verdict(0, 0, 0, 0, 0, 0) -> 'min_feedback',
  leadscore.training_readiness() -> 'min_feedback',
  'readiness_verdict() and training_readiness() have the same default min_feedback');

SAVEPOINT one_class;
UPDATE leadscore.rating_labels SET win_label = false WHERE rating = 'won';
SELECT throws_ok($$SELECT leadscore.train_lead_model(min_feedback => 2)$$, '55000',
  (SELECT leadscore.training_readiness(2) ->> 'reason'),
  'one class: the same words');
ROLLBACK TO SAVEPOINT one_class;

SELECT throws_like($$SELECT leadscore.train_lead_model(min_feedback => 1000, params => '{"depth": 3}')$$,
  'not enough labelled leads to train: %',
  'not ready and a bad parameter: the readiness is reported first, as before');

-- Enough old leads to train: it trains with training_readiness()'s counts.
INSERT INTO leadscore.leads (id, permit_value, trade_tags, created_at)
SELECT i, 1000 * i, ARRAY[(ARRAY['roofing', 'windows'])[1 + i % 2]], now() - interval '100 days'
  FROM generate_series(101, 180) i;
INSERT INTO leadscore.lead_feedback (account_id, lead_id, rating)
SELECT 'aaaaaaaa-0000-4000-8000-000000000001', i,
       CASE WHEN i % 3 = 0 THEN 'won' ELSE 'no_answer' END::leadscore.lead_rating
  FROM generate_series(101, 180) i;
CREATE TEMP TABLE settings_before ON COMMIT DROP AS
  SELECT current_setting('work_mem') AS work_mem, current_setting('jit') AS jit;
CREATE TEMP TABLE trained ON COMMIT DROP AS
  SELECT leadscore.train_lead_model(activate => 'never', params => '{"n_trees": 5, "stage_trees": 5}') AS t,
         leadscore.training_readiness() AS r;
SELECT is((SELECT ROW(current_setting('work_mem'), current_setting('jit'))::text),
          (SELECT ROW(work_mem, jit)::text FROM settings_before),
  'training reads with its own work_mem and jit, and gives the session back its own');
SELECT is((SELECT jsonb_build_object('won', t -> 'won', 'lost', t -> 'lost', 'pending', t -> 'pending') FROM trained),
          (SELECT jsonb_build_object('won', r -> 'won', 'lost', r -> 'lost', 'pending', r -> 'pending') FROM trained),
  'a training run reports training_readiness()''s won, lost and pending');
SELECT is((SELECT (t ->> 'training_rows')::bigint FROM trained),
          (SELECT (r ->> 'won')::bigint + (r ->> 'lost')::bigint + (r ->> 'pending')::bigint FROM trained),
  'and trains on exactly those leads');
SELECT throws_ok($$SELECT leadscore.train_lead_model(params => '{"depth": 3}')$$, '22023', NULL,
  'ready and a bad parameter: the parameter is refused');

SELECT * FROM finish();
ROLLBACK;
