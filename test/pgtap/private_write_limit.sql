-- What leadscore.max_private_leads_per_day counts: the own leads a signed-in
-- account created or changed through score_leads() in the last 24 hours,
-- each lead once however often it was rewritten, kept in private_writes by
-- account. Rows older than a day stop counting, go when the account next
-- writes, and nightly_training() removes everyone's. A rewrite updates the
-- lead's row in place (HOT), so rewriting leads leaves no index entries
-- behind for the next count to walk, which counting leads by (owner_account,
-- updated_at) did; and no index of leads holds updated_at, so the lead's own
-- rewrite can be HOT too.
BEGIN;
\ir fixture.psql
SELECT plan(13);

SET LOCAL leadscore.max_private_leads_per_day = 3;
SELECT pg_temp.act_as('authenticated', 'aaaaaaaa-0000-4000-8000-000000000001');
SELECT lives_ok($$SELECT leadscore.score_leads('[{"id": 701}]')$$, 'alice writes a lead of her own');
SELECT lives_ok($$SELECT leadscore.score_leads('[{"id": 701, "permit_value": 1000}]')$$, 'and rewrites it');
SELECT lives_ok($$SELECT leadscore.score_leads('[{"id": 701, "permit_value": 2000}]')$$, 'and again');
SELECT lives_ok($$SELECT leadscore.score_leads('[{"id": 701, "permit_value": 3000}]')$$,
  'four writes of one lead: one lead of her three');
SELECT throws_ok($$SELECT leadscore.score_leads('[{"id": 702}, {"id": 703}, {"id": 704}, {"id": 701}]')$$, '54000',
  'rate limit: this call would write 4 of your own leads, after 0 in the last 24 hours; leadscore.max_private_leads_per_day is 3',
  'a lead in the body is counted as written by this call, not again as written before');
SELECT throws_ok($$SELECT leadscore.score_leads('[{"id": 702}, {"id": 703}, {"id": 704}]')$$, '54000',
  'rate limit: this call would write 3 of your own leads, after 1 in the last 24 hours; leadscore.max_private_leads_per_day is 3',
  'three new leads after one: over the limit');
RESET ROLE;

-- A refused call writes nothing.
SELECT is((SELECT array[(SELECT count(*) FROM leadscore.leads WHERE id BETWEEN 702 AND 704),
                        (SELECT count(*) FROM leadscore.private_writes WHERE lead_id BETWEEN 702 AND 704),
                        (SELECT count(*) FROM leadscore.lead_outcomes WHERE lead_id BETWEEN 702 AND 704),
                        (SELECT permit_value FROM leadscore.leads WHERE id = 701)::bigint]),
          array[0, 0, 0, 3000]::bigint[],
  'a refused call leaves no lead, log row or score behind, and her lead as it was');

SELECT is((SELECT count(*) FROM pg_stat_xact_user_tables
            WHERE relid = 'leadscore.private_writes'::regclass AND n_tup_hot_upd >= 3), 1::bigint,
  'the three rewrites updated the row in place (HOT)');
-- Every write changes updated_at (here in one transaction, now() does not
-- move), so a rewrite of a lead can be HOT only if no index holds it.
SELECT is((SELECT count(*) FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid
            WHERE i.indrelid = 'leadscore.leads'::regclass AND a.attname = 'updated_at'
              AND (a.attnum = ANY (i.indkey) OR pg_get_expr(i.indpred, i.indrelid) LIKE '%updated_at%')),
          0::bigint,
  'no index of leads holds updated_at, so a lead''s rewrite can be HOT too');

-- A day later her writes stop counting, and the service changing her lead
-- does not spend her allowance (counting her leads by updated_at did both).
UPDATE leadscore.private_writes SET written_at = now() - interval '25 hours'
 WHERE account_id = 'aaaaaaaa-0000-4000-8000-000000000001';
SELECT pg_temp.act_as('service_role');
SELECT lives_ok($$SELECT leadscore.score_leads('[{"id": 701, "permit_value": 4000}]')$$, 'the service rewrites her lead');
SELECT pg_temp.act_as('authenticated', 'aaaaaaaa-0000-4000-8000-000000000001');
SELECT lives_ok($$SELECT leadscore.score_leads('[{"id": 702}, {"id": 703}, {"id": 704}]')$$,
  'neither her writes older than a day nor the service''s write count');
RESET ROLE;
SELECT is((SELECT array_agg(lead_id ORDER BY lead_id) FROM leadscore.private_writes
            WHERE account_id = 'aaaaaaaa-0000-4000-8000-000000000001'), ARRAY[702, 703, 704]::bigint[],
  'and her rows older than a day went with that write');

INSERT INTO leadscore.private_writes VALUES ('bbbbbbbb-0000-4000-8000-000000000002', 9, now() - interval '2 days');
SET LOCAL leadscore.enable_nightly_training = on;
SELECT leadscore.nightly_training() IS NOT NULL AS ran \gset
SELECT is((SELECT count(*) FROM leadscore.private_writes WHERE written_at <= now() - interval '1 day'), 0::bigint,
  'nightly_training() removes everyone''s rows older than a day');

SELECT * FROM finish();
ROLLBACK;
