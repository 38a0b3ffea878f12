-- Grades and confidence on a data set's test rows (bench_split), with an
-- active model: the share of each grade with its observed win rate (and the
-- rate's standard error), then the share of each confidence level.
CREATE TEMP TABLE bench_gr AS
SELECT s.grade, s.confidence, b.label AS y
  FROM leadscore.leads l JOIN bench_split b ON b.id = l.id, LATERAL leadscore.score_lead(l, true) s
 WHERE b.split = 'test';
SELECT format('  grade %-2s %5s%% of test rows   win rate %s (+- %s)', grade,
              round(100.0 * count(*) / sum(count(*)) OVER (), 1), round(avg(y::int)::numeric, 3),
              round(sqrt(avg(y::int) * (1 - avg(y::int)) / count(*))::numeric, 3))
  FROM bench_gr GROUP BY grade ORDER BY grade;
SELECT format('  confidence %-6s %5s%% of test rows', confidence, round(100.0 * count(*) / sum(count(*)) OVER (), 1))
  FROM bench_gr GROUP BY confidence ORDER BY confidence;
