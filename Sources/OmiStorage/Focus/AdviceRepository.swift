import SQLKit

/// Advice items (focus.md §3). Every call is scoped to one uid.
public protocol AdviceRepository: Sendable {
    func create(uid: String, _ advice: AdviceRecord) async throws
    /// Newest first; dismissed items only when asked.
    func list(uid: String, category: String?, includeDismissed: Bool, limit: Int, offset: Int) async throws -> [AdviceRecord]
    /// Sets the sent flags and `updated_at`; nil when the caller has no such item.
    func update(uid: String, id: String, isRead: Bool?, isDismissed: Bool?, now: Int64) async throws -> AdviceRecord?
    /// False when the caller has no such item.
    func delete(uid: String, id: String) async throws -> Bool
    /// Marks every unread item read and returns how many changed.
    func markAllRead(uid: String, now: Int64) async throws -> Int
}

public struct SQLAdviceRepository: AdviceRepository {
    let database: Database

    public init(database: Database) { self.database = database }

    public func create(uid: String, _ a: AdviceRecord) async throws {
        try await database.withConnection { db in
            try await db.raw("""
                INSERT INTO advice (uid, id, content, category, reasoning, source_app, confidence, context_summary,
                    current_activity, created_at, updated_at, is_read, is_dismissed)
                VALUES (\(bind: uid), \(bind: a.id), \(bind: a.content), \(bind: a.category), \(bind: a.reasoning),
                    \(bind: a.sourceApp), \(bind: a.confidence), \(bind: a.contextSummary), \(bind: a.currentActivity),
                    \(bind: a.createdAt), \(bind: a.updatedAt), \(bind: a.isRead), \(bind: a.isDismissed))
                """).run()
        }
    }

    public func list(uid: String, category: String?, includeDismissed: Bool, limit: Int,
                     offset: Int) async throws -> [AdviceRecord] {
        var q: SQLQueryString = "SELECT * FROM advice WHERE uid = \(bind: uid)"
        if let category { q = q + " AND category = \(bind: category)" }
        if !includeDismissed { q = q + " AND is_dismissed = \(bind: false)" }
        q = q + " ORDER BY created_at DESC, id DESC LIMIT \(bind: limit) OFFSET \(bind: offset)"
        let query = q
        return try await database.withConnection { db in try await db.raw(query).all().map(Self.record) }
    }

    public func update(uid: String, id: String, isRead: Bool?, isDismissed: Bool?, now: Int64) async throws -> AdviceRecord? {
        try await database.transaction(lockKeys: ["advice:\(uid)"]) { db in
            guard var record = try await db.raw("SELECT * FROM advice WHERE uid = \(bind: uid) AND id = \(bind: id)")
                .first().map(Self.record) else { return nil }
            record.isRead = isRead ?? record.isRead
            record.isDismissed = isDismissed ?? record.isDismissed
            // `updated_at` moves even when the clock has not since the last write.
            record.updatedAt = max(now, record.updatedAt + 1)
            try await db.raw("""
                UPDATE advice SET is_read = \(bind: record.isRead), is_dismissed = \(bind: record.isDismissed),
                    updated_at = \(bind: record.updatedAt)
                WHERE uid = \(bind: uid) AND id = \(bind: id)
                """).run()
            return record
        }
    }

    public func delete(uid: String, id: String) async throws -> Bool {
        try await database.withConnection { db in
            !(try await db.raw("DELETE FROM advice WHERE uid = \(bind: uid) AND id = \(bind: id) RETURNING id").all().isEmpty)
        }
    }

    public func markAllRead(uid: String, now: Int64) async throws -> Int {
        try await database.withConnection { db in
            try await db.raw("""
                UPDATE advice SET is_read = \(bind: true), updated_at = \(bind: now)
                WHERE uid = \(bind: uid) AND is_read = \(bind: false) RETURNING id
                """).all().count
        }
    }

    static func record(_ row: any SQLRow) throws -> AdviceRecord {
        var a = AdviceRecord(
            id: try row.decode(column: "id", as: String.self),
            content: try row.decode(column: "content", as: String.self),
            category: try row.decode(column: "category", as: String.self),
            reasoning: try row.decode(column: "reasoning", as: String?.self),
            sourceApp: try row.decode(column: "source_app", as: String?.self),
            confidence: try row.decode(column: "confidence", as: Double.self),
            contextSummary: try row.decode(column: "context_summary", as: String?.self),
            currentActivity: try row.decode(column: "current_activity", as: String?.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self))
        a.updatedAt = try row.decode(column: "updated_at", as: Int64.self)
        a.isRead = try row.decode(column: "is_read", as: Bool.self)
        a.isDismissed = try row.decode(column: "is_dismissed", as: Bool.self)
        return a
    }
}
