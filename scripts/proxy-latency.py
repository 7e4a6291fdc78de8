#!/usr/bin/env python3
"""What the Gemini proxy adds to a call (issue 9): p50 and p99 of generateContent sent to a fake upstream directly and
through the server, and the first-chunk delay of a streamed answer both ways.

Starts a fake Gemini upstream (stdlib, loopback, keep-alive) and the release server pointed at it with development
tokens, enrols a BYOK Gemini key for the benchmark user (own-key calls are not metered, so the fixed 30-per-minute
burst limit does not stop the run), then times each path in turn on persistent connections.

    swift build -c release --product omi-backend
    scripts/proxy-latency.py --requests 2000
"""
import argparse, hashlib, http.client, json, os, socket, statistics, subprocess, sys, tempfile, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ANSWER = json.dumps({"candidates": [{"content": {"parts": [{"text": "Hello from the fake upstream."}],
                                                 "role": "model"}, "finishReason": "STOP"}],
                     "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 7}}).encode()
STREAM_CHUNKS = 5
CHUNK_GAP = 0.2   # seconds between streamed chunks; the first one is sent at once
USER_KEY = "bench-user-gemini-key"

class FakeGemini(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True   # headers and body are separate writes; Nagle plus delayed ACK would add 40 ms
    def log_message(self, *args): pass
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if ":streamGenerateContent" in self.path:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(STREAM_CHUNKS):
                if i: time.sleep(CHUNK_GAP)
                data = b"data: " + ANSWER + b"\r\n\r\n"
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data)); self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n"); self.wfile.flush()
        else:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(ANSWER)))
            self.end_headers()
            self.wfile.write(ANSWER)

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port

BODY = json.dumps({"contents": [{"role": "user", "parts": [{"text": "Say hello."}]}]}).encode()

def connect(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.connect(); conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn

def timed_calls(port, path, headers, n):
    conn = connect(port)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        conn.request("POST", path, body=BODY, headers=headers)
        r = conn.getresponse(); r.read()
        if r.status != 200: sys.exit(f"{path}: HTTP {r.status}")
        times.append((time.perf_counter() - t0) * 1000)
    conn.close()
    return times

def first_chunk(port, path, headers, n):
    firsts, totals = [], []
    for _ in range(n):
        conn = connect(port)
        t0 = time.perf_counter()
        conn.request("POST", path, body=BODY, headers=headers)
        r = conn.getresponse()
        if r.status != 200: sys.exit(f"{path}: HTTP {r.status}")
        r.read1(65536)   # whatever has arrived: the first chunk
        firsts.append((time.perf_counter() - t0) * 1000)
        r.read()
        totals.append((time.perf_counter() - t0) * 1000)
        conn.close()
    return firsts, totals

def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--streams", type=int, default=20)
    ap.add_argument("--binary", default=os.path.join(os.path.dirname(__file__), "..", ".build", "release", "omi-backend"))
    a = ap.parse_args()
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), FakeGemini)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    up_port = upstream.server_address[1]
    port = free_port()
    env = dict(os.environ, AUTH_DEV_MODE="true", PORT=str(port), DATA_DIR=tempfile.mkdtemp(), LOG_LEVEL="error",
               RATE_LIMIT_ENABLED="false", GEMINI_API_BASE=f"http://127.0.0.1:{up_port}/v1beta")
    server = subprocess.Popen([a.binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=1); c.request("GET", "/health")
                if c.getresponse().status == 200: break
            except OSError: time.sleep(0.1)
        auth = {"Authorization": "Bearer dev:bench-user", "Content-Type": "application/json"}
        fp = lambda k: hashlib.sha256(k.encode()).hexdigest()
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.request("POST", "/v1/users/me/byok-active", headers=auth,
                  body=json.dumps({"fingerprints": {"openai": fp("bench-openai"), "gemini": fp(USER_KEY)}}))
        if c.getresponse().status != 200: sys.exit("BYOK enrolment failed")
        proxied = dict(auth, **{"X-BYOK-Gemini": USER_KEY})
        direct_path = "/v1beta/models/gemini-2.5-flash:generateContent"
        proxy_path = "/v1/proxy/gemini/models/gemini-2.5-flash:generateContent"
        warm = max(50, a.requests // 10)
        timed_calls(up_port, direct_path, {"Content-Type": "application/json"}, warm)
        timed_calls(port, proxy_path, proxied, warm)
        direct = timed_calls(up_port, direct_path, {"Content-Type": "application/json", "x-goog-api-key": "k"}, a.requests)
        through = timed_calls(port, proxy_path, proxied, a.requests)
        print(f"generateContent, {a.requests} sequential calls each on one keep-alive connection")
        print(f"{'path':<22}{'p50 ms':>9}{'p99 ms':>9}")
        print(f"{'upstream directly':<22}{pct(direct, 50):>9.2f}{pct(direct, 99):>9.2f}")
        print(f"{'through the server':<22}{pct(through, 50):>9.2f}{pct(through, 99):>9.2f}")
        print(f"{'added by the proxy':<22}{pct(through, 50) - pct(direct, 50):>9.2f}{pct(through, 99) - pct(direct, 99):>9.2f}")
        sd = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
        sp = "/v1/proxy/gemini/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
        d_first, d_total = first_chunk(up_port, sd, {"Content-Type": "application/json"}, a.streams)
        p_first, p_total = first_chunk(port, sp, proxied, a.streams)
        span = (STREAM_CHUNKS - 1) * CHUNK_GAP * 1000
        print(f"\nstreamGenerateContent, {a.streams} streams of {STREAM_CHUNKS} chunks {CHUNK_GAP * 1000:.0f} ms apart "
              f"(the whole answer takes {span:.0f} ms upstream)")
        print(f"{'path':<22}{'first chunk p50 ms':>20}{'last byte p50 ms':>18}")
        print(f"{'upstream directly':<22}{statistics.median(d_first):>20.2f}{statistics.median(d_total):>18.2f}")
        print(f"{'through the server':<22}{statistics.median(p_first):>20.2f}{statistics.median(p_total):>18.2f}")
    finally:
        server.terminate(); server.wait(timeout=10); upstream.shutdown()

if __name__ == "__main__":
    main()
