import Foundation
import OmiContract
import Testing
@testable import OmiServer

@Suite("Conversations: starred, visibility, rename, folder, assign-bulk, isolation (knowledge.md §3.4–3.6, §3.12–3.16)")
struct ConversationEditTests {
    typealias W = ConversationTests.W

    static func patch(_ h: TestHarness, _ path: String, _ body: String? = nil, as user: String = "user-a") async throws -> Reply {
        try await h.call(.patch, "/v1/conversations/\(path)", as: user, json: body)
    }

    static func without(_ keys: [String], _ value: Wire.JSONValue) -> Wire.JSONValue {
        keys.reduce(value) { W.removing($1, from: $0) }
    }

    static let notFound = Wire.JSONValue.object(["detail": .string("Conversation not found")])
    static let ok = Wire.JSONValue.object(["status": .string("Ok")])

    @Test(arguments: TestEngine.available)
    func starredRequiresTheQueryAndAnswersTheConversation(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let id = try await h.seedConversation(title: "Star me")
            let before = try await W.get(h, id)
            for query in ["", "?starred=", "?starred=maybe"] {
                let r = try await Self.patch(h, "\(id)/starred\(query)")
                #expect(W.is422(r), "\(query): \(r.status) \(r.text)")
            }
            #expect(try await W.get(h, id) == before)

            for _ in 0..<2 {
                let r = try await Self.patch(h, "\(id)/starred?starred=true")
                #expect(r.status == 200 && r.json.keys == ["status", "conversation"] && r.json["status"].string == "Ok", "\(r.text)")
                let c = r.json["conversation"]
                #expect(c["id"].string == id && c["starred"].bool == true && c.keys.isSuperset(of: W.keys))
                #expect(Self.without(["starred", "updated_at", "photos"], c) == Self.without(["starred", "updated_at", "photos"], before))
                #expect(try await Self.without(["photos"], W.get(h, id)) == Self.without(["photos"], c))
            }
            #expect(try await W.ids(h, "?starred=true") == [id])
            let off = try await Self.patch(h, "\(id)/starred?starred=false")
            #expect(off.status == 200 && off.json["conversation"]["starred"].bool == false)
            #expect(try await W.ids(h, "?starred=true").isEmpty)
            #expect(try await Self.patch(h, "\(id)/starred?starred=1").json["conversation"]["starred"].bool == true)
            let missing = try await Self.patch(h, "\(W.missingID)/starred?starred=true")
            #expect(missing.status == 404 && missing.json == Self.notFound)
        }
    }

    @Test(arguments: TestEngine.available)
    func visibilityControlsThePublicProjection(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let id = try await h.seedConversation(title: "Share me", segments: [SeedSegment(text: "Public words.", start: 0, end: 1.5)],
                                                  events: [SeedEvent(title: "Launch", start: W.at("2026-06-01T09:00:00Z"), duration: 60)])
            let owner = try await W.get(h, id)
            func shared() async throws -> Reply { try await h.call(.get, "/v1/conversations/\(id)/shared", as: nil) }
            let privateBody = Wire.JSONValue.object(["detail": .string("Conversation is private")])
            var r = try await shared()
            #expect(r.status == 404 && r.json == privateBody)

            for query in ["", "?value=bogus", "?visibility=bogus", "?value=shared&visibility=bogus", "?value=friends"] {
                let bad = try await Self.patch(h, "\(id)/visibility\(query)")
                #expect(W.is422(bad), "\(query): \(bad.status) \(bad.text)")
            }
            #expect(try await W.get(h, id)["visibility"].string == "private")

            r = try await Self.patch(h, "\(id)/visibility?value=shared&visibility=shared")
            #expect(r.status == 200 && r.json == Self.ok, "\(r.text)")
            #expect(try await W.get(h, id)["visibility"].string == "shared")
            r = try await shared()
            #expect(r.status == 200 && r.json.keys == W.sharedKeys, "\(r.text)")
            for key in W.sharedKeys { #expect(r.json[key] == owner[key], "\(key)") }
            #expect(W.badDates(in: r.json).isEmpty)

            // `visibility` wins over `value`.
            r = try await Self.patch(h, "\(id)/visibility?value=shared&visibility=private")
            #expect(r.status == 200 && r.json == Self.ok)
            #expect(try await W.get(h, id)["visibility"].string == "private")
            r = try await shared()
            #expect(r.status == 404 && r.json == privateBody)
            r = try await Self.patch(h, "\(id)/visibility?value=private&visibility=public")
            #expect(r.status == 200 && r.json == Self.ok)
            #expect(try await W.get(h, id)["visibility"].string == "public")
            #expect(try await shared().status == 200)
            #expect(try await Self.patch(h, "\(id)/visibility?visibility=private").json == Self.ok)
            #expect(try await shared().json == privateBody)

            let missing = try await Self.patch(h, "\(W.missingID)/visibility?value=shared")
            #expect(missing.status == 404 && missing.json == Self.notFound)
            let absent = try await h.call(.get, "/v1/conversations/\(W.missingID)/shared", as: nil)
            #expect(absent.status == 404 && absent.json == privateBody)
        }
    }

    @Test(arguments: TestEngine.available)
    func renameTrimsTheTitleAndRefusesBlankOrLong(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let created = W.at("2026-01-01T00:00:00Z")
            let id = try await h.seedConversation(title: "Old title", overview: "Keep overview", createdAt: created)
            var r = try await Self.patch(h, id, #"{"title":"  New title \n"}"#)
            #expect(r.status == 200 && r.json.keys == ["status", "conversation"] && r.json["status"].string == "Ok", "\(r.text)")
            var c = r.json["conversation"]
            #expect(c["id"].string == id && c["structured"]["title"].string == "New title")
            #expect(c["structured"]["overview"].string == "Keep overview")
            #expect(W.isInstant(c["updated_at"]) && (W.instant(c["updated_at"]) ?? created) > created)
            #expect(try await Self.without(["photos"], W.get(h, id)) == Self.without(["photos"], c))

            r = try await Self.patch(h, id, #"{"title":"Renamed","overview":"Fresh overview"}"#)
            #expect(r.status == 200)
            c = try await W.get(h, id)
            #expect(c["structured"]["title"].string == "Renamed" && c["structured"]["overview"].string == "Fresh overview")

            let long = String(repeating: "a", count: 501)
            for body in [#"{}"#, #"{"title":""}"#, #"{"title":"   "}"#, #"{"title":null}"#, #"{"title":5}"#,
                         #"{"title":"\#(long)"}"#, #"{"overview":"Only overview"}"#] {
                let bad = try await Self.patch(h, id, body)
                #expect(W.is422(bad), "\(body.prefix(40)): \(bad.status) \(bad.text.prefix(200))")
            }
            #expect(try await W.get(h, id) == c)

            let max = String(repeating: "b", count: 500)
            r = try await Self.patch(h, id, #"{"title":"  \#(max)  "}"#)
            #expect(r.status == 200 && r.json["conversation"]["structured"]["title"].string == max)

            // The `/title?title=` alias has the same effect and answer.
            r = try await Self.patch(h, "\(id)/title?title=Alias-name")
            #expect(r.status == 200 && r.json["status"].string == "Ok" && r.json["conversation"]["id"].string == id, "\(r.text)")
            #expect(r.json["conversation"]["structured"]["title"].string == "Alias-name")
            #expect(try await W.get(h, id)["structured"]["title"].string == "Alias-name")
            for query in ["", "?title="] {
                #expect(try await W.is422(Self.patch(h, "\(id)/title\(query)")), "\(query)")
            }
            #expect(try await W.get(h, id)["structured"]["title"].string == "Alias-name")

            for path in [W.missingID, "\(W.missingID)/title?title=X"] {
                let missing = try await Self.patch(h, path, path.contains("?") ? nil : #"{"title":"X"}"#)
                #expect(missing.status == 404 && missing.json == Self.notFound, "\(path)")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func folderMoveSetsClearsAndRecounts(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let folders = try await W.folders(h)
            #expect(folders.count == 10)
            let work = try #require(folders["Work"]?["id"].string), personal = try #require(folders["Personal"]?["id"].string)
            let id = try await h.seedConversation(title: "Move me")
            let gone = try await h.seedConversation(title: "", discarded: true)
            func move(_ conversation: String, _ body: String) async throws -> Reply {
                try await Self.patch(h, "\(conversation)/folder", body)
            }
            func counts() async throws -> [String: Int64] {
                try await W.folders(h).compactMapValues { $0["conversation_count"].int }
            }
            func folder(_ conversation: String) async throws -> Wire.JSONValue { try await W.get(h, conversation)["folder_id"] }
            let zero = Dictionary(uniqueKeysWithValues: folders.keys.map { ($0, Int64(0)) })
            #expect(try await counts() == zero)

            var r = try await move(id, #"{"folder_id":"\#(work)"}"#)
            #expect(r.status == 200 && r.json == .object(["status": .string("ok")]), "\(r.text)")
            #expect(try await folder(id) == .string(work))
            #expect(try await move(gone, #"{"folder_id":"\#(work)"}"#).status == 200)
            #expect(try await folder(gone) == .string(work))
            var expected = zero
            expected["Work"] = 1  // the discarded conversation is not counted
            #expect(try await counts() == expected)
            #expect(try await W.ids(h, "?folder_id=\(work)&include_discarded=false") == [id])

            #expect(try await move(id, #"{"folder_id":"\#(personal)"}"#).status == 200)
            expected["Work"] = 0
            expected["Personal"] = 1
            #expect(try await counts() == expected)

            for clear in [#"{}"#, #"{"folder_id":null}"#, #"{"folder_id":""}"#] {
                #expect(try await move(id, #"{"folder_id":"\#(work)"}"#).status == 200)
                #expect(try await folder(id) == .string(work))
                r = try await move(id, clear)
                #expect(r.status == 200 && r.json == .object(["status": .string("ok")]), "\(clear): \(r.text)")
                #expect(try await folder(id) == .null, "\(clear)")
            }
            #expect(try await move(id, "{}").status == 200)
            #expect(try await counts() == zero)

            #expect(try await move(id, #"{"folder_id":"\#(personal)"}"#).status == 200)
            r = try await move(id, #"{"folder_id":"\#(W.missingID)"}"#)
            #expect(r.status == 404 && r.json == .object(["detail": .string("Folder not found")]))
            #expect(try await folder(id) == .string(personal))
            for body in [#"{"folder_id":"\#(work)"}"#, "{}"] {
                r = try await move(W.missingID, body)
                #expect(r.status == 404 && r.json == Self.notFound, "\(body)")
            }
            #expect(try await h.call(.delete, "/v1/conversations/\(id)").status == 200)
            #expect(try await counts() == zero)
        }
    }

    @Test(arguments: TestEngine.available)
    func assignBulkResolvesIdsAndRefusesUnknownOnes(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let segments = [SeedSegment(text: "One.", start: 0, end: 1),
                            SeedSegment(text: "Two.", start: 1, end: 2, isUser: false, personId: "p0", speaker: "SPEAKER_01"),
                            SeedSegment(text: "Three.", start: 2, end: 3)]
            let id = try await h.seedConversation(title: "Speakers", segments: segments)
            let sid = (0..<3).map { W.segmentID(id, $0) }
            func assign(_ body: String, _ conversation: String? = nil) async throws -> Reply {
                try await Self.patch(h, "\(conversation ?? id)/segments/assign-bulk", body)
            }
            func state(_ c: Wire.JSONValue) -> [String] {
                c["transcript_segments"].array.map { segment in
                    let user = segment["is_user"].bool.map { flag in flag ? "true" : "false" } ?? "?"
                    return "\(user)/\(segment["person_id"].string ?? "nil")"
                }
            }
            #expect(try await state(W.get(h, id)) == ["false/nil", "false/p0", "false/nil"])

            var r = try await assign(#"{"assign_type":"is_user","value":"true","segment_ids":["\#(sid[1])"]}"#)
            #expect(r.status == 200 && r.json["id"].string == id && r.json.keys.isSuperset(of: W.keys), "\(r.text)")
            #expect(state(r.json) == ["false/nil", "true/nil", "false/nil"])
            #expect(try await Self.without(["photos"], W.get(h, id)) == Self.without(["photos"], r.json))

            r = try await assign(##"{"assign_type":"person_id","value":"p1","segment_ids":["#index:0","2","#index:0"]}"##)
            #expect(r.status == 200 && state(r.json) == ["false/p1", "true/nil", "false/p1"], "\(r.text)")
            r = try await assign(#"{"assign_type":"is_user","value":"TRUE","segment_ids":["\#(sid[0])"]}"#)
            #expect(state(r.json) == ["true/nil", "true/nil", "false/p1"])
            r = try await assign(#"{"assign_type":"person_id","segment_ids":["\#(sid[2])"]}"#)
            #expect(state(r.json) == ["true/nil", "true/nil", "false/nil"])
            _ = try await assign(#"{"assign_type":"person_id","value":"p2","segment_ids":["\#(sid[1])","\#(sid[2])"]}"#)
            r = try await assign(#"{"assign_type":"person_id","value":"null","segment_ids":["\#(sid[2])"]}"#)
            #expect(state(r.json) == ["true/nil", "false/p2", "false/nil"])
            r = try await assign(#"{"assign_type":"is_user","value":"false","segment_ids":["\#(sid[1])"]}"#)
            #expect(state(r.json) == ["true/nil", "false/nil", "false/nil"])

            let snapshot = try await W.get(h, id)
            r = try await assign(##"{"assign_type":"person_id","value":"p9","segment_ids":["\##(sid[1])","nope-1","#index:3","nope-2"]}"##)
            #expect(r.status == 409 && r.detail == "Unable to resolve transcript segment assignment target(s): nope-1, #index:3, nope-2", "\(r.text)")
            r = try await assign(#"{"assign_type":"speaker","value":"p9","segment_ids":["\#(sid[1])"]}"#)
            #expect(r.status == 400 && r.json == .object(["detail": .string("Invalid assign type")]))
            #expect(try await W.get(h, id) == snapshot)
            r = try await assign(#"{"assign_type":"person_id","value":"p9","segment_ids":[]}"#)
            #expect(r.status == 200 && Self.without(["updated_at", "photos"], r.json) == Self.without(["updated_at", "photos"], snapshot))
            #expect(try await state(W.get(h, id)) == state(snapshot))
            r = try await assign(#"{"assign_type":"is_user","value":"true","segment_ids":["\#(sid[0])"]}"#, W.missingID)
            #expect(r.status == 404 && r.json == Self.notFound)

            // Ids, texts and timing survive every assignment.
            let final = try await W.get(h, id)["transcript_segments"].array
            #expect(final.map { $0["id"].string } == sid)
            #expect(final.map { $0["text"].string } == ["One.", "Two.", "Three."] && final.map { W.number($0["end"]) } == [1, 2, 3])

            // Positional ids resolve only on completed conversations.
            let busy = try await h.seedConversation(status: "processing", title: "Busy", segments: segments)
            for target in ["#index:0", "0"] {
                r = try await assign(#"{"assign_type":"is_user","value":"true","segment_ids":["\#(target)"]}"#, busy)
                #expect(r.status == 409 && r.detail == "Unable to resolve transcript segment assignment target(s): \(target)", "\(r.text)")
            }
            r = try await assign(#"{"assign_type":"is_user","value":"true","segment_ids":["\#(W.segmentID(busy, 0))"]}"#, busy)
            #expect(r.status == 200 && state(r.json) == ["true/nil", "false/p0", "false/nil"], "\(r.text)")
        }
    }

    @Test(arguments: TestEngine.available)
    func anotherUserCannotSeeOrChangeAConversation(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let a = try await h.seedConversation(uid: "user-a", title: "A secret", segments: [SeedSegment(text: "Private.", start: 0, end: 1)])
            let aWork = try #require(try await W.folders(h)["Work"]?["id"].string)
            #expect(try await Self.patch(h, "\(a)/folder", #"{"folder_id":"\#(aWork)"}"#).status == 200)
            let item = try await h.call(.post, "/v1/action-items", json: #"{"description":"A task","conversation_id":"\#(a)"}"#)
            #expect(item.status == 200)
            let snapshot = try await W.get(h, a)
            let items = try await h.count("action_items")
            let bWork = try #require(try await W.folders(h, as: "user-b")["Work"]?["id"].string)
            let b = try await h.seedConversation(uid: "user-b", title: "B own")
            let missing = try await h.call(.get, "/v1/conversations/\(W.missingID)", as: "user-b")
            #expect(missing.status == 404 && missing.json == Self.notFound)

            for query in ["", "?include_discarded=false"] {
                let r = try await h.call(.get, "/v1/conversations/\(a)\(query)", as: "user-b")
                #expect(r.status == 404 && r.text == missing.text, "\(query)")
            }
            let writes: [(String, String?)] = [
                ("\(a)/starred?starred=true", nil), ("\(a)/visibility?value=shared&visibility=shared", nil),
                (a, #"{"title":"Hijacked"}"#), ("\(a)/title?title=Hijacked", nil),
                ("\(a)/folder", #"{"folder_id":"\#(bWork)"}"#), ("\(a)/folder", "{}"),
                ("\(a)/segments/assign-bulk", #"{"assign_type":"is_user","value":"true","segment_ids":["\#(W.segmentID(a, 0))"]}"#),
            ]
            for (path, body) in writes {
                let r = try await Self.patch(h, path, body, as: "user-b")
                #expect(r.status == 404 && r.text == missing.text, "\(path): \(r.status) \(r.text)")
            }
            let shared = try await h.call(.get, "/v1/conversations/\(a)/shared", as: "user-b")
            #expect(shared.status == 404 && shared.detail == "Conversation is private")
            let deleted = try await h.call(.delete, "/v1/conversations/\(a)?cascade=true", as: "user-b")
            #expect(deleted.status == 200 && deleted.json == Self.ok)

            #expect(try await W.ids(h, as: "user-b") == [b])
            #expect(try await W.ids(h, "?folder_id=\(aWork)", as: "user-b").isEmpty)
            #expect(try await W.count(h, "?include_discarded=true", as: "user-b") == 1)
            #expect(try await W.count(h, "?folder_id=\(aWork)", as: "user-b") == 0)
            #expect(try await W.folders(h, as: "user-b")["Work"]?["conversation_count"].int == 0)

            // A's conversation, its folder count and its task are untouched; A never sees B's conversation.
            #expect(try await W.get(h, a) == snapshot)
            #expect(snapshot["starred"].bool == false && snapshot["visibility"].string == "private")
            #expect(snapshot["structured"]["title"].string == "A secret" && snapshot["folder_id"].string == aWork)
            #expect(snapshot["transcript_segments"][0]["is_user"].bool == false)
            #expect(try await W.ids(h) == [a])
            #expect(try await W.count(h) == 1)
            #expect(try await W.folders(h)["Work"]?["conversation_count"].int == 1)
            #expect(try await h.count("action_items") == items)
            #expect(try await h.count("conversations", uid: "user-a") == 1)
            #expect(try await h.count("conversations", uid: "user-b") == 1)
            #expect(try await h.call(.get, "/v1/conversations/\(b)").status == 404)
        }
    }
}
