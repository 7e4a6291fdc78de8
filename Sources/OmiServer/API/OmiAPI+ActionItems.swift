import Foundation
import OmiContract
import OmiStorage

extension OmiAPI {
    static let actionItemNotFound = APIError.notFound("Action item not found")

    func listActionItems(_ input: Operations.ListActionItems.Input) async throws -> Operations.ListActionItems.Output {
        let user = try RequestValues.requireUser()
        let q = input.query
        var v = Validator()
        let limit = q.limit ?? 50
        let offset = q.offset ?? 0
        v.range(limit, 1...10_000, at: ["query", "limit"])
        v.range(offset, 0...Int.max, at: ["query", "offset"])
        var filter = ActionItemFilter()
        filter.completed = v.strictBool(q.completed, at: "completed")
        filter.deleted = v.strictBool(q.deleted, at: "deleted") ?? false
        filter.conversationId = q.conversationId
        try readDateRanges(&filter, &v, start: q.startDate, end: q.endDate, dueStart: q.dueStartDate, dueEnd: q.dueEndDate)
        let page = try await tasks.list(uid: user.uid, filter: filter, limit: limit, offset: offset)
        let items = page.items.map(TaskMapping.actionItem)
        return .ok(.init(body: .json(.init(actionItems: items, items: items, hasMore: page.hasMore))))
    }

    /// The created and due ranges of a task list; 422 for unparsable values, then 400 for reversed ranges (§1.1).
    func readDateRanges(_ filter: inout ActionItemFilter, _ v: inout Validator, start: String?, end: String?,
                        dueStart: String?, dueEnd: String?) throws {
        filter.createdFrom = v.queryInstant(start, at: "start_date")
        filter.createdTo = v.queryInstant(end, at: "end_date")
        filter.dueFrom = v.queryInstant(dueStart, at: "due_start_date")
        filter.dueTo = v.queryInstant(dueEnd, at: "due_end_date")
        try v.check()
        if let from = filter.createdFrom, let to = filter.createdTo, from > to {
            throw APIError.badRequest("start_date must be earlier than or equal to end_date")
        }
        if let from = filter.dueFrom, let to = filter.dueTo, from > to {
            throw APIError.badRequest("due_start_date must be earlier than or equal to due_end_date")
        }
    }

    func createActionItem(_ input: Operations.CreateActionItem.Input) async throws -> Operations.CreateActionItem.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        var v = Validator()
        v.validate(create: body, at: ["body"])
        try v.check()
        let (record, _) = try await tasks.createIdempotent(uid: user.uid,
                                                           item: TaskMapping.record(from: body, now: Clock.nowMicros()))
        return .ok(.init(body: .json(TaskMapping.actionItem(record))))
    }

    func getActionItem(_ input: Operations.GetActionItem.Input) async throws -> Operations.GetActionItem.Output {
        let user = try RequestValues.requireUser()
        guard let record = try await tasks.get(uid: user.uid, id: input.path.actionItemId) else { throw Self.actionItemNotFound }
        return .ok(.init(body: .json(TaskMapping.actionItem(record))))
    }

    func updateActionItem(_ input: Operations.UpdateActionItem.Input) async throws -> Operations.UpdateActionItem.Output {
        let user = try RequestValues.requireUser()
        let body: Wire.ActionItemUpdate = if case .json(let json)? = input.body { json } else { Wire.ActionItemUpdate() }
        var v = Validator()
        v.taskDescription(body.description, at: ["body", "description"])
        v.taskLabels(source: body.source, priority: body.priority, category: body.category, at: ["body"])
        v.taskMetadata(body.metadata, at: ["body", "metadata"])
        v.relevanceScore(body.relevanceScore, at: ["body", "relevance_score"])
        v.range(body.indentLevel, 0...3, at: ["body", "indent_level"])
        try v.check()
        let now = Clock.nowMicros()
        guard let record = try await tasks.update(uid: user.uid, id: input.path.actionItemId, { Self.apply(body, to: &$0, now: now) })
        else { throw Self.actionItemNotFound }
        return .ok(.init(body: .json(TaskMapping.actionItem(record))))
    }

    /// The partial-update rules of tasks.md §1.4.
    static func apply(_ body: Wire.ActionItemUpdate, to r: inout ActionItemRecord, now: Int64) {
        if let description = body.description { r.description = description }
        if let completed = body.completed { setCompleted(completed, on: &r, now: now) }
        switch body.dueAt {
        case .unchanged: break
        case .clear: r.dueAt = nil
        case .set(let date): r.dueAt = TaskMapping.micros(date)
        }
        if body.clearDueAt == true { r.dueAt = nil }
        if let priority = body.priority { r.priority = priority }
        if let category = body.category { r.category = category }
        if let source = body.source { r.source = source }
        if let metadata = TaskMapping.metadataText(body.metadata) { r.metadata = metadata }
        if let goalId = body.goalId { r.goalId = goalId }
        if let score = body.relevanceScore { r.relevanceScore = score }
        if let rule = body.recurrenceRule { r.recurrenceRule = rule.isEmpty ? nil : rule }
        if let order = body.sortOrder { r.sortOrder = order }
        if let level = body.indentLevel { r.indentLevel = level }
        if let exported = body.exported { r.exported = exported }
        if let date = body.exportDate { r.exportDate = TaskMapping.micros(date) }
        if let platform = body.exportPlatform { r.exportPlatform = platform }
        if let reminder = body.appleReminderId { r.appleReminderId = reminder }
        r.updatedAt = now
    }

    /// Completing stamps `completed_at` (kept when the task was already completed); reopening clears it.
    static func setCompleted(_ completed: Bool, on r: inout ActionItemRecord, now: Int64) {
        if completed {
            if !r.completed || r.completedAt == nil { r.completedAt = now }
        } else {
            r.completedAt = nil
        }
        r.completed = completed
    }

    func setActionItemCompleted(_ input: Operations.SetActionItemCompleted.Input) async throws -> Operations.SetActionItemCompleted.Output {
        let user = try RequestValues.requireUser()
        var v = Validator()
        let completed = v.strictBool(input.query.completed, at: "completed")
        try v.check()
        guard let completed else { throw ValidationError(type: "missing", loc: ["query", "completed"], msg: "Field required") }
        let now = Clock.nowMicros()
        guard let record = try await tasks.update(uid: user.uid, id: input.path.actionItemId, {
            Self.setCompleted(completed, on: &$0, now: now)
            $0.updatedAt = now
        }) else { throw Self.actionItemNotFound }
        return .ok(.init(body: .json(TaskMapping.actionItem(record))))
    }

    func deleteActionItem(_ input: Operations.DeleteActionItem.Input) async throws -> Operations.DeleteActionItem.Output {
        let user = try RequestValues.requireUser()
        guard try await tasks.delete(uid: user.uid, id: input.path.actionItemId) else { throw Self.actionItemNotFound }
        return .noContent(.init())
    }

    func softDeleteActionItem(_ input: Operations.SoftDeleteActionItem.Input) async throws -> Operations.SoftDeleteActionItem.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        var v = Validator()
        v.length(body.deletedBy, min: 1, max: 100, at: ["body", "deleted_by"])
        try v.check()
        let now = Clock.nowMicros()
        guard let record = try await tasks.update(uid: user.uid, id: input.path.actionItemId, {
            $0.deleted = true
            $0.deletedBy = body.deletedBy
            $0.deletedAt = now
            $0.deletedReason = body.reason ?? ""
            $0.keptTaskId = body.keptTaskId ?? ""
            $0.updatedAt = now
        }) else { throw Self.actionItemNotFound }
        return .ok(.init(body: .json(TaskMapping.actionItem(record))))
    }

    func searchActionItems(_ input: Operations.SearchActionItems.Input) async throws -> Operations.SearchActionItems.Output {
        let user = try RequestValues.requireUser()
        var v = Validator()
        let limit = input.query.limit ?? 10
        v.length(input.query.query, min: 1, max: 1000, at: ["query", "query"])
        v.range(limit, 1...50, at: ["query", "limit"])
        try v.check()
        var filter = ActionItemFilter()
        filter.text = input.query.query
        let page = try await tasks.list(uid: user.uid, filter: filter, limit: limit, offset: 0)
        return .ok(.init(body: .json(.init(actionItems: page.items.map(TaskMapping.actionItem)))))
    }

    func restoreLegacyConversationItems(
        _ input: Operations.RestoreLegacyConversationItems.Input
    ) async throws -> Operations.RestoreLegacyConversationItems.Output {
        _ = try RequestValues.requireUser()
        return .ok(.init(body: .json(Wire.RetiredMigrationResult(includesMigrationCounts: false))))
    }
}
