-- Numbers read from lead rows: the glue converts most numerics from their
-- base-10000 digits and the rest through text, and both routes must give the
-- double that strtod() gives for the same text. The rules' band bounds are
-- parsed from text with strtod(), so a lead whose permit_value equals a bound
-- must reach that band and a lead just below it must not, for numerics in the
-- short and the long stored format, with and without a fraction, and beyond
-- the digits the fast route takes.
BEGIN;
\ir fixture.psql

CREATE TEMP TABLE cases (label text, at_bound numeric, just_below numeric) ON COMMIT DROP;
INSERT INTO cases VALUES
  ('a year-like integer',                     1952,                 1951.9999999),
  ('dollars and cents',                       123456.78,            123456.7799999),
  ('a tenth',                                 0.1,                  0.0999999999),
  ('a small fraction, negative weight',       0.000123,             0.000122999999),
  ('ten thousand (a trailing zero digit)',    10000,                9999.99999),
  ('1e15 (four base-10000 digits)',           1e15,                 999999999999999.9),
  ('2^53 + 1 (too many digits: text route)',  9007199254740993,     9007199254740990),
  ('long stored format (scale above 63)',     round(1952.5, 70),    round(1952.4999999, 70)),
  ('1e300 (weight beyond the short format)',  1e300,                0.99999999e300),
  ('many digits with a fraction',             12345678901234567890.5, 12345678901234560000);

SELECT plan(2 * (SELECT count(*)::int FROM cases));

DELETE FROM leadscore.rule_weights;
INSERT INTO leadscore.rule_weights (factor, key, points) VALUES ('base', '', 0);

CREATE FUNCTION pg_temp.band_points(bound numeric, value numeric) RETURNS int
  LANGUAGE plpgsql AS $$
DECLARE
  s int;
BEGIN
  DELETE FROM leadscore.rule_weights WHERE factor = 'permit_value_at_least';
  INSERT INTO leadscore.rule_weights (factor, key, points) VALUES ('permit_value_at_least', bound::text, 50);
  SELECT (leadscore.score_lead(ROW(1, NULL, value, NULL, NULL, NULL, now(), NULL)::leadscore.leads, false)).score INTO s;
  RETURN s;
END
$$;

SELECT is(pg_temp.band_points(at_bound, at_bound), 50, label || ': equal to the bound reaches the band')
  FROM cases ORDER BY label;
SELECT is(pg_temp.band_points(at_bound, just_below), 0, label || ': just below the bound does not')
  FROM cases ORDER BY label;

SELECT * FROM finish();
ROLLBACK;
