-- Synthetic building-permit leads and contractors' feedback, for the demo and
-- for benchmarks that need many leads. Deterministic for a given seed.
--
--   psql -v leads=5000 -v accounts=5 -v seed=42 [-v feedback=0] -f demo/generate.sql
--
-- Every lead has an address, a permit value, one or two trade tags, a creation
-- date in the last 400 days, and attributes (property_type, owner_occupied,
-- year_built, competing_bids, permit_status). Whether a lead is won is drawn
-- from a known logistic model, so a trained model has something real to find:
--
--   logit P(won) = -1.1
--       + 0.9 * (log10(permit_value) - 4.3)     bigger jobs convert better (0 if missing)
--       - 0.8 if the permit value is missing
--       + trade: roofing +0.5, windows +0.3, hvac +0.2, siding +0.1, remodel 0,
--                electrical -0.1, plumbing -0.2, solar -0.4 (first tag)
--       + 0.7 if owner_occupied
--       - 0.35 * (competing_bids - 1)            competition (1 to 5 bids)
--       + 0.4 single_family, 0 townhouse, -0.2 condo, -0.6 commercial
--       + city: Springfield +0.3, Riverton -0.3, others 0
--
-- Feedback comes through leadscore.submit_feedback() from the demo accounts,
-- as service_role would send it: leads younger than 14 days are not rated yet;
-- 85% of older leads are rated by one to three contractors. A won lead gets
-- 'won' from one of them; the others (and every rater of a lost lead) say
-- no_answer, bad_contact, not_qualified or quoted, with fitting reason codes,
-- deal bands and notes.

\if :{?leads}
\else
  \set leads 5000
\endif
\if :{?accounts}
\else
  \set accounts 5
\endif
\if :{?seed}
\else
  \set seed 42
\endif
\if :{?feedback}
\else
  \set feedback 1
\endif

SET client_min_messages = warning;

INSERT INTO auth.users (id, email)
SELECT ('d0000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid,
       format('contractor%s@demo.leadscore.test', i)
  FROM generate_series(1, :accounts) AS i
ON CONFLICT (id) DO NOTHING;

SELECT setseed(((:seed % 1000) / 1000.0)::float8) IS NULL AS seeded \gset

DROP TABLE IF EXISTS pg_temp.demo_leads, pg_temp.demo_feedback;
CREATE TEMP TABLE demo_leads AS
WITH drawn AS (
  SELECT i AS id,
         random() AS u_trade, random() AS u_tag2, random() AS u_value1, random() AS u_value2,
         random() AS u_missing, random() AS u_age, random() AS u_city, random() AS u_street,
         random() AS u_type, random() AS u_owner, random() AS u_year, random() AS u_bids,
         random() AS u_status, random() AS u_won
    FROM generate_series(1, :leads) AS i
), shaped AS (
  SELECT d.*,
         (ARRAY['roofing','windows','siding','solar','hvac','plumbing','electrical','remodel'])
           [1 + floor(d.u_trade * 8)::int] AS trade,
         (ARRAY['Springfield','Riverton','Lakeside','Fairview','Oakdale','Milton'])
           [1 + floor(d.u_city * 6)::int] AS city,
         (ARRAY['single_family','single_family','single_family','townhouse','condo','commercial'])
           [1 + floor(d.u_type * 6)::int] AS property_type,
         d.u_owner < 0.65 AS owner_occupied,
         1 + floor(d.u_bids * 5)::int AS competing_bids,
         -- log-normal around $20k: Box-Muller on two uniforms
         CASE WHEN d.u_missing < 0.08 THEN NULL
              ELSE round(exp(ln(20000) + 1.1 * sqrt(-2 * ln(greatest(d.u_value1, 1e-12)))
                                                  * cos(2 * pi() * d.u_value2)))::numeric
         END AS permit_value
    FROM drawn d
), scored AS (
  SELECT s.*,
         -1.1
         + CASE WHEN s.permit_value IS NULL THEN -0.8
                ELSE 0.9 * (log(s.permit_value) - 4.3) END
         + CASE s.trade WHEN 'roofing' THEN 0.5 WHEN 'windows' THEN 0.3 WHEN 'hvac' THEN 0.2
                        WHEN 'siding' THEN 0.1 WHEN 'electrical' THEN -0.1
                        WHEN 'plumbing' THEN -0.2 WHEN 'solar' THEN -0.4 ELSE 0 END
         + CASE WHEN s.owner_occupied THEN 0.7 ELSE 0 END
         - 0.35 * (s.competing_bids - 1)
         + CASE s.property_type WHEN 'single_family' THEN 0.4 WHEN 'condo' THEN -0.2
                                WHEN 'commercial' THEN -0.6 ELSE 0 END
         + CASE s.city WHEN 'Springfield' THEN 0.3 WHEN 'Riverton' THEN -0.3 ELSE 0 END
           AS logit
    FROM shaped s
)
SELECT s.id,
       format('%s %s %s, %s, %s',
              100 + floor(s.u_street * 9800)::int,
              (ARRAY['Maple','Oak','Cedar','Elm','Pine','Birch','Willow','Main'])
                [1 + floor(s.u_street * 64)::int % 8],
              (ARRAY['St','Ave','Rd','Dr'])[1 + floor(s.u_street * 1000)::int % 4],
              s.city,
              (ARRAY['IL 62704','WY 82501','CA 92040','TX 75069','MN 55128','MA 02186'])
                [array_position(ARRAY['Springfield','Riverton','Lakeside','Fairview','Oakdale','Milton'], s.city)])
         AS address,
       s.permit_value,
       CASE WHEN s.u_tag2 < 0.25 AND s.trade <> (ARRAY['windows','siding','roofing','hvac'])[1 + floor(s.u_tag2 * 16)::int]
            THEN ARRAY[s.trade, (ARRAY['windows','siding','roofing','hvac'])[1 + floor(s.u_tag2 * 16)::int]]
            ELSE ARRAY[s.trade] END AS trade_tags,
       now() - make_interval(secs => s.u_age * 400 * 86400) AS created_at,
       jsonb_build_object(
         'property_type', s.property_type,
         'owner_occupied', s.owner_occupied,
         'year_built', 1920 + floor(s.u_year * 104)::int,
         'competing_bids', s.competing_bids,
         'permit_status', (ARRAY['applied','issued','issued','final'])[1 + floor(s.u_status * 4)::int]
       ) AS attributes,
       1 / (1 + exp(-s.logit)) AS p_won,
       s.u_won < 1 / (1 + exp(-s.logit)) AS won
  FROM scored s;

INSERT INTO leadscore.leads (id, address, permit_value, trade_tags, created_at, attributes)
SELECT id, address, permit_value, trade_tags, created_at, attributes FROM demo_leads
ON CONFLICT (id) DO UPDATE
   SET address = excluded.address, permit_value = excluded.permit_value,
       trade_tags = excluded.trade_tags, created_at = excluded.created_at,
       attributes = excluded.attributes;

\if :feedback
-- Who rated what: 1 to 3 distinct accounts per rated lead; the first says 'won'
-- when the lead was won.
CREATE TEMP TABLE demo_feedback AS
WITH rated AS (
  SELECT l.*, random() AS u_rated, random() AS u_raters, random() AS u_first
    FROM demo_leads l
   WHERE l.created_at < now() - interval '14 days'
   ORDER BY l.id
), raters AS (
  SELECT r.id, r.won, r.permit_value, k,
         1 + (floor(r.u_first * :accounts)::int + k - 1) % :accounts AS account_no,
         random() AS u_rating, random() AS u_reason, random() AS u_note
    FROM rated r,
         generate_series(1, 1 + floor(r.u_raters * 2.999)::int) AS k
   WHERE r.u_rated < 0.85 AND k <= :accounts
)
SELECT id AS lead_id,
       ('d0000000-0000-4000-8000-' || lpad(account_no::text, 12, '0'))::uuid AS account_id,
       rating,
       CASE WHEN rating IN ('won', 'quoted') AND permit_value IS NOT NULL THEN
         CASE WHEN permit_value < 5000 THEN '<$5k' WHEN permit_value < 15000 THEN '$5-15k'
              WHEN permit_value < 50000 THEN '$15-50k' WHEN permit_value < 150000 THEN '$50-150k'
              ELSE '$150k+' END
       END AS deal_band,
       CASE rating
         WHEN 'won' THEN CASE WHEN u_reason < 0.5 THEN ARRAY['good_contact','qualified']
                              ELSE ARRAY['responsive','budget_confirmed'] END
         WHEN 'no_answer' THEN ARRAY['no_response']
         WHEN 'bad_contact' THEN ARRAY['wrong_number']
         WHEN 'not_qualified' THEN ARRAY[(ARRAY['not_interested','no_budget','out_of_area','wrong_trade'])
                                          [1 + floor(u_reason * 4)::int]]
         WHEN 'quoted' THEN CASE WHEN u_reason < 0.3 THEN ARRAY['price_shopping'] END
       END AS reason_codes,
       CASE WHEN rating = 'won' AND u_note < 0.3 THEN 'Excellent lead, closed within 2 weeks'
            WHEN rating = 'quoted' AND u_note < 0.3 THEN 'Quote sent, waiting to hear back'
       END AS notes
  FROM (SELECT rr.*,
               CASE WHEN rr.won AND rr.k = 1 THEN 'won'
                    WHEN rr.u_rating < 0.38 THEN 'no_answer'
                    WHEN rr.u_rating < 0.55 THEN 'bad_contact'
                    WHEN rr.u_rating < 0.88 THEN 'not_qualified'
                    ELSE 'quoted' END AS rating
          FROM raters rr) x;

SELECT count(*) AS feedback_submitted
  FROM demo_feedback f,
       LATERAL leadscore.submit_feedback(f.lead_id, f.rating, f.deal_band, f.reason_codes,
                                         f.notes, f.account_id) s;
-- The platform's history: each rating dates from 2 to 21 days after its lead
-- came in (never in the last hour), as the service would load it; then the
-- labels are derived as the nightly run derives them (an old quote is lost).
UPDATE leadscore.lead_feedback f
   SET created_at = d.rated_at, updated_at = d.rated_at
  FROM (SELECT f2.id, least(l.created_at + make_interval(days => 2 + abs(hashint8(f2.lead_id * 7 + f2.id)) % 20),
                            now() - interval '1 hour') AS rated_at
          FROM leadscore.lead_feedback f2 JOIN leadscore.leads l ON l.id = f2.lead_id) d
 WHERE f.id = d.id;
SELECT leadscore.rederive_win_labels() AS labels_rederived;
\endif

RESET client_min_messages;
