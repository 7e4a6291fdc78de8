import Foundation
import OmiContract
import Testing
@testable import OmiServer

/// Wire facts and helpers shared by the action-item suites (tasks.md §0.4).
enum ActionItemWire {
    static let keys: Set<String> = [
        "id", "description", "completed", "created_at", "updated_at", "due_at", "completed_at", "conversation_id",
        "source", "priority", "metadata", "category", "relevance_score", "sort_order", "indent_level", "goal_id",
        "from_staged", "recurrence_rule", "recurrence_parent_id", "deleted", "deleted_by", "deleted_at",
        "deleted_reason", "kept_task_id", "is_locked", "exported", "export_date", "export_platform", "apple_reminder_id",
    ]
    static let missingID = "00000000-0000-4000-8000-000000000000"

    /// UTC with `Z` and milli- or microseconds, as every datetime on the wire must be.
    static func isInstant(_ value: Wire.JSONValue) -> Bool {
        value.string?.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.(\d{3}|\d{6})Z$"#, options: .regularExpression) != nil
    }

    static func instant(_ value: Wire.JSONValue) -> Date? { value.string.flatMap(Timestamp.parse) }

    static func time(_ value: Wire.JSONValue) throws -> Date { try #require(instant(value)) }

    static func removing(_ key: String, from value: Wire.JSONValue) -> Wire.JSONValue {
        guard case .object(var o) = value else { return value }
        o[key] = nil
        return .object(o)
    }
}

extension TestHarness {
    /// Creates an action item (`extra` is spliced into the JSON object) and returns it.
    @discardableResult
    func addActionItem(_ description: String, _ extra: String = "", as user: String = defaultUser) async throws -> Wire.JSONValue {
        let r = try await call(.post, "/v1/action-items", as: user, json: #"{"description":"\#(description)"\#(extra)}"#)
        try #require(r.status == 200, "\(r.text)")
        return r.json
    }

    func addActionItemID(_ description: String, _ extra: String = "", as user: String = defaultUser) async throws -> String {
        try #require(try await addActionItem(description, extra, as: user)["id"].string)
    }

    /// Ids of the list, in the order served.
    func actionItemIDs(_ query: String = "", as user: String = defaultUser) async throws -> [String] {
        let r = try await call(.get, "/v1/action-items\(query)", as: user)
        try #require(r.status == 200, "\(query): \(r.text)")
        return r.json["action_items"].array.compactMap { $0["id"].string }
    }

    func actionItem(_ id: String, as user: String = defaultUser) async throws -> Wire.JSONValue {
        let r = try await call(.get, "/v1/action-items/\(id)", as: user)
        try #require(r.status == 200, "\(r.text)")
        return r.json
    }
}

@Suite("Action items: create and list (tasks.md §1.1–1.3)")
struct ActionItemTests {
    typealias W = ActionItemWire

    @Test(arguments: TestEngine.available)
    func createdItemCarriesEveryKeyAndIsListedUnderBothKeys(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let full = try await h.addActionItem("Email Anna the deck", #"""
                ,"due_at":"2030-03-01T12:00:00.123+01:00","conversation_id":"conv-1","source":"screenshot",
                "priority":"high","category":"work","metadata":"{\"source_app\": \"Mail\",  \"confidence\":0.85}",
                "relevance_score":7,"recurrence_rule":"weekly","recurrence_parent_id":"p-1","goal_id":"g-1",
                "sort_order":3,"indent_level":2,"unknown_key":[1]
                """#)
            #expect(full.keys == W.keys)
            let id = try #require(full["id"].string)
            #expect(UUID(uuidString: id) != nil)
            #expect(full["description"].string == "Email Anna the deck")
            #expect(W.instant(full["due_at"]) == Timestamp.parse("2030-03-01T11:00:00.123Z"))
            #expect(W.isInstant(full["due_at"]) && W.isInstant(full["created_at"]))
            #expect(full["created_at"] == full["updated_at"])
            #expect(full["metadata"].string == #"{"source_app": "Mail",  "confidence":0.85}"#)
            for (key, value) in [("conversation_id", "conv-1"), ("source", "screenshot"), ("priority", "high"),
                                 ("category", "work"), ("recurrence_rule", "weekly"), ("recurrence_parent_id", "p-1"),
                                 ("goal_id", "g-1")] {
                #expect(full[key].string == value, "\(key)")
            }
            #expect(full["relevance_score"].int == 7 && full["sort_order"].int == 3 && full["indent_level"].int == 2)
            for key in ["completed", "from_staged", "deleted", "is_locked", "exported"] {
                #expect(full[key].bool == false, "\(key)")
            }

            let bare = try await h.addActionItem("Water plants")
            #expect(bare.keys == W.keys)
            for key in ["due_at", "completed_at", "conversation_id", "source", "priority", "metadata", "category",
                        "relevance_score", "goal_id", "recurrence_rule", "recurrence_parent_id", "deleted_by", "deleted_at",
                        "deleted_reason", "kept_task_id", "export_date", "export_platform", "apple_reminder_id"] {
                #expect(bare[key].isNull, "\(key)")
            }
            #expect(bare["sort_order"].int == 0 && bare["indent_level"].int == 0 && bare["completed"].bool == false)

            // `completed: true` sets completed_at; a due date without an offset is UTC.
            let done = try await h.addActionItem("Already done", #","completed":true,"due_at":"2030-02-01T10:00:00""#)
            #expect(done["completed"].bool == true && W.isInstant(done["completed_at"]))
            #expect(W.instant(done["due_at"]) == Timestamp.parse("2030-02-01T10:00:00Z"))

            let list = try await h.call(.get, "/v1/action-items")
            #expect(list.status == 200)
            #expect(list.json.keys == ["action_items", "items", "has_more"])
            #expect(list.json["has_more"].bool == false)
            #expect(list.json["action_items"] == list.json["items"])
            #expect(list.json["action_items"] == .array([full, bare, done]))
            #expect(try await h.call(.get, "/v1/action-items/\(id)").json == full)
            let missing = try await h.call(.get, "/v1/action-items/\(W.missingID)")
            #expect(missing.status == 404 && missing.detail == "Action item not found")
        }
    }

    @Test(arguments: TestEngine.available)
    func metadataIsAlwaysJSONText(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let text = try await h.addActionItem("Text meta", #","metadata":"{\"b\":1,  \"a\":\"x\"}""#)
            #expect(text["metadata"].string == #"{"b":1,  "a":"x"}"#)
            let object = try await h.addActionItem("Object meta", #","metadata":{"source_app":"Mail"}"#)
            #expect(object["metadata"].string == #"{"source_app":"Mail"}"#)
            let nested = try await h.addActionItem("Nested meta", #","metadata":{"b":[1,2.5,null],"a":{"c":"d e"}}"#)
            let nestedText = try #require(nested["metadata"].string)
            #expect(Wire.JSONValue(jsonText: nestedText) == Wire.JSONValue(jsonText: #"{"b":[1,2.5,null],"a":{"c":"d e"}}"#))
            #expect(!nestedText.contains(": ") && !nestedText.contains(", ") && !nestedText.contains("\n"))
            let array = try await h.addActionItem("Array meta", #","metadata":[1,"x"]"#)
            #expect(array["metadata"].string == #"[1,"x"]"#)
            #expect(try await h.addActionItem("Null meta", #","metadata":null"#)["metadata"].isNull)
            for bad in ["5", "true", "1.5"] {
                let r = try await h.call(.post, "/v1/action-items", json: #"{"description":"Bad meta","metadata":\#(bad)}"#)
                #expect(r.status == 422, "\(bad)")
            }
            #expect(try await h.count("action_items") == 5)
            let listed = try await h.call(.get, "/v1/action-items").json["items"].array
            #expect(Set(listed.compactMap { $0["metadata"].string }) == [#"{"b":1,  "a":"x"}"#, #"{"source_app":"Mail"}"#, nestedText, #"[1,"x"]"#])
        }
    }

    @Test(arguments: TestEngine.available)
    func invalidCreatesAre422AndWriteNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let bodies = [
                #"{}"#, #"{"description":""}"#, #"{"description":"   "}"#, #"{"description":null}"#, #"{"description":5}"#,
                #"{"description":"\#(String(repeating: "a", count: 5001))"}"#,
                #"{"description":"x","indent_level":4}"#, #"{"description":"x","indent_level":-1}"#,
                #"{"description":"x","relevance_score":-1}"#, #"{"description":"x","relevance_score":2147483648}"#,
                #"{"description":"x","priority":"\#(String(repeating: "p", count: 201))"}"#,
                #"{"description":"x","due_at":"2030-01-01"}"#, #"{"description":"x","due_at":1893456000}"#,
                #"{"description":"x","due_at":"next week"}"#, #"{"description":"x","completed":"yes"}"#,
            ]
            for body in bodies {
                let r = try await h.call(.post, "/v1/action-items", json: body)
                #expect(r.status == 422, "\(body.prefix(60))")
                #expect(r.json["detail"][0].has("loc") && r.json["detail"][0].has("msg"), "\(body.prefix(60))")
            }
            #expect(try await h.count("action_items") == 0)
            let edge = try await h.addActionItem(String(repeating: "é", count: 5000),
                                                 #","indent_level":3,"relevance_score":2147483647,"priority":"\#(String(repeating: "p", count: 200))""#)
            #expect(edge["description"].string?.count == 5000 && edge["indent_level"].int == 3)
            #expect(edge["relevance_score"].int == 2_147_483_647)
        }
    }

    @Test(arguments: TestEngine.available)
    func createIsIdempotentOnNormalisedTextOfActiveTasks(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let milk = try await h.addActionItem("  Buy Milk ", #","priority":"high""#)
            let milkID = try #require(milk["id"].string)
            // The existing task comes back unchanged: nothing of the second request is applied.
            let again = try await h.addActionItem("buy milk", #","priority":"low","due_at":"2030-01-01T00:00:00Z""#)
            #expect(again == milk)
            #expect(again["description"].string == "  Buy Milk ")
            let bob = try await h.addActionItemID("[screen] Call Bob")
            #expect(try await h.addActionItemID("call bob") == bob)
            #expect(try await h.addActionItemID("Call Bob [screen]") == bob)
            let ecole = try await h.addActionItemID("ÉCOLE trip")
            #expect(try await h.addActionItemID("école trip") == ecole)
            #expect(try await h.count("action_items") == 3)

            // A completed task no longer blocks the same text.
            #expect(try await h.call(.patch, "/v1/action-items/\(milkID)", json: #"{"completed":true}"#).status == 200)
            let fresh = try await h.addActionItemID("buy milk")
            #expect(fresh != milkID)
            // Nor does a soft-deleted one.
            let soft = try await h.call(.post, "/v1/action-items/\(fresh)/soft-delete", json: #"{"deleted_by":"user"}"#)
            #expect(soft.status == 200)
            let third = try await h.addActionItemID("BUY MILK")
            #expect(third != fresh && third != milkID)
            #expect(try await h.addActionItemID("Buy milk") == third)
            #expect(try await h.count("action_items") == 5)
        }
    }

    @Test(arguments: TestEngine.available)
    func concurrentIdenticalCreatesMakeOneTask(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await h.call(.post, "/v1/action-items", json: #"{"description":"Ship it"}"#) }
                }
                return try await group.reduce(into: [Reply]()) { $0.append($1) }
            }
            #expect(replies.map(\.status) == Array(repeating: 200, count: 8))
            #expect(Set(replies.compactMap { $0.json["id"].string }).count == 1)
            #expect(try await h.count("action_items") == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func listUsesTheProductOrder(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let undatedOld = try await h.addActionItemID("Undated old")
            let dueSecond = try await h.addActionItemID("Due second", #","due_at":"2030-01-02T00:00:00Z""#)
            let dueFirst = try await h.addActionItemID("Due first", #","due_at":"2030-01-01T00:00:00Z""#)
            let undatedNew = try await h.addActionItemID("Undated new")
            let dueFirstNewer = try await h.addActionItemID("Due first newer", #","due_at":"2030-01-01T00:00:00Z""#)
            // 2029-12-31T23:00Z: compared as an instant, not as text.
            let offset = try await h.addActionItemID("Due by offset", #","due_at":"2030-01-01T01:00:00+02:00""#)
            let doneDated = try await h.addActionItemID("Done dated", #","completed":true,"due_at":"2029-01-01T00:00:00Z""#)
            let doneUndated = try await h.addActionItemID("Done undated", #","completed":true"#)
            let expected = [offset, dueFirstNewer, dueFirst, dueSecond, undatedNew, undatedOld, doneDated, doneUndated]
            #expect(try await h.actionItemIDs() == expected)
            // sort_by is accepted and ignored.
            #expect(try await h.actionItemIDs("?sort_by=due_at") == expected)
            #expect(try await h.actionItemIDs("?sort_by=anything") == expected)
        }
    }

    @Test(arguments: TestEngine.available)
    func pagingIsStableAndHasMoreIsExact(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            var ids: [String] = []
            for i in 0..<5 { ids.append(try await h.addActionItemID("Task \(i)")) }
            func pages() async throws -> (ids: [String], hasMore: [Bool?]) {
                var seen: [String] = [], flags: [Bool?] = []
                for offset in [0, 2, 4] {
                    let page = try await h.call(.get, "/v1/action-items?limit=2&offset=\(offset)").json
                    #expect(page["items"] == page["action_items"])
                    seen += page["items"].array.compactMap { $0["id"].string }
                    flags.append(page["has_more"].bool)
                }
                return (seen, flags)
            }
            let natural = try await pages()
            #expect(natural.hasMore == [true, true, false])
            #expect(natural.ids == ids.reversed())
            let beyond = try await h.call(.get, "/v1/action-items?limit=2&offset=5").json
            #expect(beyond["items"].array.isEmpty && beyond["action_items"].array.isEmpty && beyond["has_more"].bool == false)
            #expect(try await h.actionItemIDs("?limit=10000").count == 5)

            // Equal created_at values fall back to id ascending.
            try await h.database.withConnection { db in
                try await db.raw("UPDATE action_items SET created_at = (SELECT MIN(created_at) FROM action_items)").run()
            }
            #expect(try await h.actionItemIDs() == ids.sorted())
            let tied = try await pages()
            #expect(tied.ids == ids.sorted() && tied.hasMore == [true, true, false])
        }
    }

    @Test(arguments: TestEngine.available)
    func filtersCombineWithAnd(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let a = try await h.addActionItem("Alpha", #","conversation_id":"conv-1","due_at":"2030-01-01T08:00:00Z""#)
            let b = try await h.addActionItem("Beta", #","completed":true,"due_at":"2030-01-01T12:00:00Z""#)
            let c = try await h.addActionItem("Gamma")
            let d = try await h.addActionItemID("Delta", #","conversation_id":"conv-1""#)
            #expect(try await h.call(.post, "/v1/action-items/\(d)/soft-delete", json: #"{"deleted_by":"user"}"#).status == 200)
            let ia = try #require(a["id"].string), ib = try #require(b["id"].string), ic = try #require(c["id"].string)
            let aCreated = try #require(a["created_at"].string), bCreated = try #require(b["created_at"].string)
            let cases: [(String, [String])] = [
                ("", [ia, ic, ib]), ("?deleted=false", [ia, ic, ib]), ("?deleted=true", [d]),
                ("?deleted=true&conversation_id=conv-1", [d]),
                ("?completed=true", [ib]), ("?completed=1", [ib]), ("?completed=false", [ia, ic]), ("?completed=0", [ia, ic]),
                ("?conversation_id=conv-1", [ia]), ("?conversation_id=conv-1&completed=true", []),
                // Due range: inclusive, undated tasks excluded; a space where `+` belongs is read as `+`.
                ("?due_start_date=2030-01-01T10:00:00%2002:00", [ia, ib]),
                ("?due_end_date=2030-01-01T10:00:00%2002:00", [ia]),
                ("?due_start_date=2030-01-01T08:00:00.000001Z", [ib]),
                ("?due_start_date=2030-01-01T08:00:00Z&due_end_date=2030-01-01T12:00:00Z", [ia, ib]),
                // Created range: inclusive on both ends, and combined with a due filter.
                ("?start_date=\(bCreated)&end_date=\(bCreated)", [ib]),
                ("?start_date=\(bCreated)", [ic, ib]),
                ("?end_date=\(aCreated)", [ia]),
                ("?start_date=\(bCreated)&due_start_date=2030-01-01T00:00:00Z", [ib]),
            ]
            for (query, expected) in cases {
                #expect(try await h.actionItemIDs(query) == expected, "\(query)")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func badListQueriesAreRefused(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await h.addActionItem("Something")
            for bad in ["limit=0", "limit=10001", "limit=abc", "offset=-1", "completed=maybe", "deleted=yes",
                        "start_date=2026-03-01", "due_end_date=1772323200", "end_date=tomorrow", "due_start_date=2026-03-01"] {
                let r = try await h.call(.get, "/v1/action-items?\(bad)")
                #expect(r.status == 422, "\(bad)")
                #expect(r.json["detail"][0]["loc"][0].string == "query", "\(bad)")
            }
            let created = try await h.call(.get, "/v1/action-items?start_date=2026-03-02T00:00:00Z&end_date=2026-03-01T23:59:59Z")
            #expect(created.status == 400 && created.detail == "start_date must be earlier than or equal to end_date")
            let due = try await h.call(.get, "/v1/action-items?due_start_date=2030-01-02T00:00:00Z&due_end_date=2030-01-01T00:00:00Z")
            #expect(due.status == 400 && due.detail == "due_start_date must be earlier than or equal to due_end_date")
            let equal = try await h.call(.get, "/v1/action-items?start_date=2026-03-01T00:00:00Z&end_date=2026-03-01T00:00:00Z")
            #expect(equal.status == 200 && equal.json["has_more"].bool == false)
        }
    }
}
