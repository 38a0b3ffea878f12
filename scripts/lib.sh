# Shared by the scripts in this folder: privileges, packages, and a throwaway
# PostgreSQL cluster that lives in a temporary directory and dies with the script.
# shellcheck shell=bash

set -euo pipefail

LEADSCORE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_MAJOR=${PG_MAJOR:-15}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/$PG_MAJOR/bin}

# Debian packages the build, the tests and the demo need.
LEADSCORE_PACKAGES=(
  build-essential cmake pkg-config libgtest-dev libbenchmark-dev libeigen3-dev zlib1g-dev
  "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR"
  "postgresql-$PG_MAJOR-cron" "postgresql-$PG_MAJOR-pgtap" libtap-parser-sourcehandler-pgtap-perl
  libxml2-utils chromium python3   # the model report test: xmllint, a headless render, PNG checks
)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Runs a command as the cluster's owner: initdb refuses to run as root.
as_cluster_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Installs the Debian packages that are missing (apt-get update first, once).
install_packages() {
  local missing=()
  for p in "${LEADSCORE_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# Builds the extension and installs it into the server's directories.
build_and_install_extension() {
  say "building and installing the leadscore extension"
  make -C "$LEADSCORE_ROOT" -s -j"$(nproc)" >/dev/null
  as_root make -C "$LEADSCORE_ROOT" -s install >/dev/null
}

free_port() {
  local port
  for port in $(seq 54320 54420); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  echo "no free port in 54320-54420" >&2; return 1
}

# Starts a throwaway cluster and exports PGHOST/PGPORT/PGUSER for every client.
# The cluster is stopped and its directory removed when the calling shell exits.
cluster_start() {
  CLUSTER_DIR=$(mktemp -d /tmp/leadscore-cluster.XXXXXX)
  chmod 755 "$CLUSTER_DIR"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$CLUSTER_DIR"
  trap cluster_stop EXIT
  as_cluster_owner "$PG_BIN/initdb" -D "$CLUSTER_DIR/data" -U postgres --auth=trust \
    --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
  cat >>"$CLUSTER_DIR/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$CLUSTER_DIR'
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
fsync = off
max_connections = 50
wal_level = replica
CONF
  # Another cluster (a concurrent run) may take the free port before this one
  # binds it; then try the next free one.
  for _ in 1 2 3 4 5; do
    PGPORT=$(free_port)
    export PGHOST=$CLUSTER_DIR PGPORT PGUSER=postgres PGDATABASE=postgres
    say "starting a throwaway PostgreSQL $PG_MAJOR cluster on port $PGPORT"
    if as_cluster_owner "$PG_BIN/pg_ctl" -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" \
         -o "-p $PGPORT" -w start >/dev/null; then
      return 0
    fi
    tail -n 3 "$CLUSTER_DIR/server.log" >&2
  done
  return 1
}

cluster_stop() {
  if [ -n "${CLUSTER_DIR:-}" ] && [ -d "$CLUSTER_DIR/data" ]; then
    as_cluster_owner "$PG_BIN/pg_ctl" -D "$CLUSTER_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$CLUSTER_DIR"
  fi
}

# Creates a database with the Supabase stand-ins and the extension installed.
create_leadscore_db() {
  local db=$1
  psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  psql -X -q -v ON_ERROR_STOP=1 -d "$db" \
    -f "$(pg_config --sharedir)/extension/leadscore_auth_compat.sql" \
    -c "CREATE EXTENSION leadscore"
}
