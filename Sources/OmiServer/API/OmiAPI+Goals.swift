import Foundation
import OmiContract
import OmiStorage

extension OmiAPI {
    static let goalNotFound = APIError.notFound("Goal not found")
    /// knowledge.md §6: a user has at most this many active goals.
    static let maxActiveGoals = 4

    /// A bare array, or `{"goals": [...]}` for older builds under the legacy mount (knowledge.md §0.7).
    static func goalListing(_ goals: [GoalRecord]) -> Components.Schemas.GoalListing {
        let wire = goals.map(KnowledgeMapping.goal)
        return RequestValues.legacyMount ? .case2(.init(goals: wire)) : .case1(wire)
    }

    func listActiveGoals(_ input: Operations.ListActiveGoals.Input) async throws -> Operations.ListActiveGoals.Output {
        let user = try RequestValues.requireUser()
        return .ok(.init(body: .json(Self.goalListing(try await goals.active(uid: user.uid)))))
    }

    func listCompletedGoals(_ input: Operations.ListCompletedGoals.Input) async throws -> Operations.ListCompletedGoals.Output {
        let user = try RequestValues.requireUser()
        return .ok(.init(body: .json(Self.goalListing(try await goals.completed(uid: user.uid)))))
    }

    func getCurrentGoal(_ input: Operations.GetCurrentGoal.Input) async throws -> Operations.GetCurrentGoal.Output {
        let user = try RequestValues.requireUser()
        return .ok(.init(body: .json(Wire.CurrentGoal(try await goals.active(uid: user.uid).first.map(KnowledgeMapping.goal)))))
    }

    func createGoal(_ input: Operations.CreateGoal.Input) async throws -> Operations.CreateGoal.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        let title = body.title.trimmingCharacters(in: .whitespacesAndNewlines)
        var v = Validator()
        v.length(title, min: 1, max: 500, at: ["body", "title"])
        try v.check()
        let now = Clock.nowMicros()
        let hex = RandomUUID.make().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        var goal = GoalRecord(id: "goal_\(hex)", title: title, targetValue: body.targetValue, createdAt: now)
        goal.goalType = body.goalType?.rawValue ?? "scale"
        goal.currentValue = body.currentValue ?? 0
        goal.minValue = body.minValue ?? 0
        goal.maxValue = body.maxValue ?? 10
        goal.description = body.description
        goal.unit = body.unit
        goal.source = body.source
        let stored = try await goals.create(uid: user.uid, goal: goal, maxActive: Self.maxActiveGoals, now: now)
        return .ok(.init(body: .json(KnowledgeMapping.goal(stored))))
    }

    func updateGoal(_ input: Operations.UpdateGoal.Input) async throws -> Operations.UpdateGoal.Output {
        let user = try RequestValues.requireUser()
        let b: Components.Schemas.UpdateGoalRequest = if case .json(let json)? = input.body { json } else { .init() }
        let present: [Any?] = [b.title, b.description, b.goalType, b.targetValue, b.currentValue, b.minValue, b.maxValue,
                               b.unit, b.source, b.isActive, b.completedAt]
        guard present.contains(where: { $0 != nil }) else { throw APIError.badRequest("No updates provided") }
        var v = Validator()
        v.length(b.title.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }, min: 1, max: 500, at: ["body", "title"])
        try v.check()
        let now = Clock.nowMicros()
        guard let goal = try await goals.update(uid: user.uid, id: input.path.goalId, maxActive: Self.maxActiveGoals, now: now,
                                                historyDate: KnowledgeMapping.utcDate(now), recordHistory: false, { g in
            if let title = b.title { g.title = title.trimmingCharacters(in: .whitespacesAndNewlines) }
            if let description = b.description { g.description = description }
            if let type = b.goalType { g.goalType = type.rawValue }
            if let value = b.targetValue { g.targetValue = value }
            if let value = b.currentValue { g.currentValue = value }
            if let value = b.minValue { g.minValue = value }
            if let value = b.maxValue { g.maxValue = value }
            if let unit = b.unit { g.unit = unit }
            if let source = b.source { g.source = source }
            if let completedAt = b.completedAt { g.completedAt = Timestamp.micros(completedAt) }
            if let active = b.isActive {
                g.isActive = active
                // Completing without a time means now; reactivating clears the completion.
                g.completedAt = active ? nil : (b.completedAt.map(Timestamp.micros) ?? now)
            }
        }) else { throw Self.goalNotFound }
        return .ok(.init(body: .json(KnowledgeMapping.goal(goal))))
    }

    func setGoalProgress(_ input: Operations.SetGoalProgress.Input) async throws -> Operations.SetGoalProgress.Output {
        let user = try RequestValues.requireUser()
        let value = input.query.currentValue
        let now = Clock.nowMicros()
        guard let goal = try await goals.update(uid: user.uid, id: input.path.goalId, maxActive: Self.maxActiveGoals, now: now,
                                                historyDate: KnowledgeMapping.utcDate(now), recordHistory: true,
                                                { $0.currentValue = value }) else { throw Self.goalNotFound }
        return .ok(.init(body: .json(KnowledgeMapping.goal(goal))))
    }

    func getGoalHistory(_ input: Operations.GetGoalHistory.Input) async throws -> Operations.GetGoalHistory.Output {
        let user = try RequestValues.requireUser()
        let days = input.query.days ?? 30
        var v = Validator()
        v.range(days, 1...365, at: ["query", "days"])
        try v.check()
        guard try await goals.get(uid: user.uid, id: input.path.goalId) != nil else { throw Self.goalNotFound }
        let since = KnowledgeMapping.utcDate(Clock.nowMicros() - Int64(days - 1) * 86_400_000_000)
        let entries = try await goals.history(uid: user.uid, id: input.path.goalId, sinceDate: since)
        return .ok(.init(body: .json(.init(history: entries.map {
            .init(date: $0.date, value: $0.value, recordedAt: Timestamp.date(micros: $0.recordedAt))
        }))))
    }

    func deleteGoal(_ input: Operations.DeleteGoal.Input) async throws -> Operations.DeleteGoal.Output {
        let user = try RequestValues.requireUser()
        guard try await goals.delete(uid: user.uid, id: input.path.goalId) else { throw Self.goalNotFound }
        return .ok(.init(body: .json(.init(success: true, deletedId: input.path.goalId))))
    }
}
