-- Rescoring writes only what changed: a lead's stored score is rewritten when
-- it moves (or the lead changed after it was scored), and score_history gains
-- a row only when the score, the method or the model version changed. A
-- changed lead is still rescored.
BEGIN;
\ir fixture.psql
SELECT plan(9);

INSERT INTO leadscore.leads (id, permit_value, trade_tags, created_at, updated_at)
SELECT i, 1000 * i, ARRAY['roofing'], now() - interval '100 days', now() - interval '3 days'
  FROM generate_series(1, 30) i;
SET LOCAL client_min_messages = warning;

SELECT is(leadscore.refresh_outcomes(), 30::bigint, 'a first rescore scores every lead');
SELECT is((SELECT count(*) FROM leadscore.score_history), 30::bigint, 'and records each first score');
CREATE TEMP TABLE before ON COMMIT DROP AS SELECT lead_id, scored_at, xmin::text AS version FROM leadscore.lead_outcomes;

SELECT is(leadscore.refresh_outcomes(), 30::bigint, 'a second rescore scores every lead again');
SELECT is((SELECT count(*) FROM leadscore.score_history), 30::bigint, 'but no score moved: no history');
SELECT is((SELECT count(*) FROM leadscore.lead_outcomes o JOIN before b USING (lead_id)
            WHERE o.xmin::text <> b.version), 0::bigint, 'and no outcome row was rewritten');

-- A day passes (inside one transaction now() stands still, so the stored
-- scores are made a day old), then two leads change.
UPDATE leadscore.lead_outcomes SET scored_at = scored_at - interval '1 day';
UPDATE leadscore.leads SET permit_value = 200000 WHERE id = 1;
UPDATE leadscore.leads SET permit_value = permit_value WHERE id = 2;  -- touched, not changed: same score
SELECT is(leadscore.refresh_outcomes(since => now() - interval '2 days'), 2::bigint,
  'with since before the last rescore, exactly the two changed leads are rescored');
SELECT results_eq('SELECT lead_id, count(*) FROM leadscore.score_history WHERE lead_id <= 2 GROUP BY lead_id ORDER BY lead_id',
  $$VALUES (1::bigint, 2::bigint), (2, 1)$$,
  'the lead whose score moved gains a history row; the one whose score stayed does not');
SELECT ok((SELECT o.scored_at >= l.updated_at FROM leadscore.lead_outcomes o JOIN leadscore.leads l ON l.id = o.lead_id
            WHERE l.id = 2),
  'a changed lead whose score stayed is stored as scored after its change, so it is not stale again');

-- score_leads stores what it scores the same way.
SELECT pg_temp.act_as('service_role');
SELECT leadscore.score_leads('[{"id": 1, "permit_value": 200000, "trade_tags": ["roofing"], "created_at": "2026-08-01"}]');
RESET ROLE;
SELECT cmp_ok((SELECT count(*) FROM leadscore.score_history WHERE lead_id = 1), '>=', 2::bigint,
  'score_leads keeps the history of lead 1');

SELECT * FROM finish();
ROLLBACK;
