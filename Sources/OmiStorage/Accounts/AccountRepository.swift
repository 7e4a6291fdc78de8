import SQLKit

/// What remains of a deleted account (users.md §15.2).
public struct TombstoneRecord: Sendable, Equatable {
    public enum Status: String, Sendable {
        case running, wiped, completed, cancelled
    }

    public var status: Status
    public var requestedAt: Int64
    public var completedAt: Int64?
}

/// Account deletion: every row a user owns, in every table, goes in one transaction (users.md §15).
public protocol AccountRepository: Sendable {
    func tombstone(uid: String) async throws -> TombstoneRecord?
    /// Runs the deletion unless one already runs, or ran for a token issued no later than `issuedAt` (a retry), and
    /// returns the tombstone, `wiped` when it ran now. A deletion finished before `issuedAt` was an earlier account of
    /// the uid (users.md §15.2), so this one runs.
    func deleteAccount(uid: String, issuedAt: Int64, now: Int64, reason: String?,
                       reasonDetails: String?) async throws -> TombstoneRecord
    /// The uids of `wiped` deletions asked for before `requestedBefore`, oldest first: those whose final pass is due.
    func deletionsToFinish(requestedBefore: Int64, limit: Int) async throws -> [String]
    /// The final pass of a deletion (users.md §15.1 steps 5–6): removes once more every row of the uid, which a
    /// request or job admitted before the tombstone can have written after the first wipe, and sets `completed`.
    /// Only a `wiped` tombstone is finished, so instances racing for the same uid finish it once.
    func finishDeletion(uid: String, now: Int64) async throws -> TombstoneRecord?
}

public struct SQLAccountRepository: AccountRepository {
    let database: Database

    public init(database: Database) { self.database = database }

    public func tombstone(uid: String) async throws -> TombstoneRecord? {
        try await database.withConnection { db in try await Self.fetch(db, uid: uid) }
    }

    static func fetch(_ db: any SQLDatabase, uid: String) async throws -> TombstoneRecord? {
        guard let row = try await db.raw("""
            SELECT status, requested_at, completed_at FROM account_tombstones WHERE deleted_uid = \(bind: uid)
            """).first() else { return nil }
        return TombstoneRecord(
            status: TombstoneRecord.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .running,
            requestedAt: try row.decode(column: "requested_at", as: Int64.self),
            completedAt: try row.decode(column: "completed_at", as: Int64?.self))
    }

    public func deleteAccount(uid: String, issuedAt: Int64, now: Int64, reason: String?,
                              reasonDetails: String?) async throws -> TombstoneRecord {
        // Step 1: the tombstone fences the uid before anything is removed; a deletion already under way is answered.
        let existing = try await database.transaction(lockKeys: ["account:\(uid)"]) { db -> TombstoneRecord? in
            if let stored = try await Self.fetch(db, uid: uid), stored.status != .cancelled,
               stored.status == .running || issuedAt <= stored.requestedAt { return stored }
            try await db.raw("DELETE FROM account_tombstones WHERE deleted_uid = \(bind: uid)").run()
            try await db.raw("""
                INSERT INTO account_tombstones (deleted_uid, status, requested_at, reason, reason_details)
                VALUES (\(bind: uid), 'running', \(bind: now), \(bind: reason), \(bind: reasonDetails))
                """).run()
            return nil
        }
        if let existing { return existing }
        let kind = database.kind
        try await database.transaction(lockKeys: ["account:\(uid)"]) { db in
            try await Self.wipe(db, uid: uid, kind: kind)
            try await db.raw("""
                UPDATE account_tombstones SET status = 'wiped' WHERE deleted_uid = \(bind: uid)
                """).run()
        }
        // Steps 5–6 wait for `finishDeletion`: this server stores no files, but a request admitted before the tombstone
        // may still write, and only a second pass after it has finished leaves the uid with no row.
        return TombstoneRecord(status: .wiped, requestedAt: now)
    }

    public func deletionsToFinish(requestedBefore: Int64, limit: Int) async throws -> [String] {
        try await database.withConnection { db in
            try await db.raw("""
                SELECT deleted_uid FROM account_tombstones WHERE status = 'wiped' AND requested_at < \(bind: requestedBefore)
                ORDER BY requested_at LIMIT \(bind: limit)
                """).all().map { try $0.decode(column: "deleted_uid", as: String.self) }
        }
    }

    public func finishDeletion(uid: String, now: Int64) async throws -> TombstoneRecord? {
        let kind = database.kind
        return try await database.transaction(lockKeys: ["account:\(uid)"]) { db -> TombstoneRecord? in
            guard var stored = try await Self.fetch(db, uid: uid) else { return nil }
            guard stored.status == .wiped else { return stored }
            try await Self.wipe(db, uid: uid, kind: kind)
            try await db.raw("""
                UPDATE account_tombstones SET status = 'completed', completed_at = \(bind: now)
                WHERE deleted_uid = \(bind: uid)
                """).run()
            stored.status = .completed
            stored.completedAt = now
            return stored
        }
    }

    /// Step 4: every row of the uid in every table with a `uid` column, found in the schema itself, so a table added
    /// later is included.
    static func wipe(_ db: any SQLDatabase, uid: String, kind: DatabaseKind) async throws {
        let tables = try await userTables(db, kind: kind)
        // Every user's enablements and reviews of this user's persona go with it (apps.md §5).
        if let persona = try await db.raw("SELECT id FROM personas WHERE uid = \(bind: uid)").first()?
            .decode(column: "id", as: String.self) {
            try await SQLAppsRepository.removeUses(db, personaId: persona)
        }
        // Other users' acceptances of this user's task shares go with the shares.
        try await db.raw("""
            DELETE FROM task_share_acceptances WHERE token IN (SELECT token FROM task_shares WHERE uid = \(bind: uid))
            """).run()
        for table in tables {
            if kind == .sqlite, try await hasTable(db, "\(table)_fts") {
                try await FullTextIndex(table: table, columns: []).remove(db, kind: kind, where: "uid = \(bind: uid)")
            }
            try await db.raw("DELETE FROM \(ident: table) WHERE uid = \(bind: uid)").run()
        }
    }

    /// The tables holding a `uid` column: every table with per-user rows.
    public static func userTables(_ db: any SQLDatabase, kind: DatabaseKind) async throws -> [String] {
        switch kind {
        case .postgres:
            return try await db.raw("""
                SELECT table_name FROM information_schema.columns
                WHERE column_name = 'uid' AND table_schema = current_schema() ORDER BY table_name
                """).all().map { try $0.decode(column: "table_name", as: String.self) }
        case .sqlite:
            var tables: [String] = []
            for name in try await allTables(db, kind: kind) {
                let columns = try await db.raw("SELECT name FROM pragma_table_info(\(bind: name))").all()
                    .map { try $0.decode(column: "name", as: String.self) }
                if columns.contains("uid") { tables.append(name) }
            }
            return tables
        }
    }

    /// Every table of the schema (SQLite's own and FTS shadow tables included).
    public static func allTables(_ db: any SQLDatabase, kind: DatabaseKind) async throws -> [String] {
        switch kind {
        case .postgres:
            return try await db.raw("""
                SELECT table_name FROM information_schema.tables
                WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name
                """).all().map { try $0.decode(column: "table_name", as: String.self) }
        case .sqlite:
            return try await db.raw("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all()
                .map { try $0.decode(column: "name", as: String.self) }
        }
    }

    static func hasTable(_ db: any SQLDatabase, _ name: String) async throws -> Bool {
        try await db.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name = \(bind: name)").first() != nil
    }
}
