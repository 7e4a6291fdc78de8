import SQLKit

/// Storage of conversations and their search index (knowledge.md §3, §9). Every call is scoped to one uid.
public protocol ConversationRepository: Sendable {
    /// Newest first (`created_at`, then `id`, descending).
    func list(uid: String, filter: ConversationFilter, limit: Int, offset: Int) async throws -> [ConversationRecord]
    func count(uid: String, filter: ConversationFilter) async throws -> Int
    func get(uid: String, id: String) async throws -> ConversationRecord?
    /// Every term must match, the last as a prefix; best first, then newest. Returns a page and the total.
    func search(uid: String, terms: [String], filter: ConversationFilter, limit: Int,
                offset: Int) async throws -> (items: [ConversationRecord], total: Int)
    /// Deletes the conversation and its index entry; with `cascade`, also the tasks and memories that name it.
    func delete(uid: String, id: String, cascade: Bool) async throws
    /// A conversation of any user whose visibility is `shared` or `public` (the unauthenticated share route).
    func shared(id: String) async throws -> ConversationRecord?
    /// Runs `body` in one transaction that holds the user's conversation lock.
    func atomically<T: Sendable>(uid: String, _ body: @Sendable (ConversationTransaction) async throws -> T) async throws -> T
    /// Conversations of any user in `processing` and not updated since `before`, oldest first: work a stopped server
    /// never finished. The one call not scoped to a uid; it serves the server's own sweep, never a request.
    func staleProcessing(before: Int64, limit: Int) async throws -> [ConversationRef]
}

/// A conversation by its owner and id; only the repository makes one.
public struct ConversationRef: Sendable, Hashable {
    public let uid: String
    public let id: String
}

/// The operations available inside `ConversationRepository.atomically`, all on one connection and transaction.
public struct ConversationTransaction: Sendable {
    let db: any SQLDatabase
    let kind: DatabaseKind
    public let uid: String

    public func get(_ id: String) async throws -> ConversationRecord? {
        try await ConversationSQL.fetch(db, uid: uid, id: id)
    }

    public func insert(_ record: ConversationRecord) async throws {
        try await ConversationSQL.insert(db, kind: kind, uid: uid, record)
    }

    public func save(_ record: ConversationRecord) async throws {
        try await ConversationSQL.write(db, kind: kind, uid: uid, record)
    }

    public func delete(_ id: String) async throws {
        try await ConversationSQL.delete(db, kind: kind, uid: uid, id: id)
    }

    /// The newest conversation still being recorded, if any.
    public func newestInProgress() async throws -> ConversationRecord? {
        try await db.raw("""
            SELECT \(unsafeRaw: ConversationSQL.columns) FROM conversations c
            WHERE c.uid = \(bind: uid) AND c.status = 'in_progress' ORDER BY c.created_at DESC, c.id DESC LIMIT 1
            """).first().map(ConversationSQL.record)
    }

    public func folderExists(_ id: String) async throws -> Bool {
        try await db.raw("SELECT id FROM folders WHERE uid = \(bind: uid) AND id = \(bind: id)").first() != nil
    }

    /// Points the tasks and memories of the given conversations at another one (merge, knowledge.md §3.9).
    public func relink(from ids: [String], to id: String) async throws {
        guard !ids.isEmpty else { return }
        for table in ["action_items", "memories"] {
            try await db.raw("""
                UPDATE \(unsafeRaw: table) SET conversation_id = \(bind: id)
                WHERE uid = \(bind: uid) AND conversation_id IN (\(binds: ids))
                """).run()
        }
    }
}

public struct SQLConversationRepository: ConversationRepository {
    let database: Database

    public init(database: Database) { self.database = database }

    public func list(uid: String, filter: ConversationFilter, limit: Int, offset: Int) async throws -> [ConversationRecord] {
        try await database.withConnection { db in
            try await db.raw("""
                SELECT \(unsafeRaw: ConversationSQL.columns) FROM conversations c
                WHERE \(ConversationSQL.condition(uid: uid, filter))
                ORDER BY c.created_at DESC, c.id DESC LIMIT \(bind: limit) OFFSET \(bind: offset)
                """).all().map(ConversationSQL.record)
        }
    }

    public func count(uid: String, filter: ConversationFilter) async throws -> Int {
        try await database.withConnection { db in
            try await db.raw("""
                SELECT COUNT(*) AS n FROM conversations c WHERE \(ConversationSQL.condition(uid: uid, filter))
                """).first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    public func get(uid: String, id: String) async throws -> ConversationRecord? {
        try await database.withConnection { db in try await ConversationSQL.fetch(db, uid: uid, id: id) }
    }

    public func search(uid: String, terms: [String], filter: ConversationFilter, limit: Int,
                       offset: Int) async throws -> (items: [ConversationRecord], total: Int) {
        let condition = ConversationSQL.condition(uid: uid, filter)
        let kind = database.kind
        return try await database.withConnection { db in
            let (from, rank) = ConversationSQL.searchIndex.search(kind: kind, alias: "c", terms: terms,
                                                                   weights: "10.0, 5.0, 1.0")
            let total = try await db.raw("SELECT COUNT(*) AS n FROM \(from) \(condition)").first()?
                .decode(column: "n", as: Int.self) ?? 0
            let rows = try await db.raw("""
                SELECT \(unsafeRaw: ConversationSQL.columns) FROM \(from) \(condition)
                ORDER BY \(rank), c.created_at DESC, c.id DESC LIMIT \(bind: limit) OFFSET \(bind: offset)
                """).all()
            return (try rows.map(ConversationSQL.record), total)
        }
    }

    public func shared(id: String) async throws -> ConversationRecord? {
        try await database.withConnection { db in
            try await db.raw("""
                SELECT \(unsafeRaw: ConversationSQL.columns) FROM conversations c
                WHERE c.id = \(bind: id) AND c.visibility IN ('shared', 'public') LIMIT 1
                """).first().map(ConversationSQL.record)
        }
    }

    public func delete(uid: String, id: String, cascade: Bool) async throws {
        let kind = database.kind
        try await database.transaction(lockKeys: ConversationSQL.lockKey(uid)) { db in
            if cascade {
                try await db.raw("DELETE FROM action_items WHERE uid = \(bind: uid) AND conversation_id = \(bind: id)").run()
                let memoryIds = Set(try await db.raw("""
                    SELECT id FROM memories WHERE uid = \(bind: uid) AND conversation_id = \(bind: id)
                    """).all().map { try $0.decode(column: "id", as: String.self) })
                try await SQLMemoryRepository.searchIndex.remove(
                    db, kind: kind, where: "uid = \(bind: uid) AND conversation_id = \(bind: id)")
                try await db.raw("DELETE FROM memories WHERE uid = \(bind: uid) AND conversation_id = \(bind: id)").run()
                try await GraphSQL.forget(db, uid: uid, memoryIds: memoryIds)
            }
            try await ConversationSQL.delete(db, kind: kind, uid: uid, id: id)
        }
    }

    public func staleProcessing(before: Int64, limit: Int) async throws -> [ConversationRef] {
        try await database.withConnection { db in
            try await db.raw("""
                SELECT uid, id FROM conversations WHERE status = 'processing' AND updated_at < \(bind: before)
                ORDER BY updated_at LIMIT \(bind: limit)
                """).all().map {
                ConversationRef(uid: try $0.decode(column: "uid", as: String.self),
                                id: try $0.decode(column: "id", as: String.self))
            }
        }
    }

    public func atomically<T: Sendable>(uid: String,
                                        _ body: @Sendable (ConversationTransaction) async throws -> T) async throws -> T {
        let kind = database.kind
        return try await database.transaction(lockKeys: ConversationSQL.lockKey(uid)) { db in
            try await body(ConversationTransaction(db: db, kind: kind, uid: uid))
        }
    }
}
