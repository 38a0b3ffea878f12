-- The RPC results' numbers are laid out as numerics in C++
-- (src/pg/numeric_text.hpp) instead of by numeric_in. For every JSON number
-- text below, the jsonb [text] as the builder makes it must have the bytes
-- jsonb_in gives '[text]': the same base-10000 digits, weight, sign, display
-- scale and header form. The numbers: zero in its forms, integers and their
-- powers of ten (trailing zero digits), decimals with leading and trailing
-- zeros, negatives, exponents either way and either case, float8 output
-- (the form of the results' probabilities) over many magnitudes, the edges
-- of the short header (scale 63 and 64, weight 63 and 64; a weight below -63
-- always comes with a scale past 63), and texts past what the encoder takes
-- (more digits, larger exponents), which go to numeric_in.
BEGIN;
\ir fixture.psql
SELECT plan(4);

-- The builder for one number; the library's test entry point, not in the schema.
CREATE FUNCTION pg_temp.builder_number(text) RETURNS jsonb
  LANGUAGE c STRICT AS '$libdir/leadscore', 'jsonb_builder_number';
-- A jsonb's bytes as bytea (a binary-coercible cast only relabels the varlena).
CREATE CAST (jsonb AS bytea) WITHOUT FUNCTION;

CREATE TEMP TABLE numbers (t text) ON COMMIT DROP;
SELECT setseed(0.14);
INSERT INTO numbers
-- zero, and the forms of a few small numbers
SELECT unnest(ARRAY['0', '-0', '0.0', '-0.0', '0.000', '0e0', '0e10', '0e-10', '-0E+3', '0.00e-2',
                    '1', '-1', '9', '10', '100', '1000', '9999', '10000', '10001', '99990000', '100000000',
                    '0.1', '0.5', '0.25', '0.0001', '0.00010', '0.001000', '1.0', '1.50', '-2.500', '12.0000',
                    '1e0', '1E0', '1e+0', '1e-0', '1e1', '1e4', '1e5', '1e+20', '1E+20', '2.5e-05', '-2.5E-05',
                    '1.2345e+3', '1.2345e-3', '123.45e-2', '0.00012e4', '12e-1', '1.0e1', '-1.0e-1',
                    '9223372036854775807', '-9223372036854775808', '4294967296',
                    -- the short header's edges: scale 63 and 64, weight 63 and 64, -64 and -65
                    '1e-63', '1e-64', '1.5e-62', '1.5e-63', '1e252', '9.999e255', '1e256', '-1e256',
                    '1e-256', '1e-257', '-1e-259', '1e-260', '1e-261',
                    -- past what the encoder takes: numeric_in's route
                    '1e400', '1e-400', '1e401', '-1e-401', '1e1000', '1e-1000',
                    '1234567890123456789012345678901234567890', '12345678901234567890123456789012345678901',
                    '0.12345678901234567890123456789012345678901', '-1.00000000000000000000000000000000000000000001',
                    '0.000000000000000000000000000000000000000000000000000000000000000000001'])
UNION ALL
-- integers of every length, with and without trailing zeros, either sign
SELECT (CASE WHEN random() < 0.5 THEN '-' ELSE '' END) || (floor(random() * 10 ^ k)::numeric * 10 ^ z)::text
  FROM generate_series(1, 15) k, generate_series(0, 6) z, generate_series(1, 10)
UNION ALL
-- decimals: random digits, the point anywhere, leading and trailing zeros
SELECT (CASE WHEN random() < 0.5 THEN '-' ELSE '' END)
       || round((random() * 10 ^ k)::numeric, s)::text || repeat('0', z)
  FROM generate_series(-8, 12) k, generate_series(1, 12) s, generate_series(0, 2) z, generate_series(1, 4)
UNION ALL
-- float8 output, shortest form (the results' probabilities and figures)
SELECT f::text
  FROM (SELECT (random() - 0.5) * 10 ^ (random() * 80 - 40) AS f FROM generate_series(1, 4000)) x
UNION ALL
-- float8 output in the older %.15g form and with fewer digits
SELECT to_char_f FROM (
  SELECT set_config('extra_float_digits', e::text, true), e FROM generate_series(-14, 0, 7) e) s,
  LATERAL (SELECT (random() * 10 ^ (random() * 40 - 20))::float8::text AS to_char_f FROM generate_series(1, 300)) y
UNION ALL
-- mantissas with exponents either way
SELECT m || (ARRAY['e', 'E', 'e+', 'E-', 'e-'])[1 + (random() * 4)::int] || ex::text
  FROM (SELECT round((random() * 10 ^ (random() * 8))::numeric, (random() * 6)::int)::text AS m,
               (random() * 300)::int AS ex
          FROM generate_series(1, 3000)) x;
RESET extra_float_digits;

-- Every text is a JSON number (what the builder takes and jsonb_in reads as one).
SELECT is_empty($$SELECT t FROM numbers WHERE t !~ '^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$'$$,
                'every generated text is a JSON number');
SELECT cmp_ok((SELECT count(DISTINCT t)::int FROM numbers), '>', 10000, 'more than 10,000 distinct numbers');

SELECT is_empty($$SELECT t, pg_temp.builder_number(t)::bytea AS built, ('[' || t || ']')::jsonb::bytea AS jsonb_in
                    FROM numbers
                   WHERE pg_temp.builder_number(t)::bytea IS DISTINCT FROM ('[' || t || ']')::jsonb::bytea$$,
                'every number: the bytes jsonb_in gives');

-- In an object, beside other members, the numerics stay aligned as jsonb_in aligns them.
SELECT is_empty($$SELECT t FROM numbers
                   WHERE pg_temp.builder_number(t) -> 0 IS DISTINCT FROM (t::numeric)::text::jsonb
                      OR (pg_temp.builder_number(t) -> 0)::text IS DISTINCT FROM t::numeric::text$$,
                'every number reads back as the numeric of its text');

SELECT * FROM finish();
ROLLBACK;
