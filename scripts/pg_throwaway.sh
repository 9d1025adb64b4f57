#!/usr/bin/env bash
# Throwaway PostgreSQL cluster on a free loopback port, in a temp dir.
#   eval "$(scripts/pg_throwaway.sh start)"   # exports PGHOST PGPORT PGUSER PGDATABASE PG_TEST_CONN PG_THROWAWAY_DIR
#   ... run tests ...
#   scripts/pg_throwaway.sh stop "$PG_THROWAWAY_DIR"
#   scripts/pg_throwaway.sh halt DIR / resume DIR   # stop and restart the server, keeping its
#                                                   # data and port (outage tests)
# Tests get a server that skips fsync; PG_THROWAWAY_DURABLE=1 keeps PostgreSQL's durable defaults
# (fsync, synchronous commit), as a production server has them: scripts/bench measures with those.
# Works as root (runs the server as the 'postgres' system user via runuser) and as any non-root user.
set -euo pipefail

pgbin() {
  local b
  b=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  [ -x "$b/initdb" ] || { echo "pg_throwaway: no PostgreSQL server found (apt-get install postgresql-15)" >&2; exit 1; }
  echo "$b"
}

as_owner() {          # run a command as the cluster owner
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {         # ask the kernel for a free loopback port
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

start_server() {      # start_server BIN DIR PORT
  local speed="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  [ -f "$2/durable" ] && speed=""
  as_owner "$1/pg_ctl" -D "$2/data" -l "$2/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $3 -k $2 $speed" \
    start >/dev/null || { cat "$2/server.log" >&2; exit 1; }
}

case "${1:-}" in
start)
  BIN=$(pgbin)
  DIR=$(mktemp -d /tmp/pgtest.XXXXXX)          # /tmp: the postgres user must be able to traverse every parent dir
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$DIR"
  PORT=${PGTEST_PORT:-$(free_port)}
  echo "$PORT" >"$DIR/port"
  [ "${PG_THROWAWAY_DURABLE:-0}" = 1 ] && touch "$DIR/durable"
  as_owner "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
    || { cat "$DIR/initdb.log" >&2; exit 1; }
  start_server "$BIN" "$DIR" "$PORT"
  echo "export PG_THROWAWAY_DIR='$DIR' PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres"
  echo "export PG_TEST_CONN='host=127.0.0.1 port=$PORT user=postgres dbname=postgres'"
  ;;
stop)
  DIR=${2:-${PG_THROWAWAY_DIR:-}}
  [ -n "$DIR" ] && [ -d "$DIR" ] || { echo "pg_throwaway: usage: stop DIR" >&2; exit 1; }
  BIN=$(pgbin)
  as_owner "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
  ;;
halt)
  DIR=${2:?usage: halt DIR}
  as_owner "$(pgbin)/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null
  ;;
resume)
  DIR=${2:?usage: resume DIR}
  start_server "$(pgbin)" "$DIR" "$(cat "$DIR/port")"
  ;;
*) echo "usage: $0 start | stop DIR | halt DIR | resume DIR" >&2; exit 2 ;;
esac
