import SQLKit

/// Users come into existence on first use (conventions.md §3.4).
public protocol UserRepository: Sendable {
    /// Creates the user's record if it does not exist yet; copies `email` and `name` only into a new record.
    func ensureUser(uid: String, email: String?, name: String?, now: Int64) async throws
    func displayName(uid: String) async throws -> String?
}

public struct SQLUserRepository: UserRepository {
    let database: Database

    public init(database: Database) { self.database = database }

    public func ensureUser(uid: String, email: String?, name: String?, now: Int64) async throws {
        try await database.transaction { db in
            try await db.raw("""
                INSERT INTO users (uid, created_at, email, name) VALUES (\(bind: uid), \(bind: now), \(bind: email), \(bind: name))
                ON CONFLICT (uid) DO NOTHING
                """).run()
        }
    }

    public func displayName(uid: String) async throws -> String? {
        try await database.withConnection { db in
            try await db.raw("SELECT name FROM users WHERE uid = \(bind: uid)").first()?.decode(column: "name", as: String?.self)
        }
    }
}
