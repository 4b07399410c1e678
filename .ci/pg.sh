#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the tests of the PostgreSQL token store.
#
#   .ci/pg.sh start   prints `OCI_IAM_SSO_TEST_PG_URL=postgres://…` on stdout (the last line)
#   .ci/pg.sh stop    stops it and deletes its directory
#   .ci/pg.sh env     prints the URL of the running cluster
#   .ci/pg.sh crash   stops the server at once (pg_ctl -m immediate), keeping its data
#   .ci/pg.sh resume  starts the stopped server again on the same port
#
# The cluster lives in a temp directory (PG_DIR, default /tmp/oci-iam-sso-pg), listens on
# 127.0.0.1 only, on a free port, with trust auth for the test role. PostgreSQL refuses to run
# as root: as root, the cluster is run by the `postgres` user (runuser). Binaries come from
# /usr/lib/postgresql/15/bin (the Debian package postgresql-15, installed when missing and
# allowed: root and PG_INSTALL != 0).
set -euo pipefail

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_DIR="${PG_DIR:-/tmp/oci-iam-sso-pg}"
PG_ROLE="oci_iam_sso_test"
PG_DB="oci_iam_sso_test"

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install_if_missing() {
  [ -x "$PG_BIN/pg_ctl" ] && return 0
  if [ "$(id -u)" = 0 ] && [ "${PG_INSTALL:-1}" != 0 ]; then
    echo "pg.sh: installing postgresql-15 (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends postgresql-15 >&2
  fi
  [ -x "$PG_BIN/pg_ctl" ] || { echo "pg.sh: no PostgreSQL 15 under $PG_BIN (apt-get install postgresql-15)" >&2; exit 3; }
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
    || shuf -i 20000-60000 -n 1
}

url() {
  echo "postgres://${PG_ROLE}@127.0.0.1:$(cat "$PG_DIR/port")/${PG_DB}?sslmode=disable"
}

start() {
  install_if_missing
  if [ -f "$PG_DIR/port" ] && as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; then
    echo "OCI_IAM_SSO_TEST_PG_URL=$(url)"
    return 0
  fi
  rm -rf "$PG_DIR"
  mkdir -p "$PG_DIR"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
    chown postgres "$PG_DIR"
  fi
  chmod 0700 "$PG_DIR"
  local port
  port="$(free_port)"
  echo "$port" >"$PG_DIR/port"
  as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres -E UTF8 --no-locale >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log" >&2; exit 1; }
  server_start
  as_owner "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
    -c "CREATE ROLE ${PG_ROLE} LOGIN" -c "CREATE DATABASE ${PG_DB} OWNER ${PG_ROLE}" >&2
  echo "OCI_IAM_SSO_TEST_PG_URL=$(url)"
}

server_start() {
  # 4 hosts x 16 processes, each with a store connection and a lock connection.
  as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $(cat "$PG_DIR/port") -k $PG_DIR -c max_connections=300 -c fsync=on" start >&2
}

stop() {
  if [ -d "$PG_DIR/data" ]; then
    as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$PG_DIR"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  crash) as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >&2 ;;
  resume) server_start ;;
  env) [ -f "$PG_DIR/port" ] && echo "OCI_IAM_SSO_TEST_PG_URL=$(url)" ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
