-- Every part of a request body a caller controls is bounded, with an error
-- naming the lead (index and id) and the field; nothing is written. In 0.3.0
-- 100 leads with 700 new attribute keys each grew the feature spec from 18 to
-- 51,818 features, hostile key names reached other leads' explanations, and
-- a future created_at kept a lead out of training for good.
BEGIN;
\ir fixture.psql
SELECT plan(16);

SELECT pg_temp.act_as('service_role');

SELECT is((SELECT array_agg(id ORDER BY id) FROM leadscore.parse_leads('[{"id": 1.0}, {"id": 2e0}, {"id": 30}]')),
  '{1,2,30}'::bigint[], 'an id written 1.0 or 2e0 is that integer (0.3.0: invalid input syntax for type bigint)');
SELECT throws_ok($$SELECT leadscore.parse_leads('[{"id": 1.5}]')$$, '22023',
  'leads[0]: id must be a positive integer, got 1.5', 'a fractional id names the lead');
-- A repeated id is named with the lead it repeats, however far apart, in a
-- body of the most leads a call takes (ids a power of two apart).
SELECT is(jsonb_array_length(leadscore.ml_inference(
            (SELECT jsonb_agg(jsonb_build_object('id', i * 1024)) FROM generate_series(1, 1000) i), false)), 1000,
          '1,000 distinct ids are taken');
SELECT throws_ok(format('SELECT leadscore.ml_inference(%L::jsonb, false)',
                        (SELECT jsonb_agg(jsonb_build_object('id', CASE WHEN i = 1000 THEN 500 ELSE i END * 1024))
                           FROM generate_series(1, 1000) i)),
  '22023', 'leads[999] (id 512000): duplicate id, also at leads[499]', 'a repeated id names the lead it repeats');

SELECT throws_ok(format($$SELECT leadscore.parse_leads('[{"id": 1, "address": "%s"}]')$$, repeat('1 ', 600)),
  '22001', 'leads[0] (id 1): address must be at most 1000 characters, got 1200', 'addresses are capped');
SELECT throws_ok(format($$SELECT leadscore.parse_leads('[{"id": 1, "trade_tags": %s}]')$$,
                        (SELECT jsonb_agg('t' || i) FROM generate_series(1, 51) i)),
  '54000', 'leads[0] (id 1): trade_tags must have at most 50 tags, got 51', 'at most 50 trade tags');
SELECT throws_ok(format($$SELECT leadscore.parse_leads('[{"id": 1, "trade_tags": ["%s"]}]')$$, repeat('x', 65)),
  '22023', 'leads[0] (id 1): trade_tags: each tag must have 1 to 64 characters, got one of 65', 'tags are short');
SELECT throws_ok(format($$SELECT leadscore.parse_leads('[{"id": 1}, {"id": 2, %s}]')$$,
                        (SELECT string_agg(format('"k%s": %s', i, i), ', ') FROM generate_series(1, 51) i)),
  '54000', 'leads[1] (id 2): at most 50 attributes per lead, got 51', 'at most 50 attributes');
SELECT throws_ok(format($$SELECT leadscore.parse_leads('[{"id": 1, "%s": 1}]')$$, repeat('k', 65)),
  '22023', format('leads[0] (id 1): attribute key "%s" is not allowed: keys have 1 to 64 characters, letters, digits, space, _ . - (not starting with space, . or -)', repeat('k', 65)),
  'keys are at most 64 characters');
SELECT throws_ok($$SELECT leadscore.parse_leads('[{"id": 7, "<img src=x onerror=alert(1)>": 1}]')$$,
  '22023', 'leads[0] (id 7): attribute key "<img src=x onerror=alert(1)>" is not allowed: keys have 1 to 64 characters, letters, digits, space, _ . - (not starting with space, . or -)',
  'markup is not a key');
SELECT throws_ok(E'SELECT leadscore.parse_leads(''[{"id": 7, "a\\u001b[31m\\u202eb": 1}]'')',
  '22023', 'leads[0] (id 7): attribute key "a\u001b[31m\u202eb" is not allowed: keys have 1 to 64 characters, letters, digits, space, _ . - (not starting with space, . or -)',
  'escape sequences and direction overrides are refused and echoed as \u and hex digits, never as they are');
SELECT throws_ok(E'SELECT leadscore.parse_leads(''[{"id": 7, "a\\ud83d\\ude00": 1}]'')',
  '22023', 'leads[0] (id 7): attribute key "a\u1f600" is not allowed: keys have 1 to 64 characters, letters, digits, space, _ . - (not starting with space, . or -)',
  'a character beyond U+FFFF is echoed with all its hex digits');
SELECT is((SELECT attributes FROM leadscore.parse_leads('[{"id": 1, "Lead Source": "web", "total.visits-2": 3, "_x": true}]')),
  '{"Lead Source": "web", "total.visits-2": 3, "_x": true}'::jsonb, 'ordinary keys (spaces, dots, dashes) pass');
SELECT throws_ok(format($$SELECT leadscore.parse_leads('[{"id": 1, "note": "%s"}]')$$, repeat('x', 1001)),
  '22001', 'leads[0] (id 1): attribute "note" must be at most 1000 characters, got 1001', 'string values are capped');
SELECT throws_ok(format($$SELECT leadscore.parse_leads('[{"id": 1, "created_at": "%s"}]')$$, now() + interval '3 days'),
  '22023', NULL, 'a lead cannot be created in the future (it would never be old enough to train on)');
SELECT throws_ok(format($$SELECT leadscore.score_leads('[{"id": 1}, {"id": 2, "created_at": "%s"}]')$$, now() + interval '3 days'),
  '22023', NULL, 'and score_leads refuses the whole body');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
