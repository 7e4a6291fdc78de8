import SQLKit

extension Migrations {
    /// Version 13: admitted server-paid provider calls (platform.md §0 "Metering store"), one row per call with its
    /// units (1 per Gemini request, characters per speech request). A table rather than process memory, so several
    /// instances on one PostgreSQL count together; rows older than two days are purged as calls are admitted.
    static let meters = Migration(version: 13, name: "meter_events", statements: [
        """
        CREATE TABLE meter_events (
            scope TEXT NOT NULL,
            uid TEXT NOT NULL,
            at BIGINT NOT NULL,
            units BIGINT NOT NULL
        )
        """,
        "CREATE INDEX meter_events_window ON meter_events (scope, uid, at)",
    ])
}

/// What a limiter sees before it decides: the calls admitted in the rolling window, and today's calls and units.
public struct MeterUsage: Sendable, Equatable {
    public var windowCount: Int64
    public var dayCount: Int64
    public var dayUnits: Int64
    /// When the oldest call still inside the rolling window was admitted (nil when the window is empty), so a refusal
    /// can say exactly when a slot frees up.
    public var windowOldest: Int64?
}

public protocol MeterRepository: Sendable {
    /// Reads the usage of `scope` for `uid` and, when `decide` returns true, records the call with `units`, all under
    /// one lock per (scope, uid) so concurrent calls cannot both take the last slot. Only admitted calls are recorded.
    func admit(scope: String, uid: String, now: Int64, windowStart: Int64, dayStart: Int64, units: Int64,
               decide: @Sendable (MeterUsage) -> Bool) async throws -> (admitted: Bool, usage: MeterUsage)
}

public struct SQLMeterRepository: MeterRepository {
    let database: Database
    /// Rows older than this are no longer needed by any window or day.
    static let keepMicros: Int64 = 2 * 86_400_000_000

    public init(database: Database) { self.database = database }

    public func admit(scope: String, uid: String, now: Int64, windowStart: Int64, dayStart: Int64, units: Int64,
                      decide: @Sendable (MeterUsage) -> Bool) async throws -> (admitted: Bool, usage: MeterUsage) {
        try await database.transaction(lockKeys: ["meter:\(scope):\(uid)"]) { db in
            let since = min(windowStart, dayStart)
            // PostgreSQL sums a BIGINT column as NUMERIC, which does not decode as Int64; the cast keeps both engines alike.
            let row = try await db.raw("""
                SELECT
                    COALESCE(SUM(CASE WHEN at > \(bind: windowStart) THEN 1 ELSE 0 END), 0) AS window_count,
                    COALESCE(SUM(CASE WHEN at >= \(bind: dayStart) THEN 1 ELSE 0 END), 0) AS day_count,
                    CAST(COALESCE(SUM(CASE WHEN at >= \(bind: dayStart) THEN units ELSE 0 END), 0) AS BIGINT) AS day_units,
                    MIN(CASE WHEN at > \(bind: windowStart) THEN at END) AS window_oldest
                FROM meter_events WHERE scope = \(bind: scope) AND uid = \(bind: uid) AND at >= \(bind: since)
                """).first()
            let usage = MeterUsage(
                windowCount: try row?.decode(column: "window_count", as: Int64.self) ?? 0,
                dayCount: try row?.decode(column: "day_count", as: Int64.self) ?? 0,
                dayUnits: try row?.decode(column: "day_units", as: Int64.self) ?? 0,
                windowOldest: try row?.decode(column: "window_oldest", as: Int64?.self) ?? nil)
            guard decide(usage) else { return (false, usage) }
            try await db.raw("""
                INSERT INTO meter_events (scope, uid, at, units)
                VALUES (\(bind: scope), \(bind: uid), \(bind: now), \(bind: units))
                """).run()
            try await db.raw("""
                DELETE FROM meter_events
                WHERE scope = \(bind: scope) AND uid = \(bind: uid) AND at < \(bind: now - Self.keepMicros)
                """).run()
            return (true, usage)
        }
    }
}
