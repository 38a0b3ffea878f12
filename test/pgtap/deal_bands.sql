-- Deal bands are ranges of dollars, [min_value, max_value), the top one open;
-- inverted, unbounded or overlapping active bands are refused. Where one
-- number must stand for a band, it is its typical value: the midpoint, 1.5 x
-- the open top band's lower bound.
BEGIN;
SELECT plan(10);

SELECT results_eq('SELECT band, min_value, max_value FROM leadscore.deal_bands ORDER BY position',
  $$VALUES ('<$5k', 0::numeric, 5000::numeric), ('$5-15k', 5000, 15000), ('$15-50k', 15000, 50000),
           ('$50-150k', 50000, 150000), ('$150k+', 150000, NULL)$$,
  'the default bands cover 0 to infinity without a gap or an overlap');
SELECT results_eq('SELECT band, typical_value FROM leadscore.deal_bands ORDER BY position',
  $$VALUES ('<$5k', 2500::numeric), ('$5-15k', 10000), ('$15-50k', 32500), ('$50-150k', 100000), ('$150k+', 225000)$$,
  'each default band''s typical value is its midpoint, the open top band''s 1.5 x its lower bound');
SELECT throws_ok($$INSERT INTO leadscore.deal_bands (band, position, min_value, max_value) VALUES ('odd', 9, 100, 50)$$,
  '23514', NULL, 'an inverted band is refused');
SELECT throws_ok($$INSERT INTO leadscore.deal_bands (band, position, min_value) VALUES ('neg', 9, -5)$$,
  '23514', NULL, 'a negative bound is refused');
SELECT throws_ok($$INSERT INTO leadscore.deal_bands (band, position) VALUES ('vague', 9)$$,
  '23514', NULL, 'an active band without a lower bound is refused');
SAVEPOINT overlap;
INSERT INTO leadscore.deal_bands (band, position, min_value, max_value) VALUES ('$100-200k', 9, 100000, 200000);
SELECT throws_ok('SET CONSTRAINTS leadscore.deal_bands_no_overlap IMMEDIATE', '23P01', NULL,
  'an active band that overlaps another is refused (at the end of the transaction)');
ROLLBACK TO overlap;
UPDATE leadscore.deal_bands SET max_value = 500000 WHERE band = '$150k+';
INSERT INTO leadscore.deal_bands (band, position, min_value) VALUES ('$500k+', 6, 500000);
SELECT lives_ok('SET CONSTRAINTS leadscore.deal_bands_no_overlap IMMEDIATE',
  'an operator splits the open top band and adds one above it');
SELECT results_eq($$SELECT typical_value FROM leadscore.deal_bands WHERE band IN ('$150k+', '$500k+') ORDER BY position$$,
  $$VALUES (325000::numeric), (750000)$$, 'and the typical values follow the new bounds');
-- As a restore writes a band over the default: INSERT of an existing key replaces the row.
INSERT INTO leadscore.deal_bands (band, position, min_value) VALUES ('$500k+', 6, 600000);
SELECT is((SELECT typical_value FROM leadscore.deal_bands WHERE band = '$500k+'), 900000::numeric,
  'an INSERT that replaces a band (as a restore does) recomputes its typical value');
SELECT lives_ok($$INSERT INTO leadscore.deal_bands (band, position, min_value, max_value, active)
                  VALUES ('old', 10, 1, 2000000, false)$$, 'a retired band may overlap: only active ones count');

SELECT * FROM finish();
ROLLBACK;
