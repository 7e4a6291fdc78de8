import SQLKit

/// The staged-task repository over SQL that runs unchanged on SQLite and PostgreSQL.
public struct SQLStagedTaskRepository: StagedTaskRepository {
    let database: Database

    public init(database: Database) { self.database = database }

    static let columns = "id, description, created_at, updated_at, due_at, source, priority, metadata, category, relevance_score"
    /// Best first (tasks.md §2.2).
    static let order = "ORDER BY CASE WHEN relevance_score IS NULL THEN 1 ELSE 0 END ASC, relevance_score ASC, created_at DESC, id ASC"

    public func createDeduplicated(uid: String, task: StagedTaskRecord) async throws -> StagedTaskRecord {
        let norm = TaskText.normalized(task.description)
        return try await database.transaction(lockKeys: ActionItemSQL.lockKey(uid)) { db in
            if let existing = try await db.raw("""
                SELECT \(unsafeRaw: Self.columns) FROM staged_tasks WHERE uid = \(bind: uid) AND description_norm = \(bind: norm)
                ORDER BY created_at ASC, id ASC LIMIT 1
                """).first() {
                return try Self.record(existing)
            }
            try await db.raw("""
                INSERT INTO staged_tasks (uid, description_norm, \(unsafeRaw: Self.columns))
                VALUES (\(bind: uid), \(bind: norm), \(bind: task.id), \(bind: task.description), \(bind: task.createdAt),
                        \(bind: task.updatedAt), \(bind: task.dueAt), \(bind: task.source), \(bind: task.priority),
                        \(bind: task.metadata), \(bind: task.category), \(bind: task.relevanceScore))
                """).run()
            return task
        }
    }

    public func list(uid: String, limit: Int, offset: Int) async throws -> Page<StagedTaskRecord> {
        let rows = try await database.withConnection { db in
            try await Self.top(db, uid: uid, limit: limit + 1, offset: offset)
        }
        return Page(items: Array(rows.prefix(limit)), hasMore: rows.count > limit)
    }

    static func top(_ db: any SQLDatabase, uid: String, limit: Int, offset: Int = 0) async throws -> [StagedTaskRecord] {
        try await db.raw("""
            SELECT \(unsafeRaw: columns) FROM staged_tasks WHERE uid = \(bind: uid)
            \(unsafeRaw: order) LIMIT \(bind: limit) OFFSET \(bind: offset)
            """).all().map(record)
    }

    public func delete(uid: String, id: String) async throws {
        try await database.transaction(lockKeys: ActionItemSQL.lockKey(uid)) { db in
            try await db.raw("DELETE FROM staged_tasks WHERE uid = \(bind: uid) AND id = \(bind: id)").run()
        }
    }

    public func deleteAll(uid: String) async throws -> Int {
        try await database.transaction(lockKeys: ActionItemSQL.lockKey(uid)) { db in
            try await db.raw("DELETE FROM staged_tasks WHERE uid = \(bind: uid) RETURNING id").all().count
        }
    }

    public func setScores(uid: String, scores: [(id: String, score: Int64)], now: Int64) async throws {
        guard !scores.isEmpty else { return }
        try await database.transaction(lockKeys: ActionItemSQL.lockKey(uid)) { db in
            for entry in scores {
                try await db.raw("""
                    UPDATE staged_tasks SET relevance_score = \(bind: entry.score), updated_at = \(bind: now)
                    WHERE uid = \(bind: uid) AND id = \(bind: entry.id)
                    """).run()
            }
        }
    }

    public func promoteBest(uid: String, now: Int64, cap: Int, scan: Int) async throws -> PromotionOutcome {
        try await database.transaction(lockKeys: ActionItemSQL.lockKey(uid)) { db in
            let active = try await db.raw("""
                SELECT COUNT(*) AS n FROM action_items WHERE uid = \(bind: uid) AND from_staged = \(bind: true)
                    AND completed = \(bind: false) AND deleted = \(bind: false)
                """).first()?.decode(column: "n", as: Int.self) ?? 0
            if active >= cap { return .capReached(active: active) }
            let candidates = try await Self.top(db, uid: uid, limit: scan)
            if candidates.isEmpty { return .nothingStaged }
            var seen = Set(try await db.raw("""
                SELECT description_norm FROM action_items WHERE uid = \(bind: uid) AND completed = \(bind: false)
                    AND deleted = \(bind: false)
                """).all().map { try $0.decode(column: "description_norm", as: String.self) })
            var selected: StagedTaskRecord?
            var duplicates: [String] = []
            for candidate in candidates {
                let norm = TaskText.normalized(candidate.description)
                if seen.contains(norm) {
                    duplicates.append(candidate.id)
                } else {
                    seen.insert(norm)
                    if selected == nil { selected = candidate } else { continue }
                }
            }
            if !duplicates.isEmpty {
                try await db.raw("DELETE FROM staged_tasks WHERE uid = \(bind: uid) AND id IN (\(binds: duplicates))").run()
            }
            guard let selected else { return .allDuplicates }
            return .promoted(try await Self.promote(db, uid: uid, selected, now: now))
        }
    }

    public func promote(uid: String, id: String, now: Int64) async throws -> ActionItemRecord? {
        try await database.transaction(lockKeys: ActionItemSQL.lockKey(uid)) { db in
            guard let row = try await db.raw("""
                SELECT \(unsafeRaw: Self.columns) FROM staged_tasks WHERE uid = \(bind: uid) AND id = \(bind: id)
                """).first() else { return nil }
            let staged = try Self.record(row)
            if let existing = try await ActionItemSQL.findActive(db, uid: uid, norm: TaskText.normalized(staged.description)) {
                try await db.raw("DELETE FROM staged_tasks WHERE uid = \(bind: uid) AND id = \(bind: id)").run()
                return existing
            }
            return try await Self.promote(db, uid: uid, staged, now: now)
        }
    }

    /// Steps 6–7 of tasks.md §2.6: the suggestion becomes a task and leaves the staging area.
    static func promote(_ db: any SQLDatabase, uid: String, _ staged: StagedTaskRecord, now: Int64) async throws -> ActionItemRecord {
        var task = ActionItemRecord(description: staged.description, createdAt: now)
        task.dueAt = staged.dueAt
        task.source = staged.source
        task.priority = staged.priority
        task.metadata = staged.metadata
        task.category = staged.category
        task.relevanceScore = staged.relevanceScore
        task.fromStaged = true
        try await ActionItemSQL.insert(db, uid: uid, task)
        try await db.raw("DELETE FROM staged_tasks WHERE uid = \(bind: uid) AND id = \(bind: staged.id)").run()
        return task
    }

    static func record(_ row: any SQLRow) throws -> StagedTaskRecord {
        var r = StagedTaskRecord(id: try row.decode(column: "id", as: String.self),
                                 description: try row.decode(column: "description", as: String.self),
                                 createdAt: try row.decode(column: "created_at", as: Int64.self))
        r.updatedAt = try row.decode(column: "updated_at", as: Int64.self)
        r.dueAt = try row.decode(column: "due_at", as: Int64?.self)
        r.source = try row.decode(column: "source", as: String?.self)
        r.priority = try row.decode(column: "priority", as: String?.self)
        r.metadata = try row.decode(column: "metadata", as: String?.self)
        r.category = try row.decode(column: "category", as: String?.self)
        r.relevanceScore = try row.decode(column: "relevance_score", as: Int64?.self)
        return r
    }
}
