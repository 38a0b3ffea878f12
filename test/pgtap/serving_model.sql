-- The model the RPCs serve is read per call, straight from the index of the
-- active model (src/pg/model_registry.hpp), with the model itself cached
-- by version across calls: a call must still see every change of the active
-- model its statement can see. In one session: an activation, a promotion
-- rolled back to a savepoint, no active model at all, a retired model made
-- active again by hand, and a database without that index (the query's
-- route); for ml_inference, score_leads and score_lead alike.
BEGIN;
\ir fixture.psql
SELECT plan(15);
-- Sequences are not rolled back: the versions trained here are given back at
-- the end, so the suites after this one number their models as alone.
SELECT last_value AS seq_last, is_called AS seq_called FROM leadscore.models_version_seq \gset

-- 300 leads rated by alice; two models, the first active.
INSERT INTO leadscore.leads (id, address, permit_value, trade_tags, created_at)
SELECT i, format('%s Elm St, Springfield, IL 62704', i), 1000 * (1 + (i * 7919) % 200),
       ARRAY[(ARRAY['roofing', 'windows', 'solar'])[1 + i % 3]], timestamptz '2026-01-01' + make_interval(days => i % 300)
  FROM generate_series(1, 300) AS i;
SELECT count(*) FROM leadscore.leads l,
  LATERAL leadscore.submit_feedback(l.id, CASE WHEN l.permit_value > 90000 OR l.id % 7 = 0 THEN 'won' ELSE 'no_answer' END,
                                    account_id => 'aaaaaaaa-0000-4000-8000-000000000001') \gset
SELECT leadscore.train_lead_model(min_feedback => 50, activate => 'always', params => '{"n_trees": 3}') -> 'version' AS v1 \gset
SELECT leadscore.train_lead_model(min_feedback => 50, activate => 'never', params => '{"n_trees": 4, "seed": 9}') -> 'version' AS v2 \gset

-- The model version each entry point scores with, as the service.
CREATE FUNCTION pg_temp.versions() RETURNS int[]
  LANGUAGE sql AS $$
  SELECT ARRAY[(leadscore.ml_inference('[{"id": 900001}]', true) -> 0 ->> 'model_version')::int,
               (leadscore.score_leads('[{"id": 900002}]', true) -> 0 ->> 'model_version')::int,
               (SELECT (leadscore.score_lead(l, true)).model_version FROM leadscore.leads l WHERE l.id = 1)]
$$;
SELECT pg_temp.act_as('service_role');

SELECT is(pg_temp.versions(), ARRAY[:v1, :v1, :v1], 'the active model serves every entry point');
SELECT is(pg_temp.versions(), ARRAY[:v1, :v1, :v1], 'and again on the next call, from the cache');
SELECT lives_ok(format('SELECT leadscore.activate_model(%s)', :v2), 'the other model is activated');
SELECT is(pg_temp.versions(), ARRAY[:v2, :v2, :v2], 'the next call serves it');

SAVEPOINT promoted;
SELECT lives_ok(format('SELECT leadscore.activate_model(%s)', :v1), 'the first model, activated again');
SELECT is(pg_temp.versions(), ARRAY[:v1, :v1, :v1], 'serves at once');
ROLLBACK TO SAVEPOINT promoted;
SELECT is(pg_temp.versions(), ARRAY[:v2, :v2, :v2], 'and the activation rolled back is forgotten');

RESET ROLE;
UPDATE leadscore.models SET status = 'retired' WHERE status = 'active';
SELECT pg_temp.act_as('service_role');
SELECT is(leadscore.ml_inference('[{"id": 900001}]', true) -> 0 ->> 'fallback_reason', 'no_active_model',
          'no active model: the rules, saying why');
SELECT is(pg_temp.versions(), ARRAY[NULL, NULL, NULL]::int[], 'on every entry point');
RESET ROLE;
UPDATE leadscore.models SET status = 'active' WHERE version = :v1;
SELECT pg_temp.act_as('service_role');
SELECT is(pg_temp.versions(), ARRAY[:v1, :v1, :v1], 'a model made active by hand serves at the next call');

-- PL/pgSQL keeps a simple expression's call site for the whole transaction:
-- evaluated again after an activation, the same call site serves the new
-- model (score_lead and score_results, the RPCs' core, alike).
RESET ROLE;
CREATE FUNCTION pg_temp.loop_versions(first int, second int) RETURNS int[]
  LANGUAGE plpgsql AS $$
DECLARE
  l leadscore.leads;
  seen int[] := '{}';
BEGIN
  SELECT * INTO l FROM leadscore.leads WHERE id = 1;
  FOR i IN 1..2 LOOP
    PERFORM leadscore.activate_model(CASE i WHEN 1 THEN first ELSE second END);
    seen := seen || (leadscore.score_lead(l, true)).model_version;
    seen := seen || (leadscore.score_results(ARRAY[l], true) -> 0 ->> 'model_version')::int;
  END LOOP;
  RETURN seen;
END
$$;
SELECT is(pg_temp.loop_versions(:v2, :v1), ARRAY[:v2, :v2, :v1, :v1],
          'a PL/pgSQL call site evaluated again after an activation serves the new model');
SELECT pg_temp.act_as('service_role');

-- Without the index (a database whose schema is not what this library
-- expects), the version comes from the query instead, with the same answers.
RESET ROLE;
DROP INDEX leadscore.models_one_active;
SELECT pg_temp.act_as('service_role');
SELECT is(pg_temp.versions(), ARRAY[:v1, :v1, :v1], 'without the index: the active model');
SELECT lives_ok(format('SELECT leadscore.activate_model(%s)', :v2), 'another activation');
SELECT is(pg_temp.versions(), ARRAY[:v2, :v2, :v2], 'is served at the next call');
RESET ROLE;
UPDATE leadscore.models SET status = 'retired' WHERE status = 'active';
SELECT pg_temp.act_as('service_role');
SELECT is(pg_temp.versions(), ARRAY[NULL, NULL, NULL]::int[], 'and no active model is seen too');

RESET ROLE;
SELECT setval('leadscore.models_version_seq', :seq_last, :'seq_called') IS NOT NULL AS sequence_restored \gset
SELECT * FROM finish();
ROLLBACK;
