import SQLKit

/// The SQL of one `action_items` row, shared by the task, share and promotion code.
enum ActionItemSQL {
    static let columns = """
        id, description, completed, created_at, updated_at, due_at, completed_at, conversation_id, source, priority,
        metadata, category, relevance_score, sort_order, indent_level, goal_id, from_staged, recurrence_rule,
        recurrence_parent_id, deleted, deleted_by, deleted_at, deleted_reason, kept_task_id, exported, export_date,
        export_platform, apple_reminder_id
        """

    /// Product order (tasks.md §1.1). Migration 15's `action_items_by_list_order` repeats it; change both together.
    static let order = """
        ORDER BY completed ASC, CASE WHEN due_at IS NULL THEN 1 ELSE 0 END ASC, due_at ASC, created_at DESC, id ASC
        """

    /// All task writes of one user are serialised: create idempotency, promotion and acceptance read before they write.
    static func lockKey(_ uid: String) -> [String] { ["tasks:\(uid)"] }

    static func insert(_ db: any SQLDatabase, uid: String, _ r: ActionItemRecord) async throws {
        try await db.raw("""
            INSERT INTO action_items (uid, description_norm, \(unsafeRaw: columns))
            VALUES (\(bind: uid), \(bind: TaskText.normalized(r.description)), \(bind: r.id), \(bind: r.description),
                    \(bind: r.completed), \(bind: r.createdAt), \(bind: r.updatedAt), \(bind: r.dueAt),
                    \(bind: r.completedAt), \(bind: r.conversationId), \(bind: r.source), \(bind: r.priority),
                    \(bind: r.metadata), \(bind: r.category), \(bind: r.relevanceScore), \(bind: r.sortOrder),
                    \(bind: Int64(r.indentLevel)), \(bind: r.goalId), \(bind: r.fromStaged), \(bind: r.recurrenceRule),
                    \(bind: r.recurrenceParentId), \(bind: r.deleted), \(bind: r.deletedBy), \(bind: r.deletedAt),
                    \(bind: r.deletedReason), \(bind: r.keptTaskId), \(bind: r.exported), \(bind: r.exportDate),
                    \(bind: r.exportPlatform), \(bind: r.appleReminderId))
            """).run()
    }

    /// Writes every mutable column of a stored row.
    static func write(_ db: any SQLDatabase, uid: String, _ r: ActionItemRecord) async throws {
        try await db.raw("""
            UPDATE action_items SET description = \(bind: r.description),
                description_norm = \(bind: TaskText.normalized(r.description)), completed = \(bind: r.completed),
                updated_at = \(bind: r.updatedAt), due_at = \(bind: r.dueAt), completed_at = \(bind: r.completedAt),
                conversation_id = \(bind: r.conversationId), source = \(bind: r.source), priority = \(bind: r.priority),
                metadata = \(bind: r.metadata), category = \(bind: r.category), relevance_score = \(bind: r.relevanceScore),
                sort_order = \(bind: r.sortOrder), indent_level = \(bind: Int64(r.indentLevel)), goal_id = \(bind: r.goalId),
                recurrence_rule = \(bind: r.recurrenceRule), recurrence_parent_id = \(bind: r.recurrenceParentId),
                deleted = \(bind: r.deleted), deleted_by = \(bind: r.deletedBy), deleted_at = \(bind: r.deletedAt),
                deleted_reason = \(bind: r.deletedReason), kept_task_id = \(bind: r.keptTaskId),
                exported = \(bind: r.exported), export_date = \(bind: r.exportDate),
                export_platform = \(bind: r.exportPlatform), apple_reminder_id = \(bind: r.appleReminderId)
            WHERE uid = \(bind: uid) AND id = \(bind: r.id)
            """).run()
    }

    static func fetch(_ db: any SQLDatabase, uid: String, id: String) async throws -> ActionItemRecord? {
        try await db.raw("SELECT \(unsafeRaw: columns) FROM action_items WHERE uid = \(bind: uid) AND id = \(bind: id)")
            .first().map(record)
    }

    /// The caller's active task whose normalised description is `norm`, oldest first.
    static func findActive(_ db: any SQLDatabase, uid: String, norm: String) async throws -> ActionItemRecord? {
        try await db.raw("""
            SELECT \(unsafeRaw: columns) FROM action_items
            WHERE uid = \(bind: uid) AND description_norm = \(bind: norm) AND completed = \(bind: false)
                AND deleted = \(bind: false)
            ORDER BY created_at ASC, id ASC LIMIT 1
            """).first().map(record)
    }

    static func record(_ row: any SQLRow) throws -> ActionItemRecord {
        var r = ActionItemRecord(id: try row.decode(column: "id", as: String.self),
                                 description: try row.decode(column: "description", as: String.self),
                                 createdAt: try row.decode(column: "created_at", as: Int64.self))
        r.completed = try row.decode(column: "completed", as: Bool.self)
        r.updatedAt = try row.decode(column: "updated_at", as: Int64.self)
        r.dueAt = try row.decode(column: "due_at", as: Int64?.self)
        r.completedAt = try row.decode(column: "completed_at", as: Int64?.self)
        r.conversationId = try row.decode(column: "conversation_id", as: String?.self)
        r.source = try row.decode(column: "source", as: String?.self)
        r.priority = try row.decode(column: "priority", as: String?.self)
        r.metadata = try row.decode(column: "metadata", as: String?.self)
        r.category = try row.decode(column: "category", as: String?.self)
        r.relevanceScore = try row.decode(column: "relevance_score", as: Int64?.self)
        r.sortOrder = try row.decode(column: "sort_order", as: Int64.self)
        r.indentLevel = Int(try row.decode(column: "indent_level", as: Int64.self))
        r.goalId = try row.decode(column: "goal_id", as: String?.self)
        r.fromStaged = try row.decode(column: "from_staged", as: Bool.self)
        r.recurrenceRule = try row.decode(column: "recurrence_rule", as: String?.self)
        r.recurrenceParentId = try row.decode(column: "recurrence_parent_id", as: String?.self)
        r.deleted = try row.decode(column: "deleted", as: Bool.self)
        r.deletedBy = try row.decode(column: "deleted_by", as: String?.self)
        r.deletedAt = try row.decode(column: "deleted_at", as: Int64?.self)
        r.deletedReason = try row.decode(column: "deleted_reason", as: String?.self)
        r.keptTaskId = try row.decode(column: "kept_task_id", as: String?.self)
        r.exported = try row.decode(column: "exported", as: Bool.self)
        r.exportDate = try row.decode(column: "export_date", as: Int64?.self)
        r.exportPlatform = try row.decode(column: "export_platform", as: String?.self)
        r.appleReminderId = try row.decode(column: "apple_reminder_id", as: String?.self)
        return r
    }
}
