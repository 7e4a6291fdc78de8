#!/usr/bin/env python3
"""Scale check (issue 12): is listing the newest page as fast for a user with 1,000,000 rows as for one with 1,000?

For chat messages, action items and conversations, on SQLite and (with --postgres-url) PostgreSQL:
1. starts the server on a fresh database, so the migrations build the real schema;
2. makes one row of each kind per user through the API (two users, `scale-small` and `scale-large`);
3. copies that row in SQL to --small and --large rows per user, newest first, with distinct ids and times;
4. refreshes the planner's statistics (ANALYZE) as an operator's routine maintenance would;
5. times --requests sequential calls of each list route per user on one keep-alive connection, after a warm-up;
6. prints p50/p90 per user, the large/small ratio (target: at most 1.5), and each list query's plan on that engine.

The plans come from the same SQL the repositories run (SQLChatRepository.listMessages, SQLActionItemRepository.list,
SQLConversationRepository.list, with the routes' default filters); a plan without an index on these routes would show
as a sort over every row of the user, and as a ratio far above 1.5.

    scripts/scale-check.py --binary .build/release/omi-backend \
        --postgres-url 'postgres://postgres@127.0.0.1:54329/postgres?sslmode=disable'
Exits 1 when a ratio is above --max-ratio.

`--plans-only` skips the timing and instead fails when a plan sorts or scans the whole table (SQLite's `TEMP B-TREE`
or `SCAN`, PostgreSQL's `Sort` or `Seq Scan`), or when the usage quota's count of a month's chat questions does not
read the index on their time; CI runs it with --large 20000, where a missing index already shows.
"""
import argparse
import http.client
import json
import os
import sqlite3
import statistics
import subprocess
import tempfile
import time
import urllib.parse

PORT = 18581
USERS = ("scale-small", "scale-large")

ROUTES = {
    "messages": "/v2/desktop/messages?limit=50",
    "action-items": "/v1/action-items?limit=50",
    "conversations": "/v1/conversations?limit=50",
}

# The repositories' list queries with the routes' default filters, as each engine receives them.
PLANS = {
    "messages": """SELECT id, session_id, app_scope, text, sender, type, created_at, rating, reported, metadata,
        content_blocks, client_message_id, message_source, journal_revision FROM chat_messages
        WHERE uid = {p1} AND app_scope = {p2} AND reported = {false}
        ORDER BY created_at DESC, id DESC LIMIT 50 OFFSET 0""",
    "action-items": """SELECT * FROM action_items WHERE uid = {p1} AND deleted = {false}
        ORDER BY completed ASC, CASE WHEN due_at IS NULL THEN 1 ELSE 0 END ASC, due_at ASC, created_at DESC, id ASC
        LIMIT 51 OFFSET 0""",
    "conversations": """SELECT * FROM conversations c WHERE c.uid = {p1}
        AND c.status IN ('in_progress', 'processing', 'merging', 'completed', 'failed') AND c.discarded = {false}
        ORDER BY c.created_at DESC, c.id DESC LIMIT 50 OFFSET 0""",
}

# Which table each route reads, and the column that orders it.
TABLES = {"messages": "chat_messages", "action-items": "action_items", "conversations": "conversations"}

# Counted rather than listed, so checked by plan only: the month's chat questions of the usage quota
# (SQLUsageRepository.questionsUsed). A walk over all of the user's events on the key would not show as a scan or a
# sort, so the plan must name the index on their time.
COUNTS = {
    "usage-quota": ("SELECT COUNT(*) AS n FROM usage_events WHERE uid = {p1} AND kind = 'chat_question' "
                    f"AND created_at >= {int((time.time() - 30 * 86400) * 1e6)}", "usage_events_by_time"),
}


def copy_events_sql(engine, uid, count):
    """Copies `uid`'s usage event to `count` events, an hour apart, so the last month holds a few hundred of them."""
    series = ("generate_series(1, {n}) AS s(i)" if engine == "postgres" else
              "(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) SELECT i FROM s) AS s")
    return (f"INSERT INTO usage_events (uid, event_key, kind, created_at) SELECT t.uid, 'scale-' || CAST(s.i AS TEXT), "
            f"t.kind, t.created_at - CAST(s.i AS BIGINT) * 3600000000 FROM usage_events t, {series.format(n=count)} "
            f"WHERE t.uid = '{uid}' AND t.event_key NOT LIKE 'scale-%'")


class Server:
    def __init__(self, binary, env):
        self.proc = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(600):
            try:
                if self.call("GET", "/ready", "x")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        self.proc.kill()
        raise SystemExit("the server did not become ready")

    def call(self, method, path, uid, body=None, conn=None):
        own = conn is None
        conn = conn or http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        headers = {"Authorization": f"Bearer dev:{uid}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        payload = resp.read()
        if own:
            conn.close()
        return resp.status, payload

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def make_templates(server, uid):
    """One row of each kind for `uid`, made through the API, so every column holds what the server writes."""
    for method, path, body in [
        ("POST", "/v2/desktop/messages", {"text": "scale template message", "sender": "human"}),
        ("POST", "/v1/action-items", {"description": "scale template task"}),
        ("POST", "/v1/conversations/from-segments", {
            "transcript_segments": [{"text": "a template conversation for the scale check " * 3, "speaker": "SPEAKER_00",
                                     "is_user": True, "start": 0.0, "end": 5.0}],
            "source": "desktop", "started_at": "2026-01-01T10:00:00Z", "finished_at": "2026-01-01T10:00:05Z"}),
    ]:
        status, payload = server.call(method, path, uid, body)
        if status != 200:
            raise SystemExit(f"{method} {path} for {uid}: {status} {payload[:300]!r}")


def copy_sql(engine, table, columns, uid, count):
    """Copies `uid`'s one row of `table` to `count` rows with new ids, each a millisecond older than the last."""
    series = ("generate_series(1, {n}) AS s(i)" if engine == "postgres" else
              "(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) SELECT i FROM s) AS s")
    exprs = []
    for col in columns:
        if col == "id":
            exprs.append("'scale-' || CAST(s.i AS TEXT)")
        elif col == "search_rowid":  # the SQLite full-text entry is per row; copies have none
            exprs.append("NULL")
        elif col in ("created_at", "updated_at"):
            exprs.append(f"t.{col} - s.i * 1000")
        else:
            exprs.append(f"t.{col}")
    cols = ", ".join(columns)
    return (f"INSERT INTO {table} ({cols}) SELECT {', '.join(exprs)} FROM {table} t, {series.format(n=count)} "
            f"WHERE t.uid = '{uid}' AND t.id NOT LIKE 'scale-%'")


class SQLite:
    engine = "sqlite"
    unindexed_markers = ("TEMP B-TREE", "SCAN ")

    def __init__(self, path):
        self.db = sqlite3.connect(path, timeout=60, isolation_level=None)

    def columns(self, table):
        return [r[1] for r in self.db.execute(f"PRAGMA table_info({table})")]

    def run(self, sql):
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute(sql)
        self.db.execute("COMMIT")

    def analyze(self):
        self.db.execute("ANALYZE")

    def plan(self, sql):
        q = sql.format(p1="'scale-large'", p2="''", false="0")
        return "\n".join(r[3] for r in self.db.execute("EXPLAIN QUERY PLAN " + q))


class Postgres:
    engine = "postgres"
    unindexed_markers = ("Sort", "Seq Scan")

    def __init__(self, url):
        self.url = url

    def psql(self, sql):
        out = subprocess.run(["psql", self.url, "-v", "ON_ERROR_STOP=1", "-qtA", "-c", sql],
                             capture_output=True, text=True, env=dict(os.environ, PGOPTIONS="-c client_min_messages=warning"))
        if out.returncode != 0:
            raise SystemExit(f"psql: {out.stderr.strip()}")
        return out.stdout

    def columns(self, table):
        return self.psql(f"SELECT column_name FROM information_schema.columns WHERE table_name = '{table}' "
                         "ORDER BY ordinal_position").split()

    def run(self, sql):
        self.psql(sql)

    def analyze(self):
        self.psql("ANALYZE")

    def plan(self, sql):
        q = sql.format(p1="'scale-large'", p2="''", false="false")
        return self.psql("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + q).strip()


def time_route(server, path, uid, requests):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    for _ in range(20):
        server.call("GET", path, uid, conn=conn)
    samples = []
    for _ in range(requests):
        t = time.perf_counter()
        status, payload = server.call("GET", path, uid, conn=conn)
        samples.append((time.perf_counter() - t) * 1000)
        if status != 200:
            raise SystemExit(f"GET {path} for {uid}: {status}")
    conn.close()
    samples.sort()
    body = json.loads(payload)
    rows = len(body) if isinstance(body, list) else len(body.get("action_items") or body.get("items") or [])
    return statistics.median(samples), samples[int(len(samples) * 0.9)], rows


def check(engine_name, store, env, args):
    server = Server(args.binary, env)
    try:
        for uid in USERS:
            make_templates(server, uid)
        started = time.time()
        for route, table in TABLES.items():
            columns = store.columns(table)
            for uid, count in ((USERS[0], args.small), (USERS[1], args.large)):
                store.run(copy_sql(store.engine, table, columns, uid, count))
        for uid, count in ((USERS[0], args.small), (USERS[1], args.large)):
            store.run(copy_events_sql(store.engine, uid, count))
        store.analyze()
        print(f"{engine_name}: seeded {args.small} and {args.large} rows per table in {time.time() - started:.0f} s",
              flush=True)
        worst = 0.0
        if args.plans_only:
            for route, sql in PLANS.items():
                plan = store.plan(" ".join(sql.split()))
                bad = [marker for marker in store.unindexed_markers if marker in plan]
                print(f"{engine_name:9} {route:14} {'FAIL ' + ', '.join(bad) if bad else 'ok  '} "
                      + " | ".join(line.strip() for line in plan.splitlines() if line.strip()), flush=True)
                worst = max(worst, float("inf") if bad else 0.0)
            for route, (sql, index) in COUNTS.items():
                plan = store.plan(sql)
                ok = index in plan
                print(f"{engine_name:9} {route:14} {'ok  ' if ok else 'FAIL no ' + index} "
                      + " | ".join(line.strip() for line in plan.splitlines() if line.strip()), flush=True)
                worst = max(worst, 0.0 if ok else float("inf"))
            return worst
        for route, path in ROUTES.items():
            small = time_route(server, path, USERS[0], args.requests)
            large = time_route(server, path, USERS[1], args.requests)
            ratio = large[0] / small[0]
            worst = max(worst, ratio)
            print(f"{engine_name:9} {route:14} {args.small:>9} rows: p50 {small[0]:6.2f} ms p90 {small[1]:6.2f} ms | "
                  f"{args.large:>9} rows: p50 {large[0]:6.2f} ms p90 {large[1]:6.2f} ms | ratio {ratio:4.2f} "
                  f"({large[2]} rows a page)", flush=True)
        for route, sql in PLANS.items():
            print(f"--- {engine_name} plan, {route}:")
            print("    " + store.plan(" ".join(sql.split())).replace("\n", "\n    "))
        return worst
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=".build/release/omi-backend")
    parser.add_argument("--postgres-url")
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--max-ratio", type=float, default=1.5)
    parser.add_argument("--plans-only", action="store_true", help="check the plans use an index; no timing")
    args = parser.parse_args()
    worst = 0.0
    with tempfile.TemporaryDirectory() as data:
        env = dict(os.environ, AUTH_DEV_MODE="true", PORT=str(PORT), DATA_DIR=data, LOG_LEVEL="error",
                   RATE_LIMIT_ENABLED="false")
        worst = max(worst, check("sqlite", SQLite(os.path.join(data, "omi.sqlite")), env, args))
    if args.postgres_url:
        parts = urllib.parse.urlsplit(args.postgres_url)
        name = f"omi_scale_{os.getpid()}"
        admin = Postgres(args.postgres_url)
        admin.psql(f"DROP DATABASE IF EXISTS {name}")
        admin.psql(f"CREATE DATABASE {name}")
        url = urllib.parse.urlunsplit(parts._replace(path="/" + name))
        try:
            with tempfile.TemporaryDirectory() as data:
                env = dict(os.environ, AUTH_DEV_MODE="true", PORT=str(PORT), DATA_DIR=data, LOG_LEVEL="error",
                           RATE_LIMIT_ENABLED="false", DATABASE_URL=url)
                worst = max(worst, check("postgres", Postgres(url), env, args))
        finally:
            admin.psql(f"DROP DATABASE IF EXISTS {name}")
    if args.plans_only:
        print("plans: " + ("every list query reads an index in its order, and the quota count its time index"
                           if worst == 0 else "FAIL"))
        raise SystemExit(1 if worst else 0)
    print(f"worst ratio {worst:.2f} (target at most {args.max_ratio})")
    raise SystemExit(1 if worst > args.max_ratio else 0)


if __name__ == "__main__":
    main()
