-- The floor under a 1-lead score_leads() call's latency: a function that
-- makes only the writes a signed-in contractor's call makes (its lead, the
-- lead's row in private_writes, the lead's row in lead_outcomes), from a body
-- checked by parse_lead_array(), with score_leads()'s settings and in one
-- statement, and that scores, counts and explains nothing. bench/sql/rpc runs
-- it as a case of its own: what this call's p99 is on a machine bounds what
-- score_leads()'s can be there.
CREATE SCHEMA write_floor;
GRANT USAGE ON SCHEMA write_floor TO authenticated, service_role;

CREATE FUNCTION write_floor.score_leads(leads jsonb, use_ml boolean DEFAULT NULL) RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  account uuid := auth.uid();
  parsed  leadscore.leads[] := leadscore.parse_lead_array(leads);
  stored  bigint[];
BEGIN
  WITH written AS (
    INSERT INTO leadscore.leads AS l (id, address, permit_value, trade_tags, created_at, attributes, owner_account)
    SELECT p.id, p.address, p.permit_value, p.trade_tags, p.created_at, p.attributes, account
      FROM unnest(parsed) AS p
     ORDER BY p.id
    ON CONFLICT (id) DO UPDATE
       SET address = excluded.address, permit_value = excluded.permit_value,
           trade_tags = excluded.trade_tags, created_at = excluded.created_at,
           attributes = excluded.attributes, updated_at = now()
     WHERE l.owner_account = excluded.owner_account
    RETURNING l.id
  ), logged AS (
    INSERT INTO leadscore.private_writes AS w (account_id, lead_id, written_at)
    SELECT account, s.id, now() FROM written AS s ORDER BY s.id
    ON CONFLICT (account_id, lead_id) DO UPDATE SET written_at = excluded.written_at
  ), scored AS (
    INSERT INTO leadscore.lead_outcomes AS o
           (lead_id, win_prob, calibrated_score, score, confidence, method, scored_at, updated_at)
    SELECT s.id, 0.5, 50, 50, 'low', 'rules', now(), now() FROM written AS s ORDER BY s.id
    ON CONFLICT (lead_id) DO UPDATE SET scored_at = excluded.scored_at, updated_at = excluded.updated_at
  )
  SELECT ARRAY(SELECT w.id FROM written AS w) INTO stored;
  RETURN to_jsonb(stored);
END
$$;
GRANT EXECUTE ON FUNCTION write_floor.score_leads(jsonb, boolean) TO authenticated;
