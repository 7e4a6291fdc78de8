import Foundation
import HTTPTypes
import OmiContract
import Testing
@testable import OmiServer

@Suite("Action items: update, delete, soft-delete (tasks.md §1.4–1.7)")
struct ActionItemUpdateTests {
    typealias W = ActionItemWire

    @Test(arguments: TestEngine.available)
    func patchAppliesOnlyWhatIsSent(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let item = try await h.addActionItem("Plan trip", #"""
                ,"due_at":"2030-01-01T09:00:00Z","priority":"high","category":"travel","metadata":"m1",
                "recurrence_rule":"daily","goal_id":"g1","relevance_score":4
                """#)
            let id = try #require(item["id"].string)
            func patch(_ body: String) async throws -> Wire.JSONValue {
                let r = try await h.call(.patch, "/v1/action-items/\(id)", json: body)
                try #require(r.status == 200, "\(body): \(r.text)")
                #expect(r.json.keys == W.keys)
                return r.json
            }
            // Absent and null fields (other than due_at) are left alone.
            let renamed = try await patch(#"{"description":"Plan holiday","priority":null}"#)
            #expect(renamed["description"].string == "Plan holiday")
            #expect(W.removing("description", from: W.removing("updated_at", from: renamed))
                    == W.removing("description", from: W.removing("updated_at", from: item)))
            #expect(try W.time(renamed["updated_at"]) > W.time(item["updated_at"]))
            // The stored normalisation follows the new description.
            #expect(try await h.addActionItemID("plan HOLIDAY") == id)
            #expect(try await h.addActionItemID("plan trip") != id)

            // An empty body only refreshes updated_at.
            let touched = try await patch("{}")
            #expect(W.removing("updated_at", from: touched) == W.removing("updated_at", from: renamed))
            #expect(try W.time(touched["updated_at"]) > W.time(renamed["updated_at"]))

            let moved = try await patch(#"{"due_at":"2030-06-01T10:00:00+02:00"}"#)
            #expect(W.instant(moved["due_at"]) == Timestamp.parse("2030-06-01T08:00:00Z") && W.isInstant(moved["due_at"]))
            #expect(try await patch(#"{"due_at":null}"#)["due_at"].isNull)
            #expect(try await patch(#"{"due_at":"2030-07-01T00:00:00Z"}"#)["due_at"].isNull == false)
            let notCleared = try await patch(#"{"clear_due_at":false}"#)
            #expect(W.instant(notCleared["due_at"]) == Timestamp.parse("2030-07-01T00:00:00Z"))
            #expect(try await patch(#"{"clear_due_at":true,"due_at":"2031-01-01T00:00:00Z"}"#)["due_at"].isNull)
            #expect(try await patch(#"{"recurrence_rule":""}"#)["recurrence_rule"].isNull)

            let done = try await patch(#"{"completed":true}"#)
            #expect(done["completed"].bool == true && W.isInstant(done["completed_at"]))
            #expect(try W.time(done["completed_at"]) > W.time(item["created_at"]))
            #expect(try await h.actionItemIDs("?completed=true").contains(id))
            let undone = try await patch(#"{"completed":false}"#)
            #expect(undone["completed"].bool == false && undone["completed_at"].isNull)

            let rest = try await patch(#"""
                {"priority":"low","category":"home","source":"manual","metadata":{"k":"v"},"goal_id":"g2",
                 "relevance_score":9,"sort_order":12,"indent_level":3,"exported":true,"export_date":"2030-01-01T01:00:00+01:00",
                 "export_platform":"apple","apple_reminder_id":"r1","unknown":1}
                """#)
            for (key, value) in [("priority", "low"), ("category", "home"), ("source", "manual"), ("metadata", #"{"k":"v"}"#),
                                 ("goal_id", "g2"), ("export_platform", "apple"), ("apple_reminder_id", "r1")] {
                #expect(rest[key].string == value, "\(key)")
            }
            #expect(rest["relevance_score"].int == 9 && rest["sort_order"].int == 12 && rest["indent_level"].int == 3)
            #expect(rest["exported"].bool == true && W.instant(rest["export_date"]) == Timestamp.parse("2030-01-01T00:00:00Z"))
            #expect(try await h.actionItem(id) == rest)
        }
    }

    @Test(arguments: TestEngine.available)
    func refusedPatchesChangeNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let item = try await h.addActionItem("Keep me", #","indent_level":1,"due_at":"2030-01-01T00:00:00Z""#)
            let id = try #require(item["id"].string)
            let missing = try await h.call(.patch, "/v1/action-items/\(W.missingID)", json: #"{"description":"x","completed":true}"#)
            #expect(missing.status == 404 && missing.detail == "Action item not found")
            #expect(try await h.call(.get, "/v1/action-items/\(W.missingID)").status == 404)
            #expect(try await h.count("action_items") == 1)
            for body in [#"{"indent_level":4}"#, #"{"description":"  "}"#, #"{"description":""}"#, #"{"relevance_score":-1}"#,
                         #"{"due_at":"2030-01-01"}"#, #"{"completed":"yes"}"#, #"{"metadata":5}"#, #"{"indent_level":3,"sort_order":"x"}"#] {
                let r = try await h.call(.patch, "/v1/action-items/\(id)", json: body)
                #expect(r.status == 422, "\(body)")
            }
            #expect(try await h.actionItem(id) == item)
        }
    }

    @Test(arguments: TestEngine.available)
    func completedToggleRoute(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let id = try await h.addActionItemID("Toggle me")
            let on = try await h.call(.patch, "/v1/action-items/\(id)/completed?completed=true")
            #expect(on.status == 200 && on.json.keys == W.keys)
            #expect(on.json["completed"].bool == true && W.isInstant(on.json["completed_at"]))
            let off = try await h.call(.patch, "/v1/action-items/\(id)/completed?completed=false")
            #expect(off.json["completed"].bool == false && off.json["completed_at"].isNull)
            #expect(try await h.call(.patch, "/v1/action-items/\(id)/completed?completed=1").json["completed"].bool == true)
            for bad in ["", "?completed=maybe"] {
                #expect(try await h.call(.patch, "/v1/action-items/\(id)/completed\(bad)").status == 422, "\(bad)")
            }
            #expect(try await h.actionItem(id)["completed"].bool == true)
            let missing = try await h.call(.patch, "/v1/action-items/\(W.missingID)/completed?completed=true")
            #expect(missing.status == 404 && missing.detail == "Action item not found")
            #expect(try await h.count("action_items") == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func deleteIsPermanent(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let id = try await h.addActionItemID("Throw away")
            let other = try await h.addActionItemID("Keep")
            let deleted = try await h.call(.delete, "/v1/action-items/\(id)")
            #expect(deleted.status == 204 && deleted.text.isEmpty)
            let read = try await h.call(.get, "/v1/action-items/\(id)")
            #expect(read.status == 404 && read.detail == "Action item not found")
            let again = try await h.call(.delete, "/v1/action-items/\(id)")
            #expect(again.status == 404 && again.detail == "Action item not found")
            #expect(try await h.count("action_items") == 1)
            #expect(try await h.actionItemIDs() == [other])
            #expect(try await h.actionItemIDs("?deleted=true").isEmpty)
        }
    }

    @Test(arguments: TestEngine.available)
    func softDeleteMarksHidesAndStaysReadable(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let dup = try await h.addActionItem("Dup task")
            let dupID = try #require(dup["id"].string)
            let kept = try await h.addActionItemID("Kept task")
            let doneID = try await h.addActionItemID("Done task", #","completed":true"#)
            let r = try await h.call(.post, "/v1/action-items/\(dupID)/soft-delete",
                                     json: #"{"deleted_by":"ai_dedup","reason":"duplicate","kept_task_id":"\#(kept)"}"#)
            #expect(r.status == 200 && r.json.keys == W.keys)
            #expect(r.json["deleted"].bool == true && r.json["deleted_by"].string == "ai_dedup")
            #expect(r.json["deleted_reason"].string == "duplicate" && r.json["kept_task_id"].string == kept)
            #expect(W.isInstant(r.json["deleted_at"]))
            #expect(try W.time(r.json["updated_at"]) > W.time(dup["updated_at"]))
            #expect(r.json["description"] == dup["description"] && r.json["completed"].bool == false)

            let plain = try await h.call(.post, "/v1/action-items/\(doneID)/soft-delete", json: #"{"deleted_by":"user"}"#).json
            #expect(plain["deleted"].bool == true && plain["deleted_by"].string == "user")
            #expect(plain["deleted_reason"].string == "" && plain["kept_task_id"].string == "")

            #expect(try await h.actionItemIDs() == [kept])
            #expect(try await h.actionItemIDs("?deleted=true") == [dupID, doneID])
            let read = try await h.actionItem(dupID)
            #expect(read["deleted"].bool == true && read["deleted_by"].string == "ai_dedup")
            let overall = try await h.call(.get, "/v1/scores").json["overall"]
            #expect(overall["total_tasks"].int == 1 && overall["completed_tasks"].int == 0)

            // Calling it again overwrites the fields.
            let again = try await h.call(.post, "/v1/action-items/\(dupID)/soft-delete", json: #"{"deleted_by":"user"}"#).json
            #expect(again["deleted_by"].string == "user" && again["deleted_reason"].string == "" && again["kept_task_id"].string == "")
            // A soft-deleted task does not block creating the same text.
            #expect(try await h.addActionItemID("dup TASK") != dupID)

            for body in ["{}", #"{"deleted_by":""}"#, #"{"deleted_by":"\#(String(repeating: "u", count: 101))"}"#, #"{"deleted_by":5}"#] {
                #expect(try await h.call(.post, "/v1/action-items/\(kept)/soft-delete", json: body).status == 422, "\(body)")
            }
            #expect(try await h.actionItem(kept)["deleted"].bool == false)
            let missing = try await h.call(.post, "/v1/action-items/\(W.missingID)/soft-delete", json: #"{"deleted_by":"user"}"#)
            #expect(missing.status == 404 && missing.detail == "Action item not found")
            #expect(try await h.count("action_items") == 4)
        }
    }
}

@Suite("Action items: isolation, search, retired routes, auth (tasks.md §0.1, §1.13, §1.14)")
struct ActionItemIsolationTests {
    typealias W = ActionItemWire

    @Test(arguments: TestEngine.available)
    func anotherUserCannotSeeOrTouchATask(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let item = try await h.addActionItem("Secret plan", #","due_at":"2030-01-01T00:00:00Z","priority":"high","relevance_score":5"#)
            let id = try #require(item["id"].string)
            let missing = try await h.call(.get, "/v1/action-items/\(W.missingID)", as: "user-b")
            let read = try await h.call(.get, "/v1/action-items/\(id)", as: "user-b")
            #expect(read.status == 404 && read.detail == "Action item not found" && read.text == missing.text)
            let single: [(HTTPRequest.Method, String, String?)] = [
                (.patch, "/v1/action-items/\(id)", #"{"description":"hacked","completed":true}"#),
                (.delete, "/v1/action-items/\(id)", nil),
                (.post, "/v1/action-items/\(id)/soft-delete", #"{"deleted_by":"user"}"#),
                (.patch, "/v1/action-items/\(id)/completed?completed=true", nil),
            ]
            for (method, path, body) in single {
                let r = try await h.call(method, path, as: "user-b", json: body)
                #expect(r.status == 404 && r.detail == "Action item not found", "\(method) \(path)")
            }
            let share = try await h.call(.post, "/v1/action-items/share", as: "user-b", json: #"{"task_ids":["\#(id)"]}"#)
            #expect(share.status == 404 && share.detail == "Action item \(id) not found")
            #expect(try await h.count("task_shares", uid: "user-b") == 0)

            let batch = try await h.call(.patch, "/v1/action-items/batch", as: "user-b",
                                         json: #"{"items":[{"id":"\#(id)","sort_order":9,"indent_level":3}]}"#)
            #expect(batch.status == 200 && batch.json["updated_count"].int == 0)
            #expect(batch.json["missing_ids"] == .array([.string(id)]))
            let scores = try await h.call(.patch, "/v1/action-items/batch-scores", as: "user-b",
                                          json: #"{"scores":[{"id":"\#(id)","relevance_score":1}]}"#)
            #expect(scores.status == 200 && scores.json["updated_count"].int == 0)
            let removed = try await h.call(.post, "/v1/action-items/batch-delete", as: "user-b", json: #"{"ids":["\#(id)"]}"#)
            #expect(removed.status == 200 && removed.json["deleted_ids"] == .array([.string(id)]))

            for query in ["", "?deleted=true", "?completed=false", "?due_start_date=2029-01-01T00:00:00Z"] {
                #expect(try await h.actionItemIDs(query, as: "user-b").isEmpty, "\(query)")
            }
            let search = try await h.call(.get, "/v1/action-items/search?query=secret", as: "user-b")
            #expect(search.status == 200 && search.json["action_items"].array.isEmpty)
            #expect(try await h.call(.get, "/v1/scores", as: "user-b").json["overall"]["total_tasks"].int == 0)

            // B's identical text is B's own new task.
            let mine = try await h.addActionItem("secret PLAN", as: "user-b")
            #expect(mine["id"].string != id && mine["priority"].isNull && mine["description"].string == "secret PLAN")
            #expect(try await h.count("action_items", uid: "user-b") == 1)
            #expect(try await h.count("action_items") == 1)
            #expect(try await h.actionItem(id) == item)
            #expect(try await h.actionItemIDs() == [id])
        }
    }

    @Test(arguments: TestEngine.available)
    func searchIsACaseInsensitiveSubstringMatch(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await h.addActionItem("Buy MILK")
            try await h.addActionItem("Call Bob")
            try await h.addActionItem("milk chocolate")
            try await h.addActionItem("Oat milk", #","completed":true"#)
            let gone = try await h.addActionItemID("Milky way")
            #expect(try await h.call(.post, "/v1/action-items/\(gone)/soft-delete", json: #"{"deleted_by":"user"}"#).status == 200)
            func search(_ query: String) async throws -> [String] {
                let r = try await h.call(.get, "/v1/action-items/search?\(query)")
                try #require(r.status == 200, "\(query): \(r.text)")
                #expect(r.json.keys == ["action_items"])
                #expect(r.json["action_items"].array.allSatisfy { $0.keys == W.keys })
                return r.json["action_items"].array.compactMap { $0["description"].string }
            }
            #expect(try await search("query=milk") == ["milk chocolate", "Buy MILK", "Oat milk"])
            #expect(try await search("query=MiLk&limit=50") == ["milk chocolate", "Buy MILK", "Oat milk"])
            #expect(try await search("query=buy%20milk") == ["Buy MILK"])
            #expect(try await search("query=milk&limit=1") == ["milk chocolate"])
            #expect(try await search("query=zebra").isEmpty)
            for bad in ["", "query=", "query=milk&limit=0", "query=milk&limit=51", "query=milk&limit=x"] {
                #expect(try await h.call(.get, "/v1/action-items/search?\(bad)").status == 422, "\(bad)")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func restoreLegacyConversationItemsIsAHarmlessSuccess(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let item = try await h.addActionItem("Untouched")
            for path in ["/v1/action-items/restore-legacy-conversation-items",
                         "/v1/action-items/restore-legacy-conversation-items?limit=5&cursor=abc"] {
                let r = try await h.call(.post, path)
                #expect(r.status == 200)
                #expect(r.json == Wire.JSONValue(jsonText: #"{"status":"ok","restored":0,"skipped_existing":0,"has_more":false,"next_cursor":null}"#))
            }
            #expect(try await h.call(.get, "/v1/action-items").json["items"] == .array([item]))
            #expect(try await h.call(.post, "/v1/action-items/restore-legacy-conversation-items", as: nil).status == 401)
        }
    }

    @Test(arguments: TestEngine.available)
    func everyRouteButThePreviewNeedsAUser(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let routes: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/v1/action-items", nil), (.post, "/v1/action-items", #"{"description":"x"}"#),
                (.get, "/v1/action-items/\(W.missingID)", nil), (.patch, "/v1/action-items/\(W.missingID)", "{}"),
                (.delete, "/v1/action-items/\(W.missingID)", nil), (.post, "/v1/action-items/batch", #"[{"description":"x"}]"#),
                (.patch, "/v1/action-items/batch", #"{"items":[]}"#), (.patch, "/v1/action-items/batch-scores", #"{"scores":[]}"#),
                (.post, "/v1/action-items/batch-delete", #"{"ids":["a"]}"#), (.post, "/v1/action-items/share", #"{"task_ids":["a"]}"#),
                (.post, "/v1/action-items/accept", #"{"token":"0123456789abcdef0123456789abcdef"}"#),
                (.get, "/v1/action-items/search?query=x", nil),
            ]
            for (method, path, body) in routes {
                let none = try await h.call(method, path, as: nil, json: body)
                #expect(none.status == 401 && none.detail == "Authorization header not found", "\(method) \(path)")
                let bad = try await h.call(method, path, as: nil, json: body, headers: [.authorization: "Bearer garbage"])
                #expect(bad.status == 401 && bad.detail == "Invalid authorization token", "\(method) \(path)")
            }
            #expect(try await h.count("action_items") == 0)
        }
    }
}
