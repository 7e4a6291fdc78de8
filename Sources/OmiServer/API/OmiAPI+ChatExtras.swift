import Foundation
import OmiContract
import OmiStorage

extension OmiAPI {
    static let shareLifetimeMicros: Int64 = 30 * 86_400 * 1_000_000

    func shareMessages(_ input: Operations.ShareMessages.Input) async throws -> Operations.ShareMessages.Output {
        let user = try RequestValues.requireUser()
        let body: Components.Schemas.ShareMessagesRequest? = if case .json(let json)? = input.body { json } else { nil }
        var v = Validator()
        v.count(body?.messageIds, max: 100, at: ["body", "message_ids"])
        try v.check()
        var seen = Set<String>()
        let ids = (body?.messageIds ?? []).filter { seen.insert($0).inserted }
        guard !ids.isEmpty else { throw APIError.badRequest("No message IDs provided") }
        let token = RandomUUID.make().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let now = Clock.nowMicros()
        let senderName = try await users.displayName(uid: user.uid) ?? ""
        do {
            try await chat.createShare(uid: user.uid, token: token, senderName: senderName, messageIds: ids, now: now,
                                       expiresAt: now + Self.shareLifetimeMicros)
        } catch ChatStoreError.messageNotFound(let id) {
            throw APIError.notFound("Message \(id) not found")
        }
        return .ok(.init(body: .json(.init(url: "\(settings.shareBaseURL)/chat/\(token)", token: token))))
    }

    func getSharedMessages(_ input: Operations.GetSharedMessages.Input) async throws -> Operations.GetSharedMessages.Output {
        guard let share = try await chat.share(token: input.path.token, now: Clock.nowMicros()) else {
            throw APIError.notFound("Share link expired or not found")
        }
        let messages = share.messages.map {
            Components.Schemas.SharedChat.MessagesPayloadPayload(
                id: $0.id, text: $0.text, sender: $0.sender, createdAt: Timestamp.date(micros: $0.createdAt))
        }
        return .ok(.init(body: .json(.init(senderName: share.senderName, count: messages.count, messages: messages))))
    }

    /// chat.md §4.1: session mode stores the greeting as an `ai` message; stateless mode stores nothing.
    func createInitialMessage(_ input: Operations.CreateInitialMessage.Input) async throws -> Operations.CreateInitialMessage.Output {
        let user = try RequestValues.requireUser()
        let body: Components.Schemas.InitialMessageRequest? = if case .json(let json)? = input.body { json } else { nil }
        var v = Validator()
        v.length(body?.sessionId, min: 1, max: 200, at: ["body", "session_id"])
        v.length(body?.appId, max: 200, at: ["body", "app_id"])
        v.length(body?.profileText, max: 8000, at: ["body", "profile_text"])
        v.count(body?.memories, max: 20, at: ["body", "memories"])
        for (i, memory) in (body?.memories ?? []).enumerated() { v.length(memory, max: 1000, at: ["body", "memories", .index(i)]) }
        try v.check()
        try await rateLimiter.enforce(.chatInitial, uid: user.uid)

        guard let sessionId = body?.sessionId else {
            let context = ([body?.profileText].compactMap { $0 } + (body?.memories ?? [])).joined(separator: "\n")
            let greeting = await text.greeting(context: context)
            return .ok(.init(body: .json(.init(message: greeting, messageId: RandomUUID.lowercased()))))
        }
        guard let session = try await chat.session(uid: user.uid, id: sessionId) else {
            throw APIError.notFound("Chat session not found")
        }
        let recent = try await chat.recentMessages(uid: user.uid, sessionId: sessionId, limit: 5)
        let context = recent.map { "\($0.sender): \($0.text)" }.joined(separator: "\n")
        let greeting = await text.greeting(context: context)
        let draft = MessageDraft(id: RandomUUID.lowercased(), isClientId: false, sessionId: sessionId,
                                 appScope: session.appScope, text: greeting, sender: "ai", metadata: nil,
                                 contentBlocks: nil, messageSource: "desktop_chat", journalRevision: nil)
        let saved = try await chat.saveMessage(uid: user.uid, draft: draft, now: Clock.nowMicros())
        return .ok(.init(body: .json(.init(message: greeting, messageId: saved.message.id))))
    }

    /// chat.md §4.2: message-list mode or pair mode; the title is written to the caller's session when named.
    func generateChatTitle(_ input: Operations.GenerateChatTitle.Input) async throws -> Operations.GenerateChatTitle.Output {
        let user = try RequestValues.requireUser()
        let body: Components.Schemas.GenerateTitleRequest? = if case .json(let json)? = input.body { json } else { nil }
        var v = Validator()
        v.length(body?.sessionId, max: 200, at: ["body", "session_id"])
        v.count(body?.messages, max: 50, at: ["body", "messages"])
        for (i, m) in (body?.messages ?? []).enumerated() {
            v.length(m.text, max: 100_000, at: ["body", "messages", .index(i), "text"])
            v.length(m.sender, max: 20, at: ["body", "messages", .index(i), "sender"])
        }
        v.length(body?.userText, max: 12_000, at: ["body", "user_text"])
        v.length(body?.assistantText, max: 12_000, at: ["body", "assistant_text"])
        let lines: [(sender: String, text: String)]
        if let messages = body?.messages, !messages.isEmpty {
            lines = messages.map { ($0.sender, $0.text) }
        } else if let userText = body?.userText, !userText.isEmpty, let assistantText = body?.assistantText,
                  !assistantText.isEmpty {
            lines = [("human", userText), ("ai", assistantText)]
        } else {
            v.fail("missing", "Field required: messages, or user_text and assistant_text", at: ["body", "messages"])
            lines = []
        }
        try v.check()
        try await rateLimiter.enforce(.chatInitial, uid: user.uid)
        let title = await text.title(lines: lines)
        if let sessionId = body?.sessionId, !sessionId.isEmpty {
            _ = try await chat.updateSession(uid: user.uid, id: sessionId, title: title, starred: nil, now: Clock.nowMicros())
        }
        return .ok(.init(body: .json(.init(title: title))))
    }
}
