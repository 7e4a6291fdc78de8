import Foundation
import OmiContract
import OmiStorage

extension OmiAPI {
    /// tasks.md §1.8: the reply mirrors the request's shape; all or nothing; no content idempotency.
    func createActionItemsBatch(_ input: Operations.CreateActionItemsBatch.Input) async throws -> Operations.CreateActionItemsBatch.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        let (requests, loc): ([Components.Schemas.CreateActionItemRequest], [ValidationError.LocationPart]) = switch body {
        case .case1(let list): (list, ["body"])
        case .case2(let wrapped): (wrapped.items, ["body", "items"])
        }
        var v = Validator()
        v.count(requests, max: 400, at: loc)
        try v.check()
        for (index, request) in requests.enumerated() { v.validate(create: request, at: loc + [.index(index)]) }
        try v.check()
        let now = Clock.nowMicros()
        let records = requests.map { request in
            var record = TaskMapping.record(from: request, now: now)
            record.completed = false
            record.completedAt = nil
            return record
        }
        try await tasks.create(uid: user.uid, items: records)
        let items = records.map(TaskMapping.actionItem)
        switch body {
        case .case1: return .ok(.init(body: .json(.case1(.init(actionItems: items, createdCount: items.count)))))
        case .case2: return .ok(.init(body: .json(.case2(items))))
        }
    }

    /// tasks.md §1.9: entries apply independently; missing and no-op ids are reported, never fatal.
    func updateActionItemsLayout(_ input: Operations.UpdateActionItemsLayout.Input) async throws -> Operations.UpdateActionItemsLayout.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        var v = Validator()
        v.count(body.items, max: 500, at: ["body", "items"])
        for (index, entry) in body.items.enumerated() {
            v.range(entry.indentLevel, 0...3, at: ["body", "items", .index(index), "indent_level"])
        }
        try v.check()
        let outcome = try await tasks.applyLayout(
            uid: user.uid,
            entries: body.items.map { LayoutEntry(id: $0.id, sortOrder: $0.sortOrder, indentLevel: $0.indentLevel) },
            now: Clock.nowMicros())
        var reply = Components.Schemas.BatchLayoutResponse(status: "ok", updatedCount: outcome.updated.count)
        if !outcome.missing.isEmpty || !outcome.noop.isEmpty {
            reply.updatedIds = outcome.updated
            reply.missingIds = outcome.missing
            reply.noopIds = outcome.noop
        }
        return .ok(.init(body: .json(reply)))
    }

    func updateActionItemScores(_ input: Operations.UpdateActionItemScores.Input) async throws -> Operations.UpdateActionItemScores.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        let scores = try Self.validScores(body.scores, max: 10_000)
        let count = try await tasks.setScores(uid: user.uid, scores: scores, now: Clock.nowMicros())
        return .ok(.init(body: .json(.init(status: "ok", updatedCount: count))))
    }

    /// The `{"scores": [{id, relevance_score}]}` body shared by tasks and suggestions.
    static func validScores(_ entries: [Components.Schemas.ScoreEntry], max: Int) throws -> [(id: String, score: Int64)] {
        var v = Validator()
        v.count(entries, max: max, at: ["body", "scores"])
        for (index, entry) in entries.enumerated() {
            v.length(entry.id, min: 1, max: 200, at: ["body", "scores", .index(index), "id"])
            v.relevanceScore(entry.relevanceScore, at: ["body", "scores", .index(index), "relevance_score"])
        }
        try v.check()
        return entries.map { ($0.id, $0.relevanceScore) }
    }

    func deleteActionItemsBatch(_ input: Operations.DeleteActionItemsBatch.Input) async throws -> Operations.DeleteActionItemsBatch.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        var v = Validator()
        if body.ids.isEmpty {
            v.fail("too_short", "List should have at least 1 item after validation, not 0", at: ["body", "ids"])
        }
        v.count(body.ids, max: 10_000, at: ["body", "ids"])
        try v.check()
        var seen = Set<String>()
        let ids = body.ids.filter { seen.insert($0).inserted }
        _ = try await tasks.delete(uid: user.uid, ids: ids)
        return .ok(.init(body: .json(.init(status: "Ok", deletedCount: ids.count, deletedIds: ids))))
    }
}
