#!/usr/bin/env python3
"""Start-up time and idle memory (issue 12).

Creates a SQLite database by starting the server once, then starts it --runs more times on that existing database
and measures the time from exec to the first 200 from /ready (polled every 5 ms), and the resident memory (VmRSS) two
seconds after ready with no traffic. Prints each run and the medians.

    scripts/startup-memory.py --binary .build/release/omi-backend --runs 5
"""
import argparse
import os
import statistics
import subprocess
import tempfile
import time
import urllib.request

PORT = 18681


def ready_after(proc, started):
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/ready", timeout=1) as resp:
                if resp.status == 200:
                    return time.monotonic() - started
        except Exception:
            pass
        if proc.poll() is not None:
            raise SystemExit("the server exited before it was ready")
        time.sleep(0.005)


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=".build/release/omi-backend")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        env = dict(os.environ, AUTH_DEV_MODE="true", PORT=str(PORT), DATA_DIR=data, LOG_LEVEL="error")
        readies, memories = [], []
        for run in range(args.runs + 1):
            started = time.monotonic()
            proc = subprocess.Popen([args.binary, "serve"], env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            ready = ready_after(proc, started)
            time.sleep(2)
            rss = rss_mb(proc.pid)
            proc.terminate()
            proc.wait()
            if run == 0:
                print(f"first start (creates and migrates the database): ready in {ready * 1000:.0f} ms")
                continue
            readies.append(ready)
            memories.append(rss)
            print(f"run {run}: ready in {ready * 1000:.0f} ms on the existing database, idle RSS {rss:.1f} MB")
        print(f"median: ready in {statistics.median(readies) * 1000:.0f} ms, idle RSS {statistics.median(memories):.1f} MB")


if __name__ == "__main__":
    main()
