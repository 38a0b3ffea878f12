-- The interval and confidence against the demo generator's known truth.
-- Expects bench_truth (id, p_true) and an active model; scores every lead of
-- bench_truth with score_lead(l, true). Prints one row per line:
--   coverage of p_true by [win_prob_low, win_prob_high], with its standard
--   error (binomial, one trained model); mean width; then, per confidence
--   level, its share of leads, mean width and mean |win_prob - p_true| with
--   the standard error of that mean.
CREATE TEMP TABLE bench_iv AS
SELECT t.p_true, s.win_prob AS p, s.win_prob_low AS lo, s.win_prob_high AS hi, s.confidence, s.confidence_value
  FROM bench_truth t JOIN leadscore.leads l ON l.id = t.id, LATERAL leadscore.score_lead(l, true) s;
SELECT format('leads %s   coverage %s (+- %s, target 0.85-0.97)   mean width %s   mean |p - p_true| %s',
              n, round(c::numeric, 4), round(sqrt(c * (1 - c) / n)::numeric, 4), round(w::numeric, 4),
              round(e::numeric, 4))
  FROM (SELECT count(*) AS n, avg((p_true BETWEEN lo AND hi)::int) AS c, avg(hi - lo) AS w,
               avg(abs(p - p_true)) AS e FROM bench_iv) a;
SELECT format('  %-6s %5s%% of leads   width %s   |p - p_true| %s (+- %s)   coverage %s',
              confidence, round(100.0 * count(*) / sum(count(*)) OVER (), 1), round(avg(hi - lo)::numeric, 4),
              round(avg(abs(p - p_true))::numeric, 4),
              round((stddev_samp(abs(p - p_true)) / sqrt(count(*)))::numeric, 4),
              round(avg((p_true BETWEEN lo AND hi)::int)::numeric, 3))
  FROM bench_iv GROUP BY confidence ORDER BY min(hi - lo);
