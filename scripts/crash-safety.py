#!/usr/bin/env python3
"""Crash safety under sustained writes (issue 12).

Starts the server, has several writers create tasks as fast as the server takes them, `kill -9`s the server at a
random moment, restarts it on the same database, and checks that every task acknowledged with a 2xx before the kill
can be read back. Repeats for --rounds rounds on SQLite, and on PostgreSQL when --postgres-url is given. Prints one
line per round and exits 1 when any acknowledged write is missing.

    scripts/crash-safety.py --binary .build/release/omi-backend --rounds 5 \
        --postgres-url 'postgres://postgres@127.0.0.1:54329/postgres?sslmode=disable'
"""
import argparse
import json
import os
import random
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

PORT = 18481
TOKEN = "dev:crash-user"


def request(method, path, body=None, timeout=5):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", data=data, method=method)
    req.add_header("Authorization", f"Bearer {TOKEN}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.status, json.loads(resp.read() or b"null")


def start(binary, env):
    proc = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/ready", timeout=1):
                return proc
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not become ready")


def writer(stop, acked, lock, name):
    n = 0
    while not stop.is_set():
        n += 1
        try:
            status, body = request("POST", "/v1/action-items", {"description": f"crash {name} {n} {random.random()}"})
            if 200 <= status < 300:
                with lock:
                    acked.append(body["id"])
        except Exception:
            # Writes cut by the kill were never acknowledged; they may or may not exist, and both are fine.
            pass


def round_trip(binary, env, seconds):
    proc = start(binary, env)
    stop, lock, acked = threading.Event(), threading.Lock(), []
    threads = [threading.Thread(target=writer, args=(stop, acked, lock, i)) for i in range(8)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stop.set()
    for t in threads:
        t.join()
    proc = start(binary, env)
    missing = []
    try:
        for task_id in acked:
            try:
                status, _ = request("GET", f"/v1/action-items/{task_id}")
            except urllib.error.HTTPError as error:
                status = error.code
            if status != 200:
                missing.append(task_id)
    finally:
        proc.terminate()
        proc.wait()
    return len(acked), missing


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=".build/release/omi-backend")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres-url")
    args = parser.parse_args()
    engines = [("sqlite", None)] + ([("postgres", args.postgres_url)] if args.postgres_url else [])
    failed = False
    for engine, url in engines:
        with tempfile.TemporaryDirectory() as data:
            env = dict(os.environ, AUTH_DEV_MODE="true", PORT=str(PORT), DATA_DIR=data, LOG_LEVEL="error",
                       RATE_LIMIT_ENABLED="false")
            if url:
                env["DATABASE_URL"] = url
            total = 0
            for n in range(1, args.rounds + 1):
                seconds = random.uniform(1.0, 3.0)
                acked, missing = round_trip(args.binary, env, seconds)
                total += acked
                verdict = "ok" if not missing else f"FAIL {len(missing)} acknowledged writes missing"
                print(f"{engine:9} round {n}: kill -9 after {seconds:.1f} s, {acked} writes acknowledged, "
                      f"{acked - len(missing)} found after restart: {verdict}", flush=True)
                failed = failed or bool(missing)
            print(f"{engine:9} {args.rounds} rounds, {total} acknowledged writes, all found: {'no' if failed else 'yes'}")
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
