# Shared by the end-to-end scenarios (test/e2e/*.t): TAP output, psql helpers
# and throwaway databases. A scenario sources this file, calls plan, runs its
# checks, and ends with done_testing. The server comes from PGHOST, PGPORT and
# PGUSER (a superuser), as scripts/test exports them.
# shellcheck shell=bash

set -uo pipefail

COMPAT_SQL="$(pg_config --sharedir)/extension/leadscore_auth_compat.sql"
E2E_NAME=$(basename "$0" .t | tr -c 'a-z0-9_\n' '_')
E2E_TMP=$(mktemp -d -t leadscore-e2e.XXXXXX)
_tap_planned=0
_tap_run=0
_tap_failed=0
_e2e_dbs=()

plan() { _tap_planned=$1; echo "1..$1"; }
# On stderr, as Test::More writes a failure's diagnostics: prove shows them
# without -v, so a failure in CI says what it got.
diag() { printf '%s\n' "$@" | sed 's/^/# /' >&2; }

_tap_result() {  # _tap_result PASSED DESCRIPTION
  _tap_run=$((_tap_run + 1))
  if [ "$1" = 1 ]; then
    echo "ok $_tap_run - $2"
  else
    echo "not ok $_tap_run - $2"
    _tap_failed=$((_tap_failed + 1))
  fi
}

# ok DESCRIPTION COMMAND...: passes when the command exits 0.
ok() {
  local desc=$1; shift
  if "$@"; then _tap_result 1 "$desc"; else _tap_result 0 "$desc"; fi
}

# is GOT EXPECTED DESCRIPTION
is() {
  if [ "$1" == "$2" ]; then
    _tap_result 1 "$3"
  else
    _tap_result 0 "$3"
    diag "     got: $1" "expected: $2"
  fi
}

# isnt GOT UNEXPECTED DESCRIPTION
isnt() {
  if [ "$1" != "$2" ]; then
    _tap_result 1 "$3"
  else
    _tap_result 0 "$3"
    diag "     got: $1" "expected anything else"
  fi
}


# like GOT EXTENDED_REGEX DESCRIPTION
like() {
  # A here-string, not a pipe: under pipefail, grep -q leaving at its first
  # match could fail the pipe with the writer's SIGPIPE.
  if grep -Eq -- "$2" <<<"$1"; then
    _tap_result 1 "$3"
  else
    _tap_result 0 "$3"
    diag "     got: $1" "expected to match: $2"
  fi
}

done_testing() {
  if [ "$_tap_run" -ne "$_tap_planned" ]; then
    diag "planned $_tap_planned tests but ran $_tap_run"
    exit 255
  fi
  exit $((_tap_failed > 254 ? 254 : _tap_failed))
}

# q DB SQL: runs SQL and prints the result unaligned, without headers.
q() {
  psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}

# sessions_where DB CONDITION: how many sessions of DB's pg_stat_activity
# match the SQL condition.
sessions_where() {
  q "$1" "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND $2"
}

# await_session DB CONDITION: succeeds once a session of DB matches the SQL
# condition; fails if none has within 10 seconds.
await_session() {
  for _ in $(seq 200); do
    [ "$(sessions_where "$1" "$2")" != 0 ] && return 0
    sleep 0.05
  done
  return 1
}

# open_session DB NAME: a psql session (application_name e2e_NAME) that
# reads its statements from a fifo, so that its transaction stays open
# between send calls; what it prints goes to $E2E_TMP/NAME.out. A session
# that stopped on an error fails its checks rather than killing the script
# with SIGPIPE when it is sent more input.
declare -A _session_fd _session_pid
open_session() {
  local fifo="$E2E_TMP/$2.in" fd
  trap '' PIPE
  rm -f "$fifo"
  mkfifo "$fifo"
  PGAPPNAME="e2e_$2" psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" <"$fifo" >"$E2E_TMP/$2.out" 2>&1 &
  _session_pid[$2]=$!
  exec {fd}>"$fifo"
  _session_fd[$2]=$fd
}

# send NAME SQL: sends SQL to the session.
send() { printf '%s\n' "$2" >&"${_session_fd[$1]}"; }

# close_session NAME: quits psql and waits; returns psql's exit status. (\q
# rather than end of input: later sessions inherit the fifo's write end.)
close_session() {
  local fd=${_session_fd[$1]}
  send "$1" '\q'
  exec {fd}>&-
  wait "${_session_pid[$1]}"
}

# new_db NAME: creates an empty database whose name is unique to this run and
# prints the name. Every database made here is dropped when the script exits.
new_db() {
  local db="e2e_${E2E_NAME}_$$_$1"
  _e2e_dbs+=("$db")
  q postgres "CREATE DATABASE $db" >/dev/null || return 1
  echo "$db"
}

# install_compat DB: the Supabase stand-in step of the documented install.
install_compat() {
  psql -X -q -v ON_ERROR_STOP=1 -d "$1" -f "$COMPAT_SQL" >/dev/null
}

# new_leadscore_db NAME: new_db with the stand-in step and the extension.
new_leadscore_db() {
  local db
  db=$(new_db "$1") && install_compat "$db" && q "$db" "CREATE EXTENSION leadscore" >/dev/null \
    && echo "$db"
}

_e2e_cleanup() {
  local job db
  for job in $(jobs -p); do kill "$job" 2>/dev/null; done
  wait 2>/dev/null
  for db in "${_e2e_dbs[@]}"; do
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
  done
  rm -rf "$E2E_TMP"
}
trap _e2e_cleanup EXIT

# The accounts the scenarios use.
# shellcheck disable=SC2034
ALICE=aaaaaaaa-0000-4000-8000-000000000001 BOB=bbbbbbbb-0000-4000-8000-000000000002
