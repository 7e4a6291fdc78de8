import Foundation
import HTTPTypes
import OmiContract
import OmiStorage
import Testing
@testable import OmiServer

@Suite("Account deletion (users.md §15)")
struct AccountDeletionTests {
    /// Tables that hold no per-user rows, or only rows another table's deletion removes. `update_policy` is the
    /// operator's one banner record; the release tables hold the operator's manifests and channel pointers.
    static func exempt(_ table: String) -> Bool {
        ["schema_migrations", "account_tombstones", "update_policy", "release_manifests", "channel_pointers",
         "channel_history"].contains(table) || table.hasPrefix("sqlite_")
            || table.contains("_fts")
    }

    static func userTables(_ h: TestHarness) async throws -> [String] {
        let kind = h.database.kind
        return try await h.database.withConnection { db in try await SQLAccountRepository.userTables(db, kind: kind) }
    }

    /// Row counts of one user in every table with a `uid` column.
    static func counts(_ h: TestHarness, _ uid: String) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in try await userTables(h) { counts[table] = try await h.count(table, uid: uid) }
        return counts
    }

    /// A table added later without a `uid` column would escape deletion; this names it.
    @Test(arguments: TestEngine.available)
    func everyTableWithUserDataIsKeyedByUid(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let kind = h.database.kind
            let all = try await h.database.withConnection { db in try await SQLAccountRepository.allTables(db, kind: kind) }
            let keyed = Set(try await Self.userTables(h))
            let escaping = all.filter { !Self.exempt($0) && !keyed.contains($0) }
            #expect(escaping.isEmpty, "tables without a uid column: \(escaping)")
            #expect(keyed.isSuperset(of: ["users", "chat_messages", "action_items", "staged_tasks", "conversations", "folders",
                                          "memories", "goals", "goal_history", "kg_nodes", "kg_edges", "task_shares",
                                          "llm_usage", "people", "export_runs", "focus_sessions", "advice",
                                          "screen_activity", "personas", "app_enablements", "app_reviews"]))
        }
    }

    /// Writes through the routes of every domain as `uid`; returns an action-item share token.
    static func populate(_ h: TestHarness, _ uid: String) async throws -> String {
        @discardableResult
        func ok(_ method: HTTPRequest.Method, _ path: String, _ json: String? = nil) async throws -> Reply {
            let r = try await h.call(method, path, as: uid, json: json)
            try #require((200..<300).contains(r.status), "\(path): \(r.text.prefix(200))")
            return r
        }
        let session = try #require(try await ok(.post, "/v2/chat-sessions", #"{"title":"t"}"#).json["id"].string)
        let message = try #require(try await ok(.post, "/v2/desktop/messages",
                                                #"{"text":"hi","sender":"human","session_id":"\#(session)"}"#).json["id"].string)
        try await ok(.patch, "/v2/desktop/messages/\(message)/rating", #"{"rating":1}"#)
        try await ok(.post, "/v2/messages/share", #"{"message_ids":["\#(message)"]}"#)
        let task = try #require(try await ok(.post, "/v1/action-items", #"{"description":"Task of \#(uid)"}"#).json["id"].string)
        let token = try #require(try await ok(.post, "/v1/action-items/share", #"{"task_ids":["\#(task)"]}"#).json["token"].string)
        try await ok(.post, "/v1/staged-tasks", #"{"description":"Suggestion of \#(uid)","relevance_score":1}"#)
        try await ok(.post, "/v1/staged-tasks/promote")
        try await ok(.post, "/v1/staged-tasks", #"{"description":"Second suggestion"}"#)
        try await ok(.post, "/v1/conversations/from-segments",
                     #"{"transcript_segments":[{"text":"Plan the launch of \#(uid).","start":0,"end":2}]}"#)
        // The first folder call makes the ten system folders.
        #expect(try await ok(.get, "/v1/folders").json.array.count == 10)
        try await ok(.post, "/v1/folders", #"{"name":"Mine"}"#)
        let memory = try #require(try await ok(.post, "/v3/memories", #"{"content":"Memory of \#(uid)"}"#).json["id"].string)
        let goal = try #require(try await ok(.post, "/v1/goals", #"{"title":"Goal","target_value":10}"#).json["id"].string)
        try await ok(.patch, "/v1/goals/\(goal)/progress?current_value=3")
        try await h.seedGraphNode(uid: uid, id: "n1", label: "Ana", memoryIds: [memory])
        try await h.seedGraphEdge(uid: uid, id: "n1_knows_n1", sourceId: "n1", targetId: "n1", label: "knows", memoryIds: [memory])
        try await ok(.patch, "/v1/users/profile", #"{"job":"Engineer","time_zone":"Europe/Berlin"}"#)
        try await ok(.patch, "/v1/users/assistant-settings", #"{"focus":{"enabled":true},"update_channel":"beta"}"#)
        try await ok(.patch, "/v1/users/ai-profile", #"{"profile_text":"Profile of \#(uid)"}"#)
        try await ok(.post, "/v1/users/me/llm-usage", #"{"input_tokens":10,"cost_usd":0.5,"account":"omi"}"#)
        try await ok(.post, "/v1/users/people", #"{"name":"Person of \#(uid)"}"#)
        try await ok(.post, "/v1/focus-sessions", #"{"status":"distracted","app_or_site":"Site of \#(uid)","description":"d"}"#)
        try await ok(.post, "/v1/advice", #"{"content":"Advice for \#(uid)"}"#)
        let stamp = Timestamp.format(micros: Clock.nowMicros())
        try await ok(.post, "/v1/screen-activity/sync", #"""
            {"rows":[{"id":42,"timestamp":"\#(stamp)","appName":"Notes","ocrText":"Screen of \#(uid)","embedding":[0.5,-0.25],
             "clientDeviceId":"macos_shared"}]}
            """#)
        let persona = try #require(try await ok(.post, "/v1/personas", #"{"name":"Persona of \#(uid)"}"#).json["id"].string)
        try await ok(.post, "/v1/apps/enable?app_id=\(persona)")
        try await ok(.post, "/v1/apps/enable?app_id=meeting-notes")
        try await ok(.post, "/v1/apps/review", #"{"app_id":"meeting-notes","score":5,"review":"Review of \#(uid)"}"#)
        try await ok(.post, "/v1/users/me/byok-active", #"{"fingerprints":{"openai":"\#(String(repeating: "a", count: 64))"}}"#)
        return token
    }

    @Test(arguments: TestEngine.available)
    func deletionLeavesNoRowAndSparesOthers(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let tokenA = try await Self.populate(h, "user-a")
            _ = try await Self.populate(h, "user-b")
            // B accepts A's share: the acceptance record goes with A's share; B's copies stay B's.
            #expect(try await h.call(.post, "/v1/action-items/accept", as: "user-b", json: #"{"token":"\#(tokenA)"}"#).status == 200)
            let before = try await Self.counts(h, "user-a")
            for table in ["users", "chat_messages", "chat_sessions", "usage_events", "action_items", "staged_tasks",
                          "conversations", "folders", "memories", "goals", "goal_history", "kg_nodes", "kg_edges",
                          "task_shares", "chat_shares", "chat_message_ratings", "llm_usage", "people", "focus_sessions", "advice",
                          "screen_activity", "personas", "app_enablements", "app_reviews"] {
                #expect(before[table, default: 0] > 0, "\(table) was not populated")
            }
            var othersBefore = try await Self.counts(h, "user-b")

            let r = try await h.call(.delete, "/v1/users/delete-account")
            #expect(r.status == 200 && r.json == .object(["status": .string("ok"), "message": .string("Account deletion started")]))
            let after = try await Self.counts(h, "user-a")
            #expect(after.filter { $0.value > 0 }.isEmpty, "rows left: \(after.filter { $0.value > 0 })")
            othersBefore["task_share_acceptances"]! -= 1
            #expect(try await Self.counts(h, "user-b") == othersBefore)
            if engine == .sqlite {
                // The search index keeps only B's entries.
                let entries = try await h.database.withConnection { db in
                    (try await db.raw("SELECT COUNT(*) AS n FROM conversations_fts").first()?.decode(column: "n", as: Int.self),
                     try await db.raw("SELECT COUNT(*) AS n FROM memories_fts").first()?.decode(column: "n", as: Int.self))
                }
                #expect(entries.0 == othersBefore["conversations"] && entries.1 == othersBefore["memories"])
            }
            let search = try await h.call(.post, "/v1/conversations/search", as: "user-b", json: #"{"query":"launch"}"#)
            #expect(search.json["items"].array.count == 1)
            #expect(try await h.call(.get, "/v1/action-items/shared/\(tokenA)", as: nil).status == 404)
        }
    }

    @Test(arguments: TestEngine.available)
    func oldTokensAreRefusedRetriesSucceedAndNewTokensStartFresh(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            _ = try await Self.populate(h, "user-a")
            // A token issued before the deletion, as a desktop sync loop still in flight would hold.
            let old = TestIdentityProvider.primary.token(uid: "user-a", claims: ["iat": Int(Date().timeIntervalSince1970) - 1])
            let auth: HTTPFields = [.authorization: "Bearer \(old)"]
            #expect(try await h.call(.delete, "/v1/users/delete-account", json: #"{"reason":"leaving"}"#,
                                     headers: auth).status == 200)
            let stale = try await h.call(.get, "/v1/users/profile", headers: auth)
            #expect(stale.status == 401 && stale.detail == "Invalid authorization token")
            #expect(try await h.call(.post, "/v1/action-items", json: #"{"description":"resurrect"}"#, headers: auth).status == 401)
            let retry = try await h.call(.delete, "/v1/users/delete-account", headers: auth)
            #expect(retry.status == 200 && retry.json["status"].string == "ok")
            #expect(try await Self.counts(h, "user-a").values.allSatisfy { $0 == 0 })

            let fresh = TestIdentityProvider.primary.token(uid: "user-a", claims: ["iat": Int(Date().timeIntervalSince1970) + 5])
            let freshAuth: HTTPFields = [.authorization: "Bearer \(fresh)"]
            let list = try await h.call(.get, "/v1/action-items", headers: freshAuth)
            #expect(list.status == 200 && list.json["items"].array.isEmpty)
            #expect(try await h.count("users") == 1)
            // Every setting is back to its default, the BYOK enrolment included.
            let profile = try await h.call(.get, "/v1/users/profile", headers: freshAuth).json
            #expect(profile["uid"].string == "user-a" && profile["job"].isNull && profile["time_zone"].isNull)
            #expect(try await h.call(.get, "/v1/users/assistant-settings", headers: freshAuth).json == .object([:]))
            #expect(try await h.call(.get, "/v1/users/ai-profile", headers: freshAuth).text == "null")
            #expect(try await h.call(.get, "/v1/users/people", headers: freshAuth).json == .array([]))
            var wrongKey = freshAuth
            wrongKey[HTTPField.Name("X-BYOK-OpenAI")!] = "sk-not-the-enrolled-key"
            #expect(try await h.call(.get, "/v1/users/language", headers: wrongKey).status == 200)
        }
    }

    @Test(arguments: TestEngine.available)
    func aRunningDeletionFencesEveryOtherRoute(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await h.database.withConnection { db in
                try await db.raw("""
                    INSERT INTO account_tombstones (deleted_uid, status, requested_at) VALUES ('user-a', 'running', 0)
                    """).run()
            }
            let fresh = TestIdentityProvider.primary.token(uid: "user-a", claims: ["iat": Int(Date().timeIntervalSince1970) + 5])
            let r = try await h.call(.get, "/v1/action-items", headers: [.authorization: "Bearer \(fresh)"])
            #expect(r.status == 403)
            #expect(r.json["detail"] == .object(["code": .string("account_deletion_in_progress"), "status": .string("running"),
                                                 "retryable": .bool(false)]))
            #expect(try await h.call(.delete, "/v1/users/delete-account").status == 200)
            #expect(try await h.call(.get, "/v1/action-items", as: "user-b").status == 200)
        }
    }

    @Test(arguments: TestEngine.available)
    func badInputDeletesNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            _ = try await Self.populate(h, "user-a")
            let before = try await Self.counts(h, "user-a")
            for body in [#"{"reason":"\#(String(repeating: "r", count: 201))"}"#,
                         #"{"reason_details":"\#(String(repeating: "d", count: 2001))"}"#, #"{"reason":5}"#] {
                #expect(try await h.call(.delete, "/v1/users/delete-account", json: body).status == 422, "\(body.prefix(30))")
            }
            #expect(try await Self.counts(h, "user-a") == before)
            #expect(try await h.call(.get, "/v1/action-items").status == 200)
            #expect(try await h.call(.delete, "/v1/users/delete-account", as: nil).status == 401)
        }
    }

    /// A model still working on a conversation when the account is deleted finds the account gone when it answers,
    /// and writes back neither the conversation nor the memories and task it derived. The uid coming back later as a
    /// new user is processed as anyone else.
    @Test(arguments: TestEngine.available)
    func processingThatOutlivesTheDeletionWritesNothing(engine: TestEngine) async throws {
        typealias M = ConversationModelTests
        let gate = Gate()
        try await TestHarness.run(engine, configure: { $0.conversationProcessingWait = .milliseconds(100) },
                                  languageModel: ReplyModel(reply: { _ in M.fullReply }, gate: gate)) { h in
            let created = try await h.call(.post, ConversationFromSegmentsTests.path, json: M.segments(M.longText))
            #expect(created.json["status"].string == "processing", "\(created.text)")
            #expect(try await h.call(.delete, "/v1/users/delete-account").status == 200)
            gate.open()
            await h.processingJobs.waitForIdle()
            for table in ["conversations", "memories", "action_items"] {
                #expect(try await h.count(table) == 0, "\(table)")
            }
            // A token issued after the deletion brings the uid back as a new user, whose processing writes again.
            let fresh = TestIdentityProvider.primary.token(uid: "user-a", claims: ["iat": Int(Date().timeIntervalSince1970) + 5])
            let again = try await h.call(.post, ConversationFromSegmentsTests.path, json: M.segments(M.longText),
                                         headers: [.authorization: "Bearer \(fresh)"])
            #expect(again.status == 200, "\(again.text)")
            await h.processingJobs.waitForIdle()
            #expect(try await h.count("conversations") == 1)
            #expect(try await h.count("memories") == 3)
            #expect(try await h.count("action_items") == 1)
        }
    }
}
