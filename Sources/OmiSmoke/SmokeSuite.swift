import Foundation
import OmiClient

/// The desktop's flows against any server (issue 11), in the order the app performs them. Every answer is decoded
/// with the generated types, then checked for what the contracts add: zoned datetimes everywhere, both keys of the
/// paired fields, top-level `null`, `metadata` as JSON text. What a group creates carries a unique marker and is
/// deleted at the end of the group; nothing else is changed.
public struct SmokeSuite: Sendable {
    public static let groups = ["session", "chat", "tasks", "conversations", "memories", "goals", "apps", "screen",
                                "updates", "agent"]

    let client: Client
    let publicClient: Client
    let recorder: CallRecorder
    /// Distinguishes this run's records from the account's own.
    let marker: String

    public init(baseURL: URL, token: String, transport: (any ClientTransport)? = nil) {
        recorder = CallRecorder()
        client = OmiClient.make(baseURL: baseURL, token: { token }, transport: transport, middlewares: [recorder])
        publicClient = OmiClient.make(baseURL: baseURL, token: { nil }, transport: transport, middlewares: [recorder])
        marker = "omi-smoke-" + String(UUID().uuidString.prefix(8)).lowercased()
    }

    /// Runs every group, or only `only`; `print` receives each line as it happens.
    public func run(only: String? = nil, print: @escaping @Sendable (String) -> Void = { Swift.print($0) }) async -> [SmokeLine] {
        let runner = SmokeRunner(client: client, publicClient: publicClient, recorder: recorder, print: print)
        for group in Self.groups where only == nil || only == group {
            runner.group = group
            switch group {
            case "session": await session(runner)
            case "chat": await chat(runner)
            case "tasks": await tasks(runner)
            case "conversations": await conversations(runner)
            case "memories": await memories(runner)
            case "goals": await goals(runner)
            case "apps": await apps(runner)
            case "screen": await screen(runner)
            case "updates": await updates(runner)
            default: await agent(runner)
            }
            await runner.finishGroup()
        }
        return runner.lines
    }

    /// Sign-in and the settings the app loads right after.
    func session(_ r: SmokeRunner) async {
        let api = client
        await r.call("GET /health") { try await publicClient.health().ok.body.json }
        await r.call("GET /v1/users/profile") { try await api.getProfile().ok.body.json }
        await r.call("GET /v1/users/language") { try await api.getLanguage().ok.body.json }
        await r.call("GET /v1/users/assistant-settings") { try await api.getAssistantSettings().ok.body.json }
        await r.call("GET /v1/users/transcription-preferences") { try await api.getTranscriptionPreferences().ok.body.json }
        await r.call("GET /v1/users/notification-settings") { try await api.getNotificationSettings().ok.body.json }
        await r.call("GET /v1/users/store-recording-permission",
                     checks: { ContractChecks.sameValue("store_recording_permission", "enabled", in: $0) }) {
            try await api.getRecordingPermission().ok.body.json
        }
        await r.call("GET /v1/users/private-cloud-sync",
                     checks: { ContractChecks.sameValue("private_cloud_sync_enabled", "enabled", in: $0) }) {
            try await api.getPrivateCloudSync().ok.body.json
        }
        await r.call("GET /v1/users/ai-profile", checks: ContractChecks.nullOrObject) {
            try await api.getAIProfile().ok.body.json
        }
        await r.call("GET /v1/users/me/subscription") { try await api.getSubscription().ok.body.json }
        await r.call("GET /v1/users/me/usage-quota") { try await api.getUsageQuota().ok.body.json }
        await r.call("GET /v1/config/api-keys") { try await api.getClientAPIKeys().ok.body.json }
    }

    func chat(_ r: SmokeRunner) async {
        let api = client
        guard let session = await r.call("POST /v2/chat-sessions", { try await api.createChatSession(
            body: .json(.init(title: marker))).ok.body.json }) else { return }
        r.cleanup("DELETE /v2/chat-sessions/{id}") {
            _ = try await api.deleteChatSession(path: .init(sessionId: session.id)).ok.body.json
        }
        await r.call("POST /v2/desktop/messages") {
            try await api.saveDesktopMessage(body: .json(.init(
                text: "smoke check", sender: .human, sessionId: session.id, metadata: #"{"smoke":true}"#,
                clientMessageId: marker))).ok.body.json
        }
        await r.call("GET /v2/desktop/messages?session_id", checks: { json in
            ContractChecks.metadataIsText(json as? [Any] ?? [])
        }) {
            let messages = try await api.listDesktopMessages(query: .init(sessionId: session.id)).ok.body.json
            guard messages.map(\.text) == ["smoke check"] else { throw SmokeFailure("the saved message is not listed") }
            return messages
        }
        await r.call("GET /v2/chat-sessions/{id}") {
            try await api.getChatSession(path: .init(sessionId: session.id)).ok.body.json
        }
        await r.call("GET /v2/desktop/messages/reconcile") {
            try await api.reconcileDesktopMessages(query: .init(limit: 10)).ok.body.json
        }
        await r.call("GET /v1/users/stats/chat-messages") { try await api.countChatMessages().ok.body.json }
    }

    func tasks(_ r: SmokeRunner) async {
        let api = client
        if let task = await r.call("POST /v1/action-items", checks: { ContractChecks.metadataIsText([$0 as Any]) }, {
            try await api.createActionItem(body: .json(.init(
                description: "\(marker) task", metadata: .string(#"{"smoke":true}"#)))).ok.body.json
        }) {
            r.cleanup("DELETE /v1/action-items/{id}") {
                _ = try await api.deleteActionItem(path: .init(actionItemId: task.id)).noContent
            }
            await r.call("PATCH /v1/action-items/{id}/completed") {
                try await api.setActionItemCompleted(path: .init(actionItemId: task.id),
                                                     query: .init(completed: "true")).ok.body.json
            }
        }
        await r.call("GET /v1/action-items", checks: { json in
            var problems = ContractChecks.keys(["action_items", "items", "has_more"], in: json)
            let object = json as? [String: Any]
            let ids = { (key: String) in (object?[key] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String } }
            if problems.isEmpty && ids("action_items") != ids("items") { problems.append("action_items and items differ") }
            return problems + ContractChecks.metadataIsText(object?["action_items"] as? [Any] ?? [])
        }) { try await api.listActionItems(query: .init(limit: 50)).ok.body.json }

        if let staged = await r.call("POST /v1/staged-tasks", {
            try await api.createStagedTask(body: .json(.init(description: "\(marker) suggestion", relevanceScore: 1)))
                .ok.body.json
        }) {
            r.cleanup("DELETE /v1/staged-tasks/{id}") {
                _ = try await api.deleteStagedTask(path: .init(taskId: staged.id)).ok.body.json
            }
            await r.call("GET /v1/staged-tasks") { try await api.listStagedTasks(query: .init(limit: 50)).ok.body.json }
            // Promotion by id touches only this run's suggestion; the task it makes is removed too.
            if let promoted = await r.call("POST /v1/staged-tasks/{id}/promote", {
                try await api.promoteStagedTaskById(path: .init(taskId: staged.id)).ok.body.json
            }), let id = promoted.promotedTask?.id {
                r.cleanup("DELETE /v1/action-items/{promoted}") {
                    _ = try await api.deleteActionItem(path: .init(actionItemId: id)).noContent
                }
            }
        }
        await r.call("GET /v1/scores") { try await api.getScores().ok.body.json }
        await r.call("GET /v1/daily-score") { try await api.getDailyScore().ok.body.json }
    }

    func conversations(_ r: SmokeRunner) async {
        let api = client
        // Under 20 words, so a server with a language model derives no memories or tasks from it.
        let segments: [Components.Schemas.FromSegmentsRequest.TranscriptSegmentsPayloadPayload] = [
            .init(text: "Smoke check of the conversation routes.", start: 0, end: 4),
        ]
        guard let created = await r.call("POST /v1/conversations/from-segments", {
            try await api.createConversationFromSegments(body: .json(.init(
                transcriptSegments: segments, clientConversationId: marker, source: "desktop"))).ok.body.json
        }) else { return }
        r.cleanup("DELETE /v1/conversations/{id}") {
            _ = try await api.deleteConversation(path: .init(conversationId: created.id)).ok.body.json
        }
        await r.call("GET /v1/conversations/{id}") {
            try await api.getConversation(path: .init(conversationId: created.id)).ok.body.json
        }
        await r.call("GET /v1/conversations") { try await api.listConversations(query: .init(limit: 10)).ok.body.json }
        await r.call("GET /v1/conversations/count") { try await api.countConversations().ok.body.json }
        await r.call("PATCH /v1/conversations/{id}/starred") {
            try await api.starConversation(path: .init(conversationId: created.id), query: .init(starred: "true")).ok.body.json
        }
        if let folder = await r.call("POST /v1/folders", {
            try await api.createFolder(body: .json(.init(name: marker))).ok.body.json
        }) {
            r.cleanup("DELETE /v1/folders/{id}") {
                _ = try await api.deleteFolder(path: .init(folderId: folder.id)).noContent
            }
            await r.call("PATCH /v1/conversations/{id}/folder") {
                try await api.moveConversationToFolder(path: .init(conversationId: created.id),
                                                       body: .json(.init(folderId: folder.id))).ok.body.json
            }
        }
        await r.call("GET /v1/folders") { try await api.listFolders().ok.body.json }
    }

    func memories(_ r: SmokeRunner) async {
        let api = client
        if let memory = await r.call("POST /v3/memories", {
            try await api.createMemory(body: .json(.init(content: "\(marker) likes smoke tests"))).ok.body.json
        }) {
            r.cleanup("DELETE /v3/memories/{id}") {
                _ = try await api.deleteMemory(path: .init(memoryId: memory.memory.id)).ok.body.json
            }
            await r.call("PATCH /v3/memories/{id}") {
                try await api.editMemory(path: .init(memoryId: memory.memory.id),
                                         body: .json(.init(value: "\(marker) likes smoke tests a lot"))).ok.body.json
            }
        }
        await r.call("GET /v3/memories") { try await api.listMemories(query: .init(limit: 50)).ok.body.json }
        await r.call("GET /v1/knowledge-graph", checks: { ContractChecks.keys(["nodes", "edges"], in: $0) }) {
            try await api.getKnowledgeGraph().ok.body.json
        }
    }

    func goals(_ r: SmokeRunner) async {
        let api = client
        if let goal = await r.call("POST /v1/goals", {
            try await api.createGoal(body: .json(.init(title: marker, targetValue: 10, goalType: .numeric))).ok.body.json
        }) {
            r.cleanup("DELETE /v1/goals/{id}") { _ = try await api.deleteGoal(path: .init(goalId: goal.id)).ok.body.json }
            await r.call("PATCH /v1/goals/{id}/progress") {
                try await api.setGoalProgress(path: .init(goalId: goal.id), query: .init(currentValue: 3)).ok.body.json
            }
        }
        await r.call("GET /v1/goals", checks: ContractChecks.nullOrObject) { try await api.getCurrentGoal().ok.body.json }
        await r.call("GET /v1/goals/all") { try await api.listActiveGoals().ok.body.json }
    }

    func apps(_ r: SmokeRunner) async {
        let api = client
        await r.call("GET /v1/apps") { try await api.listApps().ok.body.json }
        await r.call("GET /v2/apps") { try await api.listAppsV2().ok.body.json }
        await r.call("GET /v1/apps/enabled") { try await api.listEnabledApps().ok.body.json }
        await r.call("GET /v1/app-categories") { try await api.listAppCategories().ok.body.json }
        await r.call("GET /v1/personas", checks: ContractChecks.nullOrObject) { try await api.getPersona().ok.body.json }
    }

    /// Screen sync with an empty batch (the contract's no-op), so the account's activity is never touched.
    func screen(_ r: SmokeRunner) async {
        let api = client
        await r.call("POST /v1/screen-activity/sync", checks: { ContractChecks.keys(["synced", "last_id"], in: $0) }) {
            try await api.syncScreenActivity(body: .json(.init(rows: []))).ok.body.json
        }
        await r.call("GET /v1/screen-activity/summary") { try await api.getScreenActivitySummary().ok.body.json }
        if let session = await r.call("POST /v1/focus-sessions", {
            try await api.createFocusSession(body: .json(.init(status: .focused, appOrSite: marker,
                                                               description: "smoke check"))).ok.body.json
        }) {
            r.cleanup("DELETE /v1/focus-sessions/{id}") {
                _ = try await api.deleteFocusSession(path: .init(sessionId: session.id)).ok.body.json
            }
        }
        await r.call("GET /v1/focus-sessions") { try await api.listFocusSessions().ok.body.json }
        await r.call("GET /v1/focus-stats") { try await api.getFocusStats().ok.body.json }
        await r.call("GET /v1/advice") { try await api.listAdvice().ok.body.json }
    }

    func updates(_ r: SmokeRunner) async {
        await r.call("GET /v2/desktop/appcast.xml") {
            let body = try await publicClient.getAppcast().ok.body.applicationXmlCharsetUtf8
            let data = try await Data(collecting: body, upTo: 4 * 1024 * 1024)
            let text = String(decoding: data, as: UTF8.self)
            guard text.contains("<rss"), text.contains("xmlns:sparkle") else { throw SmokeFailure("not a Sparkle feed") }
            return text
        }
        // 404 "No live releases found" is the documented answer of a server with no release yet.
        await r.call("GET /updates/latest", alsoAccepted: [404]) { () -> Void in
            switch try await publicClient.getLatestUpdate() {
            case .ok(let ok): _ = try ok.body.json
            case .notFound(let missing): _ = try missing.body.json
            default: throw SmokeFailure("an undocumented answer")
            }
        }
        await r.call("GET /v2/desktop/update-policy") { try await publicClient.getUpdatePolicy().ok.body.json }
    }

    /// The desktop polls these; a valid token must never be answered 401.
    func agent(_ r: SmokeRunner) async {
        let api = client
        await r.call("GET /v2/agent/status", checks: ContractChecks.nullOrObject) {
            try await api.getAgentVMStatus().ok.body.json
        }
        await r.call("GET /v1/agent/vm-status") { try await api.getAgentVMStatusV1().ok.body.json }
    }
}

struct SmokeFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
