-- The funnel's stage labels, from every combination of ratings by several
-- contractors: contacted when the best rating (in the enum's order) is
-- not_qualified, quoted or won; quoted when it is quoted or won; won as the
-- labelling rule says (rating_labels, and quotes that expire).
BEGIN;
\ir fixture.psql
SELECT plan(3);

INSERT INTO auth.users (id) VALUES ('cccccccc-0000-4000-8000-000000000003');
CREATE TEMP TABLE accounts (n int, id uuid);
INSERT INTO accounts VALUES (1, 'aaaaaaaa-0000-4000-8000-000000000001'), (2, 'bbbbbbbb-0000-4000-8000-000000000002'),
                            (3, 'cccccccc-0000-4000-8000-000000000003');
-- Every multiset of one to three ratings: lead ids encode them.
CREATE TEMP TABLE combos AS
WITH r AS (SELECT e AS rating, ord FROM unnest(enum_range(NULL::leadscore.lead_rating)) WITH ORDINALITY AS t(e, ord))
SELECT row_number() OVER (ORDER BY a.ord, b.ord, c.ord) AS lead_id,
       ARRAY_REMOVE(ARRAY[a.rating, b.rating, c.rating], NULL) AS ratings
  FROM r a
  LEFT JOIN r b ON true
  LEFT JOIN r c ON true
 WHERE b.ord >= a.ord AND c.ord >= b.ord
UNION ALL
SELECT 1000 + a.ord, ARRAY[a.rating] FROM r a;
INSERT INTO leadscore.lead_feedback (account_id, lead_id, rating)
SELECT acc.id, c.lead_id, c.ratings[acc.n]
  FROM combos c JOIN accounts acc ON acc.n <= cardinality(c.ratings);

SELECT is((SELECT count(*) FROM leadscore.derived_win_labels WHERE lead_id IN (SELECT lead_id FROM combos)),
  (SELECT count(*) FROM combos), 'every combination has labels');
SELECT is_empty($$
  SELECT c.lead_id, c.ratings, d.best_rating, d.contacted, d.quoted, d.win_label
    FROM combos c JOIN leadscore.derived_win_labels d USING (lead_id)
   WHERE d.best_rating IS DISTINCT FROM (SELECT max(x) FROM unnest(c.ratings) x)
      OR d.contacted IS DISTINCT FROM ('not_qualified' = ANY (c.ratings) OR 'quoted' = ANY (c.ratings) OR 'won' = ANY (c.ratings))
      OR d.quoted IS DISTINCT FROM ('quoted' = ANY (c.ratings) OR 'won' = ANY (c.ratings))
      OR d.win_label IS DISTINCT FROM CASE WHEN 'won' = ANY (c.ratings) THEN true
                                           WHEN 'quoted' = ANY (c.ratings) THEN NULL ELSE false END$$,
  'best rating, contacted, quoted and won follow the ratings of every combination');
SELECT is_empty($$SELECT * FROM leadscore.derived_win_labels
                   WHERE (quoted AND NOT contacted) OR (win_label AND NOT quoted)$$,
  'the stages nest: won implies quoted implies contacted');

SELECT * FROM finish();
ROLLBACK;
