import Foundation
import HTTPTypes
import OmiContract
import Testing
@testable import OmiServer

@Suite("Action items: batch routes (tasks.md §1.8–1.11)")
struct ActionItemBatchTests {
    typealias W = ActionItemWire

    @Test(arguments: TestEngine.available)
    func batchCreateAnswersInTheShapeOfTheRequest(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let array = try await h.call(.post, "/v1/action-items/batch", json: #"""
                [{"description":"One","completed":true,"priority":"high","metadata":"{\"a\":1}"},
                 {"description":"Two","due_at":"2030-01-01T00:00:00+01:00"},{"description":"one"}]
                """#)
            #expect(array.status == 200)
            #expect(array.json.keys == ["action_items", "created_count"])
            #expect(array.json["created_count"].int == 3)
            let items = array.json["action_items"].array
            #expect(items.map { $0["description"].string } == ["One", "Two", "one"])
            #expect(items.allSatisfy { $0.keys == W.keys && $0["completed"].bool == false && $0["completed_at"].isNull })
            let first = array.json["action_items"][0]
            #expect(first["priority"].string == "high" && first["metadata"].string == #"{"a":1}"#)
            #expect(W.instant(array.json["action_items"][1]["due_at"]) == Timestamp.parse("2029-12-31T23:00:00Z"))
            // No content idempotency in batch create.
            #expect(Set(items.compactMap { $0["id"].string }).count == 3)
            #expect(try await h.count("action_items") == 3)

            let object = try await h.call(.post, "/v1/action-items/batch",
                                          json: #"{"items":[{"description":"B1","source":"screenshot"},{"description":"B2"}]}"#)
            #expect(object.status == 200)
            let bare = object.json.array
            #expect(bare.map { $0["description"].string } == ["B1", "B2"])
            #expect(bare.allSatisfy { $0.keys == W.keys } && object.json[0]["source"].string == "screenshot")
            let b1 = try #require(object.json[0]["id"].string)
            #expect(try await h.actionItem(b1) == object.json[0])
            #expect(try await h.count("action_items") == 5)

            let emptyArray = try await h.call(.post, "/v1/action-items/batch", json: "[]")
            #expect(emptyArray.status == 200 && emptyArray.json == Wire.JSONValue(jsonText: #"{"action_items":[],"created_count":0}"#))
            let emptyObject = try await h.call(.post, "/v1/action-items/batch", json: #"{"items":[]}"#)
            #expect(emptyObject.status == 200 && emptyObject.json == .array([]))
        }
    }

    @Test(arguments: TestEngine.available)
    func batchCreateIsAllOrNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let element = #"{"description":"x"}"#
            let tooMany = Array(repeating: element, count: 401).joined(separator: ",")
            for body in ["[\(tooMany)]", #"{"items":[\#(tooMany)]}"#,
                         #"[{"description":"ok"},{"description":"  "}]"#,
                         #"[{"description":"ok"},{"description":"x","indent_level":4}]"#,
                         #"{"items":[{"description":"ok"},{"priority":"high"}]}"#,
                         #"{"items":[{"description":"ok","due_at":"2030-01-01"}]}"#, #"{"items":"x"}"#, #""x""#] {
                let r = try await h.call(.post, "/v1/action-items/batch", json: body)
                #expect(r.status == 422, "\(body.prefix(60))")
            }
            #expect(try await h.count("action_items") == 0)
            let most = Array(repeating: element, count: 400).joined(separator: ",")
            let ok = try await h.call(.post, "/v1/action-items/batch", json: "[\(most)]")
            #expect(ok.status == 200 && ok.json["created_count"].int == 400)
            #expect(try await h.count("action_items") == 400)
        }
    }

    @Test(arguments: TestEngine.available)
    func batchPatchAppliesEntriesIndependently(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let a = try await h.addActionItem("A")
            let b = try await h.addActionItem("B")
            let c = try await h.addActionItem("C")
            let ia = try #require(a["id"].string), ib = try #require(b["id"].string), ic = try #require(c["id"].string)
            let r = try await h.call(.patch, "/v1/action-items/batch", json: #"""
                {"items":[{"id":"\#(ia)","sort_order":5,"indent_level":2},{"id":"missing-id","sort_order":1,"indent_level":0},
                          {"id":"\#(ic)"},{"id":"\#(ib)","sort_order":7}]}
                """#)
            #expect(r.status == 200 && r.json["status"].string == "ok" && r.json["updated_count"].int == 2)
            #expect(r.json["missing_ids"] == .array([.string("missing-id")]))
            #expect(r.json["noop_ids"] == .array([.string(ic)]))
            #expect(Set(r.json["updated_ids"].array.compactMap(\.string)) == [ia, ib])
            let newA = try await h.actionItem(ia), newB = try await h.actionItem(ib)
            #expect(newA["sort_order"].int == 5 && newA["indent_level"].int == 2)
            #expect(try W.time(newA["updated_at"]) > W.time(a["updated_at"]))
            #expect(newB["sort_order"].int == 7 && newB["indent_level"].int == 0)
            #expect(try await h.actionItem(ic) == c)
            #expect(try await h.count("action_items") == 3)

            let clean = try await h.call(.patch, "/v1/action-items/batch", json: #"{"items":[{"id":"\#(ia)","sort_order":1,"indent_level":0}]}"#)
            #expect(clean.status == 200 && clean.json["status"].string == "ok" && clean.json["updated_count"].int == 1)
            let settled = try await h.actionItem(ia)
            #expect(settled["sort_order"].int == 1 && settled["indent_level"].int == 0)

            let entries = (0..<499).map { #"{"id":"ghost-\#($0)","sort_order":1}"# } + [#"{"id":"\#(ib)","sort_order":3}"#]
            let full = try await h.call(.patch, "/v1/action-items/batch", json: #"{"items":[\#(entries.joined(separator: ","))]}"#)
            #expect(full.status == 200 && full.json["updated_count"].int == 1 && full.json["missing_ids"].array.count == 499)
            let over = (0..<501).map { #"{"id":"ghost-\#($0)","sort_order":1}"# }.joined(separator: ",")
            for body in [#"{"items":[\#(over)]}"#, #"{"items":[{"id":"\#(ia)","sort_order":2,"indent_level":4}]}"#,
                         #"{"items":[{"sort_order":2}]}"#, #"{"items":"x"}"#] {
                #expect(try await h.call(.patch, "/v1/action-items/batch", json: body).status == 422, "\(body.prefix(60))")
            }
            #expect(try await h.actionItem(ia) == settled)
        }
    }

    @Test(arguments: TestEngine.available)
    func batchScoresIsRoutedToTheBatchHandlerAndNeverCreates(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let a = try await h.addActionItem("Scored A")
            let ia = try #require(a["id"].string)
            let ib = try await h.addActionItemID("Scored B")
            let r = try await h.call(.patch, "/v1/action-items/batch-scores", json: #"""
                {"scores":[{"id":"\#(ia)","relevance_score":3},{"id":"ghost","relevance_score":1},
                           {"id":"\#(ib)","relevance_score":2147483647}]}
                """#)
            #expect(r.status == 200)
            #expect(r.json == Wire.JSONValue(jsonText: #"{"status":"ok","updated_count":2}"#))
            let newA = try await h.actionItem(ia)
            #expect(newA["relevance_score"].int == 3)
            #expect(try W.time(newA["updated_at"]) > W.time(a["updated_at"]))
            #expect(try await h.actionItem(ib)["relevance_score"].int == 2_147_483_647)
            #expect(try await h.call(.get, "/v1/action-items/ghost").status == 404)
            #expect(try await h.count("action_items") == 2)
            let empty = try await h.call(.patch, "/v1/action-items/batch-scores", json: #"{"scores":[]}"#)
            #expect(empty.json == Wire.JSONValue(jsonText: #"{"status":"ok","updated_count":0}"#))
            for body in [#"{"scores":[{"id":"\#(ia)","relevance_score":-1}]}"#, #"{"scores":[{"id":"","relevance_score":1}]}"#,
                         #"{"scores":[{"id":"\#(ia)","relevance_score":2147483648}]}"#, #"{"scores":[{"id":"\#(ia)"}]}"#, "{}"] {
                #expect(try await h.call(.patch, "/v1/action-items/batch-scores", json: body).status == 422, "\(body)")
            }
            #expect(try await h.actionItem(ia) == newA)
        }
    }

    @Test(arguments: TestEngine.available)
    func batchDeleteEchoesTheRequestedIds(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let a = try await h.addActionItemID("Del A"), b = try await h.addActionItemID("Del B")
            let c = try await h.addActionItemID("Del C")
            let expected = Wire.JSONValue(jsonText: #"{"status":"Ok","deleted_count":3,"deleted_ids":["\#(a)","gone","\#(b)"]}"#)
            for _ in 0..<2 {
                let r = try await h.call(.post, "/v1/action-items/batch-delete", json: #"{"ids":["\#(a)","gone","\#(a)","\#(b)"]}"#)
                #expect(r.status == 200 && r.json == expected)
                #expect(try await h.actionItemIDs() == [c])
            }
            for body in [#"{"ids":[]}"#, "{}", #"{"ids":"x"}"#] {
                #expect(try await h.call(.post, "/v1/action-items/batch-delete", json: body).status == 422, "\(body)")
            }
            #expect(try await h.count("action_items") == 1)
        }
    }
}

@Suite("Action items: sharing (tasks.md §1.12)")
struct ActionItemShareTests {
    typealias W = ActionItemWire
    static let shareBase: @Sendable (inout Settings) -> Void = { $0.taskShareBaseURL = "https://share.test" }
    static let notFound = "Share link expired or not found"

    func share(_ h: TestHarness, _ ids: [String], headers: HTTPFields = [:]) async throws -> Reply {
        let list = ids.map { #""\#($0)""# }.joined(separator: ",")
        return try await h.call(.post, "/v1/action-items/share", json: #"{"task_ids":[\#(list)]}"#, headers: headers)
    }

    func shareToken(_ h: TestHarness, _ ids: [String]) async throws -> String {
        let r = try await share(h, ids)
        try #require(r.status == 200, "\(r.text)")
        return try #require(r.json["token"].string)
    }

    func accept(_ h: TestHarness, _ token: String, as user: String) async throws -> Reply {
        try await h.call(.post, "/v1/action-items/accept", as: user, json: #"{"token":"\#(token)"}"#)
    }

    @Test(arguments: TestEngine.available)
    func linkAndPublicPreview(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: Self.shareBase) { h in
            let pack = try await h.addActionItemID("Pack bags", #","due_at":"2030-04-01T08:00:00+02:00","priority":"high","metadata":"m""#)
            let taxi = try await h.addActionItemID("Book taxi")
            let r = try await share(h, [taxi, pack, taxi])
            #expect(r.status == 200 && r.json.keys == ["url", "token"])
            let token = try #require(r.json["token"].string)
            #expect(token.count == 32 && token.allSatisfy { $0.isHexDigit && !$0.isUppercase })
            #expect(r.json["url"].string == "https://share.test/tasks/\(token)")
            #expect(try await h.count("task_shares") == 1)

            let view = try await h.call(.get, "/v1/action-items/shared/\(token)", as: nil)
            #expect(view.status == 200 && view.json.keys == ["sender_name", "tasks", "count"])
            #expect(view.json["sender_name"].string == "Someone" && view.json["count"].int == 2)
            #expect(view.json["tasks"].array.allSatisfy { $0.keys == ["description", "due_at"] })
            #expect(view.json["tasks"].array.map { $0["description"].string } == ["Book taxi", "Pack bags"])
            #expect(view.json["tasks"][0]["due_at"].isNull && W.isInstant(view.json["tasks"][1]["due_at"]))
            #expect(W.instant(view.json["tasks"][1]["due_at"]) == Timestamp.parse("2030-04-01T06:00:00Z"))
            // The preview is public: a broken Authorization header is ignored.
            let garbage = try await h.call(.get, "/v1/action-items/shared/\(token)", as: nil, headers: [.authorization: "Bearer garbage"])
            #expect(garbage.status == 200 && garbage.json == view.json)

            // Tasks deleted after sharing drop out of the preview.
            #expect(try await h.call(.delete, "/v1/action-items/\(taxi)").status == 204)
            let afterDelete = try await h.call(.get, "/v1/action-items/shared/\(token)", as: nil).json
            #expect(afterDelete["count"].int == 1 && afterDelete["tasks"].array.map { $0["description"].string } == ["Pack bags"])
            #expect(try await h.call(.post, "/v1/action-items/\(pack)/soft-delete", json: #"{"deleted_by":"user"}"#).status == 200)
            let afterSoft = try await h.call(.get, "/v1/action-items/shared/\(token)", as: nil)
            #expect(afterSoft.status == 200 && afterSoft.json["count"].int == 0 && afterSoft.json["tasks"] == .array([]))

            for bad in ["0123456789abcdef0123456789abcdef", "not-a-token"] {
                let missing = try await h.call(.get, "/v1/action-items/shared/\(bad)", as: nil)
                #expect(missing.status == 404 && missing.detail == Self.notFound, "\(bad)")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func senderNameComesFromTheProfileAndBaseURLHasADefault(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let ann: HTTPFields = [.authorization: "Bearer \(TestIdentityProvider.primary.token(uid: "user-c", claims: ["name": "Ann"]))"]
            let created = try await h.call(.post, "/v1/action-items", json: #"{"description":"Ann's task"}"#, headers: ann)
            let id = try #require(created.json["id"].string)
            let r = try await share(h, [id], headers: ann)
            let token = try #require(r.json["token"].string)
            #expect(r.json["url"].string == "https://h.omi.me/tasks/\(token)")
            #expect(try await h.count("task_shares", uid: "user-c") == 1)
            let view = try await h.call(.get, "/v1/action-items/shared/\(token)", as: nil)
            #expect(view.json["sender_name"].string == "Ann" && view.json["tasks"][0]["description"].string == "Ann's task")
        }
    }

    @Test(arguments: TestEngine.available)
    func shareRefusesBadListsAndTasksThatAreNotTheCallers(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: Self.shareBase) { h in
            let mine = try await h.addActionItemID("Mine")
            let soft = try await h.addActionItemID("Soft")
            #expect(try await h.call(.post, "/v1/action-items/\(soft)/soft-delete", json: #"{"deleted_by":"user"}"#).status == 200)
            let foreign = try await h.addActionItemID("Theirs", as: "user-b")
            #expect(try await share(h, (0..<21).map { "id-\($0)" }).status == 422)
            #expect(try await share(h, []).status == 422)
            for body in ["{}", #"{"task_ids":"x"}"#] {
                #expect(try await h.call(.post, "/v1/action-items/share", json: body).status == 422, "\(body)")
            }
            for (ids, offender) in [([mine, foreign], foreign), ([mine, "nope"], "nope"), ([soft], soft)] {
                let r = try await share(h, ids)
                #expect(r.status == 404 && r.detail == "Action item \(offender) not found", "\(ids)")
            }
            #expect(try await h.count("task_shares") == 0)

            let batch = (0..<19).map { #"{"description":"Item \#($0)"}"# }.joined(separator: ",")
            let more = try await h.call(.post, "/v1/action-items/batch", json: "[\(batch)]").json["action_items"].array
            let ok = try await share(h, more.compactMap { $0["id"].string } + [mine])
            #expect(ok.status == 200)
            let token = try #require(ok.json["token"].string)
            #expect(try await h.call(.get, "/v1/action-items/shared/\(token)", as: nil).json["count"].int == 20)
        }
    }

    @Test(arguments: TestEngine.available)
    func acceptCopiesTheTasksOnce(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: Self.shareBase) { h in
            let one = try await h.addActionItem("Shared one", #"""
                ,"due_at":"2030-05-05T05:05:05Z","priority":"high","category":"errands","relevance_score":4,
                "metadata":"orig","conversation_id":"conv-9"
                """#)
            let oneID = try #require(one["id"].string)
            let twoID = try await h.addActionItemID("Shared two", #","completed":true"#)
            let token = try await shareToken(h, [oneID, twoID])

            let own = try await accept(h, token, as: "user-a")
            #expect(own.status == 400 && own.detail == "Cannot accept your own shared tasks")
            #expect(try await h.count("action_items") == 2)
            #expect(try await h.count("task_share_acceptances") == 0)

            // B already has the same text: copies skip content idempotency.
            try await h.addActionItem("shared one", as: "user-b")
            let r = try await accept(h, token, as: "user-b")
            #expect(r.status == 200 && r.json.keys == ["created", "count"] && r.json["count"].int == 2)
            let created = r.json["created"].array.compactMap(\.string)
            #expect(created.count == 2 && Set(created).isDisjoint(with: [oneID, twoID]))
            #expect(try await h.count("action_items", uid: "user-b") == 3)
            #expect(try await h.count("task_share_acceptances", uid: "user-b") == 1)

            var copies: [String: Wire.JSONValue] = [:]
            for id in created {
                let copy = try await h.actionItem(id, as: "user-b")
                copies[copy["description"].string ?? ""] = copy
            }
            let copyOne = try #require(copies["Shared one"]), copyTwo = try #require(copies["Shared two"])
            for copy in [copyOne, copyTwo] {
                #expect(copy.keys == W.keys && copy["source"].string == "shared")
                #expect(copy["metadata"].string == #"{"shared_from":"user-a","share_token":"\#(token)"}"#)
                #expect(copy["completed"].bool == false && copy["completed_at"].isNull && copy["deleted"].bool == false)
            }
            #expect(W.instant(copyOne["due_at"]) == Timestamp.parse("2030-05-05T05:05:05Z"))
            #expect(copyOne["priority"].string == "high" && copyOne["category"].string == "errands")
            #expect(copyOne["relevance_score"].int == 4)
            #expect(copyTwo["due_at"].isNull && copyTwo["priority"].isNull)

            let again = try await accept(h, token, as: "user-b")
            #expect(again.status == 409 && again.detail == "You have already accepted this share")
            #expect(try await h.count("action_items", uid: "user-b") == 3)
            #expect(try await h.actionItem(oneID) == one)

            let unknown = try await accept(h, "0123456789abcdef0123456789abcdef", as: "user-b")
            #expect(unknown.status == 404 && unknown.detail == Self.notFound)
            #expect(try await h.call(.post, "/v1/action-items/accept", as: "user-b", json: "{}").status == 422)

            // An expired share is gone for the preview and for accepting.
            try await h.database.withConnection { db in try await db.raw("UPDATE task_shares SET expires_at = 0").run() }
            let expired = try await h.call(.get, "/v1/action-items/shared/\(token)", as: nil)
            #expect(expired.status == 404 && expired.detail == Self.notFound)
            let late = try await accept(h, token, as: "user-c")
            #expect(late.status == 404 && late.detail == Self.notFound)
            #expect(try await h.count("action_items", uid: "user-c") == 0)
        }
    }

    @Test(arguments: TestEngine.available)
    func acceptCopiesOnlyWhatStillExists(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: Self.shareBase) { h in
            let a = try await h.addActionItemID("Vanishing A"), b = try await h.addActionItemID("Vanishing B")
            let token = try await shareToken(h, [a, b])
            #expect(try await accept(h, token, as: "user-b").json["count"].int == 2)
            #expect(try await h.call(.delete, "/v1/action-items/\(a)").status == 204)
            let partial = try await accept(h, token, as: "user-c")
            #expect(partial.status == 200 && partial.json["count"].int == 1)
            let copy = try #require(partial.json["created"][0].string)
            #expect(try await h.actionItem(copy, as: "user-c")["description"].string == "Vanishing B")

            #expect(try await h.call(.post, "/v1/action-items/\(b)/soft-delete", json: #"{"deleted_by":"user"}"#).status == 200)
            let gone = try await accept(h, token, as: "user-d")
            #expect(gone.status == 404 && gone.detail == "Shared tasks are no longer available")
            #expect(try await h.count("task_share_acceptances", uid: "user-d") == 0)
            #expect(try await h.count("action_items", uid: "user-d") == 0)
            // Availability is checked before the repeat-acceptance rule.
            let repeatAccept = try await accept(h, token, as: "user-b")
            #expect(repeatAccept.status == 404 && repeatAccept.detail == "Shared tasks are no longer available")
        }
    }
}
