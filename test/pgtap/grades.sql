-- Relative grades: the percentile of a score and the grade of its band. Rules
-- scores rank against the fixed reference (src/core/rules_reference.inc), so
-- their percentiles are known by hand; model scores rank against the model's
-- held-out leads. Operators' bands are checked for range, overlap and gap.
BEGIN;
\ir fixture.psql
SELECT plan(20);
-- Models trained here are rolled back, but the version sequence is not: put it back at the end.
SELECT last_value AS seq_last, is_called AS seq_called FROM leadscore.models_version_seq \gset
-- Check the bands at each statement, not at commit, so each bad edit fails here.
SET CONSTRAINTS leadscore.grade_bands_cover_0_to_100 IMMEDIATE;

SELECT results_eq($$SELECT grade, min_percentile, max_percentile FROM leadscore.grade_bands ORDER BY min_percentile DESC$$,
  $$VALUES ('A', 90::float8, 100::float8), ('B', 70, 90), ('C', 40, 70), ('D', 0, 40)$$,
  'default bands: A top 10%, B next 20%, C next 30%, D the rest');

INSERT INTO leadscore.leads (id, address, permit_value, trade_tags, created_at, attributes)
SELECT i, format('%s Elm St, Springfield, IL 62704', i), 1000 * (1 + (i * 7919) % 200),
       ARRAY[(ARRAY['roofing', 'windows', 'solar'])[1 + i % 3]],
       timestamptz '2026-01-01' + make_interval(days => i % 300),
       jsonb_build_object('owner_occupied', i % 4 <> 0, 'competing_bids', 1 + i % 5)
  FROM generate_series(1, 400) AS i;

-- Rules: only a base, so every lead scores the base; its percentile is the
-- reference's share of leads below that score.
DELETE FROM leadscore.rule_weights;
INSERT INTO leadscore.rule_weights (factor, key, points) VALUES ('base', '', 50);
SELECT is(((leadscore.score_lead(l, false)).percentile, (leadscore.score_lead(l, false)).grade),
          (87.82::float8, 'B'::text), 'rules score 50: 87.82% of the reference below it, grade B')
  FROM leadscore.leads l WHERE id = 1;
UPDATE leadscore.rule_weights SET points = 52;
SELECT is(((leadscore.score_lead(l, false)).percentile, (leadscore.score_lead(l, false)).grade),
          (92.35::float8, 'A'::text), 'rules score 52: 92.35%, grade A')
  FROM leadscore.leads l WHERE id = 1;
UPDATE leadscore.rule_weights SET points = 30;
SELECT is(((leadscore.score_lead(l, false)).percentile, (leadscore.score_lead(l, false)).grade),
          (19.27::float8, 'D'::text), 'rules score 30: 19.27%, grade D')
  FROM leadscore.leads l WHERE id = 1;

-- Operators change the bands in one statement; the grade follows.
UPDATE leadscore.grade_bands
   SET min_percentile = CASE grade WHEN 'A' THEN 15 WHEN 'B' THEN 10 WHEN 'C' THEN 5 ELSE 0 END,
       max_percentile = CASE grade WHEN 'A' THEN 100 WHEN 'B' THEN 15 WHEN 'C' THEN 10 ELSE 5 END;
SELECT is((leadscore.score_lead(l, false)).grade, 'A', 'with A from percentile 15, 19.27% is an A')
  FROM leadscore.leads l WHERE id = 1;
-- Several statements that pass through invalid bands, checked at the end
-- (by default the check runs at commit).
SELECT lives_ok($$SET CONSTRAINTS leadscore.grade_bands_cover_0_to_100 DEFERRED;
                  DELETE FROM leadscore.grade_bands WHERE grade IN ('B', 'C', 'D');
                  UPDATE leadscore.grade_bands SET min_percentile = 0 WHERE grade = 'A';
                  SET CONSTRAINTS leadscore.grade_bands_cover_0_to_100 IMMEDIATE$$,
                'one band may cover everything, reached in several statements');

-- Bad bands are refused, naming the problem.
SELECT throws_ok($$UPDATE leadscore.grade_bands SET max_percentile = 101$$, '23514', NULL,
                 'a bound above 100 is refused');
SELECT throws_ok($$INSERT INTO leadscore.grade_bands (grade, min_percentile, max_percentile) VALUES ('Z', -1, 10)$$,
                 '23514', NULL, 'a bound below 0 is refused');
SELECT throws_ok($$INSERT INTO leadscore.grade_bands (grade, min_percentile, max_percentile) VALUES ('Z', 40, 40)$$,
                 '23514', NULL, 'an empty band is refused');
SELECT throws_ok($$INSERT INTO leadscore.grade_bands (grade, min_percentile, max_percentile) VALUES ('Z', 90, 100)$$,
                 '23514', 'grade bands: A and Z overlap', 'overlapping bands are refused');
SELECT throws_ok($$UPDATE leadscore.grade_bands SET min_percentile = 50$$,
                 '23514', 'grade bands: no band starts at percentile 0 (the lowest, A, starts at 50)',
                 'a band must start at 0');
SELECT throws_ok($$UPDATE leadscore.grade_bands SET max_percentile = 99$$,
                 '23514', 'grade bands: no band reaches percentile 100 (the highest, A, ends at 99)',
                 'a band must reach 100');
SELECT throws_ok($$DELETE FROM leadscore.grade_bands$$, '23514', 'grade bands: there must be at least one band',
                 'the bands cannot be emptied');
SELECT throws_ok($$SET CONSTRAINTS leadscore.grade_bands_cover_0_to_100 DEFERRED;
                   UPDATE leadscore.grade_bands SET min_percentile = 60 WHERE grade = 'A';
                   INSERT INTO leadscore.grade_bands (grade, min_percentile, max_percentile) VALUES ('D', 0, 50);
                   SET CONSTRAINTS leadscore.grade_bands_cover_0_to_100 IMMEDIATE$$,
                 '23514', 'grade bands: a gap lies between D and A', 'a gap between bands is refused');

-- Back to the defaults (an INSERT of an existing grade replaces it).
SET CONSTRAINTS leadscore.grade_bands_cover_0_to_100 DEFERRED;
INSERT INTO leadscore.grade_bands (grade, min_percentile, max_percentile) VALUES
  ('A', 90, 100), ('B', 70, 90), ('C', 40, 70), ('D', 0, 40);
SET CONSTRAINTS leadscore.grade_bands_cover_0_to_100 IMMEDIATE;

-- A model: every score has a percentile in 0..100 that rises with win_prob,
-- and the grade of its band.
CREATE TEMP TABLE truth ON COMMIT DROP AS
SELECT l.id, (l.permit_value > 90000)::int + (l.attributes ->> 'owner_occupied')::boolean::int
             + (l.trade_tags[1] = 'roofing')::int + ((l.id * 31) % 7 = 0)::int >= 2 AS won
  FROM leadscore.leads l;
SELECT is(count(*), 400::bigint, '400 leads rated')
  FROM truth t, LATERAL leadscore.submit_feedback(t.id, CASE WHEN t.won THEN 'won' ELSE 'no_answer' END,
                                                  account_id => 'aaaaaaaa-0000-4000-8000-000000000001') f;
SELECT is(leadscore.train_lead_model(min_feedback => 50, activate => 'always') ->> 'activated', 'true',
          'a model is active');
CREATE TEMP TABLE scored ON COMMIT DROP AS
  SELECT s.* FROM leadscore.leads l, LATERAL leadscore.score_lead(l, true) s;
SELECT is(count(*) FILTER (WHERE method = 'ml' AND percentile BETWEEN 0 AND 100), 400::bigint,
          'every model score has a percentile in 0..100') FROM scored;
SELECT is(count(*), 0::bigint, 'a higher win_prob never has a lower percentile')
  FROM scored a JOIN scored b ON a.win_prob > b.win_prob AND a.percentile < b.percentile;
SELECT is(count(*) FILTER (WHERE s.grade = b.grade), 400::bigint, 'every grade is the band of its percentile')
  FROM scored s JOIN leadscore.grade_bands b
    ON s.percentile >= b.min_percentile AND (s.percentile < b.max_percentile OR b.max_percentile = 100);
SELECT ok(count(DISTINCT grade) >= 3, 'the leads spread over at least three grades') FROM scored;

SELECT * FROM finish();
SELECT setval('leadscore.models_version_seq', :seq_last, :'seq_called') IS NOT NULL AS sequence_restored \gset
ROLLBACK;
