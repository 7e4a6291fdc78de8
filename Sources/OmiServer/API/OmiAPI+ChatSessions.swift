import Foundation
import OmiContract
import OmiStorage

extension OmiAPI {
    func createChatSession(_ input: Operations.CreateChatSession.Input) async throws -> Operations.CreateChatSession.Output {
        let user = try RequestValues.requireUser()
        let body: Components.Schemas.CreateChatSessionRequest? = if case .json(let json)? = input.body { json } else { nil }
        var v = Validator()
        v.length(body?.title, max: 500, at: ["body", "title"])
        v.length(body?.appId, max: 200, at: ["body", "app_id"])
        try v.check()
        let title = body?.title.flatMap { $0.isEmpty ? nil : $0 } ?? "New Chat"
        let record = try await chat.createSession(uid: user.uid, title: title, appScope: QueryValues.appScope(body?.appId),
                                                  now: Clock.nowMicros())
        return .ok(.init(body: .json(ChatMapping.session(record))))
    }

    func listChatSessions(_ input: Operations.ListChatSessions.Input) async throws -> Operations.ListChatSessions.Output {
        let user = try RequestValues.requireUser()
        var v = Validator()
        let limit = input.query.limit ?? 50
        let offset = input.query.offset ?? 0
        v.range(limit, 1...500, at: ["query", "limit"])
        v.range(offset, 0...Int.max, at: ["query", "offset"])
        let starred = v.bool(input.query.starred, at: "starred")
        try v.check()
        let records = try await chat.listSessions(uid: user.uid, appScope: QueryValues.appScope(input.query.appId),
                                                  starred: starred, limit: limit, offset: offset)
        return .ok(.init(body: .json(records.map(ChatMapping.session))))
    }

    func getChatSession(_ input: Operations.GetChatSession.Input) async throws -> Operations.GetChatSession.Output {
        let user = try RequestValues.requireUser()
        guard let record = try await chat.session(uid: user.uid, id: input.path.sessionId) else {
            throw APIError.notFound("Chat session not found")
        }
        return .ok(.init(body: .json(ChatMapping.session(record))))
    }

    func updateChatSession(_ input: Operations.UpdateChatSession.Input) async throws -> Operations.UpdateChatSession.Output {
        let user = try RequestValues.requireUser()
        let body: Components.Schemas.UpdateChatSessionRequest? = if case .json(let json)? = input.body { json } else { nil }
        var v = Validator()
        v.length(body?.title, max: 500, at: ["body", "title"])
        try v.check()
        guard let record = try await chat.updateSession(uid: user.uid, id: input.path.sessionId, title: body?.title,
                                                        starred: body?.starred, now: Clock.nowMicros()) else {
            throw APIError.notFound("Chat session not found")
        }
        return .ok(.init(body: .json(ChatMapping.session(record))))
    }

    func deleteChatSession(_ input: Operations.DeleteChatSession.Input) async throws -> Operations.DeleteChatSession.Output {
        let user = try RequestValues.requireUser()
        try await chat.deleteSession(uid: user.uid, id: input.path.sessionId)
        return .ok(.init(body: .json(.init(status: "ok"))))
    }
}
