import Foundation
import OmiContract
import OmiStorage

extension OmiAPI {
    static func tool(_ name: String, _ text: String) -> Components.Schemas.ToolResponse {
        .init(toolName: name, resultText: text, isError: text.hasPrefix("Error"))
    }

    func toolListActionItems(_ input: Operations.ToolListActionItems.Input) async throws -> Operations.ToolListActionItems.Output {
        let user = try RequestValues.requireUser()
        let q = input.query
        var v = Validator()
        let limit = q.limit ?? 50
        let offset = q.offset ?? 0
        v.range(limit, 1...500, at: ["query", "limit"])
        v.range(offset, 0...Int.max, at: ["query", "offset"])
        var filter = ActionItemFilter()
        filter.completed = v.strictBool(q.completed, at: "completed")
        try v.check()
        filter.conversationId = q.conversationId
        let name = "get_action_items"
        let dates: [(String?, String, WritableKeyPath<ActionItemFilter, Int64?>)] = [
            (q.startDate, "start_date", \.createdFrom), (q.endDate, "end_date", \.createdTo),
            (q.dueStartDate, "due_start_date", \.dueFrom), (q.dueEndDate, "due_end_date", \.dueTo),
        ]
        for (raw, field, path) in dates {
            guard let raw else { continue }
            switch ToolText.instant(raw, field: field) {
            case .success(let micros): filter[keyPath: path] = micros
            case .failure(let failure): return .ok(.init(body: .json(Self.tool(name, failure.text))))
            }
        }
        let page = try await tasks.list(uid: user.uid, filter: filter, limit: limit, offset: offset)
        return .ok(.init(body: .json(Self.tool(name, ToolText.list(page.items, completed: filter.completed, filter: filter)))))
    }

    func toolCreateActionItem(_ input: Operations.ToolCreateActionItem.Input) async throws -> Operations.ToolCreateActionItem.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        let text = try await toolCreate(uid: user.uid, body)
        return .ok(.init(body: .json(Self.tool("create_action_item", text))))
    }

    func toolCreate(uid: String, _ body: Components.Schemas.ToolCreateActionItemRequest) async throws -> String {
        let description = body.description
        if description.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return "Error: Description is required." }
        if description.unicodeScalars.count > 5000 { return "Error: Description is longer than 5000 characters." }
        let now = Clock.nowMicros()
        var due: Int64?
        if let raw = body.dueAt {
            switch ToolText.instant(raw, field: "due_at") {
            case .success(let micros): due = micros
            case .failure(let failure): return failure.text
            }
            if let due, due < now - 86_400_000_000 {
                return "Error: due_at '\(raw)' is in the past. Current time is \(ToolText.seconds(now))."
            }
        }
        var record = ActionItemRecord(description: description, createdAt: now)
        record.dueAt = due
        record.conversationId = body.conversationId
        let (stored, _) = try await tasks.createIdempotent(uid: uid, item: record)
        return "✅ Added: \(stored.description)" + (stored.dueAt.map { " (due \(ToolText.monthDay($0)))" } ?? "")
    }

    func toolUpdateActionItem(_ input: Operations.ToolUpdateActionItem.Input) async throws -> Operations.ToolUpdateActionItem.Output {
        let user = try RequestValues.requireUser()
        let body: Components.Schemas.ToolUpdateActionItemRequest = if case .json(let json)? = input.body { json } else { .init() }
        let text = try await toolUpdate(uid: user.uid, id: input.path.actionItemId, body)
        return .ok(.init(body: .json(Self.tool("update_action_item", text))))
    }

    func toolUpdate(uid: String, id: String, _ body: Components.Schemas.ToolUpdateActionItemRequest) async throws -> String {
        guard try await tasks.get(uid: uid, id: id) != nil else { return "Error: Action item '\(id)' not found." }
        var due: Int64?
        if let raw = body.dueAt {
            switch ToolText.instant(raw, field: "due_at") {
            case .success(let micros): due = micros
            case .failure(let failure): return failure.text
            }
        }
        let description = body.description?.trimmingCharacters(in: .whitespacesAndNewlines)
        if description?.isEmpty == true { return "Error: Description cannot be empty." }
        if (description?.unicodeScalars.count ?? 0) > 5000 { return "Error: Description is longer than 5000 characters." }
        guard body.completed != nil || description != nil || due != nil else { return "No changes specified." }
        var changes: [String] = []
        if let completed = body.completed { changes.append(completed ? "marked as completed" : "marked as pending") }
        if let description { changes.append("description updated to '\(description)'") }
        if let due { changes.append("due date set to \(ToolText.minutes(due))") }
        let now = Clock.nowMicros()
        let completed = body.completed
        let newDue = due
        guard let record = try await tasks.update(uid: uid, id: id, { r in
            if let completed { Self.setCompleted(completed, on: &r, now: now) }
            if let description { r.description = description }
            if let newDue { r.dueAt = newDue }
            r.updatedAt = now
        }) else { return "Error: Action item '\(id)' not found." }
        return "✅ Updated '\(record.description)': " + changes.joined(separator: ", ")
    }
}
