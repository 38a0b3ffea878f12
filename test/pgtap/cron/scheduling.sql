-- Scheduling with pg_cron, in the database pg_cron runs from (cron.database_name;
-- scripts/test runs this file there). Installs the Supabase stand-ins, pg_cron
-- and leadscore inside the test's transaction, so the database is left as found.
BEGIN;
SET LOCAL client_min_messages = warning;
\ir ../../../sql/leadscore_auth_compat.sql
CREATE EXTENSION IF NOT EXISTS pg_cron;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION leadscore;
RESET client_min_messages;
SELECT plan(11);

CREATE TEMP VIEW our_jobs AS
  SELECT jobid, schedule, command, database, username FROM cron.job WHERE jobname = 'leadscore_nightly_training';

SELECT is(leadscore.unschedule_nightly_training(), false, 'unscheduling when nothing is scheduled says so');
SELECT ok(leadscore.schedule_nightly_training() > 0, 'scheduling returns the job id');
SELECT is((SELECT format('%s | %s | %s | %s', schedule, command, database, username) FROM our_jobs),
  format('0 2 * * * | %s | %s | %s', leadscore.nightly_job_command(), current_database(), current_user),
  'one job: at 02:00 every day, running nightly_training() in this database as the caller');
SELECT is(leadscore.schedule_nightly_training('30 3 * * 1'), (SELECT jobid FROM our_jobs),
  'scheduling again keeps the job id');
SELECT is((SELECT count(*) || ' ' || min(schedule) FROM our_jobs), '1 30 3 * * 1',
  'and replaces the schedule instead of adding a job');
SELECT throws_ok($$SELECT leadscore.schedule_nightly_training('every night')$$, '22023', NULL,
  'a schedule pg_cron cannot parse is an error');
SELECT is(leadscore.unschedule_nightly_training(), true, 'unscheduling removes the job');
SELECT is_empty('SELECT * FROM our_jobs', 'and no job is left');

-- DROP EXTENSION leaves no failing job behind: the job's own command, run as
-- pg_cron would run it, removes the job once leadscore is gone (0.3.0's job
-- failed every night instead).
SELECT leadscore.schedule_nightly_training();
CREATE TEMP TABLE job_command AS SELECT command FROM our_jobs;
DROP EXTENSION leadscore;
SELECT lives_ok((SELECT command FROM job_command), 'after DROP EXTENSION, the job''s command still succeeds');
SELECT is_empty('SELECT * FROM our_jobs', 'and has removed the job');
CREATE EXTENSION leadscore;
SET LOCAL leadscore.enable_nightly_training = off;
SELECT leadscore.schedule_nightly_training();
SELECT lives_ok((SELECT command FROM our_jobs), 'with leadscore installed, the command runs the nightly training');

SELECT * FROM finish();
ROLLBACK;
