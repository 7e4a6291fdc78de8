import Foundation
import Testing
@testable import OmiServer

@Suite("Reconcile and sharing (chat.md §3.4, §6)")
struct ChatReconcileShareTests {
    @Test(arguments: TestEngine.available)
    func reconcilePagesWithoutGapsWhileMessagesArrive(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            // Equal created_at values are split by id: give 50 rows one timestamp.
            for i in 0..<250 {
                try await h.call(.post, "/v2/desktop/messages",
                                 json: #"{"text":"m","sender":"human","client_message_id":"m\#(String(format: "%03d", i))"}"#)
            }
            try await h.database.withConnection { db in
                try await db.raw("UPDATE chat_messages SET created_at = 1000 WHERE id < 'm050'").run()
            }
            var seen: [String] = []
            var cursor: String?
            var pages: [Int] = []
            repeat {
                let query = cursor.map { "&cursor=\($0)" } ?? ""
                let page = try await h.call(.get, "/v2/desktop/messages/reconcile?limit=100\(query)").json
                #expect(page.keys == ["messages", "next_cursor", "has_more"])
                let ids = page["messages"].array.compactMap { $0["id"].string }
                pages.append(ids.count)
                seen += ids
                // New messages between pages never shift later pages.
                try await h.call(.post, "/v2/desktop/messages", json: #"{"text":"late","sender":"ai"}"#)
                if page["has_more"].bool == false {
                    #expect(page["next_cursor"].string == ids.last)
                    break
                }
                cursor = page["next_cursor"].string
            } while cursor != nil
            #expect(pages == [100, 100, 50])
            #expect(Set(seen).count == 250)
            let expected = (0..<250).map { "m" + String(format: "%03d", $0) }
            #expect(seen == Array(expected[50...].reversed()) + Array(expected[..<50].reversed()))
        }
    }

    @Test(arguments: TestEngine.available)
    func reconcileRefusesForeignCursors(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let sid = try #require(try await h.call(.post, "/v2/chat-sessions").json["id"].string)
            try await h.call(.post, "/v2/desktop/messages", json: #"{"text":"a","sender":"human","client_message_id":"a1","session_id":"\#(sid)"}"#)
            try await h.call(.post, "/v2/desktop/messages", json: #"{"text":"x","sender":"human","client_message_id":"x1","app_id":"x"}"#)
            try await h.call(.post, "/v2/desktop/messages", as: "user-b", json: #"{"text":"b","sender":"human","client_message_id":"b1"}"#)
            for query in ["cursor=b1", "cursor=nope", "cursor=x1", "cursor=a1&session_id=other"] {
                let r = try await h.call(.get, "/v2/desktop/messages/reconcile?\(query)")
                #expect(r.status == 400, "\(query)")
                #expect(r.detail == "invalid message reconciliation cursor")
            }
            let ok = try await h.call(.get, "/v2/desktop/messages/reconcile?cursor=a1")
            #expect(ok.status == 200 && ok.json["messages"].array.isEmpty && ok.json["has_more"].bool == false)
            #expect(ok.json["next_cursor"].isNull)
            #expect(try await h.call(.get, "/v2/desktop/messages/reconcile?limit=101").status == 422)
            #expect(try await h.call(.get, "/v2/desktop/messages/reconcile?limit=0").status == 422)
        }
    }

    @Test(arguments: TestEngine.available)
    func shareLinksExposeOnlyTheSharedMessages(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { $0.shareBaseURL = "https://share.example" }) { h in
            for id in ["s1", "s2", "s3"] {
                try await h.call(.post, "/v2/desktop/messages", json: #"{"text":"text \#(id)","sender":"human","client_message_id":"\#(id)"}"#)
            }
            let shared = try await h.call(.post, "/v2/messages/share", json: #"{"message_ids":["s2","s1","s2"]}"#)
            #expect(shared.status == 200)
            let token = try #require(shared.json["token"].string)
            #expect(token.count == 32 && token.allSatisfy { $0.isHexDigit && !$0.isUppercase })
            #expect(shared.json["url"].string == "https://share.example/chat/\(token)")
            let view = try await h.call(.get, "/v2/messages/shared/\(token)", as: nil)
            #expect(view.status == 200)
            #expect(view.json["messages"].array.map { $0["id"].string } == ["s2", "s1"])
            #expect(view.json["count"].int == 2 && view.json["sender_name"].string == "")
            try await h.call(.delete, "/v2/desktop/messages")
            #expect(try await h.call(.get, "/v2/messages/shared/\(token)", as: nil).json["messages"].array.isEmpty)
            // Expired shares are gone.
            try await h.database.withConnection { db in try await db.raw("UPDATE chat_shares SET expires_at = 0").run() }
            let expired = try await h.call(.get, "/v2/messages/shared/\(token)", as: nil)
            #expect(expired.status == 404 && expired.detail == "Share link expired or not found")
        }
    }

    @Test(arguments: TestEngine.available)
    func shareRefusesBadInputAndOtherUsersIds(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await h.call(.post, "/v2/desktop/messages", json: #"{"text":"a","sender":"human","client_message_id":"mine"}"#)
            let foreign = try await h.call(.post, "/v2/messages/share", as: "user-b", json: #"{"message_ids":["mine"]}"#)
            #expect(foreign.status == 404 && foreign.detail == "Message mine not found")
            let empty = try await h.call(.post, "/v2/messages/share", json: #"{"message_ids":[]}"#)
            #expect(empty.status == 400 && empty.detail == "No message IDs provided")
            #expect(try await h.call(.post, "/v2/messages/share", json: "{}").status == 400)
            let many = (0..<101).map { "\"id\($0)\"" }.joined(separator: ",")
            #expect(try await h.call(.post, "/v2/messages/share", json: #"{"message_ids":[\#(many)]}"#).status == 422)
            #expect(try await h.count("chat_shares") == 0)
            #expect(try await h.count("chat_shares", uid: "user-b") == 0)
        }
    }
}
