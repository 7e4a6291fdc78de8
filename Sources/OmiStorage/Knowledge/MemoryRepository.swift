import Foundation
import SQLKit

/// Storage of memories and their search index (knowledge.md §5, §9). Every call is scoped to one uid.
public protocol MemoryRepository: Sendable {
    /// Non-rejected memories, `scoring` descending, then newest, then id.
    func list(uid: String, filter: MemoryFilter, limit: Int, offset: Int) async throws -> [MemoryRecord]
    func get(uid: String, id: String) async throws -> MemoryRecord?
    /// Stores each memory, or merges it into the stored row with the same id via `merge`; all or nothing.
    func upsert(uid: String, _ memories: [MemoryRecord],
                merge: @Sendable (_ stored: MemoryRecord, _ incoming: MemoryRecord) -> MemoryRecord) async throws -> [MemoryRecord]
    /// Applies `change` and writes the memory back; nil when the caller has no such memory.
    func update(uid: String, id: String, _ change: @Sendable (inout MemoryRecord) -> Void) async throws -> MemoryRecord?
    /// Applies `change` to every memory of the user that `matches`; returns how many changed.
    func updateAll(uid: String, matching: @Sendable (MemoryRecord) -> Bool,
                   _ change: @Sendable (inout MemoryRecord) -> Void) async throws -> Int
    /// Deletes the listed memories if all exist (else throws `notFound`), and their ids from the graph.
    func delete(uid: String, ids: [String]) async throws
    func deleteAll(uid: String) async throws
    /// Best matches of the terms over `content` (the last term a prefix), non-rejected only.
    func search(uid: String, terms: [String], limit: Int) async throws -> [MemoryRecord]
    /// Memories created at or after `since` (micros), for the plan's monthly counter (users.md §12.2).
    func createdCount(uid: String, since: Int64) async throws -> Int
}

public enum MemoryStoreError: Error, Equatable {
    case notFound
}

public struct SQLMemoryRepository: MemoryRepository {
    let database: Database

    public init(database: Database) { self.database = database }

    static let columns = """
        m.id, m.content, m.category, m.created_at, m.updated_at, m.conversation_id, m.reviewed, m.user_review, m.visibility,
        m.manually_added, m.source, m.confidence, m.source_app, m.context_summary, m.reasoning, m.current_activity,
        m.window_title, m.headline, m.input_device_name, m.is_read, m.is_dismissed, m.tags, m.edited
        """
    static let searchIndex = FullTextIndex(table: "memories", columns: ["content"])
    /// Memory writes of one user are serialised, so equal content from concurrent requests makes one row.
    static func lockKey(_ uid: String) -> [String] { ["memories:\(uid)"] }
    static let notRejected: SQLQueryString = "(m.user_review IS NULL OR m.user_review = \(bind: true))"

    public func list(uid: String, filter: MemoryFilter, limit: Int, offset: Int) async throws -> [MemoryRecord] {
        var q: SQLQueryString = "m.uid = \(bind: uid)"
        if !filter.includeRejected { q = q + " AND " + Self.notRejected }
        if let category = filter.category { q = q + " AND m.category = \(bind: category)" }
        if let visibility = filter.visibility { q = q + " AND m.visibility = \(bind: visibility)" }
        for tag in filter.tags {
            // Tags are stored as a JSON array; a tag matches as its exact JSON string, LIKE wildcards escaped.
            let pattern = "%" + Self.escapeLike(Self.jsonString(tag)) + "%"
            q = q + " AND m.tags LIKE \(bind: pattern) ESCAPE '\\'"
        }
        if !filter.includeDismissed { q = q + " AND m.is_dismissed = \(bind: false)" }
        if let from = filter.createdFrom { q = q + " AND m.created_at >= \(bind: from)" }
        if let to = filter.createdTo { q = q + " AND m.created_at <= \(bind: to)" }
        let condition = q
        return try await database.withConnection { db in
            try await db.raw("""
                SELECT \(unsafeRaw: Self.columns) FROM memories m WHERE \(condition)
                ORDER BY m.scoring DESC, m.created_at DESC, m.id ASC LIMIT \(bind: limit) OFFSET \(bind: offset)
                """).all().map(Self.record)
        }
    }

    public func get(uid: String, id: String) async throws -> MemoryRecord? {
        try await database.withConnection { db in try await Self.fetch(db, uid: uid, id: id) }
    }

    static func fetch(_ db: any SQLDatabase, uid: String, id: String) async throws -> MemoryRecord? {
        try await db.raw("SELECT \(unsafeRaw: columns) FROM memories m WHERE m.uid = \(bind: uid) AND m.id = \(bind: id)")
            .first().map(record)
    }

    public func upsert(uid: String, _ memories: [MemoryRecord],
                       merge: @Sendable (MemoryRecord, MemoryRecord) -> MemoryRecord) async throws -> [MemoryRecord] {
        let kind = database.kind
        return try await database.transaction(lockKeys: Self.lockKey(uid)) { db in
            var written: [MemoryRecord] = []
            for memory in memories {
                if let stored = try await Self.fetch(db, uid: uid, id: memory.id) {
                    let merged = merge(stored, memory)
                    try await Self.write(db, kind: kind, uid: uid, merged)
                    written.append(merged)
                } else {
                    try await Self.insert(db, kind: kind, uid: uid, memory)
                    written.append(memory)
                }
            }
            return written
        }
    }

    public func update(uid: String, id: String, _ change: @Sendable (inout MemoryRecord) -> Void) async throws -> MemoryRecord? {
        let kind = database.kind
        return try await database.transaction(lockKeys: Self.lockKey(uid)) { db in
            guard var memory = try await Self.fetch(db, uid: uid, id: id) else { return nil }
            change(&memory)
            try await Self.write(db, kind: kind, uid: uid, memory)
            return memory
        }
    }

    public func updateAll(uid: String, matching: @Sendable (MemoryRecord) -> Bool,
                          _ change: @Sendable (inout MemoryRecord) -> Void) async throws -> Int {
        let kind = database.kind
        return try await database.transaction(lockKeys: Self.lockKey(uid)) { db in
            let all = try await db.raw("SELECT \(unsafeRaw: Self.columns) FROM memories m WHERE m.uid = \(bind: uid)")
                .all().map(Self.record)
            var count = 0
            for var memory in all where matching(memory) {
                change(&memory)
                try await Self.write(db, kind: kind, uid: uid, memory, reindex: false)
                count += 1
            }
            return count
        }
    }

    public func delete(uid: String, ids: [String]) async throws {
        let kind = database.kind
        try await database.transaction(lockKeys: Self.lockKey(uid)) { db in
            for id in ids where try await Self.fetch(db, uid: uid, id: id) == nil { throw MemoryStoreError.notFound }
            guard !ids.isEmpty else { return }
            try await Self.searchIndex.remove(db, kind: kind, where: "uid = \(bind: uid) AND id IN (\(binds: ids))")
            try await db.raw("DELETE FROM memories WHERE uid = \(bind: uid) AND id IN (\(binds: ids))").run()
            try await GraphSQL.forget(db, uid: uid, memoryIds: Set(ids))
        }
    }

    public func deleteAll(uid: String) async throws {
        let kind = database.kind
        try await database.transaction(lockKeys: Self.lockKey(uid)) { db in
            let ids = Set(try await db.raw("SELECT id FROM memories WHERE uid = \(bind: uid)").all()
                .map { try $0.decode(column: "id", as: String.self) })
            try await Self.searchIndex.remove(db, kind: kind, where: "uid = \(bind: uid)")
            try await db.raw("DELETE FROM memories WHERE uid = \(bind: uid)").run()
            try await GraphSQL.forget(db, uid: uid, memoryIds: ids)
        }
    }

    public func createdCount(uid: String, since: Int64) async throws -> Int {
        try await database.withConnection { db in
            try await db.raw("SELECT COUNT(*) AS n FROM memories WHERE uid = \(bind: uid) AND created_at >= \(bind: since)")
                .first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    public func search(uid: String, terms: [String], limit: Int) async throws -> [MemoryRecord] {
        let kind = database.kind
        return try await database.withConnection { db in
            let (from, rank) = Self.searchIndex.search(kind: kind, alias: "m", terms: terms, weights: "1.0")
            return try await db.raw("""
                SELECT \(unsafeRaw: Self.columns) FROM \(from) m.uid = \(bind: uid) AND \(Self.notRejected)
                ORDER BY \(rank), m.created_at DESC, m.id ASC LIMIT \(bind: limit)
                """).all().map(Self.record)
        }
    }

    static func insert(_ db: any SQLDatabase, kind: DatabaseKind, uid: String, _ m: MemoryRecord) async throws {
        try await db.raw("""
            INSERT INTO memories (uid, id, content, category, created_at, updated_at, scoring, visibility, tags)
            VALUES (\(bind: uid), \(bind: m.id), \(bind: m.content), \(bind: m.category), \(bind: m.createdAt),
                    \(bind: m.updatedAt), \(bind: m.scoring), \(bind: m.visibility), '[]')
            """).run()
        try await write(db, kind: kind, uid: uid, m)
    }

    static func write(_ db: any SQLDatabase, kind: DatabaseKind, uid: String, _ m: MemoryRecord,
                      reindex: Bool = true) async throws {
        try await db.raw("""
            UPDATE memories SET content = \(bind: m.content), category = \(bind: m.category),
                updated_at = \(bind: m.updatedAt), scoring = \(bind: m.scoring), conversation_id = \(bind: m.conversationId),
                reviewed = \(bind: m.reviewed), user_review = \(bind: m.userReview), visibility = \(bind: m.visibility),
                manually_added = \(bind: m.manuallyAdded), source = \(bind: m.source), confidence = \(bind: m.confidence),
                source_app = \(bind: m.sourceApp), context_summary = \(bind: m.contextSummary),
                reasoning = \(bind: m.reasoning), current_activity = \(bind: m.currentActivity),
                window_title = \(bind: m.windowTitle), headline = \(bind: m.headline),
                input_device_name = \(bind: m.inputDeviceName), is_read = \(bind: m.isRead),
                is_dismissed = \(bind: m.isDismissed), tags = \(bind: jsonArray(m.tags)), edited = \(bind: m.edited)
            WHERE uid = \(bind: uid) AND id = \(bind: m.id)
            """).run()
        if reindex { try await searchIndex.write(db, kind: kind, uid: uid, id: m.id, texts: [SearchText.indexed(m.content)]) }
    }

    static func record(_ row: any SQLRow) throws -> MemoryRecord {
        var m = MemoryRecord(id: try row.decode(column: "id", as: String.self),
                             content: try row.decode(column: "content", as: String.self),
                             category: try row.decode(column: "category", as: String.self),
                             createdAt: try row.decode(column: "created_at", as: Int64.self))
        m.updatedAt = try row.decode(column: "updated_at", as: Int64.self)
        m.conversationId = try row.decode(column: "conversation_id", as: String?.self)
        m.reviewed = try row.decode(column: "reviewed", as: Bool.self)
        m.userReview = try row.decode(column: "user_review", as: Bool?.self)
        m.visibility = try row.decode(column: "visibility", as: String.self)
        m.manuallyAdded = try row.decode(column: "manually_added", as: Bool.self)
        m.source = try row.decode(column: "source", as: String?.self)
        m.confidence = try row.decode(column: "confidence", as: Double?.self)
        m.sourceApp = try row.decode(column: "source_app", as: String?.self)
        m.contextSummary = try row.decode(column: "context_summary", as: String?.self)
        m.reasoning = try row.decode(column: "reasoning", as: String?.self)
        m.currentActivity = try row.decode(column: "current_activity", as: String?.self)
        m.windowTitle = try row.decode(column: "window_title", as: String?.self)
        m.headline = try row.decode(column: "headline", as: String?.self)
        m.inputDeviceName = try row.decode(column: "input_device_name", as: String?.self)
        m.isRead = try row.decode(column: "is_read", as: Bool.self)
        m.isDismissed = try row.decode(column: "is_dismissed", as: Bool.self)
        m.tags = (try? JSONDecoder().decode([String].self, from: Data(try row.decode(column: "tags", as: String.self).utf8))) ?? []
        m.edited = try row.decode(column: "edited", as: Bool.self)
        return m
    }

    static func jsonArray(_ values: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(values)) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func jsonString(_ value: String) -> String {
        String(decoding: (try? JSONEncoder().encode(value)) ?? Data(#""""#.utf8), as: UTF8.self)
    }

    static func escapeLike(_ text: String) -> String {
        SQLActionItemRepository.escapeLike(text)
    }
}
