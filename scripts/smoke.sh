#!/usr/bin/env bash
# Starts the built server twice, on a fresh SQLite file and on a fresh PostgreSQL database, runs the desktop smoke
# suite against each (`omi-backend smoke`), then compares their answers with `omi-backend parity`.
# Usage: scripts/smoke.sh POSTGRES_URL   (a server URL whose user may create databases; scripts/test.sh passes its own)
# Exits non-zero when a server does not start, a smoke call fails, or the shapes differ.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL="${1:?usage: scripts/smoke.sh POSTGRES_URL}"
BIN="$(swift build --show-bin-path)/omi-backend"
WORK="$(mktemp -d /tmp/omi-smoke.XXXXXX)"
source scripts/scratch-database.sh
# A database of its own on the given server, so the run starts empty and leaves the test databases alone.
DB="omi_smoke_$$"
MADE_DB=false
PIDS=()
stop() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if $MADE_DB; then admin_sql "$PG_URL" "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap stop EXIT

if command -v psql >/dev/null; then
  admin_sql "$PG_URL" "DROP DATABASE IF EXISTS $DB" && admin_sql "$PG_URL" "CREATE DATABASE $DB"
  MADE_DB=true
  SMOKE_PG_URL="$(database_url "$PG_URL" "$DB")"
else
  SMOKE_PG_URL="$PG_URL"
fi

start() { # name port [env...]
  local name="$1" port="$2"; shift 2
  env AUTH_DEV_MODE=true PORT="$port" DATA_DIR="$WORK/$name" LOG_LEVEL=warning "$@" "$BIN" serve \
    >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 150); do
    if curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  echo "== the $name server did not become ready"; cat "$WORK/$name.log"; return 1
}

start sqlite 18181
start postgres 18182 DATABASE_URL="$SMOKE_PG_URL"

status=0
for target in "sqlite 18181" "postgres 18182"; do
  set -- $target
  echo "== smoke on $1"
  "$BIN" smoke --base-url "http://127.0.0.1:$2" --token dev:smoke-user || status=1
done
# The same few records on both, so parity compares list elements too, not only empty lists.
seed() { # port method path json
  curl -fsS -o /dev/null -X "$2" -H "Authorization: Bearer dev:smoke-user" -H "Content-Type: application/json" \
    -d "$4" "http://127.0.0.1:$1$3" || { echo "== seeding $3 failed on port $1"; status=1; }
}
for port in 18181 18182; do
  seed "$port" POST /v1/action-items '{"description":"Parity task","metadata":"{\"k\":1}"}'
  seed "$port" POST /v1/staged-tasks '{"description":"Parity suggestion","relevance_score":2}'
  seed "$port" POST /v3/memories '{"content":"Parity memory"}'
  seed "$port" POST /v1/goals '{"title":"Parity goal","target_value":5}'
  seed "$port" POST /v1/folders '{"name":"Parity folder"}'
  seed "$port" POST /v2/desktop/messages '{"text":"Parity message","sender":"human","metadata":"{}"}'
  seed "$port" POST /v1/focus-sessions '{"status":"focused","app_or_site":"Xcode","description":"parity"}'
  seed "$port" POST /v1/conversations/from-segments \
    '{"transcript_segments":[{"text":"Parity conversation.","start":0,"end":2}],"client_conversation_id":"parity"}'
done
echo "== parity: SQLite (A) against PostgreSQL (B)"
"$BIN" parity --a http://127.0.0.1:18181 --token-a dev:smoke-user --b http://127.0.0.1:18182 --token-b dev:smoke-user \
  || status=1
exit "$status"
