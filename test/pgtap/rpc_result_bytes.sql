-- The result body of ml_inference and score_leads is built as jsonb directly
-- (src/pg/jsonb_builder.hpp) instead of being written as JSON text and parsed
-- by jsonb_in. It must be the very jsonb the text path made, byte for byte:
-- the same numerics with the same scale, keys in jsonb's order, the same
-- JEntry offsets and padding. Each result is compared, as bytes, with
--  - the previous SQL path (score_result(score_lead(l), explain_lead(l, 3))
--    per lead, aggregated with jsonb_agg), which builds every number from
--    its text, and
--  - its own text read back by jsonb_in (the layout jsonb_in makes of it),
-- on bodies that reach every member a result can have or lack: rules (each
-- fallback reason) and model scores, with and without deal values, "stored"
-- true, false and absent, leads with nothing but an id, factor values with
-- quotes, backslashes, control characters and non-ASCII text, and each
-- form of float output (extra_float_digits).
BEGIN;
\ir fixture.psql
SELECT plan(14);
SELECT last_value AS seq_last, is_called AS seq_called FROM leadscore.models_version_seq \gset

-- A jsonb's bytes as bytea: a binary-coercible cast only relabels the
-- varlena, so bytea equality compares the jsonb's binary layout.
CREATE CAST (jsonb AS bytea) WITHOUT FUNCTION;
SELECT ok('[1.0]'::jsonb = '[1]'::jsonb AND '[1.0]'::jsonb::bytea <> '[1]'::jsonb::bytea
          AND '{"b": 1, "a": 2}'::jsonb::bytea = '{"a": 2, "b": 1}'::jsonb::bytea,
          'the byte comparison tells numerics of different scale apart, as jsonb equality does not');

-- 800 leads through the funnel with their feedback; each carries a "source"
-- that tells much about its outcome, so that the model lists it among the
-- factors, with the lead's own value: quotes, backslashes, a tab, a newline,
-- a control character, non-ASCII and right-to-left text.
\set leads 800
\set seed 11
\set accounts 3
\o /dev/null
\ir ../../demo/generate.sql
\o
UPDATE leadscore.leads l
   SET attributes = l.attributes || jsonb_build_object('source',
         (ARRAY['door "hanger"', 'back\slash \\ and \"', E'tab\there\nnewline', E'bell\x07 ding',
                'Königstraße ✓ 😀', 'שלום ‮olleh'])[1 + CASE WHEN d.stage >= 2 THEN l.id % 2 ELSE 2 + l.id % 4 END])
  FROM demo_leads d WHERE d.id = l.id;

-- Bodies of leads like those (ids from 100000 on): every field, or some
-- left out, or nothing but the id.
CREATE FUNCTION pg_temp.body(first_id int, n int) RETURNS jsonb
  LANGUAGE sql AS $$
  SELECT coalesce(jsonb_agg(
           CASE WHEN l.id % 13 = 0 THEN jsonb_build_object('id', first_id + l.id)
                WHEN l.id % 5 = 0 THEN jsonb_build_object('id', first_id + l.id, 'address', NULL, 'permit_value', NULL,
                                                          'trade_tags', '[]'::jsonb, 'created_at', l.created_at)
                ELSE jsonb_build_object('id', first_id + l.id, 'address', l.address, 'permit_value', l.permit_value,
                                        'trade_tags', l.trade_tags, 'created_at', l.created_at) || l.attributes
           END ORDER BY l.id), '[]')
    FROM leadscore.leads l WHERE l.id <= n
$$;
CREATE TEMP TABLE bodies ON COMMIT DROP AS
SELECT b FROM (VALUES (pg_temp.body(100000, 0)), (pg_temp.body(100000, 1)), (pg_temp.body(100000, 13)),
                      (pg_temp.body(200000, 40)), (pg_temp.body(300000, 150))) AS t(b);

-- Every result, with the previous SQL path's body for the same call.
CREATE TEMP TABLE results (label text, result jsonb, previous jsonb) ON COMMIT DROP;
GRANT ALL ON results TO PUBLIC;
GRANT SELECT ON bodies TO PUBLIC;

-- fn (ml_inference or score_leads) on every body, with use_ml; kept in results.
CREATE FUNCTION pg_temp.call_all(label text, fn text, use_ml boolean) RETURNS void
  LANGUAGE plpgsql AS $$
DECLARE
  body jsonb;
  result jsonb;
  parsed leadscore.leads[];
BEGIN
  FOR body IN SELECT b FROM bodies LOOP
    EXECUTE format('SELECT leadscore.%I($1, $2)', fn) INTO result USING body, use_ml;
    parsed := ARRAY(SELECT p FROM leadscore.parse_leads(body) AS p);
    -- "stored" as the call answered it: what it means is rpc_results.sql's
    -- concern; here it is a member like the others.
    INSERT INTO results
    SELECT label, result,
           (SELECT coalesce(jsonb_agg(leadscore.score_result(leadscore.score_lead(parsed[i], use_ml),
                                                             leadscore.explain_lead(parsed[i], 3, use_ml))
                                      || CASE WHEN fn = 'score_leads'
                                              THEN jsonb_build_object('stored', result -> (i - 1) -> 'stored')
                                              ELSE '{}' END
                                      ORDER BY i), '[]')
              FROM generate_subscripts(parsed, 1) AS i);
  END LOOP;
END
$$;

-- The results whose bytes differ from the previous path's or from jsonb_in's.
CREATE TEMP VIEW differing AS
SELECT label, left(result::text, 300) AS result
  FROM results
 WHERE result::bytea IS DISTINCT FROM previous::bytea
    OR result::bytea IS DISTINCT FROM (result::text::jsonb)::bytea;

-- bob owns some of the ids, so alice's call stores some leads and not others.
INSERT INTO leadscore.leads (id, owner_account)
SELECT 200000 + i, 'bbbbbbbb-0000-4000-8000-000000000002' FROM generate_series(1, 40, 3) AS i;

-- No model: the rules, for each reason.
SELECT pg_temp.call_all('rules, flag off', 'ml_inference', NULL);
SELECT pg_temp.call_all('rules, not requested', 'ml_inference', false);
SELECT pg_temp.call_all('rules, no model', 'ml_inference', true);
SELECT pg_temp.act_as('service_role');
SELECT pg_temp.call_all('rules, score_leads as the service', 'score_leads', NULL);
RESET ROLE;
SELECT pg_temp.act_as('authenticated', 'aaaaaaaa-0000-4000-8000-000000000001');
SELECT pg_temp.call_all('rules, score_leads as a contractor', 'score_leads', NULL);
RESET ROLE;
SELECT is_empty('SELECT * FROM differing', 'rules: the same bytes as the previous path and as jsonb_in');

-- A model with the funnel and deal values.
SELECT is(leadscore.train_lead_model(min_feedback => 50, activate => 'always',
            params => '{"n_trees": 20, "value_trees": 10, "max_depth": 6}') ->> 'activated', 'true',
          'a model with deal values serves');
SELECT pg_temp.call_all('model', 'ml_inference', true);
SELECT pg_temp.act_as('authenticated', 'aaaaaaaa-0000-4000-8000-000000000001');
SELECT pg_temp.call_all('model, score_leads as a contractor', 'score_leads', true);
RESET ROLE;
SET LOCAL extra_float_digits = 0;
SELECT pg_temp.call_all('model, extra_float_digits 0', 'ml_inference', true);
SET LOCAL extra_float_digits = -14;
SELECT pg_temp.call_all('model, extra_float_digits -14', 'ml_inference', true);
SET LOCAL extra_float_digits = 3;
SELECT pg_temp.call_all('model, extra_float_digits 3', 'ml_inference', true);
RESET extra_float_digits;
SELECT is_empty('SELECT * FROM differing', 'model: the same bytes as the previous path and as jsonb_in');

-- A model without deal values: no band on any rating.
UPDATE leadscore.lead_feedback SET deal_band = NULL;
SELECT is(leadscore.train_lead_model(min_feedback => 50, activate => 'always',
            params => '{"n_trees": 20, "max_depth": 6}') ->> 'activated', 'true',
          'a model without deal values serves');
SELECT pg_temp.call_all('model without values', 'ml_inference', true);
SELECT pg_temp.act_as('service_role');
SELECT pg_temp.call_all('model without values, score_leads as the service', 'score_leads', true);
RESET ROLE;
SELECT is_empty('SELECT * FROM differing', 'model without values: the same bytes as the previous path and as jsonb_in');

-- The bodies reached what they are meant to reach.
CREATE TEMP VIEW each AS
SELECT r.label, e.value AS e FROM results r, jsonb_array_elements(r.result) AS e;
CREATE TEMP VIEW factors AS
SELECT f.value AS f FROM each, jsonb_array_elements((e -> 'top_factors' -> 'up') || (e -> 'top_factors' -> 'down')) AS f;
SELECT is(ARRAY(SELECT DISTINCT e ->> 'fallback_reason' FROM each WHERE e ? 'fallback_reason' ORDER BY 1),
          ARRAY['flag_off', 'ml_not_requested', 'no_active_model'], 'every fallback reason');
SELECT is(ARRAY(SELECT DISTINCT e -> 'stored' FROM each ORDER BY 1),
          ARRAY['false', 'true', NULL]::jsonb[], '"stored" false, true and absent');
SELECT ok(EXISTS (SELECT FROM each WHERE e ->> 'method' = 'ml' AND e ? 'value_if_won' AND e ? 'expected_value'
                                             AND e ? 'contact_prob' AND e ? 'quote_prob')
          AND EXISTS (SELECT FROM each WHERE e ->> 'method' = 'ml' AND NOT e ? 'value_if_won'
                                                 AND NOT e ? 'expected_value')
          AND EXISTS (SELECT FROM each WHERE e ->> 'method' = 'rules' AND NOT e ? 'win_prob'
                                                 AND NOT e ? 'model_version' AND NOT e ? 'confidence_value'),
          'model results with and without deal values, rules results without the model''s members');
SELECT ok(EXISTS (SELECT FROM each WHERE e -> 'top_factors' -> 'up' = '[]')
          AND EXISTS (SELECT FROM each WHERE e -> 'top_factors' -> 'down' = '[]')
          AND EXISTS (SELECT FROM results WHERE result = '[]'),
          'empty factor lists and an empty body');
SELECT ok(ARRAY(SELECT DISTINCT f ->> 'value' FROM factors WHERE f ->> 'feature' = 'attributes.source')
          @> ARRAY['door "hanger"', 'back\slash \\ and \"', E'tab\there\nnewline', E'bell\x07 ding',
                   'Königstraße ✓ 😀', 'שלום ‮olleh'],
          'factor values with quotes, backslashes, control characters and non-ASCII text');
-- Significant digits of a probability's text.
CREATE FUNCTION pg_temp.digits(p text) RETURNS int LANGUAGE sql AS $$ SELECT length(regexp_replace(p, '^0\.0*', '')) $$;
SELECT ok((SELECT max(pg_temp.digits(e ->> 'win_prob')) >= 16 FROM each WHERE label = 'model')
          AND (SELECT max(pg_temp.digits(e ->> 'win_prob')) = 15 FROM each WHERE label = 'model, extra_float_digits 0')
          AND (SELECT max(pg_temp.digits(e ->> 'win_prob')) = 1 FROM each WHERE label = 'model, extra_float_digits -14')
          -- one digit and zeros: written as 4e+03
          AND EXISTS (SELECT FROM each WHERE label = 'model, extra_float_digits -14'
                                         AND (e ->> 'expected_value') ~ '^[1-9]0+$'),
          'floats written shortest, to 15 digits, and to one digit (in exponent form)');
SELECT ok((SELECT max(jsonb_array_length(result)) FROM results) > 32
          AND (SELECT max(n) FROM each, LATERAL (SELECT count(*) FROM jsonb_object_keys(e)) AS k(n)) >= 16,
          'arrays and objects long enough to store an offset among their lengths (every 32nd entry)');
SELECT is((SELECT count(*) FROM results), 60::bigint, 'every call kept');

SELECT setval('leadscore.models_version_seq', :seq_last, :'seq_called') IS NOT NULL AS sequence_restored \gset
SELECT * FROM finish();
ROLLBACK;
