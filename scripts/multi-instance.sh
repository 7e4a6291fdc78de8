#!/usr/bin/env bash
# Two server processes on one PostgreSQL database (issue 12): both start at once on an empty database and the
# migrations run once, under the advisory lock; a write through one is read through the other; a per-user rate
# limit is counted across both. Prints one line per check and exits non-zero on the first failure.
# Usage: scripts/multi-instance.sh POSTGRES_URL [BINARY]   (a server URL whose user may create databases)
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL="${1:?usage: scripts/multi-instance.sh POSTGRES_URL [BINARY]}"
BIN="${2:-$(swift build --show-bin-path)/omi-backend}"
WORK="$(mktemp -d /tmp/omi-multi.XXXXXX)"
DB="omi_multi_$$"
source scripts/scratch-database.sh
PIDS=()
stop() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  admin_sql "$PG_URL" "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap stop EXIT
admin_sql "$PG_URL" "DROP DATABASE IF EXISTS $DB"
admin_sql "$PG_URL" "CREATE DATABASE $DB"
URL="$(database_url "$PG_URL" "$DB")"

fail() { echo "FAIL $*"; exit 1; }
pass() { echo "ok   $*"; }

# Both at the same moment on the empty database.
for port in 18281 18282; do
  env AUTH_DEV_MODE=true PORT="$port" DATABASE_URL="$URL" RATE_LIMIT_MULTIPLIER=1 LOG_LEVEL=warning "$BIN" serve \
    >"$WORK/$port.log" 2>&1 &
  PIDS+=($!)
done
for port in 18281 18282; do
  for _ in $(seq 1 150); do
    curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -fsS "http://127.0.0.1:$port/ready" >/dev/null || { cat "$WORK/$port.log"; fail "instance on $port not ready"; }
done
pass "two instances started together on one empty database"

versions=$(sql "$URL" "SELECT COUNT(*) FROM schema_migrations")
distinct=$(sql "$URL" "SELECT COUNT(DISTINCT version) FROM schema_migrations")
[ "$versions" = "$distinct" ] && [ "$versions" -gt 0 ] || fail "migrations: $versions rows for $distinct versions"
pass "each of the $distinct migrations applied once"

auth=(-H "Authorization: Bearer dev:multi-user" -H "Content-Type: application/json")
id=$(curl -fsS "${auth[@]}" -d '{"description":"Written through A"}' http://127.0.0.1:18281/v1/action-items \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
read_back=$(curl -fsS "${auth[@]}" "http://127.0.0.1:18282/v1/action-items/$id" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["description"])')
[ "$read_back" = "Written through A" ] || fail "B read \"$read_back\" for the task written through A"
pass "a task written through A is read through B"

# 60 greetings per hour per user: 30 through each instance, then the next is refused by both.
for port in 18281 18282; do
  for _ in $(seq 1 30); do
    code=$(curl -sS -o /dev/null -w '%{http_code}' "${auth[@]}" -d '{}' "http://127.0.0.1:$port/v2/chat/initial-message")
    [ "$code" = "200" ] || fail "greeting through $port answered $code before the limit"
  done
done
for port in 18281 18282; do
  code=$(curl -sS -o /dev/null -w '%{http_code}' "${auth[@]}" -d '{}' "http://127.0.0.1:$port/v2/chat/initial-message")
  [ "$code" = "429" ] || fail "the 61st greeting through $port answered $code, not 429"
done
pass "the hourly greeting limit (60) is counted across both instances: 30 + 30, then 429 on each"
