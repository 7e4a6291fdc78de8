import Foundation
import Testing
@testable import OmiServer

@Suite("Chat sessions (chat.md §2)")
struct ChatSessionTests {
    static let sessionKeys: Set<String> = ["id", "title", "preview", "created_at", "updated_at", "app_id", "plugin_id",
                                           "message_count", "starred"]

    @Test(arguments: TestEngine.available)
    func lifecycle(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            // A bodiless POST with a JSON content type is normal for the desktop.
            let created = try await h.call(.post, "/v2/chat-sessions", headers: [.contentType: "application/json"])
            #expect(created.status == 200)
            let session = created.json
            #expect(session.keys == Self.sessionKeys)
            #expect(session["title"].string == "New Chat")
            #expect(session["message_count"].int == 0)
            #expect(session["starred"].bool == false)
            #expect(session["preview"].isNull && session["app_id"].isNull && session["plugin_id"].isNull)
            #expect(session["created_at"].string == session["updated_at"].string)
            #expect(session["created_at"].string?.hasSuffix("Z") == true)
            let id = try #require(session["id"].string)
            #expect(id.count == 36 && id == id.lowercased())

            let got = try await h.call(.get, "/v2/chat-sessions/\(id)")
            #expect(got.status == 200 && got.json["id"].string == id)

            let renamed = try await h.call(.patch, "/v2/chat-sessions/\(id)", json: #"{"title":"Trip"}"#)
            #expect(renamed.json["title"].string == "Trip")
            #expect(renamed.json["starred"].bool == false)
            let starred = try await h.call(.patch, "/v2/chat-sessions/\(id)", json: #"{"starred":true,"title":null}"#)
            #expect(starred.json["title"].string == "Trip")
            #expect(starred.json["starred"].bool == true)

            let onlyStarred = try await h.call(.get, "/v2/chat-sessions?starred=true")
            #expect(onlyStarred.json.array.map { $0["id"].string } == [id])
            let unstarred = try await h.call(.get, "/v2/chat-sessions?starred=no")
            #expect(unstarred.json.array.isEmpty)

            try await h.call(.post, "/v2/desktop/messages", json: #"{"text":"hi","sender":"human","session_id":"\#(id)"}"#)
            let deleted = try await h.call(.delete, "/v2/chat-sessions/\(id)")
            #expect(deleted.status == 200 && deleted.json["status"].string == "ok")
            #expect(try await h.call(.get, "/v2/chat-sessions/\(id)").status == 404)
            #expect(try await h.count("chat_messages") == 0)
            #expect(try await h.call(.delete, "/v2/chat-sessions/\(id)").status == 200)
        }
    }

    @Test(arguments: TestEngine.available)
    func listOrderBoundsAndScope(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            var ids: [String] = []
            for i in 0..<3 {
                ids.append(try #require(try await h.call(.post, "/v2/chat-sessions", json: #"{"title":"s\#(i)"}"#).json["id"].string))
            }
            try await h.call(.post, "/v2/chat-sessions", json: #"{"title":"app","app_id":"x"}"#)
            let list = try await h.call(.get, "/v2/chat-sessions")
            #expect(list.json.array.map { $0["id"].string! } == ids.reversed())
            // A rename moves a session to the top.
            try await h.call(.patch, "/v2/chat-sessions/\(ids[0])", json: #"{"title":"renamed"}"#)
            #expect(try await h.call(.get, "/v2/chat-sessions").json[0]["id"].string == ids[0])
            let app = try await h.call(.get, "/v2/chat-sessions?app_id=x")
            #expect(app.json.array.count == 1 && app.json[0]["app_id"].string == "x" && app.json[0]["plugin_id"].string == "x")
            #expect(try await h.call(.get, "/v2/chat-sessions?app_id=null").json.array.count == 3)
            let page = try await h.call(.get, "/v2/chat-sessions?limit=2&offset=1")
            #expect(page.json.array.count == 2)
            #expect(try await h.call(.get, "/v2/chat-sessions?offset=50").json.array.isEmpty)
            for bad in ["limit=0", "limit=501", "offset=-1", "starred=maybe", "limit=abc"] {
                let r = try await h.call(.get, "/v2/chat-sessions?\(bad)")
                #expect(r.status == 422, "\(bad)")
                #expect(r.json["detail"][0]["loc"][0].string == "query", "\(bad)")
            }
            #expect(try await h.call(.get, "/v2/chat-sessions?limit=500").status == 200)
        }
    }

    @Test(arguments: TestEngine.available)
    func badInputWritesNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let long = String(repeating: "é", count: 501)
            for body in [#"{"title":"\#(long)"}"#, #"{"title":5}"#, #"{"app_id":"\#(String(repeating: "a", count: 201))"}"#,
                         #"{"title":"#, "[]"] {
                let r = try await h.call(.post, "/v2/chat-sessions", json: body)
                #expect(r.status == 422, "\(body)")
            }
            #expect(try await h.count("chat_sessions") == 0)
            let ok = try await h.call(.post, "/v2/chat-sessions", json: #"{"title":"\#(String(repeating: "é", count: 500))","unknown":1}"#)
            #expect(ok.status == 200)
            let id = try #require(ok.json["id"].string)
            let patch = try await h.call(.patch, "/v2/chat-sessions/\(id)", json: #"{"starred":"yes"}"#)
            #expect(patch.status == 422)
            #expect(try await h.call(.get, "/v2/chat-sessions/\(id)").json["starred"].bool == false)
        }
    }

    @Test(arguments: TestEngine.available)
    func usersAreIsolated(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let id = try #require(try await h.call(.post, "/v2/chat-sessions", json: #"{"title":"A's"}"#).json["id"].string)
            let read = try await h.call(.get, "/v2/chat-sessions/\(id)", as: "user-b")
            #expect(read.status == 404 && read.detail == "Chat session not found")
            let missing = try await h.call(.get, "/v2/chat-sessions/00000000-0000-4000-8000-000000000000", as: "user-b")
            #expect(missing.text == read.text)
            #expect(try await h.call(.patch, "/v2/chat-sessions/\(id)", as: "user-b", json: #"{"title":"B"}"#).status == 404)
            #expect(try await h.call(.delete, "/v2/chat-sessions/\(id)", as: "user-b").status == 200)
            #expect(try await h.call(.get, "/v2/chat-sessions", as: "user-b").json.array.isEmpty)
            let mine = try await h.call(.get, "/v2/chat-sessions/\(id)")
            #expect(mine.status == 200 && mine.json["title"].string == "A's")
        }
    }
}
