#!/usr/bin/env python3
"""Mixed-load soak (issue 12): does the server's memory stay flat under sustained traffic?

Starts the server on a fresh SQLite database (or --postgres-url), drives it with wrk for --minutes using a mix of the
desktop's hot calls across --users users (save and list chat messages, create and list tasks, screen-activity sync,
conversations, memories, health), and samples the process's resident memory every 5 s. The first --warmup seconds
are warm-up. Prints the samples, then the RSS at the end of warm-up, the highest and the last RSS after it, the growth
(highest after warm-up over end of warm-up; target at most 10%), and wrk's totals. Exits 1 above --max-growth or when
any call failed.

    scripts/soak.py --binary .build/release/omi-backend --minutes 10
"""
import argparse
import os
import re
import subprocess
import tempfile
import threading
import time
import urllib.request

PORT = 18681

LUA = r"""
local n = 0
local users = %(users)d
local calls = {
  {"POST", "/v2/desktop/messages", '{"text":"soak message with a few words of text","sender":"human"}'},
  {"GET", "/v2/desktop/messages?limit=20", nil},
  {"GET", "/v1/action-items?limit=50", nil},
  {"POST", "/v1/action-items", '{"description":"soak task"}'},
  {"GET", "/v2/desktop/messages?limit=20", nil},
  {"POST", "/v1/screen-activity/sync", "SYNC"},
  {"GET", "/v1/conversations?limit=20", nil},
  {"GET", "/v3/memories?limit=20", nil},
  {"GET", "/v1/users/profile", nil},
  {"GET", "/health", nil},
}
request = function()
  n = n + 1
  local c = calls[(n %% #calls) + 1]
  local headers = {["Authorization"] = "Bearer dev:soak-" .. (n %% users), ["Content-Type"] = "application/json"}
  local body = c[3]
  if body == "SYNC" then
    body = string.format('{"rows":[{"id":%%d,"timestamp":"2026-01-01T10:00:00Z","appName":"Xcode","windowTitle":"main.swift","ocrText":"let x = 1 let y = 2 func soak() {}","clientDeviceId":"soak"}]}', n)
  end
  return wrk.format(c[1], c[2], headers, body)
end
"""


def rss_kb(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as fh:
        return int(re.search(field + r":\s+(\d+)", fh.read()).group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=".build/release/omi-backend")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=60, help="seconds")
    parser.add_argument("--conns", type=int, default=16)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--max-growth", type=float, default=0.10)
    parser.add_argument("--postgres-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        env = dict(os.environ, AUTH_DEV_MODE="true", PORT=str(PORT), DATA_DIR=data, LOG_LEVEL="error",
                   RATE_LIMIT_ENABLED="false")
        if args.postgres_url:
            env["DATABASE_URL"] = args.postgres_url
        server = subprocess.Popen([args.binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{PORT}/ready", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            script = os.path.join(data, "soak.lua")
            with open(script, "w") as fh:
                fh.write(LUA % {"users": args.users})
            seconds = int(args.minutes * 60)
            result = {}
            wrk = threading.Thread(target=lambda: result.update(out=subprocess.run(
                ["wrk", "-t2", f"-c{args.conns}", f"-d{seconds}s", "--latency", "-s", script,
                 f"http://127.0.0.1:{PORT}"], capture_output=True, text=True).stdout))
            start = time.time()
            wrk.start()
            samples = []
            while wrk.is_alive():
                samples.append((time.time() - start, rss_kb(server.pid) / 1024))
                if len(samples) % 12 == 1:
                    # Heap and stacks apart from mapped files (the binary's pages), to tell a leak from paging in.
                    print(f"{samples[-1][0]:6.0f} s  RSS {samples[-1][1]:6.1f} MB "
                          f"(anonymous {rss_kb(server.pid, 'RssAnon') / 1024:5.1f} MB)", flush=True)
                wrk.join(timeout=5)
            out = result.get("out", "")
        finally:
            server.terminate()
            server.wait()
    after = [rss for t, rss in samples if t >= args.warmup]
    before = [rss for t, rss in samples if t < args.warmup]
    if not after or not before:
        raise SystemExit("the run was too short for its warm-up")
    base = before[-1]
    growth = (max(after) - base) / base
    requests = re.search(r"(\d+) requests in", out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    p99 = re.search(r"^\s*99%\s+(\S+)", out, re.M)  # the distribution line, not a "+/- Stdev" of x.99%
    print(f"RSS at end of warm-up ({args.warmup:.0f} s): {base:.1f} MB; highest after: {max(after):.1f} MB; "
          f"last: {after[-1]:.1f} MB; growth {growth * 100:+.1f}% (target at most {args.max_growth * 100:.0f}%)")
    print(f"wrk: {requests.group(1) if requests else '?'} requests in {seconds} s, "
          f"{rps.group(1) if rps else '?'} req/s, p99 {p99.group(1) if p99 else '?'}, "
          f"non-2xx {bad.group(1) if bad else 0}{', ' + errors.group(0) if errors else ''}")
    raise SystemExit(1 if growth > args.max_growth or bad else 0)


if __name__ == "__main__":
    main()
