#!/usr/bin/env bash
# Throughput and p99 of this server beside the FastAPI peer of the Python stack, measured in the same run
# (../shared/bench/compare), and the server's peak resident memory over the whole run (seeding and every scenario).
# Installs wrk and the peer's Python packages when missing, builds in release mode.
# Extra arguments go to compare, e.g. `scripts/bench.sh --scenarios save-message,list-messages,health`.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
python3 -c "import fastapi, uvicorn, jwt" 2>/dev/null || pip install -q fastapi uvicorn pyjwt
swift build -c release --product omi-backend
PEAK="$(mktemp /tmp/omi-bench-rss.XXXXXX)"
trap 'rm -f "$PEAK"' EXIT
: >"$PEAK"
../shared/bench/compare --server-cmd \
  "FIREBASE_PROJECT_ID={project} AUTH_KEYS_URL={keys_url} PORT={port} DATA_DIR={tmp} LOG_LEVEL=warning \
   python3 $PWD/scripts/peak-rss.py $PEAK -- $PWD/.build/release/omi-backend serve" "$@"
# compare signals the server as it returns; the wrapper writes once the server has exited.
for _ in $(seq 1 100); do [ -s "$PEAK" ] && break; sleep 0.1; done
echo "server $(cat "$PEAK")"
