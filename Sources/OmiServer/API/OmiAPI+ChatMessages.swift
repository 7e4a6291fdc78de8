import Foundation
import OmiContract
import OmiStorage

extension OmiAPI {
    func saveDesktopMessage(_ input: Operations.SaveDesktopMessage.Input) async throws -> Operations.SaveDesktopMessage.Output {
        switch input.body {
        case .json(let body): .ok(.init(body: .json(try await saveMessage(body))))
        }
    }

    func saveMessageLegacy(_ input: Operations.SaveMessageLegacy.Input) async throws -> Operations.SaveMessageLegacy.Output {
        switch input.body {
        case .json(let body): .ok(.init(body: .json(try await saveMessage(body))))
        }
    }

    /// chat.md §3.1, shared by the desktop path and the older `/v2/messages` path.
    func saveMessage(_ body: Components.Schemas.SaveMessageRequest) async throws -> Wire.SaveMessageResponse {
        let user = try RequestValues.requireUser()
        var v = Validator()
        v.length(body.text, min: 1, max: 100_000, at: ["body", "text"])
        v.length(body.appId, max: 200, at: ["body", "app_id"])
        v.length(body.sessionId, max: 200, at: ["body", "session_id"])
        v.pattern(body.clientMessageId, Authenticator.isPlainUid, description: "^[A-Za-z0-9_-]{1,128}$",
                  at: ["body", "client_message_id"])
        v.oneOf(body.messageSource, ["desktop_chat", "realtime_voice"], at: ["body", "message_source"])
        v.range(body.journalRevision, 1...9_007_199_254_740_991, at: ["body", "journal_revision"])
        // Blocks are objects (chat.md §3.1); a bare number or string would be served back where the app decodes one.
        for (i, block) in (body.contentBlocks ?? []).enumerated() {
            if case .object = block { continue }
            v.fail("dict_type", "Input should be a valid dictionary", at: ["body", "content_blocks", .index(i)])
        }
        try v.check()
        let draft = MessageDraft(
            id: body.clientMessageId ?? RandomUUID.lowercased(), isClientId: body.clientMessageId != nil,
            sessionId: body.sessionId.flatMap { $0.isEmpty ? nil : $0 }, appScope: QueryValues.appScope(body.appId),
            text: body.text, sender: body.sender.rawValue, metadata: body.metadata,
            contentBlocks: body.contentBlocks.map { Wire.JSONValue.array($0).jsonText },
            messageSource: body.messageSource ?? "desktop_chat", journalRevision: body.journalRevision)
        let outcome: SaveOutcome
        do {
            outcome = try await chat.saveMessage(uid: user.uid, draft: draft, now: Clock.nowMicros())
        } catch ChatStoreError.payloadConflict {
            throw APIError(.conflict, "client_message_id payload conflict")
        }
        return Wire.SaveMessageResponse(
            id: outcome.message.id, createdAt: Timestamp.date(micros: outcome.message.createdAt),
            sessionId: outcome.message.sessionId, created: outcome.created, updated: outcome.updated,
            journalRevision: outcome.message.journalRevision)
    }

    /// `session_id` wins over `app_id`; neither means the main chat (chat.md §0).
    static func scope(appId: String?, sessionId: String?) -> MessageScope {
        if let sessionId, !sessionId.isEmpty { return .session(sessionId) }
        return .app(QueryValues.appScope(appId))
    }

    func listMessages(appId: String?, sessionId: String?, limit: Int?, offset: Int?) async throws -> [Wire.ChatMessage] {
        let user = try RequestValues.requireUser()
        var v = Validator()
        let limit = limit ?? 100
        let offset = offset ?? 0
        v.range(limit, 1...1000, at: ["query", "limit"])
        v.range(offset, 0...Int.max, at: ["query", "offset"])
        try v.check()
        return try await chat.listMessages(uid: user.uid, scope: Self.scope(appId: appId, sessionId: sessionId),
                                           limit: limit, offset: offset).map(ChatMapping.message)
    }

    func listDesktopMessages(_ input: Operations.ListDesktopMessages.Input) async throws -> Operations.ListDesktopMessages.Output {
        let q = input.query
        return .ok(.init(body: .json(.init(try await listMessages(appId: q.appId, sessionId: q.sessionId, limit: q.limit,
                                                             offset: q.offset)))))
    }

    func listMessagesLegacy(_ input: Operations.ListMessagesLegacy.Input) async throws -> Operations.ListMessagesLegacy.Output {
        let q = input.query
        return .ok(.init(body: .json(.init(try await listMessages(appId: q.appId, sessionId: q.sessionId, limit: q.limit,
                                                             offset: q.offset)))))
    }

    func reconcileDesktopMessages(
        _ input: Operations.ReconcileDesktopMessages.Input
    ) async throws -> Operations.ReconcileDesktopMessages.Output {
        let user = try RequestValues.requireUser()
        let q = input.query
        var v = Validator()
        let limit = q.limit ?? 100
        v.range(limit, 1...100, at: ["query", "limit"])
        try v.check()
        let result: ReconcileResult
        do {
            result = try await chat.reconcile(uid: user.uid, scope: Self.scope(appId: q.appId, sessionId: q.sessionId),
                                              cursor: q.cursor.flatMap { $0.isEmpty ? nil : $0 }, limit: limit)
        } catch ChatStoreError.invalidCursor {
            throw APIError.badRequest("invalid message reconciliation cursor")
        }
        let messages = result.messages.map(ChatMapping.message)
        return .ok(.init(body: .json(Wire.ReconcilePage(messages: messages, nextCursor: messages.last?.id,
                                                        hasMore: result.hasMore && !messages.isEmpty))))
    }

    func deleteMessages(appId: String?, sessionId: String?) async throws -> Components.Schemas.MessageDeleteResponse {
        let user = try RequestValues.requireUser()
        let count = try await chat.deleteMessages(uid: user.uid, scope: Self.scope(appId: appId, sessionId: sessionId))
        return .init(status: "ok", deletedCount: count)
    }

    func deleteDesktopMessages(_ input: Operations.DeleteDesktopMessages.Input) async throws -> Operations.DeleteDesktopMessages.Output {
        .ok(.init(body: .json(try await deleteMessages(appId: input.query.appId, sessionId: input.query.sessionId))))
    }

    func deleteMessagesLegacy(_ input: Operations.DeleteMessagesLegacy.Input) async throws -> Operations.DeleteMessagesLegacy.Output {
        .ok(.init(body: .json(try await deleteMessages(appId: input.query.appId, sessionId: input.query.sessionId))))
    }

    /// chat.md §3.7: an omitted or null rating clears; 0 is a business-rule 400, other values 422.
    func rate(messageId: String, body: Components.Schemas.RateMessageRequest?) async throws -> Components.Schemas.StatusResponse {
        let user = try RequestValues.requireUser()
        if body?.rating == 0 { throw APIError.badRequest("Rating must be 1, -1, or null") }
        var v = Validator()
        if let rating = body?.rating, rating != 1, rating != -1 {
            v.fail("literal_error", "Input should be 1, -1 or null", at: ["body", "rating"], input: .int(Int64(rating)))
        }
        v.length(body?.appVersion, max: 200, at: ["body", "app_version"])
        try v.check()
        guard try await chat.rateMessage(uid: user.uid, id: messageId, rating: body?.rating, appVersion: body?.appVersion,
                                         now: Clock.nowMicros()) else {
            throw APIError.notFound("Message not found")
        }
        return .init(status: "ok")
    }

    func rateDesktopMessage(_ input: Operations.RateDesktopMessage.Input) async throws -> Operations.RateDesktopMessage.Output {
        let body: Components.Schemas.RateMessageRequest? = if case .json(let json)? = input.body { json } else { nil }
        return .ok(.init(body: .json(try await rate(messageId: input.path.messageId, body: body))))
    }

    func rateMessageLegacy(_ input: Operations.RateMessageLegacy.Input) async throws -> Operations.RateMessageLegacy.Output {
        var body: Components.Schemas.RateMessageRequest? = if case .json(let json)? = input.body { json } else { nil }
        // Older builds send no app version.
        body?.appVersion = nil
        return .ok(.init(body: .json(try await rate(messageId: input.path.messageId, body: body))))
    }

    func countChatMessages(_ input: Operations.CountChatMessages.Input) async throws -> Operations.CountChatMessages.Output {
        let user = try RequestValues.requireUser()
        return .ok(.init(body: .json(.init(count: try await chat.countMessages(uid: user.uid)))))
    }
}
