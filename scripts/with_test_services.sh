#!/usr/bin/env bash
# Usage: scripts/with_test_services.sh CMD...   e.g. scripts/with_test_services.sh ctest --test-dir build --output-on-failure
# Starts, on loopback only: a throwaway PostgreSQL, an SMTP sink (aiosmtpd, Maildir), an HTTP and an HTTPS webhook sink
# (self-signed cert), exports their coordinates, runs CMD, then stops everything (also on failure / Ctrl-C).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3                       # NOT `python3`: on these machines that is pyenv's, without Debian's aiosmtpd
WORK=$(mktemp -d /tmp/testsvc.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -n "${PG_THROWAWAY_DIR:-}" ] && "$HERE/pg_throwaway.sh" stop "$PG_THROWAWAY_DIR"
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {  # wait_port PORT [seconds]
  for _ in $(seq 1 $(( ${2:-10} * 20 ))); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05
  done; echo "service on port $1 did not come up" >&2; return 1
}

# PostgreSQL
eval "$("$HERE/pg_throwaway.sh" start)"
export PG_TEST_CONN="$PG_TEST_CONN options='-c client_min_messages=warning'"

# SMTP sink: every message lands as one file in $SMTP_TEST_MAILDIR/new (do NOT pre-create the dir)
export SMTP_TEST_PORT=$(free_port) SMTP_TEST_MAILDIR="$WORK/maildir"
$PY -m aiosmtpd -n -l "127.0.0.1:$SMTP_TEST_PORT" -c aiosmtpd.handlers.Mailbox "$SMTP_TEST_MAILDIR" >"$WORK/smtp.log" 2>&1 &
PIDS+=($!)

# HTTP + HTTPS webhook sinks (answer 200 "ok", append bodies to a log; the paths /status/NNN answer
# NNN and /hang/SECONDS answers only after that long: see http_echo.py)
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1
export HTTP_TEST_PORT=$(free_port) HTTPS_TEST_PORT=$(free_port)
export HTTP_TEST_LOG="$WORK/http.log" HTTPS_TEST_LOG="$WORK/https.log" HTTPS_TEST_CA="$WORK/cert.pem"
$PY "$HERE/http_echo.py" "$HTTP_TEST_PORT" "$HTTP_TEST_LOG" >/dev/null 2>"$WORK/http.err" &
PIDS+=($!)
$PY "$HERE/http_echo.py" "$HTTPS_TEST_PORT" "$HTTPS_TEST_LOG" "$WORK/cert.pem" "$WORK/key.pem" >/dev/null 2>"$WORK/https.err" &
PIDS+=($!)
# SMTP sinks with TLS, using the same test certificate ($HTTPS_TEST_CA trusts it): one that offers
# STARTTLS and refuses mail before it ($SMTP_STARTTLS_TEST_PORT), one that speaks TLS from the first
# byte ($SMTPS_TEST_PORT). Mails land in $SMTP_STARTTLS_TEST_MAILDIR / $SMTPS_TEST_MAILDIR.
export SMTP_STARTTLS_TEST_PORT=$(free_port) SMTP_STARTTLS_TEST_MAILDIR="$WORK/maildir-starttls"
$PY -m aiosmtpd -n -l "127.0.0.1:$SMTP_STARTTLS_TEST_PORT" --tlscert "$WORK/cert.pem" --tlskey "$WORK/key.pem" \
  -c aiosmtpd.handlers.Mailbox "$SMTP_STARTTLS_TEST_MAILDIR" >"$WORK/smtp-starttls.log" 2>&1 &
PIDS+=($!)
export SMTPS_TEST_PORT=$(free_port) SMTPS_TEST_MAILDIR="$WORK/maildir-smtps"
$PY -m aiosmtpd -n -l "127.0.0.1:$SMTPS_TEST_PORT" --smtpscert "$WORK/cert.pem" --smtpskey "$WORK/key.pem" \
  -c aiosmtpd.handlers.Mailbox "$SMTPS_TEST_MAILDIR" >"$WORK/smtps.log" 2>&1 &
PIDS+=($!)
# SMTP sinks that require STARTTLS, then AUTH as $SMTP_AUTH_TEST_USER / $SMTP_AUTH_TEST_PASSWORD: one
# offering PLAIN and LOGIN ($SMTP_AUTH_TEST_PORT), one offering LOGIN only ($SMTP_AUTH_LOGIN_TEST_PORT).
# Mails land in $SMTP_AUTH_TEST_MAILDIR.
export SMTP_AUTH_TEST_PORT=$(free_port) SMTP_AUTH_LOGIN_TEST_PORT=$(free_port) SMTP_AUTH_TEST_MAILDIR="$WORK/maildir-auth"
export SMTP_AUTH_TEST_USER=orchestrator SMTP_AUTH_TEST_PASSWORD="pw-$RANDOM$RANDOM"
$PY "$HERE/smtp_auth_sink.py" "$SMTP_AUTH_TEST_PORT" "$SMTP_AUTH_TEST_MAILDIR" "$WORK/cert.pem" "$WORK/key.pem" \
  "$SMTP_AUTH_TEST_USER" "$SMTP_AUTH_TEST_PASSWORD" >"$WORK/smtp-auth.log" 2>&1 &
PIDS+=($!)
$PY "$HERE/smtp_auth_sink.py" "$SMTP_AUTH_LOGIN_TEST_PORT" "$SMTP_AUTH_TEST_MAILDIR" "$WORK/cert.pem" "$WORK/key.pem" \
  "$SMTP_AUTH_TEST_USER" "$SMTP_AUTH_TEST_PASSWORD" PLAIN >"$WORK/smtp-auth-login.log" 2>&1 &
PIDS+=($!)
wait_port "$SMTP_TEST_PORT"; wait_port "$HTTP_TEST_PORT"; wait_port "$HTTPS_TEST_PORT"
wait_port "$SMTP_AUTH_TEST_PORT"; wait_port "$SMTP_AUTH_LOGIN_TEST_PORT"
wait_port "$SMTP_STARTTLS_TEST_PORT"; wait_port "$SMTPS_TEST_PORT"

set +e
"$@"
rc=$?
set -e
echo "services: mails received: $(ls "$SMTP_TEST_MAILDIR/new" 2>/dev/null | wc -l), http posts: $(cat "$HTTP_TEST_LOG" 2>/dev/null | wc -l), https posts: $(cat "$HTTPS_TEST_LOG" 2>/dev/null | wc -l)"
exit $rc
