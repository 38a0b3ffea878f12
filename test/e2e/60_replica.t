#!/usr/bin/env bash
# Scaling out reads with streaming replication: a hot standby of the test
# cluster (pg_basebackup -R, its own port and directory) scores and explains
# with the primary's active model, serves a model activated on the primary
# once the activation is replayed, and refuses writes with a clear error.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
plan 10

bindir=$(pg_config --bindir)
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

db=$(new_leadscore_db main) || { echo "Bail out! cannot create a leadscore database"; exit 1; }
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -v leads=1500 -v seed=11 -f "$(dirname "$0")/../../demo/generate.sql" >/dev/null
v1=$(q "$db" "SELECT leadscore.train_lead_model(activate => 'always', params => '{\"n_trees\": 10}') ->> 'version'")
v2=$(q "$db" "SELECT leadscore.train_lead_model(activate => 'never', params => '{\"n_trees\": 10, \"seed\": 5}') ->> 'version'")

# The standby: its own directory, socket and port; stopped and removed at exit.
STANDBY=$(mktemp -d -t leadscore-standby.XXXXXX)
chmod 755 "$STANDBY"
[ "$(id -u)" -eq 0 ] && chown postgres: "$STANDBY"
# free_port PORTS...: the first of PORTS nothing listens on.
free_port() {
  local p
  for p in "$@"; do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }; done
}
# shellcheck disable=SC2317  # runs from the EXIT trap
stop_standby() {
  as_owner "$bindir/pg_ctl" -D "$STANDBY/data" -m immediate -w stop >/dev/null 2>&1
  rm -rf "$STANDBY"
  _e2e_cleanup
}
trap stop_standby EXIT
as_owner "$bindir/pg_basebackup" -h "$PGHOST" -p "$PGPORT" -U postgres -D "$STANDBY/data" -R -X stream -c fast \
  || { echo "Bail out! pg_basebackup failed"; exit 1; }
# Another cluster on this machine may take the free port before the standby
# binds it; then try the next free one.
started=0
for attempt in 1 2 3 4 5; do
  standby_port=$(free_port $(seq $((54430 + 20 * (attempt - 1))) 54530))
  as_owner "$bindir/pg_ctl" -D "$STANDBY/data" -l "$STANDBY/server.log" -w \
    -o "-p $standby_port -c unix_socket_directories=$STANDBY -c listen_addresses=127.0.0.1" start >/dev/null \
    && { started=1; break; }
done
[ "$started" = 1 ] || { tail -5 "$STANDBY/server.log"; echo "Bail out! the standby did not start"; exit 1; }
sq() { psql -X -q -A -t -h "$STANDBY" -p "$standby_port" -d "$db" -c "$1"; }

is "$(sq "SELECT pg_is_in_recovery()")" "t" "the standby is a hot standby in recovery"

lead_sql="FROM leadscore.leads l WHERE l.id <= 200"
is "$(sq "SELECT string_agg(DISTINCT s.method || ' ' || s.model_version, ',')
          FROM leadscore.leads l, LATERAL leadscore.score_lead(l, true) s WHERE l.id <= 200")" \
   "ml $v1" "score_lead on the standby uses the primary's active model, version $v1"
is "$(sq "SELECT md5(string_agg((leadscore.score_lead(l, true)).score::text, ',' ORDER BY l.id)) $lead_sql")" \
   "$(q "$db" "SELECT md5(string_agg((leadscore.score_lead(l, true)).score::text, ',' ORDER BY l.id)) $lead_sql")" \
   "and gives exactly the primary's scores"
is "$(sq "SELECT bool_and(e ? 'top_factors' AND NOT e ? 'fallback_reason') FROM (SELECT leadscore.explain_lead(l, 3, true) e $lead_sql) x")" \
   "t" "explain_lead works there, from the model"
is "$(PGOPTIONS='-c leadscore.enable_ml_scoring=on' sq "SELECT r -> 0 ->> 'method' || ' ' || (r -> 0 ->> 'model_version')
        FROM leadscore.ml_inference('[{\"id\": 1, \"permit_value\": 30000, \"trade_tags\": [\"roofing\"]}]') r")" \
   "ml $v1" "ml_inference works there, with the same model"

# Activate another model on the primary; the standby serves it once replayed.
q "$db" "SELECT leadscore.activate_model($v2)" >/dev/null
target=$(q postgres "SELECT pg_current_wal_lsn()")
for _ in $(seq 200); do
  [ "$(sq "SELECT pg_last_wal_replay_lsn() >= '$target'")" = t ] && break
  sleep 0.05
done
is "$(sq "SELECT string_agg(DISTINCT (leadscore.score_lead(l, true)).model_version::text, ',') $lead_sql")" \
   "$v2" "after replay the standby serves the model activated on the primary, version $v2"

like "$(sq "SELECT leadscore.score_leads('[{\"id\": 1}]')" 2>&1)" "cannot execute [A-Z]+ in a read-only transaction" \
     "score_leads (it stores) fails on the standby: read-only"
like "$(sq "SELECT leadscore.train_lead_model()" 2>&1)" "train_lead_model writes the model registry: run it on the primary, not on a standby" \
     "train_lead_model fails at once, saying where to run it"
like "$(sq "SELECT leadscore.activate_model($v1)" 2>&1)" "cannot execute (SELECT FOR UPDATE|UPDATE) in a read-only transaction" \
     "activate_model fails on the standby: read-only"
like "$(sq "SELECT leadscore.nightly_training()" 2>&1)" "cannot execute INSERT in a read-only transaction" \
     "nightly_training fails on the standby: read-only"
done_testing
