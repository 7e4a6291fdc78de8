import Foundation
import OmiContract
import OmiStorage

extension OmiAPI {
    /// The promotion cap and scan depth of tasks.md §2.6.
    static let promotionCap = 5
    static let promotionScan = 20

    func createStagedTask(_ input: Operations.CreateStagedTask.Input) async throws -> Operations.CreateStagedTask.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        var v = Validator()
        v.taskDescription(body.description, at: ["body", "description"])
        v.taskLabels(source: body.source, priority: body.priority, category: body.category, at: ["body"])
        v.taskMetadata(body.metadata, at: ["body", "metadata"])
        v.relevanceScore(body.relevanceScore, at: ["body", "relevance_score"])
        try v.check()
        let draft = StagedTaskRecord(
            description: body.description, createdAt: Clock.nowMicros(), dueAt: body.dueAt.map(TaskMapping.micros),
            source: body.source, priority: body.priority, metadata: TaskMapping.metadataText(body.metadata),
            category: body.category, relevanceScore: body.relevanceScore)
        let stored = try await staged.createDeduplicated(uid: user.uid, task: draft)
        return .ok(.init(body: .json(TaskMapping.stagedTask(stored))))
    }

    func listStagedTasks(_ input: Operations.ListStagedTasks.Input) async throws -> Operations.ListStagedTasks.Output {
        let user = try RequestValues.requireUser()
        var v = Validator()
        let limit = input.query.limit ?? 100
        let offset = input.query.offset ?? 0
        v.range(limit, 1...1000, at: ["query", "limit"])
        v.range(offset, 0...Int.max, at: ["query", "offset"])
        try v.check()
        let page = try await staged.list(uid: user.uid, limit: limit, offset: offset)
        return .ok(.init(body: .json(.init(items: page.items.map(TaskMapping.stagedTask), hasMore: page.hasMore))))
    }

    func deleteStagedTask(_ input: Operations.DeleteStagedTask.Input) async throws -> Operations.DeleteStagedTask.Output {
        let user = try RequestValues.requireUser()
        try await staged.delete(uid: user.uid, id: input.path.taskId)
        return .ok(.init(body: .json(.init(status: "ok"))))
    }

    func clearStagedTasks(_ input: Operations.ClearStagedTasks.Input) async throws -> Operations.ClearStagedTasks.Output {
        let user = try RequestValues.requireUser()
        let count = try await staged.deleteAll(uid: user.uid)
        return .ok(.init(body: .json(.init(status: "ok", deletedCount: count))))
    }

    func updateStagedTaskScores(_ input: Operations.UpdateStagedTaskScores.Input) async throws -> Operations.UpdateStagedTaskScores.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        let scores = try Self.validScores(body.scores, max: 500)
        try await staged.setScores(uid: user.uid, scores: scores, now: Clock.nowMicros())
        return .ok(.init(body: .json(.init(status: "ok"))))
    }

    func promoteStagedTask(_ input: Operations.PromoteStagedTask.Input) async throws -> Operations.PromoteStagedTask.Output {
        let user = try RequestValues.requireUser()
        let outcome = try await staged.promoteBest(uid: user.uid, now: Clock.nowMicros(), cap: Self.promotionCap,
                                                   scan: Self.promotionScan)
        let result: Wire.PromotionResult = switch outcome {
        case .promoted(let task):
            Wire.PromotionResult(promoted: true, reason: nil, promotedTask: TaskMapping.actionItem(task))
        case .capReached(let active):
            Wire.PromotionResult(promoted: false, reason: "Already have \(active) active AI tasks (max \(Self.promotionCap))",
                                 promotedTask: nil)
        case .nothingStaged:
            Wire.PromotionResult(promoted: false, reason: "No staged tasks available", promotedTask: nil)
        case .allDuplicates:
            Wire.PromotionResult(promoted: false, reason: "All candidate staged tasks are duplicates", promotedTask: nil)
        }
        return .ok(.init(body: .json(result)))
    }

    func promoteStagedTaskById(_ input: Operations.PromoteStagedTaskById.Input) async throws -> Operations.PromoteStagedTaskById.Output {
        let user = try RequestValues.requireUser()
        guard let task = try await staged.promote(uid: user.uid, id: input.path.taskId, now: Clock.nowMicros()) else {
            throw APIError.notFound("Staged task not found or already promoted")
        }
        return .ok(.init(body: .json(Wire.PromotionResult(promoted: true, reason: nil, promotedTask: TaskMapping.actionItem(task)))))
    }

    func migrateStagedTasks(_ input: Operations.MigrateStagedTasks.Input) async throws -> Operations.MigrateStagedTasks.Output {
        _ = try RequestValues.requireUser()
        return .ok(.init(body: .json(.init(status: "legacy task migration retired; no action taken"))))
    }

    func migrateConversationItems(_ input: Operations.MigrateConversationItems.Input) async throws -> Operations.MigrateConversationItems.Output {
        _ = try RequestValues.requireUser()
        return .ok(.init(body: .json(Wire.RetiredMigrationResult(includesMigrationCounts: true))))
    }
}
