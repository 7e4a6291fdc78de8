import Foundation
import Testing
@testable import OmiServer

@Suite("Desktop chat messages (chat.md §3)")
struct ChatMessageTests {
    static let messageKeys: Set<String> = [
        "id", "text", "created_at", "sender", "type", "app_id", "plugin_id", "session_id", "chat_session_id", "rating",
        "reported", "metadata", "content_blocks", "client_message_id", "message_source", "journal_revision",
        "from_external_integration", "memories_id", "files_id",
    ]

    func session(_ h: TestHarness, app: String? = nil, as uid: String = TestHarness.defaultUser) async throws -> String {
        let body = app.map { #"{"app_id":"\#($0)"}"# } ?? "{}"
        return try #require(try await h.call(.post, "/v2/chat-sessions", as: uid, json: body).json["id"].string)
    }

    func markReported(_ h: TestHarness, _ id: String) async throws {
        try await h.database.withConnection { db in
            try await db.raw("UPDATE chat_messages SET reported = \(bind: true) WHERE id = \(bind: id)").run()
        }
    }

    @Test(arguments: TestEngine.available)
    func saveMovesTheSessionInOneStep(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let sid = try await session(h)
            let text = String(repeating: "😀", count: 150)
            let saved = try await h.call(.post, "/v2/desktop/messages",
                                         json: #"{"text":"\#(text)","sender":"human","session_id":"\#(sid)"}"#)
            #expect(saved.status == 200)
            #expect(saved.json.keys == ["id", "created_at", "session_id", "created", "updated", "journal_revision"])
            #expect(saved.json["created"].bool == true && saved.json["updated"].bool == false)
            let s = try await h.call(.get, "/v2/chat-sessions/\(sid)").json
            #expect(s["message_count"].int == 1)
            #expect(s["preview"].string == String(repeating: "😀", count: 100))
            #expect(s["updated_at"].string == saved.json["created_at"].string)
        }
    }

    @Test(arguments: TestEngine.available)
    func saveWithoutSessionReusesTheNewestOrCreatesOne(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            // Two concurrent first saves create exactly one session.
            async let a = h.call(.post, "/v2/desktop/messages", json: #"{"text":"one","sender":"human"}"#)
            async let b = h.call(.post, "/v2/desktop/messages", json: #"{"text":"two","sender":"ai"}"#)
            let (ra, rb) = try await (a, b)
            #expect(ra.status == 200 && rb.status == 200)
            #expect(ra.json["session_id"].string == rb.json["session_id"].string)
            #expect(try await h.count("chat_sessions") == 1)
            let older = try await session(h)
            _ = older
            let newest = try await session(h)
            let third = try await h.call(.post, "/v2/desktop/messages", json: #"{"text":"three","sender":"human"}"#)
            #expect(third.json["session_id"].string == newest)
            // The app scope has its own sessions.
            let app = try await h.call(.post, "/v2/desktop/messages", json: #"{"text":"x","sender":"human","app_id":"p"}"#)
            #expect(app.json["session_id"].string != newest)
            #expect(try await h.call(.get, "/v2/chat-sessions?app_id=p").json[0]["message_count"].int == 1)
            // An unknown session id is kept on the message, and no session row appears.
            let local = try await h.call(.post, "/v2/desktop/messages", json: #"{"text":"l","sender":"human","session_id":"local-1"}"#)
            #expect(local.json["session_id"].string == "local-1")
            #expect(try await h.count("chat_sessions") == 4)
        }
    }

    @Test(arguments: TestEngine.available)
    func replaysAreIdempotent(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let sid = try await session(h)
            let body = #"{"text":"hello","sender":"human","session_id":"\#(sid)","client_message_id":"turn-1","metadata":"{\"b\":1,\"a\":[1]}"}"#
            let first = try await h.call(.post, "/v2/desktop/messages", json: body)
            let second = try await h.call(.post, "/v2/desktop/messages", json: body)
            #expect(first.json["id"].string == "turn-1" && second.json["id"].string == "turn-1")
            #expect(second.json["created"].bool == false && second.json["updated"].bool == false)
            #expect(second.json["created_at"].string == first.json["created_at"].string)
            #expect(try await h.call(.get, "/v2/chat-sessions/\(sid)").json["message_count"].int == 1)
            #expect(try await h.count("usage_events") == 1)
            // A replay may omit the session it was auto-assigned.
            let noSession = try await h.call(.post, "/v2/desktop/messages",
                                             json: #"{"text":"hello","sender":"human","client_message_id":"turn-1","metadata":"{\"b\":1,\"a\":[1]}"}"#)
            #expect(noSession.status == 200 && noSession.json["created"].bool == false)
            for conflicting in [
                #"{"text":"other","sender":"human","client_message_id":"turn-1","metadata":"{\"b\":1,\"a\":[1]}"}"#,
                #"{"text":"hello","sender":"ai","client_message_id":"turn-1","metadata":"{\"b\":1,\"a\":[1]}"}"#,
                #"{"text":"hello","sender":"human","app_id":"x","client_message_id":"turn-1","metadata":"{\"b\":1,\"a\":[1]}"}"#,
                #"{"text":"hello","sender":"human","client_message_id":"turn-1","metadata":"{\"a\":[1],\"b\":1}"}"#,
            ] {
                let r = try await h.call(.post, "/v2/desktop/messages", json: conflicting)
                #expect(r.status == 409)
                #expect(r.detail == "client_message_id payload conflict")
            }
            let stored = try await h.call(.get, "/v2/desktop/messages?session_id=\(sid)").json[0]
            #expect(stored["text"].string == "hello")
            #expect(stored["metadata"].string == #"{"b":1,"a":[1]}"#)
        }
    }

    @Test(arguments: TestEngine.available)
    func journalRevisions(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            func save(_ text: String, _ revision: Int) async throws -> Reply {
                try await h.call(.post, "/v2/desktop/messages",
                                 json: #"{"text":"\#(text)","sender":"ai","client_message_id":"j","journal_revision":\#(revision)}"#)
            }
            #expect(try await save("v10", 10).json["created"].bool == true)
            let newer = try await save("v12", 12)
            #expect(newer.json["updated"].bool == true && newer.json["journal_revision"].int == 12)
            let stale = try await save("v9", 9)
            #expect(stale.status == 200 && stale.json["updated"].bool == false && stale.json["journal_revision"].int == 12)
            #expect(try await save("other", 12).status == 409)
            #expect(try await save("v12", 12).json["created"].bool == false)
            #expect(try await h.call(.get, "/v2/desktop/messages").json[0]["text"].string == "v12")
            #expect(try await save("zero", 0).status == 422)
        }
    }

    @Test(arguments: TestEngine.available)
    func saveBoundsAreEnforcedAndNothingIsStored(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let tooLong = String(repeating: "a", count: 100_001)
            for body in [
                #"{"text":"","sender":"human"}"#,
                #"{"text":"\#(tooLong)","sender":"human"}"#,
                #"{"text":"x","sender":"bot"}"#,
                #"{"text":"x","sender":"human","metadata":{"a":1}}"#,
                #"{"text":"x","sender":"human","message_source":"web"}"#,
                #"{"text":"x","sender":"human","client_message_id":"has space"}"#,
                #"{"text":"x","sender":"human","journal_revision":9007199254740992}"#,
                #"{"text":"x"}"#,
                #"{"sender":"human"}"#,
                #"{"text":5,"sender":"human"}"#,
                #"{"text":"x","sender":"human""#,
            ] {
                let r = try await h.call(.post, "/v2/desktop/messages", json: body)
                #expect(r.status == 422, "\(body.prefix(80))")
                #expect(r.json["detail"].array.first?["loc"][0].string == "body", "\(body.prefix(80))")
            }
            let missing = try await h.call(.post, "/v2/desktop/messages", json: #"{"sender":"human"}"#)
            #expect(missing.json["detail"][0]["type"].string == "missing")
            #expect(missing.json["detail"][0]["loc"][1].string == "text")
            #expect(try await h.count("chat_messages") == 0)
            #expect(try await h.count("chat_sessions") == 0)
            let whitespace = try await h.call(.post, "/v2/desktop/messages", json: #"{"text":"   ","sender":"human"}"#)
            #expect(whitespace.status == 200)
            let maxText = String(repeating: "a", count: 100_000)
            #expect(try await h.call(.post, "/v2/desktop/messages", json: #"{"text":"\#(maxText)","sender":"ai"}"#).status == 200)
        }
    }

    @Test(arguments: TestEngine.available)
    func listingIsNewestFirstWithoutReportedRows(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let sid = try await session(h)
            for i in 0..<5 {
                try await h.call(.post, "/v2/desktop/messages",
                                 json: #"{"text":"m\#(i)","sender":"human","session_id":"\#(sid)","client_message_id":"m\#(i)","metadata":"{\"k\": \"v\"}","content_blocks":[{"type":"text","n":\#(i)}]}"#)
            }
            try await h.call(.post, "/v2/desktop/messages", json: #"{"text":"app","sender":"human","app_id":"x"}"#)
            try await markReported(h, "m3")
            let page = try await h.call(.get, "/v2/desktop/messages?limit=3")
            let items = page.json.array
            #expect(items.map { $0["id"].string! } == ["m4", "m2", "m1"])
            #expect(items[0].keys == Self.messageKeys)
            #expect(items[0]["metadata"].string == #"{"k": "v"}"#)
            #expect(items[0]["content_blocks"][0]["n"].int == 4)
            #expect(items[0]["reported"].bool == false && items[0]["rating"].isNull)
            #expect(items[0]["chat_session_id"].string == sid && items[0]["plugin_id"].isNull)
            #expect(try await h.call(.get, "/v2/desktop/messages?limit=3&offset=3").json.array.map { $0["id"].string! } == ["m0"])
            // session_id wins over app_id.
            let bySession = try await h.call(.get, "/v2/desktop/messages?session_id=\(sid)&app_id=x")
            #expect(bySession.json.array.count == 4)
            #expect(try await h.call(.get, "/v2/desktop/messages?app_id=x").json.array.map { $0["text"].string } == ["app"])
            #expect(try await h.call(.get, "/v2/desktop/messages?session_id=unknown").json.array.isEmpty)
            #expect(try await h.call(.get, "/v2/desktop/messages?limit=1001").status == 422)
            #expect(try await h.call(.get, "/v2/desktop/messages?limit=1000").status == 200)
            #expect(try await h.call(.get, "/v1/users/stats/chat-messages").json["count"].int == 5)
        }
    }

    @Test(arguments: TestEngine.available)
    func bulkDeleteKeepsToItsScope(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let main1 = try await session(h)
            let main2 = try await session(h)
            let appSession = try await session(h, app: "x")
            for (sid, app, n) in [(main1, "", 3), (main2, "", 2), (appSession, "x", 2)] {
                for i in 0..<n {
                    try await h.call(.post, "/v2/desktop/messages",
                                     json: #"{"text":"t\#(i)","sender":"human","session_id":"\#(sid)","app_id":"\#(app)"}"#)
                }
            }
            try await h.call(.post, "/v2/desktop/messages", as: "user-b", json: #"{"text":"b","sender":"human"}"#)
            let cleared = try await h.call(.delete, "/v2/desktop/messages")
            #expect(cleared.json["deleted_count"].int == 5 && cleared.json["status"].string == "ok")
            #expect(try await h.count("chat_sessions") == 3)
            #expect(try await h.count("chat_messages") == 2)
            #expect(try await h.count("chat_messages", uid: "user-b") == 1)
            let s1 = try await h.call(.get, "/v2/chat-sessions/\(main1)").json
            #expect(s1["message_count"].int == 0 && s1["preview"].isNull)
            #expect(try await h.call(.get, "/v2/chat-sessions/\(appSession)").json["message_count"].int == 2)
            #expect(try await h.call(.delete, "/v2/desktop/messages").json["deleted_count"].int == 0)
            let app = try await h.call(.delete, "/v2/desktop/messages?app_id=x")
            #expect(app.json["deleted_count"].int == 2)
            #expect(try await h.call(.get, "/v2/chat-sessions/\(appSession)").json["message_count"].int == 0)
        }
    }

    @Test(arguments: TestEngine.available)
    func deleteBySessionAndOldPaths(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let a = try await session(h)
            let b = try await session(h)
            let old = try await h.call(.post, "/v2/messages", json: #"{"text":"old","sender":"human","session_id":"\#(a)"}"#)
            #expect(old.status == 200 && old.json["id"].string != nil && old.json["created_at"].string != nil)
            try await h.call(.post, "/v2/messages", json: #"{"text":"keep","sender":"ai","session_id":"\#(b)"}"#)
            try await h.call(.post, "/v2/messages", json: #"{"text":"app","sender":"human","app_id":"x"}"#)
            #expect(try await h.call(.get, "/v2/messages").json.array.count == 2)
            #expect(try await h.call(.get, "/v2/chat-sessions/\(a)").json["message_count"].int == 1)
            let bySession = try await h.call(.delete, "/v2/desktop/messages?session_id=\(a)")
            #expect(bySession.json["deleted_count"].int == 1)
            #expect(try await h.call(.get, "/v2/messages").json.array.map { $0["text"].string } == ["keep"])
            // The older delete path without app_id leaves app messages intact.
            #expect(try await h.call(.delete, "/v2/messages").json["deleted_count"].int == 1)
            #expect(try await h.call(.get, "/v2/messages?app_id=x").json.array.count == 1)
            // The Python backend's mobile body (no sender) is not streamed to: 422.
            #expect(try await h.call(.post, "/v2/messages", json: #"{"text":"q","file_ids":[]}"#).status == 422)
        }
    }

    @Test(arguments: TestEngine.available)
    func ratingTouchesOnlyTheRating(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await h.call(.post, "/v2/desktop/messages",
                             json: #"{"text":"answer","sender":"ai","client_message_id":"r1","metadata":"{\"x\":1}"}"#)
            let up = try await h.call(.patch, "/v2/desktop/messages/r1/rating", json: #"{"rating":1,"app_version":"0.11.2"}"#)
            #expect(up.status == 200 && up.json["status"].string == "ok")
            var m = try await h.call(.get, "/v2/desktop/messages").json[0]
            #expect(m["rating"].int == 1 && m["text"].string == "answer" && m["metadata"].string == #"{"x":1}"#)
            try await h.call(.patch, "/v2/desktop/messages/r1/rating", json: #"{"rating":-1}"#)
            #expect(try await h.call(.get, "/v2/desktop/messages").json[0]["rating"].int == -1)
            try await h.call(.patch, "/v2/desktop/messages/r1/rating", json: #"{}"#)
            #expect(try await h.call(.get, "/v2/desktop/messages").json[0]["rating"].isNull)
            try await h.call(.patch, "/v2/messages/r1/rating", json: #"{"rating":1}"#)
            try await h.call(.patch, "/v2/messages/r1/rating", json: #"{"rating":null}"#)
            m = try await h.call(.get, "/v2/desktop/messages").json[0]
            #expect(m["rating"].isNull && m["text"].string == "answer")
            let zero = try await h.call(.patch, "/v2/desktop/messages/r1/rating", json: #"{"rating":0}"#)
            #expect(zero.status == 400 && zero.detail == "Rating must be 1, -1, or null")
            #expect(try await h.call(.patch, "/v2/desktop/messages/r1/rating", json: #"{"rating":2}"#).status == 422)
            #expect(try await h.call(.patch, "/v2/desktop/messages/r1/rating", json: #"{"rating":"up"}"#).status == 422)
            let missing = try await h.call(.patch, "/v2/desktop/messages/nope/rating", json: #"{"rating":1}"#)
            #expect(missing.status == 404 && missing.detail == "Message not found")
            let records = try await h.database.withConnection { db in
                try await db.raw("SELECT value, app_version FROM chat_message_ratings WHERE uid = 'user-a'").all()
            }
            #expect(records.count == 1)
            #expect(try records[0].decode(column: "value", as: Int.self) == 0)
        }
    }

    @Test(arguments: TestEngine.available)
    func countCoversEveryScopeButReported(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            #expect(try await h.call(.get, "/v1/users/stats/chat-messages").json["count"].int == 0)
            try await h.call(.post, "/v2/desktop/messages", json: #"{"text":"a","sender":"human","client_message_id":"c1"}"#)
            try await h.call(.post, "/v2/desktop/messages", json: #"{"text":"b","sender":"ai"}"#)
            try await h.call(.post, "/v2/desktop/messages", json: #"{"text":"c","sender":"human","app_id":"x"}"#)
            try await markReported(h, "c1")
            #expect(try await h.call(.get, "/v1/users/stats/chat-messages").json["count"].int == 2)
            #expect(try await h.call(.get, "/v1/users/stats/chat-messages", as: "user-b").json["count"].int == 0)
        }
    }

    @Test(arguments: TestEngine.available)
    func usersNeverSeeOrTouchEachOthersMessages(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let sid = try await session(h)
            try await h.call(.post, "/v2/desktop/messages", json: #"{"text":"secret","sender":"human","session_id":"\#(sid)","client_message_id":"same"}"#)
            #expect(try await h.call(.get, "/v2/desktop/messages?session_id=\(sid)", as: "user-b").json.array.isEmpty)
            #expect(try await h.call(.patch, "/v2/desktop/messages/same/rating", as: "user-b", json: #"{"rating":1}"#).status == 404)
            #expect(try await h.call(.delete, "/v2/desktop/messages?session_id=\(sid)", as: "user-b").json["deleted_count"].int == 0)
            // B's own message with the same client id is independent of A's.
            let b = try await h.call(.post, "/v2/desktop/messages", as: "user-b", json: #"{"text":"other","sender":"ai","client_message_id":"same"}"#)
            #expect(b.status == 200 && b.json["created"].bool == true)
            let a = try await h.call(.get, "/v2/desktop/messages?session_id=\(sid)").json[0]
            #expect(a["text"].string == "secret" && a["rating"].isNull)
            #expect(try await h.call(.get, "/v2/chat-sessions/\(sid)").json["message_count"].int == 1)
        }
    }
}
