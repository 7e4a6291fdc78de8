import SQLKit

extension Migrations {
    /// Version 18: a month's chat questions are counted from an index on their time. The quota read scanned every
    /// event the user ever had, in random key order (1.7 s for 1,000,000 on SQLite). On SQLite the table is rebuilt
    /// without a rowid, so a save still writes two B-trees (the key, now the table itself, and the time index), not
    /// three.
    static let usageEventTimes = Migration(version: 18, name: "usage_events_by_time", statements: [], sqlite: [
        """
        CREATE TABLE usage_events_keyed (
            uid TEXT NOT NULL,
            event_key TEXT NOT NULL,
            kind TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            PRIMARY KEY (uid, event_key)
        ) WITHOUT ROWID
        """,
        "INSERT INTO usage_events_keyed (uid, event_key, kind, created_at) SELECT uid, event_key, kind, created_at FROM usage_events",
        "DROP TABLE usage_events",
        "ALTER TABLE usage_events_keyed RENAME TO usage_events",
        "CREATE INDEX usage_events_by_time ON usage_events (uid, kind, created_at)",
    ], postgres: [
        "CREATE INDEX usage_events_by_time ON usage_events (uid, kind, created_at)",
    ])
}

/// Counters added to one usage bucket of one UTC day (users.md §11.1).
public struct UsageIncrement: Sendable, Equatable {
    public var inputTokens: Int64 = 0
    public var outputTokens: Int64 = 0
    public var cacheReadTokens: Int64 = 0
    public var cacheWriteTokens: Int64 = 0
    public var totalTokens: Int64 = 0
    public var costUSD: Double = 0

    public init() {}
}

/// One bucket of one day, as stored.
public struct UsageDayRecord: Sendable, Equatable {
    public var day: String
    public var bucket: String
    public var model: String
    public var kind: String
    public var counters: UsageIncrement
    public var callCount: Int64
}

/// A feature's totals over a window (§11.4).
public struct FeatureUsage: Sendable, Equatable {
    public var feature: String
    public var inputTokens: Int64
    public var outputTokens: Int64
    public var callCount: Int64
}

/// LLM usage day records and the chat-question count the plan reads.
public protocol UsageRepository: Sendable {
    /// Adds one desktop call to the primary `desktop_chat` bucket and to its per-account alias, atomically.
    func recordDesktop(uid: String, day: String, account: String, _ increment: UsageIncrement) async throws
    /// Adds one server-side model call under a feature name, per model.
    func recordFeature(uid: String, day: String, feature: String, model: String, _ increment: UsageIncrement) async throws
    /// The primary bucket's cost over every day.
    func totalDesktopCost(uid: String) async throws -> Double
    /// Features and the primary desktop bucket (never its aliases) on days at or after `sinceDay`.
    func featureSummary(uid: String, sinceDay: String) async throws -> [FeatureUsage]
    func dayRecords(uid: String) async throws -> [UsageDayRecord]
    /// Chat questions counted by the chat domain at or after `since` (micros).
    func questionsUsed(uid: String, since: Int64) async throws -> Int
    /// Counts one chat question under `key`; the same key again counts nothing.
    func recordQuestion(uid: String, key: String, now: Int64) async throws
}

public struct SQLUsageRepository: UsageRepository {
    static let primary = "desktop_chat"
    let database: Database

    public init(database: Database) { self.database = database }

    public func recordDesktop(uid: String, day: String, account: String, _ increment: UsageIncrement) async throws {
        try await database.transaction { db in
            try await Self.add(db, uid: uid, day: day, bucket: Self.primary, model: "", kind: "desktop", increment)
            try await Self.add(db, uid: uid, day: day, bucket: "\(Self.primary)_\(account)", model: "", kind: "alias",
                               increment)
        }
    }

    public func recordFeature(uid: String, day: String, feature: String, model: String,
                              _ increment: UsageIncrement) async throws {
        try await database.transaction { db in
            try await Self.add(db, uid: uid, day: day, bucket: feature, model: model, kind: "feature", increment)
        }
    }

    /// One statement per bucket: the database adds the counters, so concurrent calls never lose an update.
    static func add(_ db: any SQLDatabase, uid: String, day: String, bucket: String, model: String, kind: String,
                    _ i: UsageIncrement) async throws {
        try await db.raw("""
            INSERT INTO llm_usage (uid, day, bucket, model, kind, input_tokens, output_tokens, cache_read_tokens,
                cache_write_tokens, total_tokens, cost_usd, call_count)
            VALUES (\(bind: uid), \(bind: day), \(bind: bucket), \(bind: model), \(bind: kind), \(bind: i.inputTokens),
                \(bind: i.outputTokens), \(bind: i.cacheReadTokens), \(bind: i.cacheWriteTokens), \(bind: i.totalTokens),
                \(bind: i.costUSD), 1)
            ON CONFLICT (uid, day, bucket, model) DO UPDATE SET
                input_tokens = llm_usage.input_tokens + excluded.input_tokens,
                output_tokens = llm_usage.output_tokens + excluded.output_tokens,
                cache_read_tokens = llm_usage.cache_read_tokens + excluded.cache_read_tokens,
                cache_write_tokens = llm_usage.cache_write_tokens + excluded.cache_write_tokens,
                total_tokens = llm_usage.total_tokens + excluded.total_tokens,
                cost_usd = llm_usage.cost_usd + excluded.cost_usd,
                call_count = llm_usage.call_count + 1
            """).run()
    }

    public func totalDesktopCost(uid: String) async throws -> Double {
        try await database.withConnection { db in
            try await db.raw("""
                SELECT COALESCE(SUM(cost_usd), 0) AS total FROM llm_usage
                WHERE uid = \(bind: uid) AND bucket = \(bind: Self.primary) AND kind = 'desktop'
                """).first()?.decode(column: "total", as: Double.self) ?? 0
        }
    }

    public func featureSummary(uid: String, sinceDay: String) async throws -> [FeatureUsage] {
        try await database.withConnection { db in
            try await db.raw("""
                SELECT bucket, CAST(SUM(input_tokens) AS BIGINT) AS input, CAST(SUM(output_tokens) AS BIGINT) AS output,
                    CAST(SUM(call_count) AS BIGINT) AS calls
                FROM llm_usage WHERE uid = \(bind: uid) AND day >= \(bind: sinceDay) AND kind IN ('desktop', 'feature')
                GROUP BY bucket ORDER BY bucket
                """).all().map { row in
                FeatureUsage(feature: try row.decode(column: "bucket", as: String.self),
                             inputTokens: try row.decode(column: "input", as: Int64.self),
                             outputTokens: try row.decode(column: "output", as: Int64.self),
                             callCount: try row.decode(column: "calls", as: Int64.self))
            }
        }
    }

    public func dayRecords(uid: String) async throws -> [UsageDayRecord] {
        try await database.withConnection { db in
            try await db.raw("""
                SELECT * FROM llm_usage WHERE uid = \(bind: uid) ORDER BY day, bucket, model
                """).all().map { row in
                var counters = UsageIncrement()
                counters.inputTokens = try row.decode(column: "input_tokens", as: Int64.self)
                counters.outputTokens = try row.decode(column: "output_tokens", as: Int64.self)
                counters.cacheReadTokens = try row.decode(column: "cache_read_tokens", as: Int64.self)
                counters.cacheWriteTokens = try row.decode(column: "cache_write_tokens", as: Int64.self)
                counters.totalTokens = try row.decode(column: "total_tokens", as: Int64.self)
                counters.costUSD = try row.decode(column: "cost_usd", as: Double.self)
                return UsageDayRecord(day: try row.decode(column: "day", as: String.self),
                                      bucket: try row.decode(column: "bucket", as: String.self),
                                      model: try row.decode(column: "model", as: String.self),
                                      kind: try row.decode(column: "kind", as: String.self),
                                      counters: counters, callCount: try row.decode(column: "call_count", as: Int64.self))
            }
        }
    }

    public func recordQuestion(uid: String, key: String, now: Int64) async throws {
        try await database.withConnection { db in
            try await db.raw("""
                INSERT INTO usage_events (uid, event_key, kind, created_at)
                VALUES (\(bind: uid), \(bind: key), 'chat_question', \(bind: now))
                ON CONFLICT (uid, event_key) DO NOTHING
                """).run()
        }
    }

    public func questionsUsed(uid: String, since: Int64) async throws -> Int {
        try await database.withConnection { db in
            try await db.raw("""
                SELECT COUNT(*) AS n FROM usage_events
                WHERE uid = \(bind: uid) AND kind = 'chat_question' AND created_at >= \(bind: since)
                """).first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }
}
