-- The RPCs' one-pass path (score_results in C++) returns exactly what the
-- previous SQL path returned: for many generated bodies (every field kind,
-- rules and model, service and contractor, shared and own leads) the same
-- JSON and the same rows written, and for every bad input the same message,
-- SQLSTATE and hint with nothing written. The previous bodies of
-- ml_inference and score_leads (0.4.0 before score_results) are kept below as
-- pg_temp functions, so the comparison runs against them, not a copy of the
-- expected output.
BEGIN;
\ir fixture.psql
SELECT plan(23);

-- The previous SQL path, as it shipped.
CREATE FUNCTION pg_temp.old_ml_inference(leads jsonb, use_ml boolean DEFAULT NULL) RETURNS jsonb
  LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  parsed leadscore.leads[] := ARRAY(SELECT p FROM leadscore.parse_leads(leads) AS p);
BEGIN
  RETURN (SELECT coalesce(jsonb_agg(leadscore.score_result(leadscore.score_lead(parsed[i], old_ml_inference.use_ml),
                                                           leadscore.explain_lead(parsed[i], 3, old_ml_inference.use_ml))
                                    ORDER BY i), '[]')
            FROM generate_subscripts(parsed, 1) AS i);
END
$$;

CREATE FUNCTION pg_temp.old_score_leads(leads jsonb, use_ml boolean DEFAULT NULL) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  service   boolean := leadscore.caller_is_service();
  account   uuid;
  parsed    leadscore.leads[];
  scores    leadscore.lead_score[];
  factors   jsonb[];
  stored    bigint[];
  own_limit int;
  writing   bigint;
  recent    bigint;
BEGIN
  IF NOT service THEN
    account := auth.uid();
    IF account IS NULL THEN
      RAISE EXCEPTION 'not signed in: the request has no JWT subject'
        USING ERRCODE = 'invalid_authorization_specification';
    END IF;
  END IF;
  -- Validation raises before anything is written.
  parsed := ARRAY(SELECT p FROM leadscore.parse_leads(leads) AS p);

  IF NOT service THEN
    own_limit := (leadscore.settings() ->> 'max_private_leads_per_day')::int;
    SELECT count(*) INTO writing FROM unnest(parsed) AS p
     WHERE NOT EXISTS (SELECT 1 FROM leadscore.leads l
                        WHERE l.id = p.id AND l.owner_account IS DISTINCT FROM account);
    SELECT count(*) INTO recent FROM leadscore.leads l
     WHERE l.owner_account = account AND l.updated_at > now() - interval '1 day'
       AND l.id <> ALL (ARRAY(SELECT p.id FROM unnest(parsed) AS p));
    IF writing > 0 AND recent + writing > own_limit THEN
      RAISE EXCEPTION 'rate limit: this call would write % of your own leads, after % in the last 24 hours; leadscore.max_private_leads_per_day is %',
        writing, recent, own_limit
        USING ERRCODE = 'program_limit_exceeded',
              HINT = 'Try again later; an operator can raise leadscore.max_private_leads_per_day.';
    END IF;
  END IF;

  -- In id order, so that concurrent calls lock the same leads in the same
  -- order. The conflict clause is what enforces ownership, atomically: a row
  -- that exists is changed only by the service or by its owner.
  WITH written AS (
    INSERT INTO leadscore.leads AS l (id, address, permit_value, trade_tags, created_at, attributes, owner_account)
    SELECT p.id, p.address, p.permit_value, p.trade_tags, p.created_at, p.attributes, account
      FROM unnest(parsed) AS p
     ORDER BY p.id
    ON CONFLICT (id) DO UPDATE
       SET address = excluded.address, permit_value = excluded.permit_value,
           trade_tags = excluded.trade_tags, created_at = excluded.created_at,
           attributes = excluded.attributes
     WHERE service OR l.owner_account = excluded.owner_account
    RETURNING l.id
  )
  SELECT coalesce(array_agg(w.id), '{}') INTO stored FROM written AS w;

  -- One statement scores and explains the batch, so it sees one model (looked up once).
  SELECT array_agg(leadscore.score_lead(parsed[i], old_score_leads.use_ml) ORDER BY i),
         array_agg(leadscore.explain_lead(parsed[i], 3, old_score_leads.use_ml) ORDER BY i)
    INTO scores, factors
    FROM generate_subscripts(parsed, 1) AS i;
  PERFORM leadscore.store_scores(ARRAY(SELECT s FROM unnest(scores) AS s WHERE s.lead_id = ANY (stored)));

  RETURN (SELECT coalesce(jsonb_agg(leadscore.score_result(scores[i], factors[i])
                                    || jsonb_build_object('stored', scores[i].lead_id = ANY (stored))
                                    ORDER BY i), '[]')
            FROM generate_subscripts(scores, 1) AS i);
END
$$;

-- Everything a call can write, as one value.
CREATE FUNCTION pg_temp.written() RETURNS jsonb
  LANGUAGE sql SECURITY DEFINER AS $$
  SELECT jsonb_build_array(
    (SELECT coalesce(jsonb_agg(to_jsonb(l) ORDER BY l.id), '[]') FROM leadscore.leads l),
    (SELECT coalesce(jsonb_agg(to_jsonb(o) ORDER BY o.lead_id), '[]') FROM leadscore.lead_outcomes o),
    (SELECT coalesce(jsonb_agg(to_jsonb(h) ORDER BY h.lead_id, h.scored_at, h.score), '[]')
       FROM leadscore.score_history h))
$$;

-- What a call returns (or raises) and what it writes, then undone, so that
-- the old and the new path start from the same database.
CREATE FUNCTION pg_temp.outcome(call text) RETURNS jsonb
  LANGUAGE plpgsql AS $$
DECLARE
  result jsonb;
  out    jsonb;
  msg text; state text; hint text; detail text;
BEGIN
  BEGIN
    EXECUTE call INTO result;
    out := jsonb_build_object('result', result, 'written', pg_temp.written());
    RAISE SQLSTATE 'P0099';
  EXCEPTION
    WHEN SQLSTATE 'P0099' THEN NULL;
    WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, state = RETURNED_SQLSTATE, hint = PG_EXCEPTION_HINT,
                              detail = PG_EXCEPTION_DETAIL;
      out := jsonb_build_object('error', msg, 'sqlstate', state, 'hint', hint, 'detail', detail);
  END;
  RETURN out;
END
$$;

-- Old and new outcome of fn(body, use_ml) for each body; the pairs that differ.
CREATE FUNCTION pg_temp.differences(fn text, bodies jsonb[], use_ml text) RETURNS SETOF text
  LANGUAGE plpgsql AS $$
DECLARE
  b jsonb;
  old_out jsonb;
  new_out jsonb;
BEGIN
  FOREACH b IN ARRAY bodies LOOP
    old_out := pg_temp.outcome(format('SELECT pg_temp.old_%s(%L::jsonb, %s)', fn, b, use_ml));
    new_out := pg_temp.outcome(format('SELECT leadscore.%s(%L::jsonb, %s)', fn, b, use_ml));
    IF old_out IS DISTINCT FROM new_out THEN
      -- The first difference is enough to see what went wrong.
      RETURN NEXT left(jsonb_build_object('body', b, 'old', old_out, 'new', new_out)::text, 1500);
    END IF;
  END LOOP;
END
$$;

-- A body of n leads from seed: every field present, absent or null, numbers
-- whole, fractional and large, tags none to several, strings with non-ASCII
-- characters, attributes of every scalar kind. Ids first_id .. first_id + n - 1.
CREATE FUNCTION pg_temp.body(first_id int, n int) RETURNS jsonb
  LANGUAGE sql AS $$
  SELECT coalesce(jsonb_agg(
           (jsonb_build_object(
              'id', i,
              'address', CASE i % 4 WHEN 1 THEN NULL WHEN 2 THEN to_jsonb(format('%s Elm St, Springfield, IL', i))
                                    ELSE to_jsonb(format('%s Königstraße, Zürich ✓', i)) END,
              'permit_value', CASE i % 5 WHEN 1 THEN NULL WHEN 2 THEN to_jsonb(1000 * (1 + (i * 7919) % 200))
                                         WHEN 3 THEN to_jsonb(12345.67 + i) ELSE to_jsonb(1e7 * i) END,
              'trade_tags', CASE i % 4 WHEN 1 THEN NULL WHEN 2 THEN '[]'::jsonb
                                       WHEN 3 THEN '["roofing"]' ELSE '["solar", "windows", "HVAC repair"]' END,
              'created_at', CASE i % 3 WHEN 1 THEN NULL
                                       ELSE to_jsonb(timestamptz '2026-01-01' + make_interval(days => i % 300)) END,
              'owner_occupied', CASE i % 3 WHEN 0 THEN to_jsonb(i % 2 = 0) WHEN 1 THEN 'null' END,
              'competing_bids', 1 + i % 5,
              'source', CASE i % 2 WHEN 0 THEN to_jsonb('door hanger ' || i) END,
              'roof.age-years', i % 40 + 0.5)
            - CASE i % 6 WHEN 0 THEN ARRAY['address', 'trade_tags'] WHEN 1 THEN ARRAY['permit_value', 'created_at']
                         ELSE ARRAY[]::text[] END)
           ORDER BY i), '[]')
    FROM generate_series(first_id, first_id + n - 1) AS i
$$;

CREATE TEMP TABLE bodies ON COMMIT DROP AS
SELECT ARRAY['[]'::jsonb] || array_agg(pg_temp.body(first_id, n) ORDER BY first_id) AS good
  FROM (VALUES (1, 1), (2, 7), (30, 60), (395, 10), (500, 100), (700, 3)) AS t(first_id, n);
-- Edges: ids written as 1e2 and 100.0, relative and zoned times, the limits exactly.
UPDATE bodies SET good = good || ARRAY[
  '[{"id": 1e2, "created_at": "now", "permit_value": 1.50}, {"id": 101.0, "created_at": "epoch"}]'::jsonb,
  '[{"id": 102, "created_at": "2026-01-01 12:00 America/New_York", "trade_tags": ["é", "x"]}]',
  '[{"id": 103, "created_at": "2026-03-01T10:00:00.123456-03:30", "A": true, "_b": false, "c d.e-f": null}]',
  jsonb_build_array(jsonb_build_object('id', 104, 'address', repeat('ä', 1000), 'note', repeat('n', 1000),
    'trade_tags', (SELECT jsonb_agg(repeat('t', 64)) FROM generate_series(1, 50)),
    repeat('k', 64), 1)),
  (SELECT jsonb_build_array(jsonb_object_agg('k' || i, i) || '{"id": 105}') FROM generate_series(1, 50) AS i)];

-- Every problem parse_leads reports, once each, and the bodies around them.
CREATE TEMP TABLE bad ON COMMIT DROP AS
SELECT array_agg(b) AS bodies FROM (VALUES
  ('{"id": 1}'::jsonb), ('null'::jsonb), ('"x"'),
  ((SELECT jsonb_agg(jsonb_build_object('id', i)) FROM generate_series(1, 1001) AS i)),
  ('[1]'), ('[{}]'), ('[{"id": null}]'), ('[{"id": "7"}]'), ('[{"id": -3}]'), ('[{"id": 1.5}]'),
  ('[{"id": 9223372036854775808}]'), ('[{"id": 5}, {"id": 5.0}]'),
  ('[{"id": 1, "address": 12}]'), (jsonb_build_array(jsonb_build_object('id', 1, 'address', repeat('é', 1001)))),
  ('[{"id": 1, "permit_value": "big"}]'), ('[{"id": 1, "trade_tags": "roofing"}]'),
  ('[{"id": 1, "trade_tags": ["a", 2]}]'),
  (jsonb_build_array(jsonb_build_object('id', 1, 'trade_tags', (SELECT jsonb_agg('t' || i) FROM generate_series(1, 51) AS i)))),
  ('[{"id": 1, "trade_tags": [""]}]'), (jsonb_build_array(jsonb_build_object('id', 1, 'trade_tags', jsonb_build_array(repeat('x', 65))))),
  ('[{"id": 1, "created_at": 20260101}]'), ('[{"id": 1, "created_at": "yesterday-ish"}]'),
  ('[{"id": 1, "created_at": "2026-02-30"}]'), ('[{"id": 1, "created_at": "2999-01-01"}]'),
  ((SELECT jsonb_build_array(jsonb_object_agg('k' || i, i) || '{"id": 1}') FROM generate_series(1, 51) AS i)),
  ('[{"id": 1, ".dot": 1}]'), ('[{"id": 1, "bad\u001bkey\u202e": 1}]'), ('[{"id": 1, "": 1}]'),
  ('[{"id": 1, "nested": {"a": 1}}]'), ('[{"id": 1, "list": [1]}]'),
  (jsonb_build_array(jsonb_build_object('id', 1, 'note', repeat('n', 1001)))),
  ('[{"id": 1}, {"id": 2, "address": []}]'),
  ('[{"id": 1, "created_at": "2026-01-01 00:00+99:00"}]'), ('[{"id": 1, "created_at": "2026-01-01 Mars/Olympus"}]'),
  ('[{"id": 1, "created_at": "infinity"}]'), ('[{"id": 1, "created_at": "294277-01-01"}]'),
  ('[{"id": 1, "created_at": "tomorrow"}, {"id": 2, "created_at": "2027-01-01"}]'),
  ('[{"id": 1, "k😀y": 1}]'), ('[{"id": 1, "-x": 1}]'), ('[{"id": 1, " x": 1}]'),
  (jsonb_build_array(jsonb_build_object('id', 1, repeat('k', 65), 1))),
  (jsonb_build_array(jsonb_build_object('id', 1, repeat('é', 90), 1))),
  ('[{"id": 1, "trade_tags": ["é", ""]}]'), ('[{"id": 1e2}, {"id": 100}]'), ('[{"id": true}]'),
  ('[{"id": {"a": [1, "x"]}}]'), ('[{"id": 0}]'), ('[{"id": 1, "permit_value": [1, 2]}]'),
  ('[{"id": 1, "zz": {}, "attr": [1]}]'), ('[{"id": 1, "trade_tags": ["a", 2], "address": 5}]'),
  ('[{"id": 1, "trade_tags": {"a": 1}}]'), ('[{"id": 1, "created_at": "2026-01-01", "address": "x", "permit_value": true}]'),
  ('{"id": 1}'), ('[[{"id": 1}]]'), ('[{"id": 1}, 2]')) AS t(b);
GRANT SELECT ON bodies, bad TO PUBLIC;

-- The parser: the rows parse_leads returns (every column), or its error.
CREATE FUNCTION pg_temp.parse_differences(bodies jsonb[]) RETURNS SETOF text
  LANGUAGE plpgsql AS $$
DECLARE
  b jsonb;
  old_out jsonb;
  new_out jsonb;
BEGIN
  FOREACH b IN ARRAY bodies LOOP
    old_out := pg_temp.outcome(format('SELECT to_jsonb(ARRAY(SELECT p FROM leadscore.parse_leads(%L::jsonb) AS p))', b));
    new_out := pg_temp.outcome(format('SELECT to_jsonb(leadscore.parse_lead_array(%L::jsonb))', b));
    IF old_out IS DISTINCT FROM new_out THEN
      RETURN NEXT left(jsonb_build_object('body', b, 'old', old_out, 'new', new_out)::text, 1500);
    END IF;
  END LOOP;
END
$$;
SELECT is_empty(format('SELECT * FROM pg_temp.parse_differences(%L) LIMIT 2', good),
                'parse_lead_array: the rows of parse_leads, every column') FROM bodies;
SELECT is_empty(format('SELECT * FROM pg_temp.parse_differences(%L) LIMIT 2', bodies),
                'parse_lead_array: the error of parse_leads (message, SQLSTATE, hint, detail) for every bad body') FROM bad;
SELECT throws_ok($$SELECT leadscore.parse_lead_array(NULL)$$, '22023',
                 'leads: must be a JSON array of lead objects', 'a NULL body is refused as parse_leads refuses it');

-- ml_inference, read-only: by rules (flag, false, no model), then by a model.
SELECT is_empty(format('SELECT * FROM pg_temp.differences(%L, %L, %L) LIMIT 2', 'ml_inference', good, 'NULL'),
                'ml_inference, use_ml NULL, no model: the same results') FROM bodies;
SELECT is_empty(format('SELECT * FROM pg_temp.differences(%L, %L, %L) LIMIT 2', 'ml_inference', good, 'false'),
                'ml_inference, use_ml false: the same results') FROM bodies;
SELECT is_empty(format('SELECT * FROM pg_temp.differences(%L, %L, %L) LIMIT 2', 'ml_inference', good, 'true'),
                'ml_inference, use_ml true, no model: the same results') FROM bodies;
SELECT is_empty(format('SELECT * FROM pg_temp.differences(%L, %L, %L) LIMIT 2', 'ml_inference', bodies, 'NULL'),
                'ml_inference, every bad body: the same error, SQLSTATE and hint') FROM bad;
SELECT is((SELECT count(*) FILTER (WHERE o ? 'error') FROM bad, unnest(bodies) AS b,
                  LATERAL pg_temp.outcome(format('SELECT leadscore.ml_inference(%L::jsonb)', b)) AS o),
          (SELECT count(*) FROM bad, unnest(bodies)), 'every bad body is refused');

-- score_leads as the service, and as a contractor with shared, own and another's leads.
SELECT pg_temp.act_as('service_role');
SELECT is_empty(format('SELECT * FROM pg_temp.differences(%L, %L, %L) LIMIT 2', 'score_leads', good, 'NULL'),
                'score_leads as the service, rules: the same results and the same rows written') FROM bodies;
SELECT is_empty(format('SELECT * FROM pg_temp.differences(%L, %L, %L) LIMIT 2', 'score_leads', bodies, 'NULL'),
                'score_leads as the service, every bad body: the same error and nothing written') FROM bad;
RESET ROLE;

-- Shared leads (the feed) and bob's own among the ids the bodies use.
INSERT INTO leadscore.leads (id, address, owner_account)
SELECT i, 'shared ' || i, NULL::uuid FROM generate_series(30, 45) AS i
UNION ALL
SELECT i, 'bob''s ' || i, 'bbbbbbbb-0000-4000-8000-000000000002' FROM generate_series(540, 560) AS i;
SELECT pg_temp.act_as('authenticated', 'aaaaaaaa-0000-4000-8000-000000000001');
SELECT is_empty(format('SELECT * FROM pg_temp.differences(%L, %L, %L) LIMIT 2', 'score_leads', good, 'NULL'),
                'score_leads as a contractor: the same results, "stored" and rows written') FROM bodies;
SELECT is_empty(format('SELECT * FROM pg_temp.differences(%L, %L, %L) LIMIT 2', 'score_leads', bodies, 'NULL'),
                'score_leads as a contractor, every bad body: the same error and nothing written') FROM bad;
SELECT ok((SELECT bool_or((r ->> 'stored')::boolean) AND NOT bool_and((r ->> 'stored')::boolean)
             FROM jsonb_array_elements(leadscore.score_leads(pg_temp.body(25, 30))) AS r),
          'the contractor''s body mixes stored and not stored leads');
RESET ROLE;
SET LOCAL leadscore.max_private_leads_per_day = 5;
SELECT pg_temp.act_as('authenticated', 'aaaaaaaa-0000-4000-8000-000000000001');
SELECT is_empty(format('SELECT * FROM pg_temp.differences(%L, %L, %L) LIMIT 2', 'score_leads', good[3:4], 'NULL'),
                'the rate limit: the same error') FROM bodies;
SELECT pg_temp.act_as('authenticated');
SELECT is_empty(format('SELECT * FROM pg_temp.differences(%L, %L, %L) LIMIT 2', 'score_leads', good[2:3], 'NULL'),
                'no JWT subject: the same error') FROM bodies;
RESET ROLE;
RESET leadscore.max_private_leads_per_day;

-- A model: 400 rated leads and a small forest, activated.
INSERT INTO leadscore.leads (id, address, permit_value, trade_tags, created_at, attributes)
SELECT i, format('%s Elm St, Springfield, IL 62704', i), 1000 * (1 + (i * 7919) % 200),
       ARRAY[(ARRAY['roofing', 'windows', 'solar'])[1 + i % 3]],
       timestamptz '2026-01-01' + make_interval(days => i % 300),
       jsonb_build_object('owner_occupied', i % 4 <> 0, 'competing_bids', 1 + i % 5)
  FROM generate_series(1001, 1400) AS i;
SELECT is(count(*), 400::bigint, '400 leads rated')
  FROM leadscore.leads l,
       LATERAL leadscore.submit_feedback(l.id,
         CASE WHEN (l.permit_value > 90000)::int + (l.attributes ->> 'owner_occupied')::boolean::int
                   + (l.trade_tags[1] = 'roofing')::int + ((l.id * 31) % 7 = 0)::int >= 2
              THEN 'won' ELSE 'no_answer' END,
         account_id => 'aaaaaaaa-0000-4000-8000-000000000001') f
 WHERE l.id > 1000;
SELECT is(leadscore.train_lead_model(min_feedback => 50, activate => 'always',
            params => '{"n_trees": 20, "max_depth": 4}') ->> 'activated', 'true', 'a model serves');

SELECT is_empty(format('SELECT * FROM pg_temp.differences(%L, %L, %L) LIMIT 2', 'ml_inference', good, 'true'),
                'ml_inference by the model: the same results') FROM bodies;
SELECT is_empty(format('SELECT * FROM pg_temp.differences(%L, %L, %L) LIMIT 2', 'ml_inference', good, 'NULL'),
                'ml_inference, use_ml NULL with a model: the same results') FROM bodies;
SET LOCAL extra_float_digits = 0;
SELECT is_empty(format('SELECT * FROM pg_temp.differences(%L, %L, %L) LIMIT 2', 'ml_inference', good, 'true'),
                'ml_inference by the model, extra_float_digits 0: the same numbers') FROM bodies;
RESET extra_float_digits;
SELECT pg_temp.act_as('service_role');
SELECT is_empty(format('SELECT * FROM pg_temp.differences(%L, %L, %L) LIMIT 2', 'score_leads', good, 'true'),
                'score_leads as the service by the model: the same results and rows written') FROM bodies;
SELECT pg_temp.act_as('authenticated', 'aaaaaaaa-0000-4000-8000-000000000001');
SELECT is_empty(format('SELECT * FROM pg_temp.differences(%L, %L, %L) LIMIT 2', 'score_leads', good, 'true'),
                'score_leads as a contractor by the model: the same results and rows written') FROM bodies;
RESET ROLE;
SELECT ok((SELECT bool_and(r ->> 'method' = 'ml') FROM bodies, unnest(good) AS b,
                  jsonb_array_elements(leadscore.ml_inference(b, true)) AS r),
          'the model scored those bodies');

SELECT * FROM finish();
ROLLBACK;
