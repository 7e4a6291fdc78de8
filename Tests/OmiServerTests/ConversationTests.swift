import Crypto
import Foundation
import OmiContract
import Testing
@testable import OmiServer

@Suite("Conversations: list, count, get, delete (knowledge.md §1.1, §3.1–3.3, §3.8)")
struct ConversationTests {
    /// Wire facts and helpers shared by the conversation suites.
    enum W {
        static let missingID = "00000000-0000-4000-8000-000000000000"
        static let keys: Set<String> = [
            "id", "created_at", "started_at", "finished_at", "updated_at", "structured", "transcript_segments", "source",
            "language", "status", "discarded", "deleted", "starred", "is_locked", "visibility", "folder_id",
            "input_device_name", "apps_results", "geolocation",
        ]
        static let structuredKeys: Set<String> = ["title", "overview", "emoji", "category", "action_items", "events"]
        static let segmentKeys: Set<String> = ["id", "text", "speaker", "speaker_id", "is_user", "person_id", "start", "end"]
        static let eventKeys: Set<String> = ["title", "description", "start", "starts_at", "duration", "created"]
        static let sharedKeys: Set<String> = [
            "id", "created_at", "started_at", "finished_at", "structured", "transcript_segments", "source", "language",
        ]

        static func at(_ text: String) -> Date { Timestamp.parse(text)! }
        static func instant(_ value: Wire.JSONValue) -> Date? { value.string.flatMap(Timestamp.parse) }
        static func isInstant(_ value: Wire.JSONValue) -> Bool {
            value.string?.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.(\d{3}|\d{6})Z$"#, options: .regularExpression) != nil
        }
        static func number(_ value: Wire.JSONValue) -> Double? {
            switch value {
            case .int(let i): Double(i)
            case .double(let d): d
            default: nil
            }
        }

        /// Paths of every string in `value` that looks like a datetime but is not UTC with a fraction and `Z`.
        static func badDates(in value: Wire.JSONValue, path: String = "$") -> [String] {
            switch value {
            case .string(let s):
                let looksLikeDate = s.range(of: #"^\d{4}-\d{2}-\d{2}"#, options: .regularExpression) != nil
                return looksLikeDate && !isInstant(value) ? ["\(path)=\(s)"] : []
            case .array(let a): return a.enumerated().flatMap { badDates(in: $1, path: "\(path)[\($0)]") }
            case .object(let o): return o.flatMap { badDates(in: $1, path: "\(path).\($0)") }
            default: return []
            }
        }

        /// knowledge.md §1.1.4: uuid5(NAMESPACE_URL, "omi/conversations/{id}/transcript-segments/{index}").
        static func segmentID(_ conversation: String, _ index: Int) -> String {
            let namespace: [UInt8] = [0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8]
            let name = Array("omi/conversations/\(conversation)/transcript-segments/\(index)".utf8)
            var b = Array(Insecure.SHA1.hash(data: namespace + name)).prefix(16).map { $0 }
            b[6] = (b[6] & 0x0F) | 0x50
            b[8] = (b[8] & 0x3F) | 0x80
            let hex = b.map { String(format: "%02x", $0) }.joined()
            let p = Array(hex)
            return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(p[$0]) }.joined(separator: "-")
        }

        /// A standard validation failure: 422 with the list form of `detail`.
        static func is422(_ r: Reply) -> Bool {
            r.status == 422 && r.json["detail"].array.first.map { $0.has("loc") && $0.has("msg") && $0.has("type") } == true
        }

        static func list(_ h: TestHarness, _ query: String = "", as user: String = "user-a") async throws -> [Wire.JSONValue] {
            let r = try await h.call(.get, "/v1/conversations\(query)", as: user)
            try #require(r.status == 200, "\(query): \(r.text)")
            guard case .array(let items) = r.json else { Issue.record("not a bare array: \(r.text)"); return [] }
            return items
        }

        static func ids(_ h: TestHarness, _ query: String = "", as user: String = "user-a") async throws -> [String] {
            try await list(h, query, as: user).compactMap { $0["id"].string }
        }

        static func count(_ h: TestHarness, _ query: String = "", as user: String = "user-a") async throws -> Int {
            let r = try await h.call(.get, "/v1/conversations/count\(query)", as: user)
            try #require(r.status == 200, "\(query): \(r.text)")
            #expect(r.text.range(of: #""count"\s*:\s*-?\d+\s*[,}]"#, options: .regularExpression) != nil, "count not an integer: \(r.text)")
            return Int(try #require(r.json["count"].int))
        }

        static func get(_ h: TestHarness, _ id: String, as user: String = "user-a") async throws -> Wire.JSONValue {
            let r = try await h.call(.get, "/v1/conversations/\(id)", as: user)
            try #require(r.status == 200, "\(r.text)")
            return r.json
        }

        /// Folder objects of GET /v1/folders (which creates the ten system folders) by name.
        static func folders(_ h: TestHarness, as user: String = "user-a") async throws -> [String: Wire.JSONValue] {
            let r = try await h.call(.get, "/v1/folders", as: user)
            try #require(r.status == 200, "\(r.text)")
            return Dictionary(r.json.array.map { ($0["name"].string ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        }

        static func removing(_ key: String, from value: Wire.JSONValue) -> Wire.JSONValue {
            guard case .object(var o) = value else { return value }
            o[key] = nil
            return .object(o)
        }
    }

    @Test(arguments: TestEngine.available)
    func listedConversationCarriesEveryDocumentedKey(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let created = W.at("2026-03-05T14:07:00Z")
            let dentist = W.at("2026-03-09T09:00:00Z")
            let id = try await h.seedConversation(
                uid: "user-a", status: "completed", title: "Sprint planning", overview: "We planned", category: "work",
                segments: [SeedSegment(text: "Let's ship it.", start: 0, end: 2.5, isUser: false, personId: nil, speaker: "SPEAKER_01"),
                           SeedSegment(text: "Agreed.", start: 3, end: 4.5, isUser: true, personId: nil, speaker: "SPEAKER_00")],
                createdAt: created, startedAt: nil, finishedAt: nil, discarded: false, folderId: nil, starred: false,
                source: "desktop", events: [SeedEvent(title: "Dentist", start: dentist, duration: 30),
                                            SeedEvent(title: "Standup", start: dentist.addingTimeInterval(3600), duration: 45)],
                actionItems: ["Send the deck"])
            let r = try await h.call(.get, "/v1/conversations")
            #expect(r.status == 200)
            #expect(W.badDates(in: r.json).isEmpty, "\(W.badDates(in: r.json))")
            let c = try #require(r.json.array.first)
            #expect(r.json.array.count == 1)
            #expect(c.keys.isSuperset(of: W.keys), "missing \(W.keys.subtracting(c.keys))")
            #expect(c["photos"].isNull || c["photos"] == .array([]))
            #expect(c["id"].string == id && UUID(uuidString: id) != nil && id == id.lowercased())
            #expect(W.isInstant(c["created_at"]) && W.instant(c["created_at"]) == created)
            #expect(W.instant(c["started_at"]) == created)
            #expect(W.instant(c["finished_at"]) == created.addingTimeInterval(4.5))
            #expect(c["updated_at"].isNull || W.isInstant(c["updated_at"]))
            for (key, value) in [("source", "desktop"), ("language", "en"), ("status", "completed"), ("visibility", "private")] {
                #expect(c[key].string == value, "\(key)")
            }
            for key in ["discarded", "deleted", "starred", "is_locked"] { #expect(c[key].bool == false, "\(key)") }
            #expect(c["folder_id"].isNull && c["input_device_name"].isNull && c["geolocation"].isNull)
            #expect(c["apps_results"] == .array([]))

            let s = c["structured"]
            #expect(s.keys.isSuperset(of: W.structuredKeys), "missing \(W.structuredKeys.subtracting(s.keys))")
            #expect(s["title"].string == "Sprint planning" && s["overview"].string == "We planned" && s["category"].string == "work")
            #expect(!(s["emoji"].string ?? "").isEmpty)
            let item = s["action_items"][0]
            #expect(s["action_items"].array.count == 1)
            #expect(item["description"].string == "Send the deck" && item["completed"].bool == false && item["deleted"].bool == false)
            let events = s["events"].array
            #expect(events.map { $0["title"].string } == ["Dentist", "Standup"])
            for (event, (start, minutes)) in zip(events, [(dentist, 30), (dentist.addingTimeInterval(3600), 45)]) {
                #expect(event.keys.isSuperset(of: W.eventKeys), "missing \(W.eventKeys.subtracting(event.keys))")
                #expect(event["start"] == event["starts_at"] && W.isInstant(event["starts_at"]))
                #expect(W.instant(event["starts_at"]) == start)
                #expect(event["duration"] == .int(Int64(minutes)) && event["created"].bool == false)
                #expect(event["description"].string != nil)
            }
            // `duration` is a JSON integer on the wire (30, never 30.0).
            #expect(r.text.range(of: #""duration"\s*:\s*30\s*[,}]"#, options: .regularExpression) != nil)
            #expect(r.text.range(of: #""duration"\s*:\s*\d+\."#, options: .regularExpression) == nil)

            let segments = c["transcript_segments"].array
            #expect(segments.map { $0["id"].string } == [W.segmentID(id, 0), W.segmentID(id, 1)])
            for segment in segments { #expect(segment.keys.isSuperset(of: W.segmentKeys), "\(segment)") }
            #expect(segments.map { $0["text"].string } == ["Let's ship it.", "Agreed."])
            #expect(segments.map { $0["speaker"].string } == ["SPEAKER_01", "SPEAKER_00"])
            #expect(segments.map { $0["speaker_id"].int } == [1, 0])
            #expect(segments.map { $0["is_user"].bool } == [false, true])
            #expect(segments.allSatisfy { $0["person_id"].isNull })
            #expect(segments.map { W.number($0["start"]) } == [0, 3] && segments.map { W.number($0["end"]) } == [2.5, 4.5])

            // GET answers the same object.
            let one = try await h.call(.get, "/v1/conversations/\(id)")
            #expect(one.status == 200 && W.badDates(in: one.json).isEmpty)
            #expect(W.removing("photos", from: one.json) == W.removing("photos", from: c))
        }
    }

    @Test(arguments: TestEngine.available)
    func statusAndDiscardedDefaultsDifferBetweenListAndCount(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let base = W.at("2026-01-01T00:00:00Z")
            var byStatus: [String: String] = [:]
            for (i, status) in ["completed", "processing", "in_progress", "merging", "failed"].enumerated() {
                byStatus[status] = try await h.seedConversation(status: status, title: status, createdAt: base.addingTimeInterval(Double(i) * 60))
            }
            let s = byStatus
            let discarded = try await h.seedConversation(status: "completed", title: "", createdAt: base.addingTimeInterval(600), discarded: true)
            let c = s["completed"]!, p = s["processing"]!

            #expect(try await W.ids(h) == [discarded, p, c])
            #expect(try await W.ids(h, "?statuses=") == [discarded, p, c])
            #expect(try await W.ids(h, "?include_discarded=false") == [p, c])
            #expect(try await W.ids(h, "?include_discarded=0") == [p, c])
            #expect(try await W.ids(h, "?include_discarded=TRUE") == [discarded, p, c])
            #expect(try await W.ids(h, "?statuses=in_progress,merging") == [s["merging"]!, s["in_progress"]!])
            #expect(try await W.ids(h, "?statuses=failed,,") == [s["failed"]!])
            #expect(try await W.ids(h, "?statuses=bogus").isEmpty)
            let listed = try await W.list(h, "?statuses=completed")
            #expect(listed.map { $0["id"].string } == [discarded, c])
            #expect(listed.first?["discarded"].bool == true && listed.first?["structured"]["title"].string == "")

            // Count: no status filter and include_discarded=false by default.
            #expect(try await W.count(h) == 5)
            #expect(try await W.count(h, "?include_discarded=true") == 6)
            #expect(try await W.count(h, "?statuses=bogus") == 0)
            for query in ["?include_discarded=false&statuses=completed,processing", "?statuses=completed&include_discarded=true",
                          "?statuses=in_progress,merging,failed&include_discarded=false", "?statuses=processing,completed&include_discarded=true"] {
                #expect(try await W.count(h, query) == W.list(h, query).count, "\(query)")
            }
            let keys = try await h.call(.get, "/v1/conversations/count?statuses=completed").json.keys
            #expect(keys == ["count"])
            #expect(try await h.count("conversations") == 6)
        }
    }

    @Test(arguments: TestEngine.available)
    func filtersCombineWithAnd(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let folders = try await W.folders(h)
            let work = try #require(folders["Work"]?["id"].string), home = try #require(folders["Personal"]?["id"].string)
            let day1 = W.at("2026-02-01T10:00:00Z"), day2 = W.at("2026-02-02T10:00:00Z"), day3 = W.at("2026-02-03T10:00:00Z")
            func seed(_ t: String, _ at: Date, folder: String? = nil, starred: Bool = false, source: String = "desktop",
                      status: String = "completed") async throws -> String {
                try await h.seedConversation(status: status, title: t, createdAt: at, folderId: folder, starred: starred, source: source)
            }
            let match = try await seed("match", day2, folder: work, starred: true)
            let otherFolder = try await seed("other folder", day2, folder: home, starred: true)
            let noFolder = try await seed("no folder", day2, starred: true)
            let unstarred = try await seed("unstarred", day2, folder: work)
            let early = try await seed("early", day1, folder: work, starred: true)
            let late = try await seed("late", day3, folder: work, starred: true)
            let omi = try await seed("omi", day2.addingTimeInterval(1), folder: work, starred: true, source: "omi")
            let failed = try await seed("failed", day2, folder: work, starred: true, status: "failed")

            let all = "&start_date=2026-02-02T10:00:00Z&end_date=2026-02-02T10:00:00Z&sources=desktop&statuses=completed"
            #expect(try await W.ids(h, "?folder_id=\(work)&starred=true\(all)") == [match])
            #expect(try await W.count(h, "?folder_id=\(work)&starred=true\(all)") == 1)
            #expect(try await Set(W.ids(h, "?folder_id=\(work)")) == [match, unstarred, early, late, omi])
            #expect(try await W.ids(h, "?folder_id=\(home)") == [otherFolder])
            #expect(try await W.ids(h, "?folder_id=\(W.missingID)").isEmpty)
            #expect(try await Set(W.ids(h, "?starred=false")) == [unstarred])
            #expect(try await Set(W.ids(h, "?starred=true")) == [match, otherFolder, noFolder, early, late, omi])
            #expect(try await Set(W.ids(h, "?sources=omi")) == [omi])
            #expect(try await Set(W.ids(h, "?sources=omi,phone&starred=true")) == [omi])
            #expect(try await W.ids(h, "?sources=phone").isEmpty)
            // Date bounds are inclusive on created_at.
            #expect(try await Set(W.ids(h, "?start_date=2026-02-02T10:00:00Z&end_date=2026-02-02T10:00:00Z"))
                    == [match, otherFolder, noFolder, unstarred])
            #expect(try await W.ids(h, "?start_date=2026-02-03T10:00:00Z") == [late])
            #expect(try await W.ids(h, "?end_date=2026-02-01T10:00:00Z") == [early])
            #expect(try await Set(W.ids(h, "?start_date=2026-02-02T10:00:01Z&end_date=2026-02-03T09:59:59Z")) == [omi])
            #expect(try await Set(W.ids(h, "?statuses=failed&folder_id=\(work)")) == [failed])

            for query in ["?folder_id=\(work)&statuses=completed,processing", "?starred=true&statuses=completed,processing",
                          "?sources=desktop&include_discarded=false&statuses=processing,completed",
                          "?start_date=2026-02-02T00:00:00Z&end_date=2026-02-02T23:59:59Z&statuses=completed"] {
                #expect(try await W.count(h, query) == W.list(h, query).count, "\(query)")
            }
            let echoed = try await h.call(.get, "/v1/conversations/count?sources=omi")
            #expect(echoed.json["count"].int == 1 && echoed.json["sources"] == .array([.string("omi")]))

            for path in ["/v1/conversations", "/v1/conversations/count"] {
                let r = try await h.call(.get, "\(path)?start_date=2026-02-03T00:00:00Z&end_date=2026-02-02T00:00:00Z")
                #expect(r.status == 400 && r.detail == "start_date must be earlier than or equal to end_date", "\(path): \(r.text)")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func orderIsNewestFirstThenIdAndPagingIsBounded(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let t = W.at("2026-04-01T08:00:00Z")
            var seeded: [(Date, String)] = []
            for offset in [0.0, 120, 60, 60, 60, 180] {
                let at = t.addingTimeInterval(offset)
                let id = try await h.seedConversation(title: "c\(offset)", createdAt: at)
                seeded.append((at, id))
            }
            let expected = seeded.sorted { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 > $1.1 }.map(\.1)
            #expect(try await W.ids(h) == expected)
            #expect(try await W.ids(h, "?limit=2") == Array(expected[0..<2]))
            #expect(try await W.ids(h, "?limit=3&offset=2") == Array(expected[2..<5]))
            #expect(try await W.ids(h, "?offset=5") == [expected[5]])
            #expect(try await W.ids(h, "?offset=6").isEmpty)
            #expect(try await W.ids(h, "?limit=5000") == expected)
            #expect(try await W.ids(h, "?limit=1000") == expected)
            for query in ["?limit=0", "?limit=-1", "?offset=-1", "?limit=abc", "?offset=x", "?starred=maybe", "?start_date=yesterday"] {
                let r = try await h.call(.get, "/v1/conversations\(query)")
                #expect(W.is422(r), "\(query): \(r.status) \(r.text)")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func getAnswersFullObjectOr404(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let id = try await h.seedConversation(title: "Mine", segments: [SeedSegment(text: "Hello there.", start: 0, end: 1)])
            let discarded = try await h.seedConversation(title: "", discarded: true)
            let other = try await h.seedConversation(uid: "user-b", title: "Theirs")

            let mine = try await W.get(h, id)
            #expect(mine["structured"]["title"].string == "Mine" && mine["transcript_segments"].array.count == 1)
            #expect(mine["transcript_segments"][0]["id"].string == W.segmentID(id, 0))
            #expect(try await W.get(h, id) == mine)
            let missing = try await h.call(.get, "/v1/conversations/\(W.missingID)")
            #expect(missing.status == 404 && missing.json == .object(["detail": .string("Conversation not found")]))
            let foreign = try await h.call(.get, "/v1/conversations/\(other)")
            #expect(foreign.status == 404 && foreign.text == missing.text)
            #expect(try await W.get(h, other, as: "user-b")["structured"]["title"].string == "Theirs")

            #expect(try await W.get(h, discarded)["discarded"].bool == true)
            #expect(try await h.call(.get, "/v1/conversations/\(discarded)?include_discarded=true").status == 200)
            let hidden = try await h.call(.get, "/v1/conversations/\(discarded)?include_discarded=false")
            #expect(hidden.status == 404 && hidden.detail == "Conversation not found")
            let shown = try await h.call(.get, "/v1/conversations/\(id)?include_discarded=false")
            #expect(shown.status == 200 && shown.json == mine)
        }
    }

    @Test(arguments: TestEngine.available)
    func deleteIsIdempotentAndCascadesOnlyWhenAsked(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let keep = try await h.seedConversation(title: "Keep", createdAt: W.at("2026-05-01T00:00:00Z"))
            let plain = try await h.seedConversation(title: "Plain", createdAt: W.at("2026-05-02T00:00:00Z"))
            let cascade = try await h.seedConversation(title: "Cascade", createdAt: W.at("2026-05-03T00:00:00Z"))
            func addItem(_ d: String, _ conversation: String) async throws -> String {
                let r = try await h.call(.post, "/v1/action-items", json: #"{"description":"\#(d)","conversation_id":"\#(conversation)"}"#)
                try #require(r.status == 200, "\(r.text)")
                return try #require(r.json["id"].string)
            }
            let keptItem = try await addItem("From keep", keep)
            let plainItem = try await addItem("From plain", plain)
            _ = try await addItem("From cascade 1", cascade)
            _ = try await addItem("From cascade 2", cascade)
            let items = try await h.count("action_items")
            // Memories extracted from a conversation name it too; cascade removes them, plain deletes keep them.
            for (content, conversation) in [("Cascade fact", cascade), ("Plain fact", plain)] {
                let m = try await h.call(.post, "/v3/memories",
                                         json: #"{"content":"\#(content)","category":"system","conversation_id":"\#(conversation)"}"#)
                try #require(m.status == 200, "\(m.text)")
            }
            #expect(try await W.count(h) == 3)

            for _ in 0..<2 {
                let r = try await h.call(.delete, "/v1/conversations/\(plain)")
                #expect(r.status == 200 && r.json == .object(["status": .string("Ok")]), "\(r.text)")
            }
            #expect(try await W.ids(h) == [cascade, keep])
            #expect(try await W.count(h) == 2)
            #expect(try await h.call(.get, "/v1/conversations/\(plain)").status == 404)
            // Default: linked tasks are kept with a dangling conversation_id.
            #expect(try await h.count("action_items") == items)
            let dangling = try await h.call(.get, "/v1/action-items/\(plainItem)")
            #expect(dangling.status == 200 && dangling.json["conversation_id"].string == plain)

            let r = try await h.call(.delete, "/v1/conversations/\(cascade)?cascade=true")
            #expect(r.status == 200 && r.json == .object(["status": .string("Ok")]))
            #expect(try await h.count("action_items") == items - 2)
            let facts = try await h.call(.get, "/v3/memories").json.array.compactMap { $0["content"].string }
            #expect(facts == ["Plain fact"])
            let remaining = try await h.call(.get, "/v1/action-items").json["items"].array.compactMap { $0["conversation_id"].string }
            #expect(remaining.sorted() == [keep, plain].sorted())
            #expect(try await h.call(.get, "/v1/action-items/\(keptItem)").status == 200)
            #expect(try await W.ids(h) == [keep])

            let missing = try await h.call(.delete, "/v1/conversations/\(W.missingID)?cascade=true")
            #expect(missing.status == 200 && missing.json == .object(["status": .string("Ok")]))
            #expect(try await h.count("conversations") == 1)
            #expect(try await h.count("action_items") == items - 2)
        }
    }
}
