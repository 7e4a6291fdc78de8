import Crypto
import Foundation
import OmiContract
import Testing
@testable import OmiServer

@Suite("Conversations: from-segments (knowledge.md §3.14, §2.4)")
struct ConversationFromSegmentsTests {
    typealias S = ConversationFromSegmentsTests
    static let path = "/v1/conversations/from-segments"

    /// RFC 4122 version 5 UUID in the URL namespace, lowercase.
    static func uuid5(_ name: String) -> String {
        let namespace: [UInt8] = [0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8]
        var d = Array(Insecure.SHA1.hash(data: namespace + Array(name.utf8))).prefix(16).map { $0 }
        d[6] = (d[6] & 0x0F) | 0x50
        d[8] = (d[8] & 0x3F) | 0x80
        let hex = Array(d.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined())
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(hex[$0]) }.joined(separator: "-")
    }

    static func seg(_ text: String, _ start: Double, _ end: Double, _ extra: String = "") -> String {
        #"{"text":"\#(text)","start":\#(start),"end":\#(end)\#(extra)}"#
    }

    static func body(_ segments: [String], _ extra: String = "") -> String {
        #"{"transcript_segments":[\#(segments.joined(separator: ","))]\#(extra)}"#
    }

    static func num(_ v: Wire.JSONValue) -> Double? {
        switch v {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }

    static func us(_ v: Wire.JSONValue) -> Int64? { v.string.flatMap(Timestamp.parseMicros) }
    static func at(_ text: String) -> Date { Timestamp.parse(text)! }

    /// `structured` as [title, overview, emoji, category, "empty" when no action items and no events].
    static func summary(_ c: Wire.JSONValue) -> [String?] {
        let s = c["structured"]
        return [s["title"].string, s["overview"].string, s["emoji"].string, s["category"].string,
                s["action_items"] == .array([]) && s["events"] == .array([]) ? "empty" : "derived"]
    }

    static func minimum(_ title: String) -> [String?] { [title, "", "🧠", "other", "empty"] }

    static func get(_ h: TestHarness, _ id: String, as user: String = "user-a") async throws -> Wire.JSONValue {
        let r = try await h.call(.get, "/v1/conversations/\(id)", as: user)
        try #require(r.status == 200, "\(r.text)")
        return r.json
    }

    /// Posts a body that must succeed and returns the created id.
    static func create(_ h: TestHarness, _ json: String, as user: String = "user-a") async throws -> String {
        let r = try await h.call(.post, path, as: user, json: json)
        try #require(r.status == 200, "\(r.text)")
        return try #require(r.json["id"].string)
    }

    @Test(arguments: TestEngine.available)
    func createsAProcessedConversationWithStableSegmentIds(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            #expect(S.uuid5("omi/conversations/abc/transcript-segments/0") == "e9d2a946-2174-5caa-9e2f-701a5c6c9d44")
            let r = try await h.call(.post, S.path, json: S.body([
                S.seg("We met to discuss", 0, 2.5, #","speaker":"SPEAKER_01","is_user":true"#),
                S.seg("  the roadmap for next year and the hiring plan for the team.  ", 3, 7, #","person_id":"p-1""#),
                S.seg("Then lunch.", 7.5, 9),
            ], #","source":"desktop","started_at":"2030-03-05T16:14:00+01:00""#))
            #expect(r.status == 200)
            #expect(r.json.keys == ["id", "status", "discarded"])
            #expect(r.json["status"].string == "completed" && r.json["discarded"].bool == false)
            let id = try #require(r.json["id"].string)
            #expect(UUID(uuidString: id) != nil && id == id.lowercased())

            let c = try await S.get(h, id)
            #expect(c["id"].string == id && c["status"].string == "completed" && c["discarded"].bool == false)
            #expect(c["source"].string == "desktop" && c["language"].string == "en")
            let started = Timestamp.micros(S.at("2030-03-05T15:14:00Z"))
            #expect(S.us(c["created_at"]) == started && S.us(c["started_at"]) == started)
            #expect(S.us(c["finished_at"]) == started + 9_000_000)
            let segs = c["transcript_segments"].array
            #expect(segs.map { $0["text"].string } == ["We met to discuss",
                                                     "the roadmap for next year and the hiring plan for the team.", "Then lunch."])
            #expect(segs.map { $0["id"].string } == (0..<3).map { Optional(S.uuid5("omi/conversations/\(id)/transcript-segments/\($0)")) })
            #expect(segs.map { S.num($0["start"]) } == [0, 3, 7.5])
            #expect(segs.map { S.num($0["end"]) } == [2.5, 7, 9])
            #expect(segs[0]["speaker"].string == "SPEAKER_01" && segs[0]["is_user"].bool == true && segs[0]["person_id"].isNull)
            #expect(segs[1]["speaker"].string == "SPEAKER_00" && segs[1]["is_user"].bool == false)
            #expect(segs[1]["person_id"].string == "p-1")
            // The first sentence spans two segments and is cut inside "plan" at the last space within 60 characters.
            #expect(S.summary(c) == S.minimum("We met to discuss the roadmap for next year and the hiring"))
            #expect(try await h.count("action_items") == 0)
            #expect(try await h.count("conversations") == 1)
            // Segment ids are persisted: a second read serves the same ids.
            #expect(try await S.get(h, id)["transcript_segments"] == c["transcript_segments"])
        }
    }

    @Test(arguments: TestEngine.available)
    func deterministicTitles(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let cases: [([String], String)] = [
                (["Supercalifragilisticexpialidociousxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx and more"],
                 "Supercalifragilisticexpialidociousxxxxxxxxxxxxxxxxxxxxxxxxxx"),
                (["no punctuation at all in this short line"], "no punctuation at all in this short line"),
                (["Short one? Yes."], "Short one?"),
                (["Wait!", "Really now."], "Wait!"),
                ([#"Budget\t\treview   for   Q3."#, "More."], "Budget review for Q3."),
                (["Welcome   back everyone, today we review the quarterly budget and the hiring plan."],
                 "Welcome back everyone, today we review the quarterly budget"),
            ]
            for (texts, title) in cases {
                let segs = texts.enumerated().map { S.seg($1, Double($0 * 2), Double($0 * 2 + 1)) }
                let id = try await S.create(h, S.body(segs))
                let c = try await S.get(h, id)
                #expect(S.summary(c) == S.minimum(title), "\(texts)")
                #expect(c["discarded"].bool == false && c["source"].string == "phone")
            }
            #expect(try await h.count("action_items") == 0)
        }
    }

    @Test(arguments: TestEngine.available)
    func invalidBodiesAre422AndWriteNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let ok = S.seg("Fine.", 0, 1)
            let stringDetails: [(String, String)] = [
                (S.body([]), "transcript_segments cannot be empty"),
                (S.body((0..<501).map { S.seg("Line \($0).", Double($0), Double($0) + 0.5) }), "Maximum 500 transcript segments allowed"),
                (S.body([ok, S.seg("Same.", 1, 1)]), "Segment 1: end time must be after start time"),
                (S.body([ok, ok, S.seg("Backwards.", 5, 4)]), "Segment 2: end time must be after start time"),
                (S.body([S.seg("Early.", -1, 2)]), "Segment 0: start time cannot be negative"),
                // Once a trap that stopped the whole server: the end became microseconds past Int64.
                (S.body([ok, S.seg("Far.", 1, 2.5e307)]), "Segment 1: end time cannot exceed 1000000000 seconds"),
                (S.body([S.seg("Just past.", 0, 1_000_000_000.5)]), "Segment 0: end time cannot exceed 1000000000 seconds"),
                (S.body([ok, ok, S.seg("   ", 2, 3)]), "Segment 2: text cannot be empty"),
                (S.body([ok], #","started_at":"2030-03-05T10:00:00Z","finished_at":"2030-03-05T09:59:00Z""#),
                 "finished_at must be after started_at"),
            ]
            for (body, detail) in stringDetails {
                let r = try await h.call(.post, S.path, json: body)
                #expect(r.status == 422 && r.detail == detail, "\(detail): \(r.text.prefix(200))")
            }
            let typeErrors = [
                #"{"transcript_segments":"x"}"#, S.body([#"{"text":5,"start":0,"end":1}"#]),
                S.body([#"{"text":"a","start":"soon","end":1}"#]), S.body([#"{"text":"a","end":1}"#]),
                S.body([#"{"text":"a","start":0}"#]), S.body([S.seg("a", 0, 1, #","is_user":"maybe""#)]),
                S.body([ok], #","started_at":"yesterday""#), S.body([ok], #","source":5"#),
            ]
            for body in typeErrors {
                let r = try await h.call(.post, S.path, json: body)
                #expect(r.status == 422 && r.json["detail"][0].has("loc") && r.json["detail"][0].has("msg"), "\(body)")
            }
            for body in [#"{}"#, S.body([ok], #","client_session_id":"\#(String(repeating: "s", count: 201))""#)] {
                #expect(try await h.call(.post, S.path, json: body).status == 422, "\(body.prefix(60))")
            }
            #expect(try await h.count("conversations") == 0)

            // 500 segments is the upper bound, not an error.
            let id = try await S.create(h, S.body((0..<500).map { S.seg("Line \($0).", Double($0), Double($0) + 0.5) }))
            let segs = try await S.get(h, id)["transcript_segments"].array
            #expect(segs.count == 500 && segs.last?["id"].string == S.uuid5("omi/conversations/\(id)/transcript-segments/499"))
            #expect(try await h.count("conversations") == 1)
            // So is an end of a billion seconds, added to started_at.
            let long = try await S.create(h, S.body([S.seg("Long.", 0, 1_000_000_000)], #","started_at":"2030-01-01T00:00:00Z""#))
            #expect(try await S.get(h, long)["finished_at"].string == "2061-09-09T01:46:40.000000Z")
        }
    }

    @Test(arguments: TestEngine.available)
    func clientSessionIdMakesRetriesIdempotent(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let firstBody = S.body([S.seg("First version of the call.", 0, 2)], #","client_conversation_id":"sess-1","source":"desktop""#)
            let first = try await h.call(.post, S.path, json: firstBody)
            let id = try #require(first.json["id"].string)
            #expect(id == S.uuid5("omi/from-segments/user-a/sess-1"))
            let before = try await S.get(h, id)
            let retry = try await h.call(.post, S.path, json: S.body(
                [S.seg("Totally different words.", 0, 4), S.seg("More.", 4, 5)], #","client_conversation_id":"sess-1","source":"omi""#))
            #expect(retry.status == 200 && retry.json == first.json)
            #expect(try await S.get(h, id) == before)
            #expect(S.summary(before) == S.minimum("First version of the call."))
            #expect(try await h.count("conversations") == 1)

            // Aliases, and the first present key wins in the order client_session_id, client_conversation_id, session_id, client_id.
            let one = [S.seg("Alias test.", 0, 1)]
            for (extra, session) in [(#","client_session_id":"s-a""#, "s-a"), (#","session_id":"s-b""#, "s-b"),
                                     (#","client_id":"s-c""#, "s-c"),
                                     (#","client_id":"s-x","session_id":"s-y","client_conversation_id":"s-z","client_session_id":"s-w""#, "s-w"),
                                     (#","client_id":"s-v","session_id":"s-u""#, "s-u")] {
                #expect(try await S.create(h, S.body(one, extra)) == S.uuid5("omi/from-segments/user-a/\(session)"), "\(extra)")
            }
            #expect(try await h.count("conversations") == 6)

            // Another user's identical session id is another conversation.
            let other = try await S.create(h, firstBody, as: "user-b")
            #expect(other == S.uuid5("omi/from-segments/user-b/sess-1") && other != id)
            #expect(try await h.count("conversations", uid: "user-b") == 1)
            #expect(try await S.get(h, id) == before)

            // Without a session id every call creates a new conversation.
            let plain = S.body([S.seg("No session.", 0, 1)])
            let p1 = try await S.create(h, plain)
            let p2 = try await S.create(h, plain)
            #expect(p1 != p2)
            #expect(try await h.count("conversations") == 8)
        }
    }

    @Test(arguments: TestEngine.available)
    func concurrentDuplicatesCreateOneConversation(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let body = S.body([S.seg("Racing retries.", 0, 1)], #","client_conversation_id":"race-1""#)
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for _ in 0..<4 { group.addTask { try await h.call(.post, S.path, json: body) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.map(\.status) == [200, 200, 200, 200])
            #expect(Set(replies.compactMap { $0.json["id"].string }) == [S.uuid5("omi/from-segments/user-a/race-1")])
            #expect(try await h.count("conversations") == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func rustEraBodiesAndSources(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let rust = try await S.create(h, S.body([S.seg("Rust era upload.", 0, 3)], #"""
                ,"source":"desktop","started_at":"2030-03-05T10:00:00Z","finished_at":"2030-03-05T10:05:00Z",
                "timezone":"Europe/Berlin","input_device_name":"MacBook Pro Microphone","language":"de"
                """#))
            let c = try await S.get(h, rust)
            #expect(c["input_device_name"].string == "MacBook Pro Microphone" && c["language"].string == "de")
            #expect(S.us(c["finished_at"]) == Timestamp.micros(S.at("2030-03-05T10:05:00Z")))
            #expect(S.summary(c) == S.minimum("Rust era upload."))
            for (extra, source) in [(#","source":"walkie-talkie""#, "unknown"), ("", "phone"), (#","source":"omi""#, "omi")] {
                let id = try await S.create(h, S.body([S.seg("Source check.", 0, 1)], extra))
                let got = try await S.get(h, id)
                #expect(got["source"].string == source, "\(extra)")
                #expect(got["input_device_name"].isNull)
            }
        }
    }
}

@Suite("Conversations: force-process, finalize, reprocess without a model (knowledge.md §3.10, §3.11, §3.15)")
struct ConversationProcessingTests {
    typealias S = ConversationFromSegmentsTests
    static let missing = "00000000-0000-4000-8000-000000000000"

    static func seg(_ text: String, _ start: Double, _ end: Double) -> SeedSegment { SeedSegment(text: text, start: start, end: end) }

    /// A `{"conversation": ..., "messages": []}` reply's conversation.
    static func processed(_ r: Reply) throws -> Wire.JSONValue {
        try #require(r.status == 200, "\(r.text)")
        #expect(r.json.keys == ["conversation", "messages"] && r.json["messages"] == .array([]))
        return r.json["conversation"]
    }

    @Test(arguments: TestEngine.available)
    func forceProcessTakesTheNewestInProgressConversation(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let none = try await h.call(.post, "/v1/conversations", json: "{}")
            #expect(none.status == 404 && none.detail == "Conversation in progress not found")
            let now = Date()
            let done = try await h.seedConversation(status: "completed", title: "Done already", segments: [Self.seg("Old news.", 0, 1)],
                                                    createdAt: now)
            let older = try await h.seedConversation(status: "in_progress", segments: [Self.seg("Older chat about taxes. More.", 0, 3)],
                                                     createdAt: now.addingTimeInterval(-600))
            let newer = try await h.seedConversation(
                status: "in_progress", segments: [Self.seg("   ", 0, 1), Self.seg("Quick sync about the launch? Yes.", 1, 4)],
                createdAt: now.addingTimeInterval(-60))
            let doneBefore = try await S.get(h, done)

            let first = try Self.processed(try await h.call(.post, "/v1/conversations", json: "{}"))
            #expect(first["id"].string == newer && first["status"].string == "completed" && first["discarded"].bool == false)
            #expect(S.summary(first) == S.minimum("Quick sync about the launch?"))
            #expect(first["transcript_segments"].array.count == 2 && first.has("created_at"))
            let stored = try await S.get(h, newer)
            #expect(stored["status"].string == "completed" && S.summary(stored) == S.minimum("Quick sync about the launch?"))

            let second = try Self.processed(try await h.call(
                .post, "/v1/conversations", json: #"{"calendar_meeting_context":{"title":"Sync"},"client_processing":true}"#))
            #expect(second["id"].string == older && second["status"].string == "completed")
            #expect(S.summary(second) == S.minimum("Older chat about taxes."))
            let third = try await h.call(.post, "/v1/conversations")
            #expect(third.status == 404 && third.detail == "Conversation in progress not found")
            #expect(try await S.get(h, done) == doneBefore)
            #expect(try await h.count("action_items") == 0)
            #expect(try await h.count("conversations") == 3)
        }
    }

    @Test(arguments: TestEngine.available)
    func wordlessConversationsAreDiscardedWithARecordingTitle(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let cases: [(String, [SeedSegment], String)] = [
                ("2030-03-05T15:14:00Z", [], "Recording \u{00B7} 3:14 PM"), ("2030-03-05T00:05:00Z", [], "Recording \u{00B7} 12:05 AM"),
                ("2030-03-05T12:00:00Z", [Self.seg("  ", 0, 1)], "Recording \u{00B7} 12:00 PM"),
            ]
            for (start, segments, title) in cases {
                let id = try await h.seedConversation(status: "in_progress", segments: segments, createdAt: S.at(start), startedAt: S.at(start))
                let c = try Self.processed(try await h.call(.post, "/v1/conversations", json: "{}"))
                #expect(c["id"].string == id && c["status"].string == "completed" && c["discarded"].bool == true, "\(start)")
                #expect(S.summary(c) == S.minimum(title))
                #expect(try await S.get(h, id)["discarded"].bool == true)
            }
        }
    }

    /// The title of a silent recording tells its time in the user's profile zone (knowledge.md §2.4).
    @Test(arguments: TestEngine.available)
    func recordingTitlesUseTheUsersTimeZone(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            #expect(try await h.call(.patch, "/v1/users/profile", json: #"{"time_zone":"Asia/Kolkata"}"#).status == 200)
            // 15:14Z is 20:44 in Kolkata (+05:30); the other user, with no zone, still reads UTC.
            for (user, title) in [("user-a", "Recording \u{00B7} 8:44 PM"), ("user-b", "Recording \u{00B7} 3:14 PM")] {
                let start = S.at("2030-03-05T15:14:00Z")
                let id = try await h.seedConversation(uid: user, status: "in_progress", createdAt: start, startedAt: start)
                let c = try Self.processed(try await h.call(.post, "/v1/conversations", as: user, json: "{}"))
                #expect(c["id"].string == id && c["structured"]["title"].string == title, "\(user)")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func finalizeProcessesOnlyThatConversation(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let live = try await h.seedConversation(status: "in_progress", segments: [Self.seg("Finalize this meeting now. Thanks.", 0, 2)])
            let c = try Self.processed(try await h.call(.post, "/v1/conversations/\(live)/finalize"))
            #expect(c["id"].string == live && c["status"].string == "completed" && c["discarded"].bool == false)
            #expect(S.summary(c) == S.minimum("Finalize this meeting now."))
            #expect(try await S.get(h, live)["status"].string == "completed")

            let done = try await h.seedConversation(status: "completed", title: "Keep me", overview: "Kept", category: "work",
                                                    segments: [Self.seg("Other words here.", 0, 1)])
            let before = try await S.get(h, done)
            #expect(try Self.processed(try await h.call(.post, "/v1/conversations/\(done)/finalize", json: "{}")) == before)
            #expect(try await S.get(h, done) == before)
            let missing = try await h.call(.post, "/v1/conversations/\(Self.missing)/finalize", json: "{}")
            #expect(missing.status == 404 && missing.detail == "Conversation not found")
        }
    }

    @Test(arguments: TestEngine.available)
    func reprocessKeepsExistingResultsAndFillsEmptyTitles(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let titled = try await h.seedConversation(title: "Sprint planning", overview: "We planned", category: "work",
                                                      segments: [Self.seg("Something else entirely. Yes.", 0, 2)])
            let before = try await S.get(h, titled)
            let r = try await h.call(.post, "/v1/conversations/\(titled)/reprocess", json: "{}")
            #expect(r.status == 200 && r.json["success"].bool == true && r.json["message"].string == "Conversation reprocessed")
            #expect(r.json.keys.isSuperset(of: before.keys.union(["success", "message"])))
            #expect(r.json["id"].string == titled && r.json["structured"] == before["structured"])
            #expect(r.json["transcript_segments"] == before["transcript_segments"] && r.json["created_at"] == before["created_at"])
            #expect(r.json["structured"]["title"].string == "Sprint planning")
            let bare = try await h.call(.post, "/v1/conversations/\(titled)/reprocess?language_code=en")
            #expect(bare.status == 200 && bare.json["success"].bool == true && bare.json["structured"] == before["structured"])
            #expect(try await S.get(h, titled)["structured"] == before["structured"])

            let untitled = try await h.seedConversation(title: "", overview: "Kept overview", category: "work",
                                                        segments: [Self.seg("Budget review for the third quarter went well. Done.", 0, 3)])
            let filled = try await h.call(.post, "/v1/conversations/\(untitled)/reprocess", json: "{}")
            #expect(filled.json["success"].bool == true && filled.json["message"].string == "Conversation reprocessed")
            let expected: [String?] = ["Budget review for the third quarter went well.", "Kept overview", "work"]
            let f = S.summary(filled.json)
            #expect([f[0], f[1], f[3]] == expected)
            let stored = S.summary(try await S.get(h, untitled))
            #expect([stored[0], stored[1], stored[3]] == expected)

            let silent = try await h.seedConversation(title: "", createdAt: S.at("2030-01-02T09:07:00Z"))
            let recording = try await h.call(.post, "/v1/conversations/\(silent)/reprocess", json: "{}")
            #expect(recording.json["structured"]["title"].string == "Recording \u{00B7} 9:07 AM")

            let dropped = try await h.seedConversation(title: "", segments: [Self.seg("Real content here.", 0, 1)], discarded: true)
            let revived = try await h.call(.post, "/v1/conversations/\(dropped)/reprocess", json: "{}")
            #expect(revived.json["discarded"].bool == false && revived.json["structured"]["title"].string == "Real content here.")
            #expect(try await S.get(h, dropped)["discarded"].bool == false)
            #expect(try await h.count("action_items") == 0)
        }
    }

    @Test(arguments: TestEngine.available)
    func reprocessRefusals(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let missing = try await h.call(.post, "/v1/conversations/\(Self.missing)/reprocess", json: "{}")
            #expect(missing.status == 404 && missing.detail == "Conversation not found")
            let id = try await h.seedConversation(title: "Sprint planning", segments: [Self.seg("Ship it.", 0, 1)])
            let before = try await S.get(h, id)
            let inBody = try await h.call(.post, "/v1/conversations/\(id)/reprocess", json: #"{"app_id":"summarizer"}"#)
            #expect(inBody.status == 404 && inBody.detail == "App not found")
            let inQuery = try await h.call(.post, "/v1/conversations/\(id)/reprocess?app_id=summarizer")
            #expect(inQuery.status == 404 && inQuery.detail == "App not found")
            #expect(try await S.get(h, id) == before)
            // An app of the catalogue resolves (the built-in default has meeting-notes).
            let known = try await h.call(.post, "/v1/conversations/\(id)/reprocess", json: #"{"app_id":"meeting-notes"}"#)
            #expect(known.status == 200 && known.json["success"].bool == true)
        }
    }
}
