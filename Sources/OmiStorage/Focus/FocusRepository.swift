import SQLKit

/// Focus sessions (focus.md §1). Every call is scoped to one uid.
public protocol FocusRepository: Sendable {
    func create(uid: String, _ session: FocusSessionRecord) async throws
    /// Newest first (`created_at`, then `id`, descending), within `[from, to)` when given; `limit` nil means all.
    func list(uid: String, from: Int64?, to: Int64?, limit: Int?, offset: Int) async throws -> [FocusSessionRecord]
    /// Hard and idempotent; only the caller's row.
    func delete(uid: String, id: String) async throws
}

public struct SQLFocusRepository: FocusRepository {
    let database: Database

    public init(database: Database) { self.database = database }

    public func create(uid: String, _ s: FocusSessionRecord) async throws {
        try await database.withConnection { db in
            try await db.raw("""
                INSERT INTO focus_sessions (uid, id, status, app_or_site, description, message, created_at, duration_seconds)
                VALUES (\(bind: uid), \(bind: s.id), \(bind: s.status), \(bind: s.appOrSite), \(bind: s.description),
                    \(bind: s.message), \(bind: s.createdAt), \(bind: s.durationSeconds))
                """).run()
        }
    }

    public func list(uid: String, from: Int64?, to: Int64?, limit: Int?, offset: Int) async throws -> [FocusSessionRecord] {
        var q: SQLQueryString = "SELECT * FROM focus_sessions WHERE uid = \(bind: uid)"
        if let from { q = q + " AND created_at >= \(bind: from)" }
        if let to { q = q + " AND created_at < \(bind: to)" }
        q = q + " ORDER BY created_at DESC, id DESC"
        if let limit { q = q + " LIMIT \(bind: limit) OFFSET \(bind: offset)" }
        let query = q
        return try await database.withConnection { db in
            try await db.raw(query).all().map { row in
                FocusSessionRecord(
                    id: try row.decode(column: "id", as: String.self),
                    status: try row.decode(column: "status", as: String.self),
                    appOrSite: try row.decode(column: "app_or_site", as: String.self),
                    description: try row.decode(column: "description", as: String.self),
                    message: try row.decode(column: "message", as: String?.self),
                    createdAt: try row.decode(column: "created_at", as: Int64.self),
                    durationSeconds: try row.decode(column: "duration_seconds", as: Int64?.self))
            }
        }
    }

    public func delete(uid: String, id: String) async throws {
        try await database.withConnection { db in
            try await db.raw("DELETE FROM focus_sessions WHERE uid = \(bind: uid) AND id = \(bind: id)").run()
        }
    }
}
