-- Quality of scored probabilities against labels, defined as the scikit-learn
-- baseline defines them: ROC AUC with ties counted half, Brier score, log loss
-- with p clipped to [1e-15, 1 - 1e-15], ECE over 10 equal-width bins.
-- Input: a table or view bench_scored(p float8, y boolean).
WITH ranked AS (
  SELECT p, y,
         rank() OVER (ORDER BY p) + (count(*) OVER (PARTITION BY p) - 1) / 2.0 AS r
    FROM bench_scored
), counts AS (
  SELECT count(*) FILTER (WHERE y) AS pos, count(*) FILTER (WHERE NOT y) AS neg, count(*) AS n
    FROM bench_scored
), bins AS (
  SELECT least(floor(p * 10), 9) AS b, count(*) AS c, avg(p) AS mp, avg(y::int) AS fy
    FROM bench_scored GROUP BY 1
)
SELECT round(((SELECT sum(r) FROM ranked WHERE y) - pos * (pos + 1) / 2.0) / (pos * neg), 4) AS auc,
       round((SELECT avg((p - y::int) ^ 2) FROM bench_scored)::numeric, 4) AS brier,
       round((SELECT avg(-CASE WHEN y THEN ln(least(greatest(p, 1e-15), 1 - 1e-15))
                               ELSE ln(1 - least(greatest(p, 1e-15), 1 - 1e-15)) END)
                FROM bench_scored)::numeric, 4) AS log_loss,
       round((SELECT sum(c * abs(fy - mp)) / n FROM bins)::numeric, 4) AS ece,
       n AS test_rows
  FROM counts;
