-- Quality of scored probabilities against labels, defined as the scikit-learn
-- baseline defines them: ROC AUC with ties counted half, Brier score, log loss
-- with p clipped to [1e-15, 1 - 1e-15], ECE over 10 equal-width bins.
-- ece_floor: the ECE a perfectly calibrated model would still show on these
-- rows, the mean over 200 draws of labels y ~ Bernoulli(p); on a small test
-- set it is far from zero (about 0.02 on the Leads split).
-- Input: a table or view bench_scored(p float8, y boolean).
WITH scored AS MATERIALIZED (  -- bench_scored may be a view that scores: score once
  SELECT p, y FROM bench_scored
), ranked AS (
  SELECT p, y,
         rank() OVER (ORDER BY p) + (count(*) OVER (PARTITION BY p) - 1) / 2.0 AS r
    FROM scored
), counts AS (
  SELECT count(*) FILTER (WHERE y) AS pos, count(*) FILTER (WHERE NOT y) AS neg, count(*) AS n
    FROM scored
), bins AS (
  SELECT least(floor(p * 10), 9) AS b, count(*) AS c, avg(p) AS mp, avg(y::int) AS fy
    FROM scored GROUP BY 1
), draws AS (
  SELECT d, least(floor(p * 10), 9) AS b, count(*) AS c, avg(p) AS mp, avg((random() < p)::int) AS fy
    FROM scored, generate_series(1, 200) AS d GROUP BY 1, 2
), floor_per_draw AS (
  SELECT d, sum(c * abs(fy - mp)) AS e FROM draws GROUP BY d
)
SELECT round(((SELECT sum(r) FROM ranked WHERE y) - pos * (pos + 1) / 2.0) / (pos * neg), 4) AS auc,
       round((SELECT avg((p - y::int) ^ 2) FROM scored)::numeric, 4) AS brier,
       round((SELECT avg(-CASE WHEN y THEN ln(least(greatest(p, 1e-15), 1 - 1e-15))
                               ELSE ln(1 - least(greatest(p, 1e-15), 1 - 1e-15)) END)
                FROM scored)::numeric, 4) AS log_loss,
       round((SELECT sum(c * abs(fy - mp)) / n FROM bins)::numeric, 4) AS ece,
       round((SELECT avg(e) / n FROM floor_per_draw)::numeric, 4) AS ece_floor,
       n AS test_rows
  FROM counts;
