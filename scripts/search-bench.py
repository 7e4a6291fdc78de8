#!/usr/bin/env python3
"""Search latency over many conversations of one user (knowledge.md §9).

Starts the release server (development tokens, a fresh SQLite file, or the PostgreSQL database named by
--database-url), stores N conversations of one user through POST /v1/conversations/from-segments, then times
POST /v1/conversations/search for a set of queries and prints median and p99 milliseconds per query.

    swift build -c release --product omi-backend
    scripts/search-bench.py --conversations 10000
    scripts/search-bench.py --conversations 10000 --database-url postgres://postgres@127.0.0.1:54330/bench
"""
import argparse, json, os, random, socket, statistics, subprocess, sys, tempfile, time, urllib.request

WORDS = ("meeting budget roadmap launch design review hiring customer pricing travel doctor school invoice "
         "sprint planning retro deploy incident database search folder garden recipe concert football").split()
QUERIES = ["meeting", "budget review", "launch plan", "roadmap design", "zebra", "", "incid", "café"]

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port

def call(base, method, path, body=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer dev:bench-user", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read() or b"null")

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--conversations", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--database-url")
    ap.add_argument("--binary", default=os.path.join(os.path.dirname(__file__), "..", ".build", "release", "omi-backend"))
    a = ap.parse_args()
    tmp = tempfile.mkdtemp()
    port = free_port()
    env = dict(os.environ, AUTH_DEV_MODE="true", PORT=str(port), DATA_DIR=tmp, LOG_LEVEL="error",
               RATE_LIMIT_ENABLED="false")
    if a.database_url: env["DATABASE_URL"] = a.database_url
    server = subprocess.Popen([a.binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try: urllib.request.urlopen(base + "/health", timeout=1); break
            except Exception: time.sleep(0.1)
        rng = random.Random(7)
        started = time.time()
        for i in range(a.conversations):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 40)))
            segments = [{"text": text[:len(text) // 2] or "hello", "start": 0, "end": 5},
                        {"text": text[len(text) // 2:] or "there", "start": 5, "end": 10}]
            call(base, "POST", "/v1/conversations/from-segments",
                 {"transcript_segments": segments, "source": "desktop", "client_conversation_id": f"bench-{i}"})
        print(f"engine: {'postgres' if a.database_url else 'sqlite'}; stored {a.conversations} conversations "
              f"in {time.time() - started:.1f} s")
        print(f"{'query':<18}{'pages':>9}{'median ms':>11}{'p99 ms':>9}")
        for q in QUERIES:
            times = []
            pages = 0
            for _ in range(a.rounds):
                t0 = time.perf_counter()
                page = call(base, "POST", "/v1/conversations/search", {"query": q, "per_page": 10})
                times.append((time.perf_counter() - t0) * 1000)
                pages = page["total_pages"]
            times.sort()
            p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
            print(f"{q or '(empty)':<18}{pages:>9}{statistics.median(times):>11.1f}{p99:>9.1f}")
    finally:
        server.terminate(); server.wait()

if __name__ == "__main__":
    sys.exit(main())
