import SQLKit

/// The task repository over SQL that runs unchanged on SQLite and PostgreSQL.
public struct SQLActionItemRepository: ActionItemRepository {
    let database: Database

    public init(database: Database) { self.database = database }

    public func list(uid: String, filter: ActionItemFilter, limit: Int, offset: Int) async throws -> Page<ActionItemRecord> {
        var condition: SQLQueryString = "uid = \(bind: uid) AND deleted = \(bind: filter.deleted)"
        if let completed = filter.completed { condition = condition + " AND completed = \(bind: completed)" }
        if let id = filter.conversationId { condition = condition + " AND conversation_id = \(bind: id)" }
        if let from = filter.createdFrom { condition = condition + " AND created_at >= \(bind: from)" }
        if let to = filter.createdTo { condition = condition + " AND created_at <= \(bind: to)" }
        if let from = filter.dueFrom { condition = condition + " AND due_at >= \(bind: from)" }
        if let to = filter.dueTo { condition = condition + " AND due_at <= \(bind: to)" }
        if let text = filter.text {
            // Matched against the normalised description, lower-cased the same way on both engines (SQLite's LOWER
            // folds ASCII only); LIKE wildcards in the text are escaped.
            let pattern = "%" + Self.escapeLike(text.lowercased()) + "%"
            condition = condition + " AND description_norm LIKE \(bind: pattern) ESCAPE '\\'"
        }
        let query = condition
        let rows = try await database.withConnection { db in
            try await db.raw("""
                SELECT \(unsafeRaw: ActionItemSQL.columns) FROM action_items WHERE \(query)
                \(unsafeRaw: ActionItemSQL.order) LIMIT \(bind: limit + 1) OFFSET \(bind: offset)
                """).all()
        }
        let items = try rows.prefix(limit).map(ActionItemSQL.record)
        return Page(items: items, hasMore: rows.count > limit)
    }

    static func escapeLike(_ text: String) -> String {
        var out = ""
        for c in text {
            if c == "%" || c == "_" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out
    }

    public func createIdempotent(uid: String, item: ActionItemRecord) async throws -> (ActionItemRecord, created: Bool) {
        try await database.transaction(lockKeys: ActionItemSQL.lockKey(uid)) { db in
            if let existing = try await ActionItemSQL.findActive(db, uid: uid, norm: TaskText.normalized(item.description)) {
                return (existing, false)
            }
            try await ActionItemSQL.insert(db, uid: uid, item)
            return (item, true)
        }
    }

    public func create(uid: String, items: [ActionItemRecord]) async throws {
        guard !items.isEmpty else { return }
        try await database.transaction(lockKeys: ActionItemSQL.lockKey(uid)) { db in
            for item in items { try await ActionItemSQL.insert(db, uid: uid, item) }
        }
    }

    public func get(uid: String, id: String) async throws -> ActionItemRecord? {
        try await database.withConnection { db in try await ActionItemSQL.fetch(db, uid: uid, id: id) }
    }

    public func update(uid: String, id: String,
                       _ change: @Sendable (inout ActionItemRecord) -> Void) async throws -> ActionItemRecord? {
        try await database.transaction(lockKeys: ActionItemSQL.lockKey(uid)) { db in
            guard var record = try await ActionItemSQL.fetch(db, uid: uid, id: id) else { return nil }
            change(&record)
            try await ActionItemSQL.write(db, uid: uid, record)
            return record
        }
    }

    public func delete(uid: String, id: String) async throws -> Bool {
        try await delete(uid: uid, ids: [id]) > 0
    }

    public func delete(uid: String, ids: [String]) async throws -> Int {
        try await database.transaction(lockKeys: ActionItemSQL.lockKey(uid)) { db in
            var count = 0
            for chunk in ids.chunked(500) {
                count += try await db.raw("""
                    DELETE FROM action_items WHERE uid = \(bind: uid) AND id IN (\(binds: Array(chunk))) RETURNING id
                    """).all().count
            }
            return count
        }
    }

    public func applyLayout(uid: String, entries: [LayoutEntry], now: Int64) async throws -> LayoutOutcome {
        try await database.transaction(lockKeys: ActionItemSQL.lockKey(uid)) { db in
            var outcome = LayoutOutcome()
            for entry in entries {
                guard entry.sortOrder != nil || entry.indentLevel != nil else {
                    outcome.noop.append(entry.id)
                    continue
                }
                var assignments: SQLQueryString = "updated_at = \(bind: now)"
                if let order = entry.sortOrder { assignments = assignments + ", sort_order = \(bind: order)" }
                if let level = entry.indentLevel { assignments = assignments + ", indent_level = \(bind: Int64(level))" }
                let rows = try await db.raw("""
                    UPDATE action_items SET \(assignments) WHERE uid = \(bind: uid) AND id = \(bind: entry.id) RETURNING id
                    """).all()
                if rows.isEmpty { outcome.missing.append(entry.id) } else { outcome.updated.append(entry.id) }
            }
            return outcome
        }
    }

    public func setScores(uid: String, scores: [(id: String, score: Int64)], now: Int64) async throws -> Int {
        try await database.transaction(lockKeys: ActionItemSQL.lockKey(uid)) { db in
            var count = 0
            for entry in scores {
                count += try await db.raw("""
                    UPDATE action_items SET relevance_score = \(bind: entry.score), updated_at = \(bind: now)
                    WHERE uid = \(bind: uid) AND id = \(bind: entry.id) RETURNING id
                    """).all().count
            }
            return count
        }
    }

    public func scoreCounts(uid: String, due: Range<Int64>, created: Range<Int64>) async throws -> ScoreCounts {
        try await database.withConnection { db in
            let row = try await db.raw("""
                SELECT COUNT(*) AS all_total,
                    COALESCE(SUM(CASE WHEN completed THEN 1 ELSE 0 END), 0) AS all_done,
                    COALESCE(SUM(CASE WHEN due_at >= \(bind: due.lowerBound) AND due_at < \(bind: due.upperBound)
                        THEN 1 ELSE 0 END), 0) AS due_total,
                    COALESCE(SUM(CASE WHEN completed AND due_at >= \(bind: due.lowerBound)
                        AND due_at < \(bind: due.upperBound) THEN 1 ELSE 0 END), 0) AS due_done,
                    COALESCE(SUM(CASE WHEN created_at >= \(bind: created.lowerBound)
                        AND created_at < \(bind: created.upperBound) THEN 1 ELSE 0 END), 0) AS created_total,
                    COALESCE(SUM(CASE WHEN completed AND created_at >= \(bind: created.lowerBound)
                        AND created_at < \(bind: created.upperBound) THEN 1 ELSE 0 END), 0) AS created_done
                FROM action_items WHERE uid = \(bind: uid) AND deleted = \(bind: false)
                """).first()
            var counts = ScoreCounts()
            guard let row else { return counts }
            counts.allTotal = try row.decode(column: "all_total", as: Int.self)
            counts.allCompleted = try row.decode(column: "all_done", as: Int.self)
            counts.dueTotal = try row.decode(column: "due_total", as: Int.self)
            counts.dueCompleted = try row.decode(column: "due_done", as: Int.self)
            counts.createdTotal = try row.decode(column: "created_total", as: Int.self)
            counts.createdCompleted = try row.decode(column: "created_done", as: Int.self)
            return counts
        }
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
