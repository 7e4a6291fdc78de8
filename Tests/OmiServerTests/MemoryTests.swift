import Crypto
import Foundation
import OmiContract
import Testing
@testable import OmiServer

@Suite("Memories: create, list and batch create (knowledge.md §1.4, §5.1–5.3)")
struct MemoryTests {
    typealias JSON = Wire.JSONValue

    /// Every key of a ServerMemory (§1.4).
    static let keys: Set<String> = [
        "id", "uid", "content", "category", "created_at", "updated_at", "conversation_id", "reviewed", "user_review",
        "visibility", "manually_added", "scoring", "source", "confidence", "source_app", "context_summary", "reasoning",
        "current_activity", "window_title", "headline", "input_device_name", "is_read", "is_dismissed", "tags", "edited",
        "is_locked",
    ]
    static let missingID = "00000000-0000-4000-8000-000000000000"

    /// The content-hash id of §1.4: SHA-256 of the UTF-8 bytes, first 16 bytes, version 4, RFC 4122 variant.
    static func contentID(_ content: String) -> String {
        var bytes = Array(SHA256.hash(data: Data(content.utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        var parts: [Substring] = []
        var rest = Substring(hex)
        for n in [8, 4, 4, 4, 12] { parts.append(rest.prefix(n)); rest = rest.dropFirst(n) }
        return parts.joined(separator: "-")
    }

    /// A Swift string as a JSON string literal.
    static func quoted(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return String(decoding: (try? encoder.encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }

    static func isInstant(_ value: JSON) -> Bool {
        value.string?.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.(\d{3}|\d{6})Z$"#, options: .regularExpression) != nil
    }

    static func micros(_ value: JSON) -> Int64? { value.string.flatMap(Timestamp.parseMicros) }

    /// `scoring` computed from the rule of §5.1 for a served memory.
    static func expectedScoring(_ m: JSON) -> String? {
        guard let created = micros(m["created_at"]), let manual = m["manually_added"].bool, let category = m["category"].string
        else { return nil }
        let boost = category == "system" ? 0 : 1
        func pad(_ n: Int64, _ width: Int) -> String {
            let digits = String(n)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return pad(manual ? 1 : 0, 2) + "_" + pad(Int64(999 - boost), 3) + "_" + pad(created / 1_000_000, 10)
    }

    static func removing(_ key: String, from value: JSON) -> JSON {
        guard case .object(var o) = value else { return value }
        o[key] = nil
        return .object(o)
    }

    /// Creates a memory (`extra` is spliced into the JSON object), requires 200 and returns the body.
    @discardableResult
    static func create(_ h: TestHarness, _ content: String, _ extra: String = "", as user: String = TestHarness.defaultUser,
                       sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSON {
        let r = try await h.call(.post, "/v3/memories", as: user, json: #"{"content":\#(quoted(content))\#(extra)}"#)
        try #require(r.status == 200, "\(content): \(r.text.prefix(300))", sourceLocation: sourceLocation)
        return r.json
    }

    /// The served list for `query`, required to be a bare array.
    static func list(_ h: TestHarness, _ query: String = "", as user: String = TestHarness.defaultUser,
                     sourceLocation: SourceLocation = #_sourceLocation) async throws -> [JSON] {
        let r = try await h.call(.get, "/v3/memories\(query)", as: user)
        try #require(r.status == 200, "\(query): \(r.text.prefix(300))", sourceLocation: sourceLocation)
        guard case .array(let items) = r.json else {
            Issue.record("not a bare array: \(r.text.prefix(200))", sourceLocation: sourceLocation)
            return []
        }
        return items
    }

    static func contents(_ h: TestHarness, _ query: String = "", as user: String = TestHarness.defaultUser,
                         sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String] {
        try await list(h, query, as: user, sourceLocation: sourceLocation).compactMap { $0["content"].string }
    }

    @Test func contentIDHelperMatchesAnIndependentComputation() {
        // Pinned with Python: uuid.UUID(bytes=sha256(s).digest()[:16], version=4).
        #expect(Self.contentID("Buy milk") == "df3db8a9-ea05-422c-a023-8a243ce14e9e")
        #expect(Self.contentID("buy milk") == "93326019-4ce5-4178-928d-37861b7a69a5")
    }

    @Test(arguments: TestEngine.available)
    func createWithoutCategoryIsAManualReviewedMemory(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let made = try await Self.create(h, "Prefers morning meetings", #"""
                ,"tags":["tips","productivity"],"source":"desktop","headline":"Mornings","confidence":0.5,
                "source_app":"Notes","context_summary":"ctx","reasoning":"why","current_activity":"typing","window_title":"Win"
                """#)
            #expect(Self.keys.union(["message"]).isSubset(of: made.keys), "\(made.keys.symmetricDifference(Self.keys))")
            #expect(made["message"].string == "Memory created successfully")
            #expect(made["id"].string == Self.contentID("Prefers morning meetings"))
            #expect(made["id"].string == "03fdf4f0-5782-428f-aace-c4194240f8a6")
            #expect(made["uid"].string == "user-a" && made["content"].string == "Prefers morning meetings")
            #expect(made["category"].string == "manual" && made["manually_added"].bool == true)
            #expect(made["reviewed"].bool == true && made["user_review"].bool == true)
            #expect(made["visibility"].string == "private" && made["conversation_id"].isNull)
            for key in ["is_read", "is_dismissed", "edited", "is_locked"] { #expect(made[key].bool == false, "\(key)") }
            #expect(made["tags"] == .array([.string("tips"), .string("productivity")]))
            for (key, value) in [("source", "desktop"), ("headline", "Mornings"), ("source_app", "Notes"),
                                 ("context_summary", "ctx"), ("reasoning", "why"), ("current_activity", "typing"),
                                 ("window_title", "Win")] {
                #expect(made[key].string == value, "\(key)")
            }
            #expect(made["confidence"] == .double(0.5))
            #expect(Self.isInstant(made["created_at"]) && made["created_at"] == made["updated_at"])
            #expect(made["scoring"].string == Self.expectedScoring(made) && made["scoring"].string?.hasPrefix("01_998_") == true)
            #expect(try await Self.list(h) == [Self.removing("message", from: made)])

            let extracted = try await Self.create(h, "Drinks green tea", #","category":"interesting""#)
            #expect(extracted["category"].string == "interesting" && extracted["manually_added"].bool == false)
            #expect(extracted["reviewed"].bool == false && extracted["user_review"].isNull)
            #expect(extracted["tags"] == .array([]) && extracted["message"].string == "Memory created successfully")
            #expect(extracted["scoring"].string == Self.expectedScoring(extracted))
            #expect(try await h.count("memories") == 2)
        }
    }

    @Test(arguments: TestEngine.available)
    func identicalContentUpdatesTheSameRow(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let first = try await Self.create(h, "Likes tea", #","category":"system","tags":["a"]"#)
            let id = try #require(first["id"].string)
            #expect(id == Self.contentID("Likes tea"))
            let read = try await h.call(.patch, "/v3/memories/\(id)/read", json: #"{"is_read":true}"#)
            #expect(read.status == 200)
            try await Task.sleep(for: .milliseconds(5))

            let again = try await Self.create(h, "Likes tea", #","category":"interesting","tags":["b","c"],"visibility":"public","headline":"H""#)
            #expect(again["id"].string == id && again["message"].string == "Memory created successfully")
            #expect(try await h.count("memories") == 1)
            #expect(again["created_at"] == first["created_at"])
            #expect((Self.micros(again["updated_at"]) ?? 0) > (Self.micros(first["updated_at"]) ?? .max))
            #expect(again["category"].string == "interesting" && again["visibility"].string == "public")
            #expect(again["tags"] == .array([.string("b"), .string("c")]) && again["headline"].string == "H")
            #expect(again["is_read"].bool == true, "read state is kept")
            #expect(again["scoring"].string == Self.expectedScoring(again))
            let listed = try await Self.list(h)
            #expect(listed == [Self.removing("message", from: again)])

            // Hashing is exact: case differs → another id.
            let upper = try await Self.create(h, "Buy milk")
            let lower = try await Self.create(h, "buy milk")
            #expect(upper["id"].string == Self.contentID("Buy milk") && lower["id"].string == Self.contentID("buy milk"))
            #expect(upper["id"] != lower["id"])
            #expect(try await h.count("memories") == 3)
        }
    }

    @Test(arguments: TestEngine.available)
    func invalidCreatesAre422AndWriteNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            for body in [#"{"content":""}"#, #"{"content":"   "}"#, #"{"content":"\n\t"}"#, #"{}"#, #"{"content":3}"#,
                         #"{"content":null}"#, #"{"content":"Fine","visibility":"friends"}"#, #"{"content":"Fine","tags":"x"}"#] {
                let r = try await h.call(.post, "/v3/memories", json: body)
                #expect(r.status == 422, "\(body): \(r.text.prefix(200))")
                #expect(!r.json["detail"].array.isEmpty, "\(body): validation detail list")
            }
            #expect(try await h.count("memories") == 0)
            #expect(try await Self.list(h).isEmpty)
        }
    }

    @Test(arguments: TestEngine.available)
    func categoriesAreNormalisedOnInputAndOnRead(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            for (given, expected) in [("hobbies", "system"), ("core", "system"), ("learnings", "system"), ("other", "system"),
                                      ("whatever", "interesting"), ("interesting", "interesting"), ("system", "system"),
                                      ("manual", "manual")] {
                let m = try await Self.create(h, "Category \(given)", #","category":\#(Self.quoted(given))"#)
                #expect(m["category"].string == expected, "\(given)")
                #expect(m["manually_added"].bool == (expected == "manual"), "\(given)")
                #expect(m["scoring"].string == Self.expectedScoring(m), "\(given)")
            }
            // Legacy values already in storage never reach the client.
            let legacy = Self.contentID("Category system"), stray = Self.contentID("Category interesting")
            try await h.database.withConnection { db in
                try await db.raw("UPDATE memories SET category = 'lifestyle' WHERE id = \(bind: legacy)").run()
                try await db.raw("UPDATE memories SET category = 'bogus' WHERE id = \(bind: stray)").run()
            }
            let listed = try await Self.list(h)
            #expect(listed.count == 8)
            #expect(Set(listed.compactMap { $0["category"].string }).isSubset(of: ["system", "interesting", "manual"]))
            #expect(listed.first(where: { $0["id"].string == legacy })?["category"].string == "system")
            #expect(listed.first(where: { $0["id"].string == stray })?["category"].string == "interesting")
        }
    }

    @Test(arguments: TestEngine.available)
    func concurrentAndCrossUserCreatesOfTheSameContent(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for _ in 0..<8 { group.addTask { try await h.call(.post, "/v3/memories", json: #"{"content":"Same thing"}"#) } }
                return try await group.reduce(into: [Reply]()) { $0.append($1) }
            }
            #expect(replies.map(\.status) == Array(repeating: 200, count: 8), "\(replies.map { $0.text.prefix(120) })")
            #expect(Set(replies.compactMap { $0.json["id"].string }) == [Self.contentID("Same thing")])
            #expect(try await h.count("memories") == 1)

            let theirs = try await Self.create(h, "Same thing", #","tags":["b"]"#, as: "user-b")
            #expect(theirs["id"].string == Self.contentID("Same thing") && theirs["uid"].string == "user-b")
            #expect(try await h.count("memories", uid: "user-a") == 1)
            #expect(try await h.count("memories", uid: "user-b") == 1)
            let mine = try await Self.list(h)
            #expect(mine.count == 1 && mine.first?["uid"].string == "user-a" && mine.first?["tags"] == .array([]))
            let other = try await Self.list(h, as: "user-b")
            #expect(other.count == 1 && other.first?["uid"].string == "user-b" && other.first?["tags"] == .array([.string("b")]))
        }
    }

    @Test(arguments: TestEngine.available)
    func listFiltersByCategoryTagsDismissalAndReview(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await Self.create(h, "Both tags", #","category":"system","tags":["tips","productivity"]"#)
            try await Self.create(h, "Tips only", #","category":"system","tags":["tips"]"#)
            try await Self.create(h, "Manual focus", #","tags":["focus","productivity"]"#)
            let hiddenID = Self.contentID("Dismissed one"), rejectedID = Self.contentID("Rejected one")
            try await Self.create(h, "Dismissed one", #","category":"interesting","tags":["tips","productivity"]"#)
            try await Self.create(h, "Rejected one", #","category":"interesting","tags":["tips","productivity"]"#)
            #expect(try await h.call(.patch, "/v3/memories/\(hiddenID)/read", json: #"{"is_dismissed":true}"#).status == 200)
            #expect(try await h.call(.post, "/v3/memories/\(rejectedID)/review", json: #"{"value":false}"#).status == 200)

            #expect(Set(try await Self.contents(h)) == ["Both tags", "Tips only", "Manual focus"])
            #expect(Set(try await Self.contents(h, "?include_dismissed=true")) == ["Both tags", "Tips only", "Manual focus", "Dismissed one"])
            #expect(Set(try await Self.contents(h, "?include_dismissed=false")) == ["Both tags", "Tips only", "Manual focus"])
            #expect(Set(try await Self.contents(h, "?category=system")) == ["Both tags", "Tips only"])
            #expect(try await Self.contents(h, "?category=manual") == ["Manual focus"])
            #expect(try await Self.contents(h, "?category=interesting").isEmpty)
            #expect(try await Self.contents(h, "?category=interesting&include_dismissed=true") == ["Dismissed one"])
            #expect(Set(try await Self.contents(h, "?tags=tips")) == ["Both tags", "Tips only"])
            #expect(try await Self.contents(h, "?tags=tips,productivity") == ["Both tags"])
            #expect(try await Self.contents(h, "?tags=%20productivity%20,tips,,") == ["Both tags"], "items trimmed, empties dropped")
            #expect(Set(try await Self.contents(h, "?tags=productivity&include_dismissed=true")) == ["Both tags", "Manual focus", "Dismissed one"])
            #expect(try await Self.contents(h, "?tags=focus&category=system").isEmpty)
            #expect(try await Self.contents(h, "?tags=nope").isEmpty)
            for query in ["?category=hobbies", "?category=bogus"] {
                let r = try await h.call(.get, "/v3/memories\(query)")
                #expect(r.status == 422 && !r.json["detail"].array.isEmpty, "\(query): \(r.text.prefix(200))")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func listOrdersByScoringAndClampsPaging(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            for content in ["Interesting 1", "System 1", "Manual 1", "Interesting 2", "System 2", "Manual 2"] {
                let category = content.split(separator: " ")[0].lowercased()
                try await Self.create(h, content, category == "manual" ? "" : #","category":"\#(category)""#)
            }
            // m=1 beats m=0; c=999 (system) beats c=998 (interesting) whatever the seconds; newest first within a group.
            let expected = ["Manual 2", "Manual 1", "System 2", "System 1", "Interesting 2", "Interesting 1"]
            let listed = try await Self.list(h)
            #expect(listed.compactMap { $0["content"].string } == expected)
            for m in listed {
                #expect(m["scoring"].string == Self.expectedScoring(m), "\(m["content"])")
                #expect(m["scoring"].string?.range(of: #"^0[01]_99[89]_\d{10}$"#, options: .regularExpression) != nil)
                #expect(Self.isInstant(m["created_at"]) && Self.isInstant(m["updated_at"]))
                #expect(!m.has("message"))
            }
            var scorings: [String] = []
            for m in listed { scorings.append(m["scoring"].string ?? "") }
            let descending = scorings.sorted { $0 > $1 }
            #expect(scorings == descending)

            #expect(try await Self.contents(h, "?limit=10000") == expected)
            #expect(try await Self.contents(h, "?limit=0") == ["Manual 2"])
            #expect(try await Self.contents(h, "?limit=-3") == ["Manual 2"])
            #expect(try await Self.contents(h, "?offset=-5") == expected)
            #expect(try await Self.contents(h, "?limit=2&offset=2") == ["System 2", "System 1"])
            #expect(try await Self.contents(h, "?offset=6").isEmpty)
        }
    }

    @Test(arguments: TestEngine.available)
    func batchCreateIsAllOrNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            func items(_ n: Int, _ prefix: String) -> String {
                (0..<n).map { #"{"content":"\#(prefix) \#($0)","visibility":"private","tags":["t"],"headline":"h"}"# }
                    .joined(separator: ",")
            }
            let over = items(101, "Over"), three = items(3, "Ok"), hundred = items(100, "Fact")
            let tooMany = try await h.call(.post, "/v3/memories/batch", json: #"{"memories":[\#(over)]}"#)
            #expect(tooMany.status == 422 && !tooMany.json["detail"].array.isEmpty)
            #expect(try await h.count("memories") == 0)
            for bad in [#"{"content":"  "}"#, #"{"content":"x","visibility":"friends"}"#, #"{"visibility":"public"}"#] {
                let r = try await h.call(.post, "/v3/memories/batch", json: #"{"memories":[\#(three),\#(bad)]}"#)
                #expect(r.status == 422, "\(bad): \(r.text.prefix(200))")
            }
            #expect(try await h.count("memories") == 0)

            let empty = try await h.call(.post, "/v3/memories/batch", json: #"{"memories":[]}"#)
            #expect(empty.status == 200 && empty.json == .object(["memories": .array([]), "created_count": .int(0)]))

            let full = try await h.call(.post, "/v3/memories/batch", json: #"{"memories":[\#(hundred)]}"#)
            #expect(full.status == 200, "\(full.text.prefix(200))")
            #expect(full.json["created_count"].int == 100 && full.json["memories"].array.count == 100)
            for m in full.json["memories"].array {
                let content = m["content"].string ?? ""
                #expect(m["id"].string == Self.contentID(content), "\(content)")
                #expect(m["category"].string == "manual" && m["manually_added"].bool == true && m["headline"].string == "h")
                #expect(Self.keys.isSubset(of: m.keys))
            }
            #expect(try await h.count("memories") == 100)

            let dup = try await h.call(.post, "/v3/memories/batch",
                                       json: #"{"memories":[{"content":"Twice"},{"content":"Twice"},{"content":"Fact 0","category":"system"}]}"#)
            #expect(dup.status == 200 && dup.json["created_count"].int == 2, "\(dup.text.prefix(300))")
            #expect(Set(dup.json["memories"].array.compactMap { $0["id"].string })
                    == [Self.contentID("Twice"), Self.contentID("Fact 0")])
            #expect(try await h.count("memories") == 101)
            #expect(try await Self.list(h, "?category=system").compactMap { $0["content"].string } == ["Fact 0"])
        }
    }
}
