-- Monitoring over model rows whose metrics are malformed (a service_role
-- INSERT can write anything there): latest_model(), health(), score_drift()
-- and model_history report what they can and name the bad rows. In 0.3.0 they
-- failed with "cannot extract elements from a scalar".
BEGIN;
SELECT plan(11);

INSERT INTO leadscore.models (version, algorithm, params, feature_spec, metrics, training_rows, blob, status, activated_at)
VALUES (901, 'random_forest', '{}', '{}',
        '{"auc": 0.7, "calibration_curve": [{"lo": 0.1, "count": 5}, "x"], "feature_importance": 5}',
        10, '\x00', 'active', now()),
       (902, 'random_forest', '{}', '{}', '"just a string"', 10, '\x00', 'candidate', NULL),
       (903, 'random_forest', '{}', '{}', '{"auc": "high", "roc_curve": {}, "feature_importance": 5}', 10, '\x00',
        'candidate', NULL);

SELECT lives_ok('SELECT leadscore.latest_model()', 'latest_model() reads a model whose metrics hold a number where an array belongs (0.3.0: cannot extract elements from a scalar)');
SELECT is(leadscore.latest_model() -> 'problems',
  '["model 903: metrics.auc is string, not number", "model 903: metrics.feature_importance is number, not array",
    "model 903: metrics.roc_curve is object, not array"]'::jsonb,
  'and names each malformed field of the newest model');
SELECT is(leadscore.latest_model() -> 'metrics' ->> 'auc', 'high', 'while still showing the metrics as stored');
SELECT lives_ok('SELECT leadscore.health()', 'health() does not fail on them');
SELECT is(leadscore.health() -> 'model_problems',
  '["model 901: metrics.feature_importance is number, not array",
    "model 902: metrics is string, not a JSON object",
    "model 903: metrics.auc is string, not number",
    "model 903: metrics.feature_importance is number, not array",
    "model 903: metrics.roc_curve is object, not array"]'::jsonb,
  'health() names every bad row');
-- An active model whose calibration curve is not an array at all.
SAVEPOINT scalar_curve;
UPDATE leadscore.models SET status = 'retired' WHERE version = 901;
INSERT INTO leadscore.models (version, algorithm, params, feature_spec, metrics, training_rows, blob, status, activated_at)
VALUES (904, 'random_forest', '{}', '{}', '{"calibration_curve": 7}', 10, '\x00', 'active', now());
SELECT lives_ok('SELECT leadscore.health()', 'health() reads an active model whose calibration curve is a number');
ROLLBACK TO scalar_curve;
SELECT is((leadscore.score_drift() ->> 'reference_rows')::int, 5,
  'score_drift() uses the well-formed points of the calibration curve and skips the rest');
SELECT is((leadscore.health() -> 'active_model' ->> 'version')::int, 901, 'and still reports the active model');
SELECT results_eq('SELECT version, auc FROM leadscore.model_history WHERE version >= 901 ORDER BY version',
  $$VALUES (901, 0.7::float8), (902, NULL), (903, NULL)$$,
  'model_history shows a number where there is one and NULL where there is none');
SELECT is(leadscore.metric('{"auc": 0.5}', 'auc'), 0.5::float8, 'metric() reads a number');

SET LOCAL ROLE service_role;
SELECT lives_ok('SELECT leadscore.latest_model(), leadscore.health(), (SELECT count(*) FROM leadscore.model_history)',
  'service_role, who monitors, reads them all too');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
