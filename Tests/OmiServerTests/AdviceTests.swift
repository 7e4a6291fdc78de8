import Foundation
import HTTPTypes
import OmiContract
import OmiStorage
import Testing
@testable import OmiServer

@Suite("Advice (focus.md §0, §3)")
struct AdviceTests {
    static let keys: Set<String> = [
        "id", "content", "category", "reasoning", "source_app", "confidence", "context_summary", "current_activity",
        "created_at", "updated_at", "is_read", "is_dismissed",
    ]
    static let missingID = "00000000-0000-4000-8000-000000000000"

    /// 0.5 arrives as a double, 1.0 may arrive as an integer.
    static func number(_ v: Wire.JSONValue) -> Double? {
        if case .double(let d) = v { return d }
        return v.int.map { Double($0) }
    }
    static func micros(_ v: Wire.JSONValue) -> Int64? { v.string.flatMap(Timestamp.parseMicros) }

    /// UTC with microseconds and a zone designator (§0).
    static func isInstant(_ v: Wire.JSONValue) -> Bool {
        v.string?.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|\+00:00)$"#, options: .regularExpression) != nil
    }

    static func body(_ content: String, _ extra: String = "") -> String { #"{"content":"\#(content)"\#(extra)}"# }

    static func create(_ h: TestHarness, _ json: String, as user: String = TestHarness.defaultUser) async throws -> Wire.JSONValue {
        let r = try await h.call(.post, "/v1/advice", as: user, json: json)
        try #require(r.status == 200, "\(r.text)")
        return r.json
    }

    static func createID(_ h: TestHarness, _ content: String, _ extra: String = "",
                         as user: String = TestHarness.defaultUser) async throws -> String {
        try #require(try await create(h, body(content, extra), as: user)["id"].string)
    }

    static func list(_ h: TestHarness, _ query: String = "", as user: String = TestHarness.defaultUser) async throws -> [Wire.JSONValue] {
        let r = try await h.call(.get, "/v1/advice\(query)", as: user)
        try #require(r.status == 200, "\(query): \(r.text)")
        guard case .array(let items) = r.json else { Issue.record("not an array: \(r.text)"); return [] }
        return items
    }

    static func ids(_ items: [Wire.JSONValue]) -> [String] {
        var out: [String] = []; for item in items { out.append(item["id"].string ?? "?") }; return out
    }

    static func listIDs(_ h: TestHarness, _ query: String = "", as user: String = TestHarness.defaultUser) async throws -> [String] {
        ids(try await list(h, query, as: user))
    }

    /// Sets both instants of one item, which the API cannot do.
    static func seed(_ h: TestHarness, _ id: String, at micros: Int64, uid: String = TestHarness.defaultUser) async throws {
        try await h.database.withConnection { db in try await db.raw(
            "UPDATE advice SET created_at = \(bind: micros), updated_at = \(bind: micros) WHERE uid = \(bind: uid) AND id = \(bind: id)").run() }
    }

    /// A 422 in the FastAPI list shape; when `field` is given, some item's `loc` names it.
    static func isValidationError(_ r: Reply, _ field: String? = nil) -> Bool {
        guard r.status == 422, case .array(let items) = r.json["detail"], !items.isEmpty else { return false }
        guard let field else { return true }
        for item in items { for part in item["loc"].array where part.string == field { return true } }
        return false
    }

    static func without(_ keys: [String], _ v: Wire.JSONValue) -> Wire.JSONValue {
        guard case .object(var o) = v else { return v }; for key in keys { o[key] = nil }; return .object(o)
    }

    static func detail(_ text: String) -> Wire.JSONValue { .object(["detail": .string(text)]) }
    static func status(_ text: String) -> Wire.JSONValue { .object(["status": .string(text)]) }

    @Test(arguments: TestEngine.available)
    func createTrimsContentFillsDefaultsAndEchoesAFullBody(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let before = Clock.nowMicros()
            let r = try await h.call(.post, "/v1/advice", json: #"{"content":"  Take a break  "}"#)
            let after = Clock.nowMicros()
            #expect(r.status == 200)
            let bare = r.json
            #expect(bare.keys == Self.keys)
            let id = try #require(bare["id"].string)
            #expect(UUID(uuidString: id) != nil && id == id.lowercased() && Array(id)[14] == "4")
            #expect(bare["content"].string == "Take a break" && bare["category"].string == "other")
            #expect(Self.number(bare["confidence"]) == 0.5 && bare["is_read"].bool == false && bare["is_dismissed"].bool == false)
            for key in ["reasoning", "source_app", "context_summary", "current_activity"] {
                #expect(bare.has(key) && bare[key].isNull, "\(key)")
            }
            #expect(Self.isInstant(bare["created_at"]) && Self.isInstant(bare["updated_at"]))
            #expect(bare["updated_at"] == bare["created_at"])
            let created = try #require(Self.micros(bare["created_at"]))
            #expect(created >= before - 1000 && created <= after + 1000)

            let full = try await Self.create(h, #"""
                {"content":"Stretch your legs","category":"health","reasoning":"Sat for two hours",
                 "source_app":"Xcode","confidence":0.85,"context_summary":"Long debugging session",
                 "current_activity":"Reading logs","unknown_key":[1]}
                """#)
            #expect(full.keys == Self.keys && full["updated_at"] == full["created_at"] && full["id"] != bare["id"])
            #expect(Self.without(["id", "created_at", "updated_at"], full) == Wire.JSONValue(jsonText: #"""
                {"content":"Stretch your legs","category":"health","reasoning":"Sat for two hours","source_app":"Xcode",
                 "confidence":0.85,"context_summary":"Long debugging session","current_activity":"Reading logs",
                 "is_read":false,"is_dismissed":false}
                """#))

            let fullID = try #require(full["id"].string)
            var listed: [String: Wire.JSONValue] = [:]
            for item in try await Self.list(h) { listed[item["id"].string ?? "?"] = item }
            #expect(listed == [id: bare, fullID: full])
            #expect(try await h.count("advice") == 2)
        }
    }

    @Test(arguments: TestEngine.available)
    func createValidationRefusesAndWritesNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            for blank in ["   ", #"\t\n "#] {
                let r = try await h.call(.post, "/v1/advice", json: Self.body(blank))
                #expect(r.status == 400 && r.json == Self.detail("content cannot be empty or whitespace only"))
            }
            let e = "\u{E9}", decomposed = "e\u{301}"
            let refused: [(String, String?)] = [
                (Self.body(""), "content"),
                (#"{}"#, nil),
                (#"{"content":42}"#, nil),
                (Self.body(String(repeating: e, count: 10_001)), "content"),
                // Counted before trimming, and in Unicode scalars (5001 graphemes, 10001 scalars).
                (Self.body(" " + String(repeating: e, count: 9_999) + " "), "content"),
                (Self.body(String(repeating: decomposed, count: 5_000) + "e"), "content"),
                (Self.body("x", #","confidence":1.5"#), "confidence"),
                (Self.body("x", #","confidence":-0.1"#), "confidence"),
                (Self.body("x", #","confidence":"0.5""#), nil),
                (Self.body("x", #","category":"focus""#), "category"),
                (Self.body("x", #","category":"Health""#), "category"),
                (Self.body("x", #","reasoning":"\#(String(repeating: e, count: 5_001))""#), "reasoning"),
                (Self.body("x", #","source_app":"\#(String(repeating: e, count: 201))""#), "source_app"),
                (Self.body("x", #","context_summary":"\#(String(repeating: e, count: 5_001))""#), "context_summary"),
                (Self.body("x", #","current_activity":"\#(String(repeating: e, count: 501))""#), "current_activity"),
            ]
            for (json, field) in refused {
                let r = try await h.call(.post, "/v1/advice", json: json)
                #expect(Self.isValidationError(r, field), "\(json.prefix(80)): \(r.status) \(r.text.prefix(300))")
            }
            #expect(try await h.count("advice") == 0)

            let long = String(repeating: e, count: 10_000)
            let accepted = try await Self.create(h, Self.body(long))
            #expect(accepted["content"].string?.unicodeScalars.count == 10_000 && accepted["content"].string == long)
            let scalars = try await Self.create(h, Self.body(String(repeating: decomposed, count: 5_000)))
            #expect(scalars["content"].string?.unicodeScalars.count == 10_000)
            #expect(try await Self.create(h, Self.body("x", #","category":null"#))["category"].string == "other")
            #expect(try await Self.create(h, Self.body("x", #","category":"""#))["category"].string == "other")
            let maxed = try await Self.create(h, Self.body("x", #"""
                ,"reasoning":"\#(String(repeating: e, count: 5_000))","source_app":"\#(String(repeating: e, count: 200))",
                "context_summary":"\#(String(repeating: e, count: 5_000))","current_activity":"\#(String(repeating: e, count: 500))",
                "confidence":1,"category":"learning"
                """#))
            for (key, n) in [("reasoning", 5_000), ("source_app", 200), ("context_summary", 5_000), ("current_activity", 500)] {
                #expect(maxed[key].string == String(repeating: e, count: n), "\(key)")
            }
            #expect(Self.number(maxed["confidence"]) == 1.0 && maxed["category"].string == "learning")
            let zero = try await Self.create(h, Self.body("x", #","confidence":0,"reasoning":null"#))
            #expect(Self.number(zero["confidence"]) == 0.0 && zero["reasoning"].isNull)
            #expect(try await h.count("advice") == 6)
        }
    }

    @Test(arguments: TestEngine.available)
    func listIsNewestFirstAndPages(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let t = try #require(Timestamp.parseMicros("2026-03-05T10:00:00Z"))
            let a = try await Self.createID(h, "a"), b = try await Self.createID(h, "b")
            let c = try await Self.createID(h, "c"), d = try await Self.createID(h, "d")
            // The first created is the newest; b and d tie on created_at and are ordered by id descending.
            for (id, offset) in [(a, 3), (b, 1), (c, 2), (d, 1)] { try await Self.seed(h, id, at: t + Int64(offset) * 1_000_000) }
            let tie = [max(b, d), min(b, d)]
            let all = try await Self.list(h)
            #expect(Self.ids(all) == [a, c] + tie)
            let newest = all.first?["created_at"] ?? .null
            #expect(Self.micros(newest) == t + 3_000_000 && Self.isInstant(newest))
            #expect(try await Self.listIDs(h, "?limit=2&offset=1") == [c, tie[0]])
            #expect(try await Self.listIDs(h, "?limit=1&offset=3") == [tie[1]])
            #expect(try await Self.listIDs(h, "?offset=4") == [])
            #expect(try await Self.listIDs(h, "?limit=1000&unknown=1") == [a, c] + tie)
            for (query, field) in [("limit=0", "limit"), ("limit=1001", "limit"), ("limit=abc", "limit"), ("offset=-1", "offset")] {
                let r = try await h.call(.get, "/v1/advice?\(query)")
                #expect(Self.isValidationError(r, field), "\(query): \(r.text)")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func dismissedAndCategoryFiltersCombineBeforePaging(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let t = try #require(Timestamp.parseMicros("2026-03-05T10:00:00Z"))
            var made: [String] = []
            for (content, category) in [("h1", "health"), ("p", "productivity"), ("h2", "health"), ("o", "other"), ("h3", "health")] {
                made.append(try await Self.createID(h, content, #","category":"\#(category)""#))
            }
            for (i, id) in made.enumerated() { try await Self.seed(h, id, at: t + Int64(5 - i) * 1_000_000) }
            let (h1, p, h2, o, h3) = (made[0], made[1], made[2], made[3], made[4])
            #expect(try await h.call(.patch, "/v1/advice/\(h2)", json: #"{"is_dismissed":true}"#).status == 200)
            for id in [o, h3] { #expect(try await h.call(.patch, "/v1/advice/\(id)", json: #"{"is_read":true}"#).status == 200) }

            let visible = [h1, p, o, h3]
            #expect(try await Self.listIDs(h) == visible)
            for flag in ["true", "TRUE", "True", "1", "yes", "on", "ON"] {
                #expect(try await Self.listIDs(h, "?include_dismissed=\(flag)") == made, "\(flag)")
            }
            for flag in ["false", "FALSE", "0", "no", "off"] {
                #expect(try await Self.listIDs(h, "?include_dismissed=\(flag)") == visible, "\(flag)")
            }
            let bad = try await h.call(.get, "/v1/advice?include_dismissed=maybe")
            #expect(Self.isValidationError(bad, "include_dismissed"), "\(bad.text)")

            #expect(try await Self.listIDs(h, "?category=health") == [h1, h3])
            #expect(try await Self.listIDs(h, "?category=health&include_dismissed=true") == [h1, h2, h3])
            #expect(try await Self.listIDs(h, "?category=health&include_dismissed=true&limit=1&offset=1") == [h2])
            #expect(try await Self.listIDs(h, "?category=health&limit=1&offset=1") == [h3])
            #expect(try await Self.listIDs(h, "?category=other") == [o])
            for category in ["focus", "Health", "unknown"] {
                #expect(try await Self.listIDs(h, "?category=\(category)&include_dismissed=true") == [], "\(category)")
            }
            #expect(try await Self.listIDs(h, "?limit=2&offset=1") == [p, o])
        }
    }

    @Test(arguments: TestEngine.available)
    func strayStoredCategoryIsEmittedAsOther(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let id = try await Self.createID(h, "Imported", #","category":"health""#)
            try await h.database.withConnection { db in
                try await db.raw("UPDATE advice SET category = \(bind: "focus") WHERE uid = 'user-a' AND id = \(bind: id)").run()
            }
            let items = try await Self.list(h)
            #expect(Self.ids(items) == [id])
            #expect(items.first?["category"].string == "other" && items.first?.keys == Self.keys)
            // "A value outside the five categories simply matches nothing" (§3.3), even when such a value is stored.
            #expect(try await Self.listIDs(h, "?category=focus") == [])
            #expect(try await Self.listIDs(h, "?category=health") == [])
        }
    }

    @Test(arguments: TestEngine.available)
    func patchChangesOnlyTheSentFlagsAndAdvancesUpdatedAt(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let id = try await Self.createID(h, "Drink water", #","category":"health","source_app":"Mail","confidence":0.7"#)
            let seeded = Clock.nowMicros() - 3_600_000_000
            try await Self.seed(h, id, at: seeded)
            let original = try #require(try await Self.list(h).first)

            let r1 = try await h.call(.patch, "/v1/advice/\(id)", json: #"{"is_read":true,"unknown":1}"#)
            #expect(r1.status == 200 && r1.json.keys == Self.keys)
            #expect(r1.json["is_read"].bool == true && r1.json["is_dismissed"].bool == false)
            #expect(r1.json["content"].string == "Drink water")
            #expect(Self.without(["is_read", "updated_at"], r1.json) == Self.without(["is_read", "updated_at"], original))
            #expect(Self.micros(r1.json["created_at"]) == seeded && Self.isInstant(r1.json["updated_at"]))
            let u1 = try #require(Self.micros(r1.json["updated_at"])); #expect(u1 > seeded)
            #expect(try await Self.list(h) == [r1.json])

            let r2 = try await h.call(.patch, "/v1/advice/\(id)", json: #"{"is_dismissed":true}"#)
            #expect(r2.status == 200 && r2.json["is_read"].bool == true && r2.json["is_dismissed"].bool == true)
            let u2 = try #require(Self.micros(r2.json["updated_at"])); #expect(u2 > u1)
            // The same values again still refresh updated_at.
            let r3 = try await h.call(.patch, "/v1/advice/\(id)", json: #"{"is_dismissed":true,"is_read":null}"#)
            #expect(r3.status == 200 && r3.json["is_read"].bool == true && r3.json["is_dismissed"].bool == true)
            let u3 = try #require(Self.micros(r3.json["updated_at"])); #expect(u3 > u2)
            #expect(try await Self.listIDs(h) == [])

            let r4 = try await h.call(.patch, "/v1/advice/\(id)", json: #"{"is_read":false,"is_dismissed":false}"#)
            #expect(r4.status == 200 && r4.json["is_read"].bool == false && r4.json["is_dismissed"].bool == false)
            let u4 = try #require(Self.micros(r4.json["updated_at"])); #expect(u4 > u3)
            #expect(Self.without(["updated_at"], r4.json) == Self.without(["updated_at"], original))
            #expect(try await Self.list(h) == [r4.json])

            // The path id is trimmed.
            let padded = try await h.call(.patch, "/v1/advice/%20\(id)%20", json: #"{"is_read":true}"#)
            #expect(padded.status == 200 && padded.json["id"].string == id && padded.json["is_read"].bool == true)
            #expect(try await h.count("advice") == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func refusedPatchesChangeNothingAndDeleteIsHard(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let id = try await Self.createID(h, "Stand up"), gone = try await Self.createID(h, "Delete me")
            try await Self.seed(h, gone, at: Clock.nowMicros() - 3_600_000_000)
            let original = try await Self.list(h)
            for json in [#"{}"#, #"{"is_read":null}"#, #"{"is_read":null,"is_dismissed":null}"#, #"{"other":true}"#] {
                let r = try await h.call(.patch, "/v1/advice/\(id)", json: json)
                #expect(r.status == 400 && r.json == Self.detail("At least one of is_read or is_dismissed is required"), "\(json): \(r.text)")
            }
            for json in [#"{"is_read":"yes"}"#, #"{"is_dismissed":1}"#, #"{"is_read":"true"}"#] {
                let r = try await h.call(.patch, "/v1/advice/\(id)", json: json)
                #expect(Self.isValidationError(r), "\(json): \(r.status) \(r.text)")
            }
            let missing = try await h.call(.patch, "/v1/advice/\(Self.missingID)", json: #"{"is_read":true}"#)
            #expect(missing.status == 404 && missing.json == Self.detail("Advice not found"))
            for method in [HTTPRequest.Method.patch, .delete] {
                let blank = try await h.call(method, "/v1/advice/%20%20", json: method == .patch ? #"{"is_read":true}"# : nil)
                #expect(blank.status == 400 && blank.json == Self.detail("Valid advice_id is required"), "\(method): \(blank.text)")
            }
            #expect(try await h.count("advice") == 2)
            #expect(try await Self.list(h, "?include_dismissed=true") == original)

            let first = try await h.call(.delete, "/v1/advice/\(gone)")
            #expect(first.status == 200 && first.json == Self.status("ok"))
            for method in [HTTPRequest.Method.delete, .patch] {
                let again = try await h.call(method, "/v1/advice/\(gone)", json: method == .patch ? #"{"is_read":true}"# : nil)
                #expect(again.status == 404 && again.json == Self.detail("Advice not found"), "\(method)")
            }
            #expect(try await Self.listIDs(h, "?include_dismissed=true") == [id])
            #expect(try await h.count("advice") == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func markAllReadCountsAndTouchesOnlyUnreadItems(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let u1 = try await Self.createID(h, "u1"), u2 = try await Self.createID(h, "u2")
            let u3 = try await Self.createID(h, "u3"), read = try await Self.createID(h, "read")
            #expect(try await h.call(.patch, "/v1/advice/\(u3)", json: #"{"is_dismissed":true}"#).status == 200)
            #expect(try await h.call(.patch, "/v1/advice/\(read)", json: #"{"is_read":true}"#).status == 200)
            let base = Clock.nowMicros() - 3_600_000_000
            let seeds = [u1: base + 4_000_000, u2: base + 3_000_000, u3: base + 2_000_000, read: base + 1_000_000]
            for (id, at) in seeds { try await Self.seed(h, id, at: at) }
            let before = try await Self.list(h, "?include_dismissed=true")

            let first = try await h.call(.post, "/v1/advice/mark-all-read")
            #expect(first.status == 200 && first.json == Self.status("marked 3 as read"), "\(first.text)")
            let after = try await Self.list(h, "?include_dismissed=true")
            #expect(Self.ids(after) == [u1, u2, u3, read])
            for (was, now) in zip(before, after) {
                let id = now["id"].string ?? "?"
                let seededAt = seeds[id] ?? .max
                #expect(now["is_read"].bool == true, "\(id)")
                #expect(now["is_dismissed"].bool == (id == u3), "\(id)")
                #expect(Self.micros(now["created_at"]) == seededAt, "\(id)")
                #expect(Self.without(["is_read", "updated_at"], now) == Self.without(["is_read", "updated_at"], was), "\(id)")
                if id == read {
                    #expect(now == was && Self.micros(now["updated_at"]) == seededAt)
                } else {
                    #expect((Self.micros(now["updated_at"]) ?? 0) > seededAt, "\(id)")
                }
            }

            let second = try await h.call(.post, "/v1/advice/mark-all-read", json: "{}")
            #expect(second.status == 200 && second.json == Self.status("marked 0 as read"), "\(second.text)")
            #expect(try await Self.list(h, "?include_dismissed=true") == after)

            let fresh = try await Self.createID(h, "fresh")
            let third = try await h.call(.post, "/v1/advice/mark-all-read", json: "{}")
            #expect(third.json == Self.status("marked 1 as read"), "\(third.text)")
            #expect(try await Self.list(h).first?["id"].string == fresh)
            #expect(try await Self.list(h).first?["is_read"].bool == true)
        }
    }

    @Test(arguments: TestEngine.available)
    func usersNeverSeeOrChangeEachOthersAdvice(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let a1 = try await Self.createID(h, "A unread", as: "user-a")
            let a2 = try await Self.createID(h, "A dismissed", #","category":"health""#, as: "user-a")
            #expect(try await h.call(.patch, "/v1/advice/\(a2)", as: "user-a", json: #"{"is_dismissed":true}"#).status == 200)
            let b1 = try await Self.createID(h, "B's", as: "user-b")
            let snapshot = try await Self.list(h, "?include_dismissed=true", as: "user-a")
            #expect(Set(Self.ids(snapshot)) == [a1, a2])

            #expect(try await Self.listIDs(h, "?include_dismissed=true", as: "user-b") == [b1])
            #expect(try await Self.listIDs(h, "?category=health&include_dismissed=true", as: "user-b") == [])
            for json in [#"{"is_read":true}"#, #"{"is_dismissed":false}"#] {
                let r = try await h.call(.patch, "/v1/advice/\(a1)", as: "user-b", json: json)
                #expect(r.status == 404 && r.detail == "Advice not found")
            }
            for id in [a1, a2] {
                let r = try await h.call(.delete, "/v1/advice/\(id)", as: "user-b")
                #expect(r.status == 404 && r.detail == "Advice not found")
            }
            let mark = try await h.call(.post, "/v1/advice/mark-all-read", as: "user-b", json: "{}")
            #expect(mark.json == Self.status("marked 1 as read"), "\(mark.text)")

            #expect(try await Self.list(h, "?include_dismissed=true", as: "user-a") == snapshot)
            #expect(try await h.count("advice", uid: "user-a") == 2)
            #expect(try await h.count("advice", uid: "user-b") == 1)
            #expect(try await Self.listIDs(h, "?include_dismissed=true", as: "user-a").contains(b1) == false)

            // Without a token every route answers 401 and nothing changes.
            let calls: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/v1/advice", nil), (.post, "/v1/advice", #"{"content":"x"}"#),
                (.patch, "/v1/advice/\(a1)", #"{"is_read":true}"#), (.delete, "/v1/advice/\(a1)", nil),
                (.post, "/v1/advice/mark-all-read", "{}"), (.post, "/v1/advice/mark-all-read", nil),
            ]
            for (method, path, json) in calls {
                let r = try await h.call(method, path, as: nil, json: json)
                #expect(r.status == 401 && r.detail == "Authorization header not found", "\(method) \(path): \(r.text)")
            }
            #expect(try await Self.list(h, "?include_dismissed=true", as: "user-a") == snapshot)
        }
    }
}
