-- Synthetic building-permit leads and contractors' feedback, for the demo and
-- for benchmarks that need many leads. Deterministic for a given seed, linear
-- in the number of leads.
--
--   psql -v leads=5000 -v accounts=5 -v seed=42 [-v feedback=0] -f demo/generate.sql
--
-- Every lead has an address, a permit value, one or two trade tags, a creation
-- date in the last 400 days, and attributes (property_type, owner_occupied,
-- year_built, competing_bids, permit_status, phone_listed). Each lead then goes
-- through a known funnel, one stage after the other, so that a trained model
-- has something real to find at every stage. Each stage has features of its
-- own; owner_occupied and the permit value act on two stages each.
--
-- 1. Contact: does the owner answer and turn out to be a decision maker?
--    logit P(contact) = -1.3
--        + 1.5 if phone_listed                     (70% of leads)
--        + permit_status: applied +0.5, issued +0.2, final -1.0 (the work is done)
--        + 0.8 if owner_occupied                   (shared with the win stage)
--
-- 2. Quote, given contact: does it come to a quote?
--    logit P(quote | contact) = 1.1
--        - 0.45 * (competing_bids - 1)             (1 to 5 bids)
--        + single_family +0.5, townhouse 0, condo -0.7, commercial -0.5
--        + 0.8 * (log10(permit_value) - 4.3)       (shared with the win stage)
--        - 0.8 if the permit value is missing
--
-- 3. Win, given quote: does the contractor get the job?
--    logit P(win | quote) = -0.7
--        + trade: roofing +1.0, windows +0.6, hvac +0.4, siding +0.2, remodel 0,
--                 electrical -0.3, plumbing -0.5, solar -1.0 (first tag)
--        + city: Springfield +0.8, Riverton -0.8, others 0
--        + year_built: before 1960 +0.8, 1960-1989 0, 1990 or later -0.6
--        + 0.6 if owner_occupied
--        + 0.6 * (log10(permit_value) - 4.3), -0.6 if it is missing
--
-- 4. Deal value: log-normal, ln(value) = mu + 0.6 Z with Z standard normal and
--    mu = ln(0.6 * permit_value) (ln(10000) if it is missing)
--         + commercial +0.3, townhouse -0.1, condo -0.2, single_family 0.
--    It does not depend on the stage: a quote's value is the job's value.
--
-- Base rates: contact about 0.55, quote about 0.30, win about 0.14; ranking by
-- the true probabilities gives an AUC of about 0.74, 0.72 and 0.75.
--
-- The temp table demo_leads keeps the truth beside each lead: p_contact,
-- p_quote (= p_contact * P(quote | contact)) and p_won (= p_quote *
-- P(win | quote)), all unconditional; value_true = E[deal value | features]
-- (the log-normal's mean, exp(mu + 0.18)) and ev_true = p_won * value_true;
-- and what was drawn: stage (0 none, 1 contacted, 2 quoted, 3 won), contacted,
-- quoted, won, and deal_value (for quoted and won leads).
--
-- Feedback comes through leadscore.submit_feedback() from the demo accounts,
-- as service_role would send it: leads younger than 14 days are not rated yet;
-- 85% of older leads are rated by one to three contractors. The first rater's
-- rating follows the drawn stage (none: no_answer or bad_contact; contacted:
-- not_qualified; quoted: quoted; won: won); the others say no better (so the
-- lead's best rating is its drawn stage), and only one of them wins. Quoted
-- and won ratings carry the deal band of the drawn deal value. Ratings date
-- from 2 to 21 days after their lead, so most quotes are old enough to count
-- as lost (leadscore.quote_expiry_days).

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
         random() AS u_status, random() AS u_won, random() AS u_phone, random() AS u_contact,
         random() AS u_quote, random() AS u_deal1, random() AS u_deal2
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
         1920 + floor(d.u_year * 104)::int AS year_built,
         (ARRAY['applied','issued','issued','final'])[1 + floor(d.u_status * 4)::int] AS permit_status,
         d.u_phone < 0.7 AS phone_listed,
         -- log-normal around $20k: Box-Muller on two uniforms
         CASE WHEN d.u_missing < 0.08 THEN NULL
              ELSE round(exp(ln(20000) + 1.1 * sqrt(-2 * ln(greatest(d.u_value1, 1e-12)))
                                                  * cos(2 * pi() * d.u_value2)))::numeric
         END AS permit_value
    FROM drawn d
), logged AS (
  -- float8 logarithms, once: numeric ones are slow, and the expressions below
  -- are expanded into every place that uses them
  SELECT s.*, log(s.permit_value::float8) AS log_value
    FROM shaped s
), logits AS (
  SELECT s.*,
         -1.3
         + CASE WHEN s.phone_listed THEN 1.5 ELSE 0 END
         + CASE s.permit_status WHEN 'applied' THEN 0.5 WHEN 'issued' THEN 0.2 ELSE -1.0 END
         + CASE WHEN s.owner_occupied THEN 0.8 ELSE 0 END
           AS logit_contact,
         1.1
         - 0.45 * (s.competing_bids - 1)
         + CASE s.property_type WHEN 'single_family' THEN 0.5 WHEN 'condo' THEN -0.7
                                WHEN 'commercial' THEN -0.5 ELSE 0 END
         + CASE WHEN s.permit_value IS NULL THEN -0.8
                ELSE 0.8 * (s.log_value - 4.3) END
           AS logit_quote,
         -0.7
         + CASE s.trade WHEN 'roofing' THEN 1.0 WHEN 'windows' THEN 0.6 WHEN 'hvac' THEN 0.4
                        WHEN 'siding' THEN 0.2 WHEN 'electrical' THEN -0.3
                        WHEN 'plumbing' THEN -0.5 WHEN 'solar' THEN -1.0 ELSE 0 END
         + CASE s.city WHEN 'Springfield' THEN 0.8 WHEN 'Riverton' THEN -0.8 ELSE 0 END
         + CASE WHEN s.year_built < 1960 THEN 0.8 WHEN s.year_built >= 1990 THEN -0.6 ELSE 0 END
         + CASE WHEN s.owner_occupied THEN 0.6 ELSE 0 END
         + CASE WHEN s.permit_value IS NULL THEN -0.6
                ELSE 0.6 * (s.log_value - 4.3) END
           AS logit_win,
         coalesce(ln(0.6::float8) + s.log_value * ln(10::float8), ln(10000::float8))
         + CASE s.property_type WHEN 'commercial' THEN 0.3 WHEN 'townhouse' THEN -0.1
                                WHEN 'condo' THEN -0.2 ELSE 0 END
           AS mu_deal
    FROM logged s
), funnel AS (
  SELECT g.*,
         1 / (1 + exp(-g.logit_contact)) AS p_c,
         1 / (1 + exp(-g.logit_quote)) AS p_q_c,
         1 / (1 + exp(-g.logit_win)) AS p_w_q
    FROM logits g
), staged AS (
  SELECT f.*,
         CASE WHEN f.u_contact >= f.p_c THEN 0
              WHEN f.u_quote >= f.p_q_c THEN 1
              WHEN f.u_won >= f.p_w_q THEN 2
              ELSE 3 END AS stage
    FROM funnel f
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
         'year_built', s.year_built,
         'competing_bids', s.competing_bids,
         'permit_status', s.permit_status,
         'phone_listed', s.phone_listed
       ) AS attributes,
       s.p_c AS p_contact,
       s.p_c * s.p_q_c AS p_quote,
       s.p_c * s.p_q_c * s.p_w_q AS p_won,
       exp(s.mu_deal + 0.18) AS value_true,             -- E[exp(mu + 0.6 Z)] = exp(mu + 0.6^2 / 2)
       s.p_c * s.p_q_c * s.p_w_q * exp(s.mu_deal + 0.18) AS ev_true,
       s.stage,
       s.stage >= 1 AS contacted,
       s.stage >= 2 AS quoted,
       s.stage = 3 AS won,
       CASE WHEN s.stage >= 2 THEN
         round(exp(s.mu_deal + 0.6 * sqrt(-2 * ln(greatest(s.u_deal1, 1e-12))) * cos(2 * pi() * s.u_deal2)))::numeric
       END AS deal_value
  FROM staged s;

INSERT INTO leadscore.leads (id, address, permit_value, trade_tags, created_at, attributes)
SELECT id, address, permit_value, trade_tags, created_at, attributes FROM demo_leads
ON CONFLICT (id) DO UPDATE
   SET address = excluded.address, permit_value = excluded.permit_value,
       trade_tags = excluded.trade_tags, created_at = excluded.created_at,
       attributes = excluded.attributes;

\if :feedback
-- Who rated what: 1 to 3 distinct accounts per rated lead. The first rater
-- reports the drawn stage; each other rater reaches a stage no further than
-- the first's, and never wins (one job, one winner).
CREATE TEMP TABLE demo_feedback AS
WITH rated AS (
  SELECT l.*, random() AS u_rated, random() AS u_raters, random() AS u_first
    FROM demo_leads l
   WHERE l.created_at < now() - interval '14 days'
   ORDER BY l.id
), raters AS (
  SELECT r.id, r.stage, r.deal_value, k,
         1 + (floor(r.u_first * :accounts)::int + k - 1) % :accounts AS account_no,
         random() AS u_rating, random() AS u_reason, random() AS u_note
    FROM rated r,
         generate_series(1, 1 + floor(r.u_raters * 2.999)::int) AS k
   WHERE r.u_rated < 0.85 AND k <= :accounts
), reached AS (
  SELECT rr.*,
         CASE WHEN rr.k = 1 THEN rr.stage
              ELSE floor(rr.u_rating * (least(rr.stage, 2) + 1))::int END AS rater_stage
    FROM raters rr
), rated_as AS (
  SELECT x.*,
         CASE x.rater_stage
            WHEN 0 THEN CASE WHEN x.u_reason < 0.65 THEN 'no_answer' ELSE 'bad_contact' END
            WHEN 1 THEN 'not_qualified'
            WHEN 2 THEN 'quoted'
            ELSE 'won' END AS rating
    FROM reached x
)
SELECT id AS lead_id,
       ('d0000000-0000-4000-8000-' || lpad(account_no::text, 12, '0'))::uuid AS account_id,
       rating,
       CASE WHEN rating IN ('won', 'quoted') THEN
         CASE WHEN deal_value < 5000 THEN '<$5k' WHEN deal_value < 15000 THEN '$5-15k'
              WHEN deal_value < 50000 THEN '$15-50k' WHEN deal_value < 150000 THEN '$50-150k'
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
  FROM rated_as;

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
