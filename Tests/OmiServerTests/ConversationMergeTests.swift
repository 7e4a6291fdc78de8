import Foundation
import OmiContract
import Testing
@testable import OmiServer

@Suite("Conversations: merge, and cross-user merge/finalize/reprocess (knowledge.md §3.9, §0.4)")
struct ConversationMergeTests {
    typealias M = ConversationMergeTests
    static let t0 = Timestamp.date(micros: Timestamp.micros(Timestamp.parse("2030-03-05T10:00:00Z")!))
    static let missing = "00000000-0000-4000-8000-000000000000"

    static func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }
    /// Microseconds of `t0 + seconds`, for exact comparisons with emitted instants.
    static func mark(_ seconds: Double) -> Int64 { Timestamp.micros(t0) + Int64((seconds * 1_000_000).rounded()) }
    static func us(_ v: Wire.JSONValue) -> Int64? { v.string.flatMap(Timestamp.parseMicros) }

    static func num(_ v: Wire.JSONValue) -> Double? {
        switch v {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }

    static func seg(_ text: String, _ start: Double, _ end: Double) -> SeedSegment { SeedSegment(text: text, start: start, end: end) }

    static func get(_ h: TestHarness, _ id: String, as user: String = "user-a") async throws -> Wire.JSONValue {
        let r = try await h.call(.get, "/v1/conversations/\(id)", as: user)
        try #require(r.status == 200, "\(r.text)")
        return r.json
    }

    static func merge(_ h: TestHarness, _ ids: [String], _ extra: String = "", as user: String = "user-a") async throws -> Reply {
        let list = ids.map { #""\#($0)""# }.joined(separator: ",")
        return try await h.call(.post, "/v1/conversations/merge", as: user, json: #"{"conversation_ids":[\#(list)]\#(extra)}"#)
    }

    /// Merges successfully and returns the merged conversation.
    static func merged(_ h: TestHarness, _ ids: [String], _ extra: String = "", warning: String? = nil) async throws -> Wire.JSONValue {
        let r = try await merge(h, ids, extra)
        try #require(r.status == 200, "\(r.text)")
        #expect(r.json["status"].string == "completed" && r.json["message"].string == "Merge started")
        #expect(r.json.has("warning") && r.json["warning"].string == warning)
        #expect(Set(r.json["conversation_ids"].array.compactMap(\.string)) == Set(ids))
        let id = try #require(r.json["new_conversation_id"].string)
        #expect(!ids.contains(id) && UUID(uuidString: id) != nil && id == id.lowercased())
        for source in ids {
            let gone = try await h.call(.get, "/v1/conversations/\(source)")
            #expect(gone.status == 404 && gone.detail == "Conversation not found", "\(source)")
        }
        return try await get(h, id)
    }

    static func title(_ c: Wire.JSONValue) -> String? { c["structured"]["title"].string }

    @Test(arguments: TestEngine.available)
    func twoCompletedConversationsBecomeOne(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let b = try await h.seedConversation(title: "Beta", segments: [M.seg("Beta one.", 0, 3), M.seg("Beta two.", 3, 4.5)],
                                                 createdAt: M.at(600), discarded: true, starred: true, source: "desktop")
            let a = try await h.seedConversation(title: "Alpha", segments: [M.seg("Alpha one.", 0, 2), M.seg("Alpha two.", 2.5, 5)],
                                                 createdAt: M.at(0), starred: false, source: "omi")
            #expect(try await h.call(.patch, "/v1/conversations/\(a)/visibility?value=public&visibility=public").status == 200)
            #expect(try await h.call(.patch, "/v1/conversations/\(b)/visibility?value=shared&visibility=shared").status == 200)
            let ids = try await M.get(h, a)["transcript_segments"].array.compactMap { $0["id"].string }
                + M.get(h, b)["transcript_segments"].array.compactMap { $0["id"].string }
            #expect(ids.count == 4)

            // Sorted by started_at whatever the request order; gap = 600 − 5 s, so Beta is shifted by 5 + 595 = 600 s.
            let m = try await M.merged(h, [b, a], #","reprocess":false"#)
            let segs = m["transcript_segments"].array
            #expect(segs.compactMap { $0["id"].string } == ids)
            #expect(segs.map { $0["text"].string } == ["Alpha one.", "Alpha two.", "Beta one.", "Beta two."])
            #expect(segs.map { M.num($0["start"]) } == [0, 2.5, 600, 603])
            #expect(segs.map { M.num($0["end"]) } == [2, 5, 603, 604.5])
            #expect(M.us(m["created_at"]) == M.mark(0) && M.us(m["started_at"]) == M.mark(0))
            #expect(M.us(m["finished_at"]) == M.mark(604.5))
            #expect(m["starred"].bool == true && m["visibility"].string == "shared" && m["source"].string == "omi")
            #expect(m["status"].string == "completed" && m["discarded"].bool == false)
            #expect(M.title(m) == "Alpha one." && m["structured"]["overview"].string == "" && m["structured"]["emoji"].string == "🧠")
            #expect(m["structured"]["category"].string == "other" && m["structured"]["action_items"] == .array([]))

            let list = try await h.call(.get, "/v1/conversations")
            #expect(list.json.array.map { $0["id"].string } == [m["id"].string])
            #expect(try await h.count("conversations") == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func gapsOverAnHourAreReportedAndOffsetsAccumulate(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            // A ends at +5 s; B starts 2.5 h later and lasts 1 s; C starts 3 h after B ends.
            let a = try await h.seedConversation(segments: [M.seg("First part.", 0, 5)], createdAt: M.at(0))
            let b = try await h.seedConversation(segments: [M.seg("Second part.", 0, 1)], createdAt: M.at(9005))
            let c = try await h.seedConversation(segments: [M.seg("Third part.", 0, 2)], createdAt: M.at(19806))
            let m = try await M.merged(h, [c, a, b], warning: "2.5h gap detected; 3.0h gap detected")
            let segs = m["transcript_segments"].array
            #expect(segs.map { $0["text"].string } == ["First part.", "Second part.", "Third part."])
            #expect(segs.map { M.num($0["start"]) } == [0, 9005, 19806])
            #expect(segs.map { M.num($0["end"]) } == [5, 9006, 19808])
            #expect(M.us(m["finished_at"]) == M.mark(19808))
            // reprocess defaults to true; without a model processing gives the deterministic minimum.
            #expect(M.title(m) == "First part." && m["status"].string == "completed")
            #expect(try await h.count("conversations") == 1)
            #expect(try await h.count("action_items") == 0)
        }
    }

    @Test(arguments: TestEngine.available)
    func overlapsAndSegmentlessSources(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            // A has no segments but lasts 30 s; B starts 10 s after A ends; C starts 2 s before B ends (gap clamps to 0).
            let a = try await h.seedConversation(segments: [], createdAt: M.at(0), finishedAt: M.at(30))
            let b = try await h.seedConversation(segments: [M.seg("Later words.", 0, 2), M.seg("More words.", 2, 6)], createdAt: M.at(40))
            let c = try await h.seedConversation(segments: [M.seg("Overlap talk.", 1, 3)], createdAt: M.at(44))
            let m = try await M.merged(h, [a, c, b], #","reprocess":false"#)
            let segs = m["transcript_segments"].array
            #expect(segs.map { $0["text"].string } == ["Later words.", "More words.", "Overlap talk."])
            #expect(segs.map { M.num($0["start"]) } == [40, 42, 47])
            #expect(segs.map { M.num($0["end"]) } == [42, 46, 49])
            #expect(M.us(m["started_at"]) == M.mark(0) && M.us(m["finished_at"]) == M.mark(47))
            #expect(M.title(m) == "Later words.")
        }
    }

    @Test(arguments: TestEngine.available)
    func refusedMergesChangeNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let a = try await h.seedConversation(title: "A", segments: [M.seg("Alpha.", 0, 1)], createdAt: M.at(0))
            let b = try await h.seedConversation(title: "B", segments: [M.seg("Beta.", 0, 1)], createdAt: M.at(60))
            let p = try await h.seedConversation(status: "processing", title: "P", segments: [M.seg("Busy.", 0, 1)], createdAt: M.at(120))
            let live = try await h.seedConversation(status: "in_progress", segments: [M.seg("Live.", 0, 1)], createdAt: M.at(180))
            var before: [String: Wire.JSONValue] = [:]
            for id in [a, b, p, live] { before[id] = try await M.get(h, id) }

            let cases: [([String], Int, String)] = [
                ([a, p], 400, "Conversation \(p) is not ready (status: processing). Wait for it to complete."),
                ([live, b], 400, "Conversation \(live) is not ready (status: in_progress). Wait for it to complete."),
                ([a, b, M.missing], 404, "Conversation \(M.missing) not found"),
                ([a, a], 400, "At least 2 conversations required to merge"),
            ]
            for (ids, status, detail) in cases {
                let r = try await M.merge(h, ids)
                #expect(r.status == status && r.detail == detail, "\(r.text)")
            }
            for body in [#"{"conversation_ids":["\#(a)"]}"#, #"{"conversation_ids":[]}"#, #"{}"#, #"{"conversation_ids":"\#(a)"}"#,
                         #"{"conversation_ids":["\#(a)","\#(b)"],"reprocess":"yes"}"#] {
                let r = try await h.call(.post, "/v1/conversations/merge", json: body)
                #expect(r.status == 422 && r.json["detail"][0].has("loc"), "\(body)")
            }
            for id in [a, b, p, live] { #expect(try await M.get(h, id) == before[id], "\(id)") }
            #expect(try await h.count("conversations") == 4)
        }
    }

    @Test(arguments: TestEngine.available)
    func anotherUsersConversationsCannotBeMerged(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let a1 = try await h.seedConversation(uid: "user-a", title: "A one", segments: [M.seg("Mine.", 0, 1)], createdAt: M.at(0))
            let a2 = try await h.seedConversation(uid: "user-a", title: "A two", segments: [M.seg("Also mine.", 0, 1)], createdAt: M.at(60))
            let b1 = try await h.seedConversation(uid: "user-b", title: "B one", segments: [M.seg("Theirs.", 0, 1)], createdAt: M.at(30))
            let before = [try await M.get(h, a1), try await M.get(h, a2), try await M.get(h, b1, as: "user-b")]

            let mixed = try await M.merge(h, [a1, b1])
            #expect(mixed.status == 404 && mixed.detail == "Conversation \(b1) not found")
            let foreign = try await M.merge(h, [a1, a2], as: "user-b")
            #expect(foreign.status == 404)
            #expect(["Conversation \(a1) not found", "Conversation \(a2) not found"].contains(foreign.detail ?? ""))
            let half = try await M.merge(h, [b1, a1], as: "user-b")
            #expect(half.status == 404 && half.detail == "Conversation \(a1) not found")

            let after = [try await M.get(h, a1), try await M.get(h, a2), try await M.get(h, b1, as: "user-b")]
            #expect(after == before)
            #expect(try await h.count("conversations", uid: "user-a") == 2)
            #expect(try await h.count("conversations", uid: "user-b") == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func anotherUserCannotFinalizeOrReprocess(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let live = try await h.seedConversation(uid: "user-a", status: "in_progress", segments: [M.seg("A is talking.", 0, 1)])
            let done = try await h.seedConversation(uid: "user-a", title: "", segments: [M.seg("A's meeting.", 0, 1)])
            let liveBefore = try await M.get(h, live)
            let doneBefore = try await M.get(h, done)
            for path in ["/v1/conversations/\(live)/finalize", "/v1/conversations/\(done)/finalize",
                         "/v1/conversations/\(done)/reprocess", "/v1/conversations/\(live)/reprocess"] {
                let r = try await h.call(.post, path, as: "user-b", json: "{}")
                #expect(r.status == 404 && r.detail == "Conversation not found", "\(path)")
            }
            let force = try await h.call(.post, "/v1/conversations", as: "user-b", json: "{}")
            #expect(force.status == 404 && force.detail == "Conversation in progress not found")
            #expect(try await h.call(.get, "/v1/conversations/\(live)", as: "user-b").status == 404)
            #expect(try await M.get(h, live) == liveBefore)
            #expect(try await M.get(h, done) == doneBefore)
            #expect(liveBefore["status"].string == "in_progress")
            #expect(try await h.count("conversations", uid: "user-b") == 0)
        }
    }
}
