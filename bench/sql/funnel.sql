-- The funnel against the demo generator's known truth: each stage's
-- probability and the expected deal value, beside the bars of the release.
-- Expects an active model and
--   bench_truth    (id, p_contact, p_quote, p_won, value_true, ev_true, stage): the test leads
--   bench_train    (id, p_contact, p_quote, p_won): the truth of the training leads
--   bench_baseline (id, contact_prob, quote_prob, win_prob, value_if_won, expected_value),
--                  optional: another model's predictions for the test leads
-- and scores every test lead with LATERAL score_lead(l, true).
--
-- Per stage (contact, quote, win; probabilities unconditional, labels the
-- drawn stage): AUC against the oracle's (ranking by the true probability),
-- the difference with its standard error (DeLong: both rank the same leads,
-- so the difference is far less noisy than either AUC); mean |p - p_true|
-- with its standard error; mean p against mean p_true, beside the noise floor
-- of a perfectly calibrated model: sqrt(mean(p_true (1 - p_true)) / n) over
-- the n training leads that carry the stage's label. For expected_value
-- against ev_true: Spearman's rank correlation (standard error by the
-- Bonett-Wright approximation) and the median relative error (standard error
-- from the order statistics around the median). A field that is NULL is
-- reported as not served.

SET client_min_messages = warning;

CREATE TEMP TABLE funnel_pred AS
SELECT 'leadscore' AS source, t.id, s.contact_prob, s.quote_prob, s.win_prob, s.value_if_won, s.expected_value
  FROM bench_truth t JOIN leadscore.leads l ON l.id = t.id, LATERAL leadscore.score_lead(l, true) s;
SELECT to_regclass('bench_baseline') IS NOT NULL AS has_baseline \gset
\if :has_baseline
INSERT INTO funnel_pred
SELECT 'baseline', id, contact_prob, quote_prob, win_prob, value_if_won, expected_value FROM bench_baseline;
\endif

-- One row per source, stage and test lead.
CREATE TEMP TABLE funnel_long AS
SELECT f.source, st.stage, st.ord, f.id, st.p, st.p_true, st.y
  FROM funnel_pred f JOIN bench_truth t ON t.id = f.id,
       LATERAL (VALUES ('contact', 1, f.contact_prob, t.p_contact, t.stage >= 1),
                       ('quote',   2, f.quote_prob,   t.p_quote,   t.stage >= 2),
                       ('win',     3, f.win_prob,     t.p_won,     t.stage = 3)) AS st(stage, ord, p, p_true, y);

-- The training leads that carry each stage's label, and the noise floor of a mean.
CREATE TEMP TABLE funnel_floor AS
SELECT st.stage, count(*) AS n_train, sqrt(avg(st.p * (1 - st.p)) / count(*)) AS floor
  FROM bench_train b JOIN leadscore.derived_win_labels d ON d.lead_id = b.id,
       LATERAL (VALUES ('contact', b.p_contact, true), ('quote', b.p_quote, true),
                       ('win', b.p_won, d.win_label IS NOT NULL)) AS st(stage, p, labelled)
 WHERE st.labelled
 GROUP BY st.stage;

-- DeLong's components: for a lead of either class, the share of the other
-- class it outranks (ties half), from mid-ranks among all leads and within its
-- class. AUC is their mean over the positives; the variance of the AUC
-- difference is var(positives' differences)/m + var(negatives')/n.
CREATE TEMP TABLE funnel_auc AS
WITH ranked AS (
  SELECT source, stage, ord, y, p IS NOT NULL AS served,
         (rank() OVER (PARTITION BY source, stage ORDER BY p) - rank() OVER (PARTITION BY source, stage ORDER BY p DESC)
          - rank() OVER (PARTITION BY source, stage, y ORDER BY p) + rank() OVER (PARTITION BY source, stage, y ORDER BY p DESC)
          + count(*) OVER (PARTITION BY source, stage) - count(*) OVER (PARTITION BY source, stage, y)) / 2.0 AS below_p,
         (rank() OVER (PARTITION BY source, stage ORDER BY p_true) - rank() OVER (PARTITION BY source, stage ORDER BY p_true DESC)
          - rank() OVER (PARTITION BY source, stage, y ORDER BY p_true) + rank() OVER (PARTITION BY source, stage, y ORDER BY p_true DESC)
          + count(*) OVER (PARTITION BY source, stage) - count(*) OVER (PARTITION BY source, stage, y)) / 2.0 AS below_t,
         count(*) FILTER (WHERE y) OVER (PARTITION BY source, stage) AS n_pos,
         count(*) FILTER (WHERE NOT y) OVER (PARTITION BY source, stage) AS n_neg
    FROM funnel_long
), parts AS (
  SELECT source, stage, ord, y, served,
         CASE WHEN y THEN below_p / n_neg ELSE 1 - below_p / n_pos END AS v_p,
         CASE WHEN y THEN below_t / n_neg ELSE 1 - below_t / n_pos END AS v_t
    FROM ranked
)
SELECT source, stage, ord, count(*) AS n, count(*) FILTER (WHERE NOT served) AS unserved,
       avg(v_p) FILTER (WHERE y) AS auc, avg(v_t) FILTER (WHERE y) AS auc_oracle,
       sqrt(var_samp(v_t) FILTER (WHERE y) / count(*) FILTER (WHERE y)
            + var_samp(v_t) FILTER (WHERE NOT y) / count(*) FILTER (WHERE NOT y)) AS se_oracle,
       sqrt(var_samp(v_p - v_t) FILTER (WHERE y) / count(*) FILTER (WHERE y)
            + var_samp(v_p - v_t) FILTER (WHERE NOT y) / count(*) FILTER (WHERE NOT y)) AS se_diff
  FROM parts GROUP BY source, stage, ord;

CREATE TEMP TABLE funnel_stage AS
SELECT a.*, g.mae, g.se_mae, g.mean_p, g.mean_p_true, g.rate, fl.n_train, fl.floor
  FROM funnel_auc a
  JOIN (SELECT source, stage, avg(abs(p - p_true)) AS mae,
               stddev_samp(abs(p - p_true)) / sqrt(count(p)) AS se_mae,
               avg(p) AS mean_p, avg(p_true) AS mean_p_true, avg(y::int) AS rate
          FROM funnel_long GROUP BY source, stage) g USING (source, stage)
  JOIN funnel_floor fl USING (stage);

-- Expected value: mid-ranks for Spearman, relative errors for the median.
CREATE TEMP TABLE funnel_ev AS
WITH e AS (
  SELECT f.source, f.expected_value AS ev, t.ev_true,
         (rank() OVER (PARTITION BY f.source ORDER BY f.expected_value)
          - rank() OVER (PARTITION BY f.source ORDER BY f.expected_value DESC)) / 2.0 AS r_ev,
         (rank() OVER (PARTITION BY f.source ORDER BY t.ev_true)
          - rank() OVER (PARTITION BY f.source ORDER BY t.ev_true DESC)) / 2.0 AS r_true
    FROM funnel_pred f JOIN bench_truth t ON t.id = f.id
)
SELECT source, count(*) AS n, count(*) FILTER (WHERE ev IS NULL) AS unserved,
       corr(r_ev, r_true) AS spearman,
       percentile_cont(ARRAY[0.5 - 0.98 / sqrt((SELECT count(*) FROM bench_truth)), 0.5,
                             0.5 + 0.98 / sqrt((SELECT count(*) FROM bench_truth))])
         WITHIN GROUP (ORDER BY abs(ev - ev_true) / ev_true) AS rel_q
  FROM e GROUP BY source;

-- verdict(met, served): the word printed beside a bar.
CREATE FUNCTION pg_temp.verdict(met boolean) RETURNS text
  LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN met THEN 'PASS' ELSE 'NOT MET' END $$;

SELECT format('test leads %s (drawn: contacted %s, quoted %s, won %s); training leads with a label: contact and quote %s, win %s',
              (SELECT count(*) FROM bench_truth),
              round(avg((stage >= 1)::int), 3), round(avg((stage >= 2)::int), 3), round(avg((stage = 3)::int), 3),
              (SELECT n_train FROM funnel_floor WHERE stage = 'contact'), (SELECT n_train FROM funnel_floor WHERE stage = 'win'))
  FROM bench_truth;

SELECT line FROM (
  SELECT source, ord, 0 AS k,
         format('%-9s %-7s oracle AUC %s (± %s)', source, stage, round(auc_oracle::numeric, 4), round(se_oracle::numeric, 4)) AS line
    FROM funnel_stage
  UNION ALL
  SELECT source, ord, 1,
         CASE WHEN unserved > 0 THEN
                format('%-9s %-7s not served (%s_prob NULL on %s of %s leads)', source, stage, stage, unserved, n)
              ELSE format('%-9s %-7s AUC %s, oracle %s: difference %s ± %s   bar: within 0.03 of the oracle   %s',
                          source, stage, round(auc::numeric, 4), round(auc_oracle::numeric, 4),
                          to_char(auc - auc_oracle, 'SG0.0000'), round(se_diff::numeric, 4),
                          pg_temp.verdict(auc_oracle - auc <= 0.03)) END
    FROM funnel_stage
  UNION ALL
  SELECT source, ord, 2,
         format('%-9s %-7s mean |p - p_true| %s ± %s   bar: <= 0.04   %s',
                source, stage, round(mae::numeric, 4), round(se_mae::numeric, 4), pg_temp.verdict(mae <= 0.04))
    FROM funnel_stage WHERE unserved = 0
  UNION ALL
  SELECT source, ord, 3,
         format('%-9s %-7s mean p %s, mean p_true %s: difference %s (noise floor %s, %s training leads)   bar: |difference| <= 0.01   %s',
                source, stage, round(mean_p::numeric, 4), round(mean_p_true::numeric, 4),
                to_char(mean_p - mean_p_true, 'SG0.0000'), round(floor::numeric, 4), n_train,
                pg_temp.verdict(abs(mean_p - mean_p_true) <= 0.01))
    FROM funnel_stage WHERE unserved = 0
  UNION ALL
  SELECT source, 4, 0,
         CASE WHEN unserved > 0 THEN
                format('%-9s %-7s not served (expected_value NULL on %s of %s leads)', source, 'value', unserved, n)
              ELSE format('%-9s %-7s expected_value against ev_true: Spearman %s ± %s   bar: >= 0.9   %s',
                          source, 'value', round(spearman::numeric, 4),
                          round(((1 - spearman ^ 2) * sqrt((1 + spearman ^ 2 / 2) / (n - 3)))::numeric, 4),
                          pg_temp.verdict(spearman >= 0.9)) END
    FROM funnel_ev
  UNION ALL
  SELECT source, 4, 1,
         format('%-9s %-7s median |ev - ev_true| / ev_true %s%% ± %s%%   bar: <= 30%%   %s',
                source, 'value', round(100 * rel_q[2]::numeric, 1), round((100 * (rel_q[3] - rel_q[1]) / 3.92)::numeric, 1),
                pg_temp.verdict(rel_q[2] <= 0.30))
    FROM funnel_ev WHERE unserved = 0
) x ORDER BY source = 'baseline', ord, k;

RESET client_min_messages;
