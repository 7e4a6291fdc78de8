import Foundation
import SQLKit

/// Screen-activity rows (focus.md §2). Every call is scoped to one uid, except the retention purge.
public protocol ScreenActivityRepository: Sendable {
    /// Upserts a batch (distinct keys) in one statement: text fields replace, a row without an embedding keeps the
    /// stored one.
    func upsert(uid: String, _ rows: [ScreenRowRecord], now: Int64) async throws
    /// Rows not expired at `now`, by capture time then storage id.
    func list(uid: String, _ query: ScreenActivityQuery, now: Int64) async throws -> [ScreenRowRecord]
    /// Deletes every expired row of every user; returns how many.
    func purgeExpired(now: Int64, notBefore: Int64?) async throws -> Int
}

public struct SQLScreenActivityRepository: ScreenActivityRepository {
    /// When a row expires; a retention too long to represent never expires rather than trapping on overflow (a
    /// client once sent 2^63 - 2 seconds).
    static func expiry(capturedAt: Int64, retentionSeconds: Int64) -> Int64 {
        let (micros, overflow) = retentionSeconds.multipliedReportingOverflow(by: 1_000_000)
        if overflow { return .max }
        let (at, late) = capturedAt.addingReportingOverflow(micros)
        return late ? .max : at
    }

    let database: Database

    public init(database: Database) { self.database = database }

    /// One multi-row statement per batch: a batch is at most 100 rows, and the caller has already kept only the last
    /// occurrence of each key, so no row is touched twice by one statement.
    static let upsertStatement = RepeatedRowsStatement(
        head: """
            INSERT INTO screen_activity (uid, device_key, local_id, storage_id, captured_at, app_name, window_title,
                ocr_text, device_name, client_device_id, capture_eligible, account_generation, retention_seconds,
                expires_at, embedding, embedding_dim, created_at, updated_at)
            VALUES
            """,
        width: 18,
        tail: """
            ON CONFLICT (uid, device_key, local_id) DO UPDATE SET
                captured_at = excluded.captured_at, app_name = excluded.app_name,
                window_title = excluded.window_title, ocr_text = excluded.ocr_text,
                device_name = excluded.device_name, capture_eligible = excluded.capture_eligible,
                account_generation = excluded.account_generation,
                retention_seconds = excluded.retention_seconds, expires_at = excluded.expires_at,
                embedding = COALESCE(excluded.embedding, screen_activity.embedding),
                embedding_dim = COALESCE(excluded.embedding_dim, screen_activity.embedding_dim),
                updated_at = excluded.updated_at
            """)

    public func upsert(uid: String, _ rows: [ScreenRowRecord], now: Int64) async throws {
        guard !rows.isEmpty else { return }
        var binds: [SQLValue] = []
        binds.reserveCapacity(rows.count * Self.upsertStatement.width)
        // One value at a time: an array literal per row cost an allocation and a copy of every value.
        for r in rows {
            let expiresAt = r.retentionSeconds.map { Self.expiry(capturedAt: r.capturedAt, retentionSeconds: $0) }
            binds.append(SQLValue(uid))
            binds.append(SQLValue(r.deviceKey))
            binds.append(SQLValue(r.localId))
            binds.append(SQLValue(r.storageId))
            binds.append(SQLValue(r.capturedAt))
            binds.append(SQLValue(r.appName))
            binds.append(SQLValue(r.windowTitle))
            binds.append(SQLValue(r.ocrText))
            binds.append(SQLValue(r.deviceName))
            binds.append(SQLValue(r.clientDeviceId))
            binds.append(SQLValue(r.captureEligible))
            binds.append(SQLValue(r.accountGeneration))
            binds.append(SQLValue(r.retentionSeconds))
            binds.append(SQLValue(expiresAt))
            binds.append(SQLValue(r.embedding.map(EmbeddingBytes.encode)))
            binds.append(SQLValue(r.embedding?.count))
            binds.append(SQLValue(now))
            binds.append(SQLValue(now))
        }
        let statement = Self.upsertStatement(binds)
        try await database.transaction { db in try await db.run(statement) }
    }

    public func list(uid: String, _ query: ScreenActivityQuery, now: Int64) async throws -> [ScreenRowRecord] {
        let columns: SQLQueryString = query.includeEmbeddings ? "*" : """
            device_key, local_id, captured_at, app_name, window_title, ocr_text, device_name, capture_eligible,
            account_generation, retention_seconds
            """
        var q: SQLQueryString = "SELECT " + columns + " FROM screen_activity WHERE uid = \(bind: uid)"
        q = q + " AND (expires_at IS NULL OR expires_at > \(bind: now))"
        if let notBefore = query.notBefore { q = q + " AND captured_at >= \(bind: notBefore)" }
        if let from = query.from { q = q + " AND captured_at >= \(bind: from)" }
        if let to = query.to { q = q + " AND captured_at <= \(bind: to)" }
        if let app = query.appName { q = q + " AND app_name = \(bind: app)" }
        q = q + " ORDER BY captured_at, storage_id LIMIT \(bind: query.limit) OFFSET \(bind: query.offset)"
        let sql = q
        let withEmbeddings = query.includeEmbeddings
        return try await database.withConnection { db in
            try await db.raw(sql).all().map { row in
                ScreenRowRecord(
                    deviceKey: try row.decode(column: "device_key", as: String.self),
                    localId: try row.decode(column: "local_id", as: Int64.self),
                    capturedAt: try row.decode(column: "captured_at", as: Int64.self),
                    appName: try row.decode(column: "app_name", as: String.self),
                    windowTitle: try row.decode(column: "window_title", as: String.self),
                    ocrText: try row.decode(column: "ocr_text", as: String.self),
                    deviceName: try row.decode(column: "device_name", as: String?.self),
                    captureEligible: try row.decode(column: "capture_eligible", as: Bool.self),
                    accountGeneration: try row.decode(column: "account_generation", as: Int64.self),
                    retentionSeconds: try row.decode(column: "retention_seconds", as: Int64?.self),
                    embedding: withEmbeddings
                        ? try row.decode(column: "embedding", as: Data?.self).map(EmbeddingBytes.decode) : nil)
            }
        }
    }

    public func purgeExpired(now: Int64, notBefore: Int64?) async throws -> Int {
        try await database.withConnection { db in
            var count = try await db.raw("""
                DELETE FROM screen_activity WHERE expires_at IS NOT NULL AND expires_at <= \(bind: now) RETURNING uid
                """).all().count
            if let notBefore {
                count += try await db.raw("""
                    DELETE FROM screen_activity WHERE captured_at < \(bind: notBefore) RETURNING uid
                    """).all().count
            }
            return count
        }
    }
}
