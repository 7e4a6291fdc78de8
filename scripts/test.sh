#!/usr/bin/env bash
# Runs the whole test suite against SQLite and PostgreSQL from a clean checkout.
# Installs PostgreSQL when it is missing, starts a private throw-away cluster on loopback (as the `postgres` user when
# run as root), builds from scratch if needed, runs `swift test`, then the scripted checks against the built server:
# the smoke suite and parity (smoke.sh), schemathesis on both engines (fuzz.sh), two instances on one database
# (multi-instance.sh), SIGTERM (graceful-shutdown.sh), kill -9 (crash-safety.py) and the list and quota queries'
# plans (scale-check.py --plans-only); and stops the cluster again.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_PORT="${TEST_PG_PORT:-54329}"

find_pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

if [ -z "$(find_pg_bin)" ]; then
  echo "== installing PostgreSQL"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
fi
PG_BIN="$(find_pg_bin)"

PG_DIR="$(mktemp -d /tmp/omi-pg.XXXXXX)"
run_pg() {
  if [ "$(id -u)" = "0" ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}
if [ "$(id -u)" = "0" ]; then chown postgres "$PG_DIR"; fi
cleanup() {
  run_pg "'$PG_BIN/pg_ctl' -D '$PG_DIR/data' -m fast stop" >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
trap cleanup EXIT

echo "== starting PostgreSQL on 127.0.0.1:$PG_PORT"
run_pg "'$PG_BIN/initdb' -D '$PG_DIR/data' -U postgres --auth=trust -E UTF8 >'$PG_DIR/initdb.log' 2>&1"
run_pg "'$PG_BIN/pg_ctl' -D '$PG_DIR/data' -l '$PG_DIR/server.log' -w -o \"-p $PG_PORT -k '$PG_DIR' -c listen_addresses=127.0.0.1 -c max_connections=1000 -c fsync=off\" start" >/dev/null
export TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres?sslmode=disable"

echo "== building"
swift build --build-tests
# A zone far from UTC, so nothing can lean on the host's time zone for "today" or day bounds.
export TZ=Pacific/Chatham
echo "== testing (SQLite and PostgreSQL, TZ=$TZ)"
set +e
swift test --skip-build 2>&1 | tee "$PG_DIR/test.log"
status=${PIPESTATUS[0]}
set -e
for engine in sqlite postgres; do
  n=$(grep -c "Test case passing 1 argument engine → $engine to .* started" "$PG_DIR/test.log" || true)
  echo "== test cases run on $engine: $n"
done
if [ "$status" -eq 0 ] && ! grep -q "engine → postgres" "$PG_DIR/test.log"; then
  echo "== no test ran against PostgreSQL"; exit 1
fi
[ "$status" -eq 0 ] || exit "$status"
echo "== smoke suite against the built server, on SQLite and PostgreSQL, then parity between them"
bash scripts/smoke.sh "$TEST_POSTGRES_URL"
echo "== hostile input: schemathesis over every operation of the OpenAPI document, on SQLite and on PostgreSQL"
bash scripts/fuzz.sh
bash scripts/fuzz.sh "$(swift build --show-bin-path)/omi-backend" 20 "$TEST_POSTGRES_URL"
echo "== two instances on one PostgreSQL"
bash scripts/multi-instance.sh "$TEST_POSTGRES_URL"
echo "== graceful shutdown"
bash scripts/graceful-shutdown.sh
echo "== crash safety: kill -9 under sustained writes"
python3 scripts/crash-safety.py --binary "$(swift build --show-bin-path)/omi-backend" --rounds 2 \
  --postgres-url "$TEST_POSTGRES_URL"
echo "== list queries read an index in their order (plans at 20,000 rows per user, both engines)"
python3 scripts/scale-check.py --binary "$(swift build --show-bin-path)/omi-backend" --large 20000 --plans-only \
  --postgres-url "$TEST_POSTGRES_URL"
