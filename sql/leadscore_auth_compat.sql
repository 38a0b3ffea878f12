-- leadscore_auth_compat.sql: the part of Supabase that leadscore relies on, for
-- plain PostgreSQL. Run it once per database, as a superuser, before
-- CREATE EXTENSION leadscore:
--
--   psql -d yourdb -f "$(pg_config --sharedir)/extension/leadscore_auth_compat.sql"
--
-- It creates only what is missing, so it is a no-op on Supabase (self-hosted or
-- local), where these objects already exist, and safe to run twice:
--   * roles anon, authenticated, service_role (NOLOGIN; service_role BYPASSRLS),
--   * schema auth with table auth.users (id uuid primary key, email),
--   * auth.uid(): the "sub" claim of the JWT that PostgREST stores in the
--     request.jwt.claims setting, read the way Supabase reads it.

DO $compat$
BEGIN
  IF to_regrole('anon') IS NULL THEN
    CREATE ROLE anon NOLOGIN NOINHERIT;
  END IF;
  IF to_regrole('authenticated') IS NULL THEN
    CREATE ROLE authenticated NOLOGIN NOINHERIT;
  END IF;
  IF to_regrole('service_role') IS NULL THEN
    CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
  END IF;

  -- Grants are made only on what this script creates, so that Supabase's own
  -- objects are never touched.
  IF to_regnamespace('auth') IS NULL THEN
    CREATE SCHEMA auth;
    GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
  END IF;

  IF to_regclass('auth.users') IS NULL THEN
    CREATE TABLE auth.users (
      id         uuid PRIMARY KEY,
      email      text,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    COMMENT ON TABLE auth.users IS
      'Stand-in for Supabase''s auth.users on plain PostgreSQL (leadscore_auth_compat.sql).';
  END IF;

  IF to_regprocedure('auth.uid()') IS NULL THEN
    CREATE FUNCTION auth.uid() RETURNS uuid
      LANGUAGE sql STABLE PARALLEL SAFE
      AS $uid$
        SELECT coalesce(
          nullif(current_setting('request.jwt.claim.sub', true), ''),
          nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'
        )::uuid
      $uid$;
    COMMENT ON FUNCTION auth.uid() IS
      'The signed-in user: the sub claim of request.jwt.claims, as on Supabase.';
    GRANT EXECUTE ON FUNCTION auth.uid() TO anon, authenticated, service_role;
  END IF;
END
$compat$;
