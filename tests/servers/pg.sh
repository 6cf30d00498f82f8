#!/usr/bin/env bash
# servers/pg.sh - a throwaway PostgreSQL cluster (Debian's postgresql package) on
# loopback, for the team-profile tests (store on PostgreSQL, team connect/migrate).
#
# Usage: servers/pg.sh [start|stop|status|env]      (default: start)
#   start   install postgresql if missing, initdb in $PEER_DIR/data as the
#           unprivileged user $PG_OS_USER (created if missing), start the server
#           on 127.0.0.1:$PG_PORT, wait until it answers, print env
#   stop    stop that cluster (pg_ctl stop -m fast) and only that one
#   status  say whether it is running
#   env     print $PEER_DIR/env
#
# Knobs (environment): PEER_DIR (default /tmp/servers/pg), PG_PORT (15432),
#   PG_USER (inbox_admin, the cluster's superuser), PG_PASSWORD, PG_OS_USER
#   (postgres), PG_START_TIMEOUT (60 s).
#
# stdout carries only KEY=value lines; progress goes to stderr. The same lines land in
# $PEER_DIR/env. Password authentication (scram-sha-256) on TCP, as a team server has.
# Durability is off (fsync, full_page_writes): the cluster is thrown away after the tests.
set -euo pipefail

PEER_DIR=${PEER_DIR:-/tmp/servers/pg}
PG_HOST=127.0.0.1
PG_PORT=${PG_PORT:-15432}
PG_USER=${PG_USER:-inbox_admin}
PG_PASSWORD=${PG_PASSWORD:-peers-pg-pass-1}
PG_OS_USER=${PG_OS_USER:-postgres}
PG_START_TIMEOUT=${PG_START_TIMEOUT:-60}

log() { printf '[pg.sh] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

ACTION=${1:-start}
if [ "$ACTION" = start ]; then mkdir -p "$PEER_DIR"; fi
if [ ! -d "$PEER_DIR" ]; then
  case $ACTION in
    stop) log "$PEER_DIR does not exist; nothing to do"; exit 0 ;;
    status) echo "stopped"; exit 1 ;;
    *) die "$PEER_DIR does not exist; run start first" ;;
  esac
fi
PEER_DIR=$(cd "$PEER_DIR" && pwd)
DATA=$PEER_DIR/data

bindir() {  # the newest installed server's bin folder
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

as_user() {  # run a command as the unprivileged cluster owner
  if [ "$(id -un)" = "$PG_OS_USER" ]; then "$@"
  elif command -v runuser >/dev/null; then runuser -u "$PG_OS_USER" -- "$@"
  else su -s /bin/sh "$PG_OS_USER" -c "$(printf '%q ' "$@")"
  fi
}

install_pkgs() {
  if bindir >/dev/null; then return; fi
  [ "$(id -u)" = 0 ] || die "postgresql is not installed and this is not root: apt-get install postgresql"
  log "installing postgresql (Debian)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q -o DPkg::Lock::Timeout=900 >&2 || log "apt-get update failed; trying the install anyway"
  apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=900 postgresql >&2 \
    || die "apt-get install postgresql failed"
  bindir >/dev/null || die "postgresql installed but no initdb under /usr/lib/postgresql/*/bin"
}

ensure_os_user() {
  if [ "$(id -u)" != 0 ]; then PG_OS_USER=$(id -un); return; fi
  id "$PG_OS_USER" >/dev/null 2>&1 && return
  log "creating the system user $PG_OS_USER"
  useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin "$PG_OS_USER" \
    || die "cannot create the user $PG_OS_USER"
}

running() { [ -f "$DATA/postmaster.pid" ] && as_user "$(bindir)/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

write_env() {
  {
    echo "PG_HOST=$PG_HOST"
    echo "PG_PORT=$PG_PORT"
    echo "PG_USER=$PG_USER"
    echo "PG_PASSWORD=$PG_PASSWORD"
    echo "PG_DSN=postgresql://$PG_USER:$PG_PASSWORD@$PG_HOST:$PG_PORT/postgres"
    echo "PG_DATA=$DATA"
  } >"$PEER_DIR/env"
  cat "$PEER_DIR/env"
}

start() {
  install_pkgs
  ensure_os_user
  local bin; bin=$(bindir)
  chown "$PG_OS_USER" "$PEER_DIR" 2>/dev/null || true
  chmod 0700 "$PEER_DIR"
  if [ ! -f "$DATA/PG_VERSION" ]; then
    log "initdb in $DATA as $PG_OS_USER"
    local pw=$PEER_DIR/pwfile
    printf '%s\n' "$PG_PASSWORD" >"$pw"
    chown "$PG_OS_USER" "$pw" 2>/dev/null || true
    chmod 0600 "$pw"
    as_user "$bin/initdb" -D "$DATA" -U "$PG_USER" --pwfile="$pw" --auth-local=trust \
      --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >&2 \
      || as_user "$bin/initdb" -D "$DATA" -U "$PG_USER" --pwfile="$pw" --auth-local=trust \
        --auth-host=scram-sha-256 -E UTF8 --locale=C --no-sync >&2 \
      || die "initdb failed"
    rm -f "$pw"
    cat >>"$DATA/postgresql.conf" <<EOF
listen_addresses = '$PG_HOST'
port = $PG_PORT
unix_socket_directories = '$PEER_DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 64MB
log_min_messages = warning
EOF
  fi
  if running; then log "already running"; write_env; return; fi
  log "starting on $PG_HOST:$PG_PORT"
  as_user "$bin/pg_ctl" -D "$DATA" -l "$PEER_DIR/server.log" -w -t "$PG_START_TIMEOUT" \
    -o "-p $PG_PORT" start >&2 || { tail -n 20 "$PEER_DIR/server.log" >&2 || true; die "the server did not start"; }
  local i
  for i in $(seq 1 "$PG_START_TIMEOUT"); do
    if "$bin/pg_isready" -q -h "$PG_HOST" -p "$PG_PORT"; then write_env; return; fi
    sleep 1
  done
  tail -n 20 "$PEER_DIR/server.log" >&2 || true
  die "the server did not answer on $PG_HOST:$PG_PORT within $PG_START_TIMEOUT s"
}

stop() {
  local bin; bin=$(bindir) || { log "no postgresql installed; nothing to stop"; return; }
  if running; then as_user "$bin/pg_ctl" -D "$DATA" -m fast -w stop >&2; else log "not running"; fi
}

case $ACTION in
  start) start ;;
  stop) stop ;;
  status) if running; then echo running; else echo stopped; exit 1; fi ;;
  env) cat "$PEER_DIR/env" ;;
  *) die "unknown action $ACTION (start|stop|status|env)" ;;
esac
