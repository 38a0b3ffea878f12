-- Where the funnel shows in storage and monitoring: store_scores() keeps a
-- score's stage probabilities and deal values in lead_outcomes (a change in
-- them is a change worth writing) and its expected value in score_history;
-- model_history and latest_model() show each model's per-stage metrics and
-- its value model, NULL for models trained before them.
BEGIN;
SELECT plan(14);

INSERT INTO leadscore.leads (id, updated_at) VALUES (1, now() - interval '1 day'), (2, now() - interval '1 day');
-- lead_id, score, grade, win_prob, confidence, confidence_value, method, model_version, percentile,
-- win_prob_low, win_prob_high, contact_prob, quote_prob, value_if_won, expected_value
CREATE FUNCTION pg_temp.ml(lead bigint, contact float8, quote float8, value_if_won float8, expected float8)
  RETURNS leadscore.lead_score LANGUAGE sql
  AS $$ SELECT ROW(lead, 70, 'A', 0.3, 'high', 0.9, 'ml', 7, 95, 0.25, 0.35, contact, quote, value_if_won, expected)::leadscore.lead_score $$;

SELECT is(leadscore.store_scores(ARRAY[pg_temp.ml(1, 0.8, 0.5, 40000, 12000), pg_temp.ml(2, 0.6, 0.2, NULL, NULL)]),
  2::bigint, 'two new scores are stored');
SELECT results_eq('SELECT lead_id, contact_prob, quote_prob, value_if_won, expected_value FROM leadscore.lead_outcomes ORDER BY lead_id',
  $$VALUES (1::bigint, 0.8::numeric, 0.5::numeric, 40000::numeric, 12000::numeric), (2, 0.6, 0.2, NULL, NULL)$$,
  'lead_outcomes keeps the stage probabilities, the value if won and the expected value');
SELECT results_eq('SELECT lead_id, expected_value FROM leadscore.score_history ORDER BY lead_id',
  $$VALUES (1::bigint, 12000::numeric), (2, NULL)$$, 'score_history keeps the expected value');

SELECT is(leadscore.store_scores(ARRAY[pg_temp.ml(1, 0.8, 0.5, 40000, 12000)]), 0::bigint,
  'the same score again writes nothing');
SELECT is(leadscore.store_scores(ARRAY[pg_temp.ml(1, 0.8, 0.5, 50000, 15000)]), 1::bigint,
  'a new deal value alone is a change worth writing');
SELECT is(leadscore.store_scores(ARRAY[pg_temp.ml(1, 0.9, 0.5, 50000, 15000)]), 1::bigint,
  'and so is a new stage probability alone');
SELECT results_eq('SELECT contact_prob, value_if_won, expected_value FROM leadscore.lead_outcomes WHERE lead_id = 1',
  $$VALUES (0.9::numeric, 50000::numeric, 15000::numeric)$$, 'the stored row follows');
SELECT is((SELECT count(*) FROM leadscore.score_history WHERE lead_id = 1), 1::bigint,
  'history gains a row only when the score, method or model version changes, as before');
SELECT is(leadscore.store_scores(ARRAY[ROW(1, 40, 'C', NULL, 'low', 0.2, 'rules', NULL, NULL, NULL, NULL,
                                           NULL, NULL, NULL, NULL)::leadscore.lead_score]), 1::bigint,
  'the rules score the lead');
SELECT results_eq('SELECT contact_prob, quote_prob, value_if_won, expected_value FROM leadscore.lead_outcomes WHERE lead_id = 1',
  $$VALUES (NULL::numeric, NULL::numeric, NULL::numeric, NULL::numeric)$$,
  'and the stage fields they do not have are cleared');

-- Models: one of 0.3.0's format, one with stages and a value model, one whose stages are malformed.
INSERT INTO leadscore.models (version, algorithm, params, feature_spec, metrics, training_rows, blob)
VALUES (801, 'random_forest', '{}', '{}', '{"auc": 0.7}', 10, '\x00'),
       (802, 'random_forest', '{}', '{}',
        '{"auc": 0.72, "stages": {"contact": {"auc": 0.8, "rows": 100}, "quote": {"auc": 0.75, "rows": 100},
                                  "win": {"auc": 0.72, "rows": 100}},
          "value_model": {"fitted": false, "banded_leads": 12, "min_banded_leads": 200, "estimate": "median typical value"}}',
        10, '\x00'),
       (803, 'random_forest', '{}', '{}', '{"auc": 0.7, "stages": 3}', 10, '\x00');
SELECT results_eq($$SELECT version, stages -> 'quote' -> 'auc', value_model -> 'fitted' FROM leadscore.model_history
                     WHERE version >= 801 ORDER BY version$$,
  $$VALUES (801, NULL::jsonb, NULL::jsonb), (802, '0.75', 'false'), (803, NULL, NULL)$$,
  'model_history: the stages and value model of a model that has them, NULL for an older model or malformed ones');
DELETE FROM leadscore.models WHERE version = 803;
SELECT is(leadscore.latest_model() -> 'stages',
  (SELECT metrics -> 'stages' FROM leadscore.models WHERE version = 802), 'latest_model() shows the stages');
SELECT is(leadscore.latest_model() -> 'value_model' ->> 'estimate', 'median typical value',
  'and the value model, with the estimate it fell back to');
INSERT INTO leadscore.models (version, algorithm, params, feature_spec, metrics, training_rows, blob)
VALUES (803, 'random_forest', '{}', '{}', '{"auc": 0.7, "stages": 3}', 10, '\x00');
SELECT is(leadscore.latest_model() -> 'problems', '["model 803: metrics.stages is number, not object"]'::jsonb,
  'a malformed stages entry is named as a problem');

SELECT * FROM finish();
ROLLBACK;
