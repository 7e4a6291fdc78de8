import Foundation
import HTTPTypes
import OmiContract
import Testing
@testable import OmiServer

@Suite("Staged tasks (tasks.md §2)")
struct StagedTaskTests {
    static let stagedKeys: Set<String> = ["id", "description", "completed", "created_at", "updated_at", "due_at", "source",
                                          "priority", "metadata", "category", "relevance_score"]
    static let capReason = "Already have 5 active AI tasks (max 5)"

    typealias JSON = Wire.JSONValue

    /// Stages a suggestion and returns it.
    @discardableResult
    func stage(_ h: TestHarness, _ description: String, score: Int? = nil, as uid: String = TestHarness.defaultUser) async throws -> JSON {
        let r = try await h.call(.post, "/v1/staged-tasks", as: uid,
                                 json: #"{"description":"\#(description)","relevance_score":\#(score.map { "\($0)" } ?? "null")}"#)
        #expect(r.status == 200, "\(r.text)")
        return r.json
    }

    func id(_ value: JSON) throws -> String { try #require(value["id"].string) }

    /// Descriptions of the caller's staged list, in list order.
    func staged(_ h: TestHarness, _ query: String = "", as uid: String = TestHarness.defaultUser) async throws -> [String] {
        try await h.call(.get, "/v1/staged-tasks\(query)", as: uid).json["items"].array.compactMap { $0["description"].string }
    }

    /// Creates a task the user typed.
    @discardableResult
    func task(_ h: TestHarness, _ description: String, completed: Bool = false, as uid: String = TestHarness.defaultUser) async throws -> String {
        let r = try await h.call(.post, "/v1/action-items", as: uid, json: #"{"description":"\#(description)","completed":\#(completed)}"#)
        return try #require(r.json["id"].string, "\(r.text)")
    }

    func promote(_ h: TestHarness, as uid: String = TestHarness.defaultUser) async throws -> JSON {
        let r = try await h.call(.post, "/v1/staged-tasks/promote", as: uid)
        #expect(r.status == 200 && r.json.keys == ["promoted", "reason", "promoted_task"], "\(r.text)")
        return r.json
    }

    func refusal(_ reason: String) -> JSON { .object(["promoted": .bool(false), "reason": .string(reason), "promoted_task": .null]) }

    func activeAITasks(_ h: TestHarness, as uid: String = TestHarness.defaultUser) async throws -> [String] {
        try await h.call(.get, "/v1/action-items?completed=false&limit=1000", as: uid).json["action_items"].array
            .filter { $0["from_staged"].bool == true }.compactMap { $0["description"].string }
    }

    /// Stages and promotes `ai0`…, so that `count` active AI tasks exist.
    func makeAITasks(_ h: TestHarness, _ count: Int) async throws {
        for i in 0..<count { try await stage(h, "ai\(i)", score: i) }
        for i in 0..<count { #expect(try await promote(h)["promoted_task"]["description"].string == "ai\(i)") }
    }

    func promoteConcurrently(_ h: TestHarness, _ times: Int) async throws -> [JSON] {
        let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
            for _ in 0..<times { group.addTask { try await h.call(.post, "/v1/staged-tasks/promote") } }
            return try await group.reduce(into: [Reply]()) { $0.append($1) }
        }
        #expect(replies.map(\.status) == Array(repeating: 200, count: times))
        return replies.map(\.json)
    }

    @Test(arguments: TestEngine.available)
    func createReturnsTheStagedTaskAndDeduplicates(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let body = #"{"description":"[screen] Call Bob","due_at":"2030-03-05T09:30:00.250+02:00","source":"screenshot","priority":"high","metadata":"{\"source_app\":\"Mail\"}","category":"work","relevance_score":7,"extra":true}"#
            let r = try await h.call(.post, "/v1/staged-tasks", json: body)
            let t = r.json
            #expect(r.status == 200 && t.keys == Self.stagedKeys)
            #expect(t["description"].string == "[screen] Call Bob" && t["completed"].bool == false)
            #expect(t["due_at"].string?.hasSuffix("Z") == true && t["due_at"].string.flatMap(Timestamp.parse) == Timestamp.parse("2030-03-05T07:30:00.250Z"))
            #expect(t["source"].string == "screenshot" && t["priority"].string == "high" && t["category"].string == "work")
            #expect(t["metadata"].string == #"{"source_app":"Mail"}"# && t["relevance_score"].int == 7)
            #expect(t["created_at"].string != nil && t["created_at"].string == t["updated_at"].string)
            // Same N(description): the first one comes back unchanged and nothing is written.
            for again in ["call bob", "  CALL BOB [screen] ", "[screen] call bob"] {
                let dup = try await h.call(.post, "/v1/staged-tasks", json: #"{"description":"\#(again)","relevance_score":1,"priority":"low"}"#)
                #expect(dup.status == 200 && dup.json == t, "\(again)")
            }
            #expect(try await h.count("staged_tasks") == 1)
            let other = try await h.call(.post, "/v1/staged-tasks", json: #"{"description":"Call Bobby","metadata":{"a":1}}"#).json
            #expect(other.keys == Self.stagedKeys && other["id"].string != t["id"].string && other["metadata"].string == #"{"a":1}"#)
            #expect(other["due_at"].isNull && other["relevance_score"].isNull && other["source"].isNull)
            #expect(try await h.count("staged_tasks") == 2)
        }
    }

    @Test(arguments: TestEngine.available)
    func listIsBestFirstAndPages(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            for (d, s) in [("u1", nil), ("s5", 5), ("s1", 1), ("u2", nil), ("s5b", 5), ("s2000", 2000), ("s0", 0)] as [(String, Int?)] {
                try await stage(h, d, score: s)
            }
            let expected = ["s0", "s1", "s5b", "s5", "s2000", "u2", "u1"]
            let all = try await h.call(.get, "/v1/staged-tasks")
            #expect(all.json.keys == ["items", "has_more"] && all.json["has_more"].bool == false)
            #expect(all.json["items"].array.allSatisfy { $0.keys == Self.stagedKeys && $0["completed"].bool == false })
            #expect(try await staged(h) == expected)
            var seen: [String] = []
            var more: [Bool?] = []
            for offset in [0, 3, 6] {
                let page = try await h.call(.get, "/v1/staged-tasks?limit=3&offset=\(offset)").json
                seen += page["items"].array.compactMap { $0["description"].string }
                more.append(page["has_more"].bool)
            }
            #expect(seen == expected && more == [true, true, false])
            #expect(try await h.call(.get, "/v1/staged-tasks?limit=6").json["has_more"].bool == true)
            #expect(try await h.call(.get, "/v1/staged-tasks?limit=7").json["has_more"].bool == false)
            #expect(try await staged(h, "?offset=7").isEmpty)
            #expect(try await staged(h, "?limit=1000") == expected)
            for bad in ["limit=1001", "limit=0", "offset=-1", "limit=x"] {
                let r = try await h.call(.get, "/v1/staged-tasks?\(bad)")
                #expect(r.status == 422 && r.json["detail"][0]["loc"][0].string == "query", "\(bad)")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func badInputWritesNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            for body in [#"{"description":"  \t\n "}"#, #"{"description":""}"#, #"{"description":"x","relevance_score":-1}"#,
                         #"{"description":"\#(String(repeating: "a", count: 5001))"}"#, "{}", #"{"description":5}"#,
                         #"{"description":"x","due_at":"2030-03-05"}"#, #"{"description":"x","metadata":5}"#,
                         #"{"description":"x","source":"\#(String(repeating: "s", count: 201))"}"#,
                         #"{"description":"x","relevance_score":2147483648}"#, "[]", #"{"description":"#] {
                let r = try await h.call(.post, "/v1/staged-tasks", json: body)
                #expect(r.status == 422 && r.json["detail"].array.count > 0, "\(body.prefix(60))")
            }
            #expect(try await h.count("staged_tasks") == 0)
            let longest = try await stage(h, String(repeating: "é", count: 5000), score: 2147483647)
            #expect(longest["description"].string?.count == 5000 && longest["relevance_score"].int == 2147483647)
        }
    }

    @Test(arguments: TestEngine.available)
    func deleteOneIsIdempotentAndDeleteAllCounts(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let a = try id(try await stage(h, "A"))
            try await stage(h, "B")
            try await stage(h, "C")
            let missing = try await h.call(.delete, "/v1/staged-tasks/00000000-0000-4000-8000-000000000000")
            #expect(missing.status == 200 && missing.json == .object(["status": .string("ok")]))
            let deleted = try await h.call(.delete, "/v1/staged-tasks/\(a)")
            #expect(deleted.status == 200 && deleted.json == .object(["status": .string("ok")]))
            #expect(try await staged(h) == ["C", "B"])
            #expect(try await h.call(.delete, "/v1/staged-tasks/\(a)").json["status"].string == "ok")
            let cleared = try await h.call(.delete, "/v1/staged-tasks")
            #expect(cleared.status == 200 && cleared.json == .object(["status": .string("ok"), "deleted_count": .int(2)]))
            #expect(try await h.count("staged_tasks") == 0)
            #expect(try await h.call(.delete, "/v1/staged-tasks").json["deleted_count"].int == 0)
        }
    }

    @Test(arguments: TestEngine.available)
    func batchScoresUpdateKnownIdsOnly(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let a = try id(try await stage(h, "A", score: 10))
            let b = try await stage(h, "B", score: 20)
            let bId = try id(b)
            func body(_ entries: [(String, Int)]) -> String {
                #"{"scores":["# + entries.map { #"{"id":"\#($0.0)","relevance_score":\#($0.1)}"# }.joined(separator: ",") + "]}"
            }
            let unknown = (0..<500).map { ("unknown-\($0)", $0) }
            let ok = try await h.call(.patch, "/v1/staged-tasks/batch-scores", json: body([(bId, 5000), (a, 30)] + unknown.prefix(498)))
            #expect(ok.status == 200 && ok.json == .object(["status": .string("ok")]))
            let listed = try await h.call(.get, "/v1/staged-tasks").json["items"]
            let items = listed.array
            #expect(items.map { $0["relevance_score"].int } == [30, 5000])
            let newB = listed[1]
            #expect(newB["created_at"] == b["created_at"])
            let before = try #require(b["updated_at"].string.flatMap(Timestamp.parse))
            #expect(try #require(newB["updated_at"].string.flatMap(Timestamp.parse)) > before)
            for bad in [body([(a, 1)] + unknown), body([(a, -1)]), body([("", 1)]), #"{"scores":[{"id":"\#(a)"}]}"#] {
                let r = try await h.call(.patch, "/v1/staged-tasks/batch-scores", json: bad)
                #expect(r.status == 422 && r.json["detail"].array.count > 0, "\(bad.prefix(80))")
            }
            #expect(try await h.call(.patch, "/v1/staged-tasks/batch-scores", json: body(Array(unknown.prefix(3)))).status == 200)
            #expect(try await h.call(.patch, "/v1/staged-tasks/batch-scores", json: #"{"scores":[]}"#).status == 200)
            let kept = try await h.call(.get, "/v1/staged-tasks").json["items"].array
            #expect(kept.map { $0["relevance_score"].int } == [30, 5000] && kept.map { $0["id"].string } == items.map { $0["id"].string })
            #expect(try await h.count("staged_tasks") == 2)
        }
    }

    @Test(arguments: TestEngine.available)
    func promoteCopiesTheBestSuggestion(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            #expect(try await promote(h) == refusal("No staged tasks available"))
            try await stage(h, "Later", score: 9)
            try await stage(h, "Unscored")
            let body = #"{"description":"Email Anna","due_at":"2030-03-05T09:30:00.250Z","source":"screenshot","priority":"high","metadata":"{\"confidence\":0.85}","category":"work","relevance_score":2}"#
            let suggestion = try await h.call(.post, "/v1/staged-tasks", json: body).json
            let reply = try await promote(h)
            #expect(reply["promoted"].bool == true && reply["reason"].isNull)
            let t = reply["promoted_task"]
            #expect(t["from_staged"].bool == true && t["completed"].bool == false && t["completed_at"].isNull)
            for key in ["description", "due_at", "source", "priority", "metadata", "category", "relevance_score"] {
                #expect(t[key] == suggestion[key], "\(key)")
            }
            #expect(t["sort_order"].int == 0 && t["indent_level"].int == 0 && t["deleted"].bool == false)
            #expect(t["created_at"].string != nil && t["created_at"].string == t["updated_at"].string)
            let promotedId = try id(t)
            let stored = try await h.call(.get, "/v1/action-items/\(promotedId)").json
            #expect(stored["from_staged"].bool == true && stored["description"].string == "Email Anna")
            #expect(try await staged(h) == ["Later", "Unscored"])
            #expect(try await h.count("action_items") == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func promoteStopsAtFiveActiveAITasks(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await task(h, "typed by the user")
            try await makeAITasks(h, 5)
            try await stage(h, "sixth", score: 1)
            #expect(try await promote(h) == refusal(Self.capReason))
            #expect(try await staged(h) == ["sixth"])
            let ai = try await h.call(.get, "/v1/action-items?completed=false").json["action_items"].array
                .filter { $0["from_staged"].bool == true }.compactMap { $0["id"].string }
            try #require(ai.count == 5)
            // Completing one frees the cap.
            try await h.call(.patch, "/v1/action-items/\(ai[0])", json: #"{"completed":true}"#)
            #expect(try await promote(h)["promoted_task"]["description"].string == "sixth")
            try await stage(h, "seventh", score: 1)
            #expect(try await promote(h) == refusal(Self.capReason))
            // Soft-deleting one frees it too.
            try await h.call(.post, "/v1/action-items/\(ai[1])/soft-delete", json: #"{"deleted_by":"user"}"#)
            #expect(try await promote(h)["promoted_task"]["description"].string == "seventh")
            #expect(try await activeAITasks(h).count == 5)
            #expect(try await h.count("staged_tasks") == 0)
        }
    }

    @Test(arguments: TestEngine.available)
    func promoteDropsDuplicatesOfActiveTasksAndOfEachOther(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await task(h, "email anna")
            try await task(h, "Pay rent", completed: true)
            let gone = try await task(h, "Water plants")
            try await h.call(.post, "/v1/action-items/\(gone)/soft-delete", json: #"{"deleted_by":"user"}"#)
            try await stage(h, "[screen] Email Anna", score: 1)
            try await stage(h, "Call Bob", score: 2)
            let twin = try id(try await stage(h, "placeholder", score: 3))
            try await stage(h, "Write report", score: 4)
            // Creation dedups by N, so a second "Call Bob" can only be planted in storage.
            try await h.database.withConnection { db in
                try await db.raw("UPDATE staged_tasks SET description = \(bind: "call bob [screen]"), description_norm = \(bind: "call bob") WHERE id = \(bind: twin)").run()
            }
            let first = try await promote(h)
            #expect(first["promoted"].bool == true && first["promoted_task"]["description"].string == "Call Bob")
            #expect(try await staged(h) == ["Write report"])
            // A duplicate of an active AI task is dropped too.
            try await stage(h, "[screen] CALL BOB", score: 0)
            #expect(try await promote(h)["promoted_task"]["description"].string == "Write report")
            #expect(try await staged(h).isEmpty)
            // Completed and soft-deleted tasks are not active, so they block nothing.
            try await stage(h, "pay rent", score: 1)
            try await stage(h, "[screen] water plants", score: 2)
            #expect(try await promote(h)["promoted_task"]["description"].string == "pay rent")
            #expect(try await promote(h)["promoted_task"]["description"].string == "[screen] water plants")
            #expect(try await promote(h) == refusal("No staged tasks available"))
            #expect(Set(try await activeAITasks(h)) == ["Call Bob", "Write report", "pay rent", "[screen] water plants"])
            #expect(try await h.count("action_items") == 7)
        }
    }

    @Test(arguments: TestEngine.available)
    func onlyTheTopTwentyAreScanned(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            for i in 0..<20 { try await task(h, "Dup \(i)") }
            for i in 0..<20 { try await stage(h, "[screen] dup \(i)", score: i) }
            try await stage(h, "Fresh", score: 100)
            #expect(try await promote(h) == refusal("All candidate staged tasks are duplicates"))
            #expect(try await staged(h) == ["Fresh"])
            #expect(try await h.count("action_items") == 20)
            #expect(try await promote(h)["promoted_task"]["description"].string == "Fresh")
            #expect(try await h.count("staged_tasks") == 0)
        }
    }

    @Test(arguments: TestEngine.available)
    func concurrentPromotesRespectTheCap(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await makeAITasks(h, 4)
            for i in 0..<3 { try await stage(h, "next\(i)", score: 10 + i) }
            let replies = try await promoteConcurrently(h, 2)
            #expect(replies.filter { $0["promoted"].bool == true }.count == 1)
            #expect(replies.filter { $0 == refusal(Self.capReason) }.count == 1)
            #expect(try await activeAITasks(h).count == 5)
            #expect(try await staged(h) == ["next1", "next2"])
        }
    }

    @Test(arguments: TestEngine.available)
    func concurrentPromotesNeverPromoteASuggestionTwice(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            for i in 0..<10 { try await stage(h, "c\(i)", score: i) }
            let replies = try await promoteConcurrently(h, 8)
            let promoted = replies.filter { $0["promoted"].bool == true }.compactMap { $0["promoted_task"]["description"].string }
            #expect(Set(promoted) == ["c0", "c1", "c2", "c3", "c4"] && promoted.count == 5)
            #expect(replies.filter { $0 == refusal(Self.capReason) }.count == 3)
            #expect(try await h.count("action_items") == 5)
            #expect(try await staged(h) == ["c5", "c6", "c7", "c8", "c9"])
        }
    }

    @Test(arguments: TestEngine.available)
    func promoteByIdIgnoresTheCapAndReturnsDuplicates(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let unknown = try await h.call(.post, "/v1/staged-tasks/00000000-0000-4000-8000-000000000000/promote")
            #expect(unknown.status == 404 && unknown.detail == "Staged task not found or already promoted")
            let milk = try await task(h, "Buy milk")
            let dup = try id(try await stage(h, "[screen] buy milk", score: 1))
            let merged = try await h.call(.post, "/v1/staged-tasks/\(dup)/promote")
            #expect(merged.status == 200 && merged.json["promoted"].bool == true && merged.json["reason"].isNull)
            #expect(merged.json["promoted_task"]["id"].string == milk)
            #expect(merged.json["promoted_task"]["from_staged"].bool == false)
            #expect(try await h.count("staged_tasks") == 0)
            #expect(try await h.count("action_items") == 1)
            #expect(try await h.call(.post, "/v1/staged-tasks/\(dup)/promote").status == 404)

            try await makeAITasks(h, 5)
            let chosen = try await stage(h, "chosen", score: 50)
            try await stage(h, "better", score: 0)
            let chosenId = try id(chosen)
            let r = try await h.call(.post, "/v1/staged-tasks/\(chosenId)/promote")
            #expect(r.status == 200 && r.json["promoted"].bool == true && r.json["reason"].isNull)
            let t = r.json["promoted_task"]
            #expect(t["description"].string == "chosen" && t["from_staged"].bool == true && t["relevance_score"].int == 50)
            #expect(try await staged(h) == ["better"])
            #expect(try await activeAITasks(h).count == 6)
            #expect(try await promote(h) == refusal("Already have 6 active AI tasks (max 5)"))
        }
    }

    @Test(arguments: TestEngine.available)
    func retiredMigrationsChangeNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await stage(h, "keep", score: 3)
            try await task(h, "task")
            let migrate = try await h.call(.post, "/v1/staged-tasks/migrate")
            #expect(migrate.status == 200 && migrate.json == .object(["status": .string("legacy task migration retired; no action taken")]))
            let items = try await h.call(.post, "/v1/staged-tasks/migrate-conversation-items?limit=10&cursor=abc")
            #expect(items.status == 200 && items.json == Wire.JSONValue(jsonText: #"{"status":"ok","migrated":0,"deleted":0,"restored":0,"skipped_existing":0,"has_more":false,"next_cursor":null}"#))
            #expect(try await staged(h) == ["keep"])
            #expect(try await h.count("staged_tasks") == 1)
            #expect(try await h.count("action_items") == 1)
            let anyId = "00000000-0000-4000-8000-000000000000"
            for (method, path) in [(.post, "/v1/staged-tasks/migrate"), (.post, "/v1/staged-tasks/migrate-conversation-items"),
                                   (.get, "/v1/staged-tasks"), (.post, "/v1/staged-tasks"), (.delete, "/v1/staged-tasks"),
                                   (.delete, "/v1/staged-tasks/\(anyId)"), (.patch, "/v1/staged-tasks/batch-scores"),
                                   (.post, "/v1/staged-tasks/promote"), (.post, "/v1/staged-tasks/\(anyId)/promote")] as [(HTTPRequest.Method, String)] {
                #expect(try await h.call(method, path, as: nil).status == 401, "\(method) \(path)")
            }
            #expect(try await h.count("staged_tasks") == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func usersAreIsolated(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let mine = try id(try await stage(h, "A's idea", score: 1))
            try await task(h, "Shared text")
            #expect(try await staged(h, as: "user-b").isEmpty)
            #expect(try await promote(h, as: "user-b") == refusal("No staged tasks available"))
            #expect(try await h.call(.delete, "/v1/staged-tasks/\(mine)", as: "user-b").json == .object(["status": .string("ok")]))
            let scores = #"{"scores":[{"id":"\#(mine)","relevance_score":99}]}"#
            #expect(try await h.call(.patch, "/v1/staged-tasks/batch-scores", as: "user-b", json: scores).status == 200)
            #expect(try await h.call(.post, "/v1/staged-tasks/\(mine)/promote", as: "user-b").status == 404)
            let theirs = try await stage(h, "a's idea", as: "user-b")
            #expect(theirs["id"].string != mine && theirs["description"].string == "a's idea")
            // A's active task is no duplicate for B.
            try await stage(h, "shared text", score: 0, as: "user-b")
            #expect(try await promote(h, as: "user-b")["promoted_task"]["description"].string == "shared text")
            #expect(try await h.call(.delete, "/v1/staged-tasks", as: "user-b").json["deleted_count"].int == 1)
            let left = try await h.call(.get, "/v1/staged-tasks").json["items"]
            #expect(left.array.map { $0["id"].string } == [mine] && left[0]["relevance_score"].int == 1)
            #expect(try await promote(h)["promoted_task"]["description"].string == "A's idea")
            #expect(try await h.count("action_items", uid: "user-b") == 1)
            #expect(try await h.count("action_items") == 2)
        }
    }
}
