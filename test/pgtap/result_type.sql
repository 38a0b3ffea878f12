-- score_lead checks the type it is asked to return before filling it: one
-- library may serve databases at different extension versions, and a
-- lead_score with other attributes than the library fills is a clear error
-- telling how to bring the database up to date, never a malformed row.
BEGIN;
\ir fixture.psql
SELECT plan(5);

INSERT INTO leadscore.leads (id, permit_value, trade_tags) VALUES (1, 20000, ARRAY['roofing']);

-- 'SQLSTATE message' of the error score_lead raises once lead_score is altered
-- by change (undone before it returns), or 'no error'.
CREATE FUNCTION pg_temp.score_lead_after(change text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  state text;
  message text;
  hint text;
BEGIN
  EXECUTE 'ALTER TYPE leadscore.lead_score ' || change;
  PERFORM leadscore.score_lead(l, false) FROM leadscore.leads l;
  RAISE EXCEPTION 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
  RETURN CASE WHEN message = 'no error' THEN message ELSE concat_ws(' | ', state, message, nullif(hint, '')) END;
END
$$;

SELECT is((SELECT (leadscore.score_lead(l, false)).method FROM leadscore.leads l), 'rules',
  'score_lead fills the installed lead_score');
SELECT is(pg_temp.score_lead_after('ALTER ATTRIBUTE grade TYPE text'), 'no error',
  'the check passes a lead_score of the expected shape');
SELECT is(pg_temp.score_lead_after('ADD ATTRIBUTE reason text'),
  '55000 | leadscore: score_lead fills 15 attributes of leadscore.lead_score, but the type has 16 | Run ALTER EXTENSION leadscore UPDATE.',
  'a lead_score with more attributes than the library fills: the counts, and what to run');
SELECT is(pg_temp.score_lead_after('ALTER ATTRIBUTE win_prob TYPE numeric'),
  '55000 | leadscore: attribute 4 of leadscore.lead_score is win_prob numeric, but score_lead fills win_prob double precision | Run ALTER EXTENSION leadscore UPDATE.',
  'an attribute of another type');
SELECT is(pg_temp.score_lead_after('DROP ATTRIBUTE model_version'),
  '55000 | leadscore: attribute 8 of leadscore.lead_score is dropped, but score_lead fills model_version integer | Run ALTER EXTENSION leadscore UPDATE.',
  'a dropped attribute');

SELECT * FROM finish();
ROLLBACK;
