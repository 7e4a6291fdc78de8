import Foundation
import OmiContract
import OmiStorage

/// users.md §16: every domain of the user's data in the shapes of its read endpoints, without secrets or embeddings.
/// The whole document is built before the first byte, so a failure is a real 500 and never a truncated 200.
extension OmiAPI {
    static let exportPage = 500

    func exportAccount(_ input: Operations.ExportAccount.Input) async throws -> Operations.ExportAccount.Output {
        let user = try RequestValues.requireUser()
        let uid = user.uid
        guard try await users.beginExport(uid: uid, now: Clock.nowMicros(), staleAfter: 600_000_000) else {
            throw APIError(.tooManyRequests, "An export is already in progress")
        }
        do {
            let document = try await exportDocument(user)
            try await users.endExport(uid: uid)
            return .ok(.init(headers: .init(contentDisposition: #"attachment; filename="omi-export.json""#),
                             body: .json(document)))
        } catch {
            try? await users.endExport(uid: uid)
            throw error
        }
    }

    func exportDocument(_ user: AuthenticatedUser) async throws -> Wire.JSONValue {
        let uid = user.uid
        let record = try await settings(user)
        let chatData = try await chat.exportAll(uid: uid)
        let (nodes, edges) = try await graph.graph(uid: uid)
        var document: [String: Wire.JSONValue] = [
            "schema_version": .int(1),
            "exported_at": .string(Timestamp.format(micros: Clock.nowMicros())),
            "profile": try exportProfile(record),
            "conversations": try Self.exportJSON(try await allConversations(uid: uid).map(ConversationMapping.conversation)),
            "memories": try Self.exportJSON(try await allMemories(uid: uid).map { KnowledgeMapping.memory($0, uid: uid) }),
            "people": try Self.exportJSON(try await people.list(uid: uid).map(AccountMapping.person)),
            "action_items": try Self.exportJSON(try await allActionItems(uid: uid).map(TaskMapping.actionItem)),
            "staged_tasks": try Self.exportJSON(try await allStagedTasks(uid: uid).map(TaskMapping.stagedTask)),
            "goals": try Self.exportJSON((try await goals.active(uid: uid) + goals.completed(uid: uid))
                .map(KnowledgeMapping.goal)),
            "folders": try Self.exportJSON(try await folders.list(uid: uid, now: Clock.nowMicros())
                .map(ConversationMapping.folder)),
            "chat_sessions": try Self.exportJSON(chatData.sessions.map(ChatMapping.session)),
            "chat_messages": try Self.exportJSON(chatData.messages.map(ChatMapping.message)),
            "knowledge_graph": .object([
                "nodes": .array(nodes.map { n in .object([
                    "id": .string(n.id), "label": .string(n.label), "node_type": .string(n.nodeType),
                    "aliases": .array(n.aliases.map(Wire.JSONValue.string)),
                    "memory_ids": .array(n.memoryIds.map(Wire.JSONValue.string)),
                    "created_at": .string(Timestamp.format(micros: n.createdAt)),
                    "updated_at": .string(Timestamp.format(micros: n.updatedAt)),
                ]) }),
                "edges": .array(edges.map { e in .object([
                    "id": .string(e.id), "source_id": .string(e.sourceId), "target_id": .string(e.targetId),
                    "label": .string(e.label), "memory_ids": .array(e.memoryIds.map(Wire.JSONValue.string)),
                    "created_at": .string(Timestamp.format(micros: e.createdAt)),
                ]) }),
            ]),
            "llm_usage": .array(try await usage.dayRecords(uid: uid).map(Self.exportUsage)),
            "focus_sessions": try Self.exportJSON(try await focus.list(uid: uid, from: nil, to: nil, limit: nil, offset: 0)
                .map(FocusMapping.session)),
            "advice": try Self.exportJSON(try await allAdvice(uid: uid).map(FocusMapping.advice)),
            // Embeddings stay out: they are derived data, and large.
            "screen_activity": try Self.exportJSON(try await allScreenRows(uid: uid)
                .map { FocusMapping.screenRow($0, includeEmbedding: false) }),
        ]
        // The apps a user owns are at most their persona; catalogue apps belong to the operator.
        if let persona = try await apps.persona(uid: uid) {
            document["apps"] = .array([try Self.exportJSON(try await wirePersona(persona))])
        }
        // Daily summaries are produced by no route of this server yet: nothing to export.
        for key in ["daily_summaries", "apps"] where document[key] == nil {
            document[key] = .array([])
        }
        return .object(document)
    }

    /// The profile with every setting of users.md §3–§10; the BYOK enrolment is a secret and stays out.
    func exportProfile(_ s: AccountSettings) throws -> Wire.JSONValue {
        guard case .object(var profile) = try Self.exportJSON(AccountMapping.profile(s)) else { return .null }
        profile["language"] = .string(s.language ?? "")
        profile["transcription_preferences"] = try Self.exportJSON(AccountMapping.transcription(s))
        profile["daily_summary"] = .object([
            "enabled": .bool(AccountMapping.dailySummaryEnabled(s)),
            "hour": .int(Int64(AccountMapping.dailySummaryHour(s))),
        ])
        profile["store_recording_permission"] = .bool(AccountMapping.recordingPermission(s))
        profile["private_cloud_sync_enabled"] = .bool(AccountMapping.privateCloudSync(s))
        profile["notification_settings"] = .object([
            "enabled": .bool(AccountMapping.notificationsEnabled(s)),
            "frequency": .int(Int64(AccountMapping.notificationFrequency(s))),
        ])
        profile["assistant_settings"] = AccountMapping.assistantSettings(s)
        profile["ai_profile"] = try Self.exportJSON(Wire.OptionalAIProfile(AccountMapping.aiProfile(s)))
        return .object(profile)
    }

    static func exportUsage(_ r: UsageDayRecord) -> Wire.JSONValue {
        .object([
            "day": .string(r.day), "bucket": .string(r.bucket), "model": .string(r.model),
            "input_tokens": .int(r.counters.inputTokens), "output_tokens": .int(r.counters.outputTokens),
            "cache_read_tokens": .int(r.counters.cacheReadTokens), "cache_write_tokens": .int(r.counters.cacheWriteTokens),
            "total_tokens": .int(r.counters.totalTokens), "cost_usd": .double(r.counters.costUSD),
            "call_count": .int(r.callCount),
        ])
    }

    /// A wire value as JSON, datetimes in the server's UTC form.
    static func exportJSON<T: Encodable>(_ value: T) throws -> Wire.JSONValue {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(Timestamp.format(date))
        }
        return try JSONDecoder().decode(Wire.JSONValue.self, from: encoder.encode(value))
    }

    /// Reads pages of `exportPage` from `offset` 0 until a short page: every row, whatever the table's size.
    static func everyPage<T>(_ fetch: (_ limit: Int, _ offset: Int) async throws -> [T]) async throws -> [T] {
        var all: [T] = []
        while true {
            let page = try await fetch(exportPage, all.count)
            all += page
            if page.count < exportPage { return all }
        }
    }

    func allConversations(uid: String) async throws -> [ConversationRecord] {
        try await Self.everyPage { try await conversations.list(uid: uid, filter: ConversationFilter(), limit: $0, offset: $1) }
    }

    /// Dismissed and rejected memories too: it is the user's data.
    func allMemories(uid: String) async throws -> [MemoryRecord] {
        var filter = MemoryFilter()
        filter.includeDismissed = true
        filter.includeRejected = true
        return try await Self.everyPage { try await memories.list(uid: uid, filter: filter, limit: $0, offset: $1) }
    }

    /// Soft-deleted tasks too.
    func allActionItems(uid: String) async throws -> [ActionItemRecord] {
        var all: [ActionItemRecord] = []
        for deleted in [false, true] {
            var filter = ActionItemFilter()
            filter.deleted = deleted
            all += try await Self.everyPage { try await tasks.list(uid: uid, filter: filter, limit: $0, offset: $1).items }
        }
        return all
    }

    /// Dismissed items too.
    func allAdvice(uid: String) async throws -> [AdviceRecord] {
        try await Self.everyPage {
            try await advices.list(uid: uid, category: nil, includeDismissed: true, limit: $0, offset: $1)
        }
    }

    func allScreenRows(uid: String) async throws -> [ScreenRowRecord] {
        let base = try screenQuery(date: nil)
        return try await Self.everyPage { limit, offset in
            var query = base
            query.limit = limit
            query.offset = offset
            return try await screenActivity.list(uid: uid, query, now: Clock.nowMicros())
        }
    }

    func allStagedTasks(uid: String) async throws -> [StagedTaskRecord] {
        try await Self.everyPage { try await staged.list(uid: uid, limit: $0, offset: $1).items }
    }
}
