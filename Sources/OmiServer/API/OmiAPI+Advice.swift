import Foundation
import OmiContract
import OmiStorage

/// focus.md §3: advice items and their read and dismissed flags.
extension OmiAPI {
    static let adviceNotFound = APIError(.notFound, "Advice not found")

    func createAdvice(_ input: Operations.CreateAdvice.Input) async throws -> Operations.CreateAdvice.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        var v = Validator()
        v.length(body.content, min: 1, max: 10_000, at: ["body", "content"])
        v.length(body.reasoning, max: 5000, at: ["body", "reasoning"])
        v.length(body.sourceApp, max: 200, at: ["body", "source_app"])
        v.length(body.contextSummary, max: 5000, at: ["body", "context_summary"])
        v.length(body.currentActivity, max: 500, at: ["body", "current_activity"])
        let category = (body.category?.isEmpty ?? true) ? "other" : body.category!
        v.oneOf(category, FocusMapping.adviceCategories.sorted(), at: ["body", "category"])
        if let confidence = body.confidence, !(0...1).contains(confidence) {
            v.fail(confidence < 0 ? "greater_than_equal" : "less_than_equal",
                   confidence < 0 ? "Input should be greater than or equal to 0" : "Input should be less than or equal to 1",
                   at: ["body", "confidence"])
        }
        try v.check()
        let content = body.content.trimmingCharacters(in: .whitespacesAndNewlines)
        if content.isEmpty { throw APIError.badRequest("content cannot be empty or whitespace only") }
        let advice = AdviceRecord(
            id: RandomUUID.lowercased(), content: content, category: category, reasoning: body.reasoning,
            sourceApp: body.sourceApp, confidence: body.confidence ?? 0.5, contextSummary: body.contextSummary,
            currentActivity: body.currentActivity, createdAt: Clock.nowMicros())
        do {
            try await advices.create(uid: user.uid, advice)
        } catch {
            throw APIError(.internalServerError, "Failed to create advice")
        }
        return .ok(.init(body: .json(FocusMapping.advice(advice))))
    }

    func listAdvice(_ input: Operations.ListAdvice.Input) async throws -> Operations.ListAdvice.Output {
        let user = try RequestValues.requireUser()
        var v = Validator()
        v.range(input.query.limit, 1...1000, at: ["query", "limit"])
        v.range(input.query.offset, 0...Int.max, at: ["query", "offset"])
        let includeDismissed = v.bool(input.query.includeDismissed, at: "include_dismissed") ?? false
        try v.check()
        // A category outside the five matches nothing, even a stray stored value (which reads as `other`).
        if let category = input.query.category, !FocusMapping.adviceCategories.contains(category) {
            return .ok(.init(body: .json([])))
        }
        let items: [AdviceRecord]
        do {
            items = try await advices.list(uid: user.uid, category: input.query.category, includeDismissed: includeDismissed,
                                           limit: input.query.limit ?? 100, offset: input.query.offset ?? 0)
        } catch {
            throw APIError(.internalServerError, "Failed to load advice")
        }
        return .ok(.init(body: .json(items.map(FocusMapping.advice))))
    }

    func updateAdvice(_ input: Operations.UpdateAdvice.Input) async throws -> Operations.UpdateAdvice.Output {
        let user = try RequestValues.requireUser()
        let id = try Self.adviceId(input.path.adviceId)
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        guard body.isRead != nil || body.isDismissed != nil else {
            throw APIError.badRequest("At least one of is_read or is_dismissed is required")
        }
        let updated: AdviceRecord?
        do {
            updated = try await advices.update(uid: user.uid, id: id, isRead: body.isRead, isDismissed: body.isDismissed,
                                               now: Clock.nowMicros())
        } catch {
            throw APIError(.internalServerError, "Failed to update advice")
        }
        guard let updated else { throw Self.adviceNotFound }
        return .ok(.init(body: .json(FocusMapping.advice(updated))))
    }

    func deleteAdvice(_ input: Operations.DeleteAdvice.Input) async throws -> Operations.DeleteAdvice.Output {
        let user = try RequestValues.requireUser()
        let id = try Self.adviceId(input.path.adviceId)
        let deleted: Bool
        do {
            deleted = try await advices.delete(uid: user.uid, id: id)
        } catch {
            throw APIError(.internalServerError, "Failed to delete advice")
        }
        guard deleted else { throw Self.adviceNotFound }
        return .ok(.init(body: .json(.init(status: "ok"))))
    }

    func markAllAdviceRead(_ input: Operations.MarkAllAdviceRead.Input) async throws -> Operations.MarkAllAdviceRead.Output {
        let user = try RequestValues.requireUser()
        let count: Int
        do {
            count = try await advices.markAllRead(uid: user.uid, now: Clock.nowMicros())
        } catch {
            throw APIError(.internalServerError, "Failed to mark advice as read")
        }
        return .ok(.init(body: .json(.init(status: "marked \(count) as read"))))
    }

    static func adviceId(_ raw: String) throws -> String {
        let id = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if id.isEmpty { throw APIError.badRequest("Valid advice_id is required") }
        return id
    }
}
