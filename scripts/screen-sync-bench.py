#!/usr/bin/env python3
"""Time to store a full screen-activity batch (focus.md §2.2): 100 rows with 3072-float embeddings.

Starts the release server (development tokens, a fresh SQLite file, or the PostgreSQL database named by
--database-url), then posts N distinct full batches and N replays of the first one to POST /v1/screen-activity/sync,
and prints the body size and the median and p95 milliseconds of each kind. A replay exercises the upsert path.

    swift build -c release --product omi-backend
    scripts/screen-sync-bench.py
    scripts/screen-sync-bench.py --database-url postgres://postgres@127.0.0.1:54330/bench
"""
import argparse, json, os, random, socket, statistics, subprocess, sys, tempfile, time, urllib.request

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port

def post(base, body):
    req = urllib.request.Request(base + "/v1/screen-activity/sync", method="POST", data=body,
                                 headers={"Authorization": "Bearer dev:bench-user", "Content-Type": "application/json"})
    t0 = time.perf_counter()
    with urllib.request.urlopen(req, timeout=120) as r:
        assert r.status == 200, r.status
        r.read()
    return (time.perf_counter() - t0) * 1000

def batch(rng, first_id):
    rows = []
    for i in range(100):
        # float32 values widened to double, as the desktop serialises them
        vector = [float(f"{rng.uniform(-0.1, 0.1):.9g}") for _ in range(3072)]
        rows.append({"id": first_id + i, "timestamp": time.strftime("%Y-%m-%d %H:%M:%S.123", time.gmtime()),
                     "appName": "Safari", "windowTitle": f"Tab {i}", "ocrText": "lorem ipsum " * 60,
                     "embedding": vector, "clientDeviceId": "macos_bench", "deviceName": "Bench Mac"})
    return json.dumps({"rows": rows, "account_generation": 0}).encode()

def summary(label, times):
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(f"{label:<16}{len(times):>6}{statistics.median(times):>12.1f}{p95:>10.1f}")

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", type=int, default=20)
    ap.add_argument("--database-url")
    ap.add_argument("--binary", default=os.path.join(os.path.dirname(__file__), "..", ".build", "release", "omi-backend"))
    a = ap.parse_args()
    port = free_port()
    env = dict(os.environ, AUTH_DEV_MODE="true", PORT=str(port), DATA_DIR=tempfile.mkdtemp(), LOG_LEVEL="error",
               RATE_LIMIT_ENABLED="false")
    if a.database_url: env["DATABASE_URL"] = a.database_url
    server = subprocess.Popen([a.binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try: urllib.request.urlopen(base + "/health", timeout=1); break
            except Exception: time.sleep(0.1)
        rng = random.Random(7)
        bodies = [batch(rng, 1 + 100 * n) for n in range(a.batches)]
        post(base, bodies[0])  # warm-up: first connection, first user record
        fresh = [post(base, body) for body in bodies[1:]]
        replays = [post(base, bodies[0]) for _ in range(a.batches)]
        print(f"engine: {'postgres' if a.database_url else 'sqlite'}; body {len(bodies[0]) / 1e6:.1f} MB per batch "
              f"(100 rows x 3072 floats)")
        print(f"{'batch':<16}{'count':>6}{'median ms':>12}{'p95 ms':>10}")
        summary("new rows", fresh)
        summary("replayed", replays)
    finally:
        server.terminate(); server.wait()

if __name__ == "__main__":
    sys.exit(main())
