#!/usr/bin/env bash
# CREATE EXTENSION and DROP EXTENSION leave the database as they found it;
# without the Supabase stand-ins the install stops with a clear error; the
# stand-in step is idempotent and leaves an existing (Supabase-like) auth
# schema alone.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
plan 16

# snapshot DB: every object's name (not OID) with its ACL, and how many rows
# the catalogs that point at objects by OID hold.
snapshot() {
  q "$1" "
  SELECT format('namespace %s %s', nspname, nspacl) FROM pg_namespace
  UNION ALL SELECT format('class %s %s %s', c.oid::regclass, c.relkind, c.relacl) FROM pg_class c
  UNION ALL SELECT format('proc %s %s %s', p.oid::regprocedure, p.proacl, md5(p.prosrc)) FROM pg_proc p
  UNION ALL SELECT format('type %s', t.oid::regtype) FROM pg_type t
  UNION ALL SELECT format('role %s inherit=%s bypassrls=%s login=%s', rolname, rolinherit, rolbypassrls, rolcanlogin)
              FROM pg_roles
  UNION ALL SELECT format('extension %s %s', extname, extversion) FROM pg_extension
  UNION ALL SELECT format('trigger %s %s', tgrelid::regclass, tgname) FROM pg_trigger
  UNION ALL SELECT format('policy %s %s', polrelid::regclass, polname) FROM pg_policy
  UNION ALL SELECT format('event trigger %s', evtname) FROM pg_event_trigger
  UNION ALL SELECT format('cast %s -> %s', castsource::regtype, casttarget::regtype) FROM pg_cast
  UNION ALL SELECT format('operator %s', oid::regoperator) FROM pg_operator
  UNION ALL SELECT format('default acl %s %s', defaclrole::regrole, defaclacl) FROM pg_default_acl
  UNION ALL SELECT format('setting %s %s', setrole, setconfig) FROM pg_db_role_setting
  UNION ALL SELECT format('rows %s %s', n, count) FROM (
              SELECT 'pg_depend' AS n, count(*) FROM pg_depend
    UNION ALL SELECT 'pg_shdepend', count(*) FROM pg_shdepend
    UNION ALL SELECT 'pg_description', count(*) FROM pg_description
    UNION ALL SELECT 'pg_init_privs', count(*) FROM pg_init_privs
    UNION ALL SELECT 'pg_attrdef', count(*) FROM pg_attrdef
    UNION ALL SELECT 'pg_constraint', count(*) FROM pg_constraint
    UNION ALL SELECT 'pg_enum', count(*) FROM pg_enum
    UNION ALL SELECT 'pg_index', count(*) FROM pg_index) counts
  ORDER BY 1"
}

# take_snapshot DB FILE: snapshot into FILE; stops the scenario if it fails,
# since an empty snapshot would compare equal to another empty one.
take_snapshot() {
  snapshot "$1" >"$2" && [ -s "$2" ] || { echo "Bail out! cannot snapshot the catalogs of $1"; exit 1; }
}

# error_of DB SQL: 'SQLSTATE|message|hint' of the error SQL raises, or 'no error'.
error_of() {
  q "$1" "DO \$\$
  DECLARE s text; m text; h text;
  BEGIN
    EXECUTE \$sql\$ $2 \$sql\$;
    RAISE NOTICE 'no error';
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS s = RETURNED_SQLSTATE, m = MESSAGE_TEXT, h = PG_EXCEPTION_HINT;
    RAISE NOTICE '%|%|%', s, m, h;
  END \$\$" 2>&1 | sed 's/^NOTICE: *//'
}

# 1. Install and uninstall on a fresh database with the stand-in step.
db=$(new_db fresh) && install_compat "$db" || { echo "Bail out! cannot create a database"; exit 1; }
take_snapshot "$db" "$E2E_TMP/before"
ok "CREATE EXTENSION leadscore" q "$db" "CREATE EXTENSION leadscore"
take_snapshot "$db" "$E2E_TMP/installed"
like "$(diff "$E2E_TMP/before" "$E2E_TMP/installed")" "^> namespace leadscore " \
  "the snapshot sees what the extension creates"
ok "DROP EXTENSION leadscore" q "$db" "DROP EXTENSION leadscore"
take_snapshot "$db" "$E2E_TMP/after"
is "$(diff "$E2E_TMP/before" "$E2E_TMP/after")" "" \
   "after CREATE and DROP EXTENSION the catalogs are as before (no stray object, grant or comment)"
is "$(q "$db" "SELECT count(*) FROM pg_namespace WHERE nspname = 'leadscore'")" "0" "schema leadscore is gone"
ok "and the extension installs again" q "$db" "CREATE EXTENSION leadscore"

# 2. Without the stand-in step.
bare=$(new_db bare)
IFS='|' read -r state message hint <<<"$(error_of "$bare" "CREATE EXTENSION leadscore")"
is "$state" "55000" "without auth.users and auth.uid(), CREATE EXTENSION fails with 55000"
like "$message" "needs the roles anon, authenticated, service_role, the table auth.users and the function auth.uid\(\)" \
  "the message names what is missing"
like "$hint" "leadscore_auth_compat\.sql" "the hint names leadscore_auth_compat.sql"
is "$(q "$bare" "SELECT count(*) FROM pg_namespace WHERE nspname IN ('leadscore', 'auth')")" "0" \
   "and the failed install leaves nothing behind"

# 3. The stand-in step twice.
twice=$(new_db twice)
install_compat "$twice"
take_snapshot "$twice" "$E2E_TMP/compat1"
ok "the stand-in step runs a second time without error" install_compat "$twice"
take_snapshot "$twice" "$E2E_TMP/compat2"
is "$(diff "$E2E_TMP/compat1" "$E2E_TMP/compat2")" "" "and changes nothing"

# 4. A Supabase-like database: auth.users and auth.uid() exist, with more
# columns and a different body than the stand-ins.
supa=$(new_db supabase)
q "$supa" "
CREATE SCHEMA auth;
CREATE TABLE auth.users (
  instance_id uuid, id uuid PRIMARY KEY, aud varchar(255), role varchar(255),
  email varchar(255), encrypted_password varchar(255), raw_app_meta_data jsonb,
  created_at timestamptz, updated_at timestamptz);
CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS \$\$
  select
  coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
\$\$;
GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION auth.uid() TO anon, authenticated, service_role;" >/dev/null
take_snapshot "$supa" "$E2E_TMP/supa_before"
uid_before=$(q "$supa" "SELECT md5(prosrc) FROM pg_proc WHERE oid = 'auth.uid()'::regprocedure")
install_compat "$supa"
take_snapshot "$supa" "$E2E_TMP/supa_after"
is "$(diff "$E2E_TMP/supa_before" "$E2E_TMP/supa_after")" "" \
   "on a Supabase-like database the stand-in step changes nothing"
is "$(q "$supa" "SELECT md5(prosrc) FROM pg_proc WHERE oid = 'auth.uid()'::regprocedure")" "$uid_before" \
   "the existing auth.uid() body is untouched"
ok "the extension installs there" q "$supa" "CREATE EXTENSION leadscore"
out=$(psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$supa" 2>&1 <<SQL
INSERT INTO auth.users (id, aud, role) VALUES ('$ALICE', 'authenticated', 'authenticated');
BEGIN; SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', '{"sub":"$ALICE","role":"authenticated"}', true) \\g /dev/null
SELECT (leadscore.submit_feedback(7, 'won')).account_id;
COMMIT;
SQL
)
is "$out" "$ALICE" "and submit_feedback works with Supabase's auth.uid()"

done_testing
