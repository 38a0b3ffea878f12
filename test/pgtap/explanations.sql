-- Explanations a contractor can read: one shape in explain_lead, score_leads
-- and ml_inference; points that add up to the score for the model and for the
-- rules; readable labels with the lead's own values.
BEGIN;
\ir fixture.psql
SELECT plan(9);
SELECT last_value AS seq_last, is_called AS seq_called FROM leadscore.models_version_seq \gset

INSERT INTO leadscore.leads (id, address, permit_value, trade_tags, created_at, attributes)
SELECT i, format('%s Elm St, Burlington, VT 05401', i), CASE WHEN i % 9 = 0 THEN NULL ELSE 1000 * (1 + (i * 7919) % 200) END,
       ARRAY[(ARRAY['roofing', 'windows', 'solar'])[1 + i % 3]],
       timestamptz '2026-01-01' + make_interval(days => i % 300),
       jsonb_build_object('owner_occupied', i % 4 <> 0, 'competing_bids', 1 + i % 5)
  FROM generate_series(1, 400) AS i;

-- The sum of base_points, every listed factor and other_points, minus the score.
CREATE FUNCTION pg_temp.gap(e jsonb) RETURNS float8 LANGUAGE sql AS $$
  SELECT abs((e ->> 'base_points')::float8 + (e -> 'top_factors' ->> 'other_points')::float8
             + coalesce((SELECT sum((f ->> 'points')::float8)
                           FROM jsonb_array_elements((e -> 'top_factors' -> 'up') || (e -> 'top_factors' -> 'down')) f), 0)
             - (e ->> 'score')::float8)
$$;

-- Rules: every lead's factors add up to its score (each shown to 0.1 point).
SELECT is(count(*) FILTER (WHERE pg_temp.gap(leadscore.explain_lead(l, 3, false)) > 0.5 + 0.05 * 6), 0::bigint,
          'rules: base + factors = score on every lead') FROM leadscore.leads l;
SELECT is((leadscore.explain_lead(l, 5, false) -> 'top_factors' -> 'up' -> 0) - 'points',
          '{"feature": "permit_value", "label": "Permit value", "value": "$158,000"}'::jsonb,
          'rules: the permit value with its label and the lead''s own value, in dollars')
  FROM leadscore.leads l WHERE id = 3;

CREATE TEMP TABLE truth ON COMMIT DROP AS
SELECT l.id, (coalesce(l.permit_value, 0) > 90000)::int + (l.attributes ->> 'owner_occupied')::boolean::int
             + (l.trade_tags[1] = 'roofing')::int + ((l.id * 31) % 7 = 0)::int >= 2 AS won
  FROM leadscore.leads l;
SELECT is(count(*), 400::bigint, '400 leads rated')
  FROM truth t, LATERAL leadscore.submit_feedback(t.id, CASE WHEN t.won THEN 'won' ELSE 'no_answer' END,
                                                  account_id => 'aaaaaaaa-0000-4000-8000-000000000001') f;
SELECT is(leadscore.train_lead_model(min_feedback => 50, activate => 'always') ->> 'activated', 'true', 'a model is active');

SELECT is(count(*) FILTER (WHERE pg_temp.gap(leadscore.explain_lead(l, 3, true)) > 0.5 + 0.05 * 8), 0::bigint,
          'ml: base + factors = score on every lead') FROM leadscore.leads l;
SELECT is(count(*) FILTER (WHERE NOT (f ?& ARRAY['feature', 'label', 'value', 'points']) OR f ->> 'label' = ''
                              OR f ->> 'value' = ''), 0::bigint,
          'ml: every factor has a feature, a label, the lead''s value and points')
  FROM leadscore.leads l, LATERAL jsonb_array_elements((leadscore.explain_lead(l, 3, true) -> 'top_factors' -> 'up')
                                                       || (leadscore.explain_lead(l, 3, true) -> 'top_factors' -> 'down')) f;
SELECT is(count(*) FILTER (WHERE f ->> 'value' = 'not given' AND f ->> 'feature' <> 'permit_value'), 0::bigint,
          'only the missing permit value reads "not given"')
  FROM leadscore.leads l, LATERAL jsonb_array_elements((leadscore.explain_lead(l, 10, true) -> 'top_factors' -> 'up')
                                                       || (leadscore.explain_lead(l, 10, true) -> 'top_factors' -> 'down')) f;

-- One shape: ml_inference and score_leads return explain_lead's top_factors and base_points.
CREATE TEMP TABLE body ON COMMIT DROP AS
  SELECT jsonb_agg(jsonb_build_object('id', id, 'address', address, 'permit_value', permit_value,
                                      'trade_tags', trade_tags, 'created_at', created_at) || attributes ORDER BY id) AS b
    FROM leadscore.leads WHERE id <= 5;
SELECT is((SELECT jsonb_agg(r -> 'top_factors' ORDER BY (r ->> 'id')::int)
             FROM jsonb_array_elements(leadscore.ml_inference(b, true)) r),
          (SELECT jsonb_agg(leadscore.explain_lead(l, 3, true) -> 'top_factors' ORDER BY l.id)
             FROM leadscore.leads l WHERE id <= 5),
          'ml_inference: the factors of explain_lead') FROM body;
SELECT is((SELECT jsonb_agg(r -> 'top_factors' ORDER BY (r ->> 'id')::int)
             FROM jsonb_array_elements(leadscore.score_leads(b, true)) r),
          (SELECT jsonb_agg(leadscore.explain_lead(l, 3, true) -> 'top_factors' ORDER BY l.id)
             FROM leadscore.leads l WHERE id <= 5),
          'score_leads: the factors of explain_lead') FROM body;

SELECT * FROM finish();
SELECT setval('leadscore.models_version_seq', :seq_last, :'seq_called') IS NOT NULL AS sequence_restored \gset
ROLLBACK;
