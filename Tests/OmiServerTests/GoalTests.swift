import Foundation
import OmiContract
import Testing
@testable import OmiServer

@Suite("Goals: create, lists and the 4-active cap (knowledge.md §1.3, §6.1–6.3, §6.8, §0.7)")
struct GoalTests {
    static let keys: Set<String> = [
        "id", "title", "description", "goal_type", "target_value", "current_value", "min_value", "max_value", "unit",
        "is_active", "created_at", "updated_at", "completed_at", "source",
    ]
    static let missingID = "goal_000000000000"

    /// Goal numbers may arrive as JSON integers or doubles.
    static func num(_ v: Wire.JSONValue) -> Double? {
        if case .int(let i) = v { Double(i) } else if case .double(let d) = v { d } else { nil }
    }

    static func time(_ v: Wire.JSONValue) -> Date? { v.string.flatMap(Timestamp.parse) }

    static func isInstant(_ v: Wire.JSONValue) -> Bool {
        v.string?.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.(\d{3}|\d{6})(Z|\+00:00)$"#, options: .regularExpression) != nil
    }

    static func utcDay(_ date: Date = Date()) -> String { String(Timestamp.format(date).prefix(10)) }

    static func pause() async throws { try await _Concurrency.Task.sleep(for: .milliseconds(5)) }

    /// Posts a goal body and returns the created goal.
    static func post(_ h: TestHarness, _ body: String, as user: String = TestHarness.defaultUser) async throws -> Wire.JSONValue {
        let r = try await h.call(.post, "/v1/goals", as: user, json: body)
        try #require(r.status == 200, "\(body): \(r.text)")
        return r.json
    }

    static func make(_ h: TestHarness, _ title: String, as user: String = TestHarness.defaultUser) async throws -> String {
        try #require(try await post(h, #"{"title":"\#(title)","target_value":10}"#, as: user)["id"].string)
    }

    /// The bare array served at `path` (`/v1/goals/all` or `/v1/goals/completed`).
    static func list(_ h: TestHarness, _ path: String, as user: String = TestHarness.defaultUser) async throws -> [Wire.JSONValue] {
        let r = try await h.call(.get, path, as: user)
        try #require(r.status == 200, "\(path): \(r.text)")
        guard case .array(let items) = r.json else { Issue.record("\(path) is not a bare array: \(r.text)"); return [] }
        return items
    }

    static func ids(_ h: TestHarness, _ path: String, as user: String = TestHarness.defaultUser) async throws -> [String] {
        try await list(h, path, as: user).compactMap { $0["id"].string }
    }

    static func setCreatedAt(_ h: TestHarness, _ id: String, micros: Int64) async throws {
        try await h.database.withConnection { db in
            try await db.raw("UPDATE goals SET created_at = \(bind: micros) WHERE id = \(bind: id)").run()
        }
    }

    @Test(arguments: TestEngine.available)
    func createFillsDefaultsAndEchoesEveryField(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let g = try await Self.post(h, #"{"title":"Run more","target_value":5}"#)
            #expect(g.keys.isSuperset(of: Self.keys), "\(g.keys)")
            let id = try #require(g["id"].string)
            #expect(id.range(of: "^goal_[0-9a-f]{12}$", options: .regularExpression) != nil, "\(id)")
            #expect(g["title"].string == "Run more" && g["goal_type"].string == "scale")
            #expect(Self.num(g["target_value"]) == 5 && Self.num(g["current_value"]) == 0)
            #expect(Self.num(g["min_value"]) == 0 && Self.num(g["max_value"]) == 10)
            #expect(g["is_active"].bool == true && g["completed_at"].isNull)
            #expect(g["description"].isNull && g["unit"].isNull)
            #expect(Self.isInstant(g["created_at"]) && Self.isInstant(g["updated_at"]))
            let created = try #require(Self.time(g["created_at"]))
            #expect(abs(created.timeIntervalSinceNow) < 60)

            let full = try await Self.post(h, #"""
                {"title":"Ship v2","description":"the big one","goal_type":"numeric","target_value":100,
                 "current_value":40.5,"min_value":1,"max_value":200,"unit":"%","source":"ai","unknown":[1]}
                """#)
            #expect(full["title"].string == "Ship v2" && full["description"].string == "the big one")
            #expect(full["goal_type"].string == "numeric" && full["unit"].string == "%" && full["source"].string == "ai")
            #expect(Self.num(full["target_value"]) == 100 && Self.num(full["current_value"]) == 40.5)
            #expect(Self.num(full["min_value"]) == 1 && Self.num(full["max_value"]) == 200)
            #expect(full["id"].string != id)
            let yes = try await Self.post(h, #"{"title":"Meditate","goal_type":"boolean","target_value":1}"#)
            #expect(yes["goal_type"].string == "boolean")

            for bad in [
                #"{"title":"","target_value":1}"#, #"{"title":"   ","target_value":1}"#, #"{"target_value":1}"#,
                #"{"title":"No target"}"#, #"{"title":"x","target_value":1,"goal_type":"percent"}"#,
                #"{"title":"x","target_value":"ten"}"#, #"{"title":null,"target_value":1}"#,
            ] {
                let r = try await h.call(.post, "/v1/goals", json: bad)
                #expect(r.status == 422, "\(bad): \(r.text)")
                #expect(r.json["detail"][0].has("msg"), "\(bad): \(r.text)")
            }
            #expect(try await h.count("goals") == 3)
            #expect(try await Self.list(h, "/v1/goals/all") == [g, full, yes])
        }
    }

    @Test(arguments: TestEngine.available)
    func allListsActiveGoalsOldestFirstAndCurrentGoalIsTheOldest(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let none = try await h.call(.get, "/v1/goals")
            #expect(none.status == 200 && none.text.trimmingCharacters(in: .whitespacesAndNewlines) == "null")
            #expect(try await Self.list(h, "/v1/goals/all").isEmpty)
            #expect(try await Self.list(h, "/v1/goals/completed").isEmpty)

            let a = try await Self.make(h, "A"), b = try await Self.make(h, "B"), c = try await Self.make(h, "C")
            #expect(try await Self.ids(h, "/v1/goals/all") == [a, b, c])
            // Order follows created_at, not insertion order.
            try await Self.setCreatedAt(h, c, micros: 1_000)
            #expect(try await Self.ids(h, "/v1/goals/all") == [c, a, b])
            #expect(try await h.call(.get, "/v1/goals").json["id"].string == c)

            let done = try await h.call(.patch, "/v1/goals/\(c)", json: #"{"is_active":false}"#)
            #expect(done.status == 200)
            #expect(try await Self.ids(h, "/v1/goals/all") == [a, b])
            #expect(try await Self.ids(h, "/v1/goals/completed") == [c])
            #expect(try await h.call(.get, "/v1/goals").json["id"].string == a)

            // The literal segments are never goal ids.
            for path in ["/v1/goals/all", "/v1/goals/completed"] {
                let patch = try await h.call(.patch, path, json: #"{"is_active":false}"#)
                #expect(patch.status == 404 || patch.status == 405, "PATCH \(path): \(patch.status)")
                let delete = try await h.call(.delete, path)
                #expect(delete.status == 404 || delete.status == 405, "DELETE \(path): \(delete.status)")
            }
            #expect(try await h.count("goals") == 3)
            #expect(try await Self.ids(h, "/v1/goals/all") == [a, b])
            #expect(try await Self.ids(h, "/v1/goals/completed") == [c])
        }
    }

    @Test(arguments: TestEngine.available)
    func fifthCreateDeactivatesTheOldestActiveGoal(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            var goals: [Wire.JSONValue] = []
            for title in ["G1", "G2", "G3", "G4"] { goals.append(try await Self.post(h, #"{"title":"\#(title)","target_value":3}"#)) }
            let ids = goals.compactMap { $0["id"].string }
            // G3 becomes the oldest by created_at, so it is the one to go.
            try await Self.setCreatedAt(h, ids[2], micros: 1_000)
            try await Self.pause()
            let fifth = try await Self.post(h, #"{"title":"G5","target_value":3}"#)
            #expect(fifth["is_active"].bool == true)
            let fifthID = try #require(fifth["id"].string)
            #expect(try await Self.ids(h, "/v1/goals/all") == [ids[0], ids[1], ids[3], fifthID])
            let completed = try await Self.list(h, "/v1/goals/completed")
            #expect(completed.compactMap { $0["id"].string } == [ids[2]])
            let old = try #require(completed.first)
            #expect(old["is_active"].bool == false && old["completed_at"].isNull && old["title"].string == "G3")
            let bumped = try #require(Self.time(old["updated_at"])), before = try #require(Self.time(goals[2]["updated_at"]))
            #expect(bumped > before)
            #expect(try await h.count("goals") == 5)

            // A sixth deactivates the next oldest; the active count never exceeds 4.
            _ = try await Self.make(h, "G6")
            #expect(try await Self.list(h, "/v1/goals/all").count == 4)
            #expect(Set(try await Self.ids(h, "/v1/goals/completed")) == [ids[0], ids[2]])
        }
    }

    @Test(arguments: TestEngine.available)
    func concurrentCreatesKeepAtMostFourActive(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for i in 0..<8 {
                    group.addTask { try await h.call(.post, "/v1/goals", json: #"{"title":"P\#(i)","target_value":1}"#) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.map(\.status) == Array(repeating: 200, count: 8))
            #expect(try await h.count("goals") == 8)
            #expect(try await Self.list(h, "/v1/goals/all").count == 4)
            #expect(try await Self.list(h, "/v1/goals/completed").count == 4)
        }
    }

    @Test(arguments: TestEngine.available)
    func legacyMountWrapsOnlyTheTwoLists(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { $0.legacyMountPrefix = "/legacy" }) { h in
            let kept = try await Self.post(h, #"{"title":"Kept","target_value":2}"#)
            let viaLegacy = try await h.call(.post, "/legacy/v1/goals", json: #"{"title":"Legacy made","target_value":2}"#)
            #expect(viaLegacy.status == 200 && viaLegacy.json["title"].string == "Legacy made")
            let legacyID = try #require(viaLegacy.json["id"].string)
            let done = try await h.call(.patch, "/legacy/v1/goals/\(legacyID)", json: #"{"is_active":false,"completed_at":"2030-01-02T03:04:05Z"}"#)
            #expect(done.status == 200 && done.json["is_active"].bool == false)

            let all = try await h.call(.get, "/legacy/v1/goals/all")
            #expect(all.status == 200 && all.json.keys == ["goals"])
            #expect(all.json["goals"] == .array([kept]))
            let completed = try await h.call(.get, "/legacy/v1/goals/completed")
            #expect(completed.status == 200 && completed.json.keys == ["goals"])
            #expect(completed.json["goals"] == .array([done.json]))

            // The same server answers the bare arrays on the normal paths.
            #expect(try await Self.list(h, "/v1/goals/all") == [kept])
            #expect(try await Self.list(h, "/v1/goals/completed") == [done.json])
            // Other goal routes are not wrapped under the legacy mount.
            #expect(try await h.call(.get, "/legacy/v1/goals").json == kept)
        }
    }
}

@Suite("Goals: update, completion, progress, history and delete (knowledge.md §6.2, §6.4–6.7)")
struct GoalUpdateTests {
    typealias G = GoalTests

    @Test(arguments: TestEngine.available)
    func patchChangesOnlyPresentKeysAndRefusesBadBodies(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let g = try await G.post(h, #"{"title":"Read","description":"books","goal_type":"numeric","target_value":12,"current_value":2,"unit":"books","source":"user"}"#)
            let id = try #require(g["id"].string)
            try await G.pause()
            let r = try await h.call(.patch, "/v1/goals/\(id)", json: #"{"title":"Read more","target_value":24}"#)
            #expect(r.status == 200)
            let u = r.json
            #expect(u["title"].string == "Read more" && G.num(u["target_value"]) == 24)
            for key in ["id", "description", "goal_type", "current_value", "min_value", "max_value", "unit", "source",
                        "is_active", "completed_at", "created_at"] {
                #expect(u[key] == g[key], "\(key)")
            }
            let before = try #require(G.time(g["updated_at"])), after = try #require(G.time(u["updated_at"]))
            #expect(after > before)

            let empty = try await h.call(.patch, "/v1/goals/\(id)", json: "{}")
            #expect(empty.status == 400 && empty.detail == "No updates provided")
            for bad in [#"{"completed_at":"yesterday"}"#, #"{"is_active":false,"completed_at":"2030-13-45"}"#,
                        #"{"goal_type":"percent"}"#, #"{"target_value":"lots"}"#] {
                let refused = try await h.call(.patch, "/v1/goals/\(id)", json: bad)
                #expect(refused.status == 422, "\(bad): \(refused.text)")
            }
            let missing = try await h.call(.patch, "/v1/goals/\(G.missingID)", json: #"{"title":"x"}"#)
            #expect(missing.status == 404 && missing.detail == "Goal not found")
            #expect(try await G.list(h, "/v1/goals/all") == [u])
            #expect(try await h.count("goals") == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func completionMovesAGoalAndReactivationRespectsTheCap(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            var ids: [String] = []
            for i in 1...5 { ids.append(try await G.make(h, "G\(i)")) }   // G1 is deactivated by the cap
            let done = try await h.call(.patch, "/v1/goals/\(ids[1])", json: #"{"is_active":false,"completed_at":"2030-01-02T03:04:05Z"}"#)
            #expect(done.status == 200 && done.json["is_active"].bool == false && G.isInstant(done.json["completed_at"]))
            #expect(G.time(done.json["completed_at"]) == Timestamp.parse("2030-01-02T03:04:05Z"))
            #expect(try await G.ids(h, "/v1/goals/all") == [ids[2], ids[3], ids[4]])
            #expect(try await G.ids(h, "/v1/goals/completed").first == ids[1])

            let start = Date()
            let now = try await h.call(.patch, "/v1/goals/\(ids[2])", json: #"{"is_active":false}"#)
            let stamped = try #require(G.time(now.json["completed_at"]))
            #expect(stamped >= start.addingTimeInterval(-1) && stamped <= Date().addingTimeInterval(1))

            // Reactivating clears completed_at; with 4 others active the oldest other active one goes.
            let back = try await h.call(.patch, "/v1/goals/\(ids[1])", json: #"{"is_active":true}"#)
            #expect(back.status == 200 && back.json["is_active"].bool == true && back.json["completed_at"].isNull)
            let again = try await h.call(.patch, "/v1/goals/\(ids[2])", json: #"{"is_active":true}"#)
            #expect(again.json["is_active"].bool == true && again.json["completed_at"].isNull)
            #expect(try await G.ids(h, "/v1/goals/all") == [ids[1], ids[2], ids[3], ids[4]])
            let revived = try await h.call(.patch, "/v1/goals/\(ids[0])", json: #"{"is_active":true}"#)
            #expect(revived.json["is_active"].bool == true)
            #expect(try await G.ids(h, "/v1/goals/all") == [ids[0], ids[2], ids[3], ids[4]])
            let out = try await G.list(h, "/v1/goals/completed")
            #expect(out.compactMap { $0["id"].string } == [ids[1]])
            #expect(out.first?["is_active"].bool == false)
        }
    }

    @Test(arguments: TestEngine.available)
    func completedIsOrderedByCompletedAtFallingBackToUpdatedAt(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            var ids: [String] = []
            for i in 1...6 { ids.append(try await G.make(h, "G\(i)")); try await G.pause() }
            // G1 and G2 were deactivated by the cap: no completed_at, updated_at now (G2's later than G1's).
            #expect(try await h.call(.patch, "/v1/goals/\(ids[2])", json: #"{"is_active":false,"completed_at":"2030-01-02T03:04:05Z"}"#).status == 200)
            #expect(try await h.call(.patch, "/v1/goals/\(ids[3])", json: #"{"is_active":false,"completed_at":"2020-01-01T00:00:00+02:00"}"#).status == 200)
            let completed = try await G.list(h, "/v1/goals/completed")
            #expect(completed.compactMap { $0["id"].string } == [ids[2], ids[1], ids[0], ids[3]])
            #expect(G.time(completed.last?["completed_at"] ?? .null) == Timestamp.parse("2019-12-31T22:00:00Z"))
            #expect(try await G.ids(h, "/v1/goals/all") == [ids[4], ids[5]])
        }
    }

    @Test(arguments: TestEngine.available)
    func progressWritesOneHistoryRowPerUTCDay(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let g = try await G.post(h, #"{"title":"Steps","goal_type":"numeric","target_value":100,"max_value":100}"#)
            let id = try #require(g["id"].string)
            try await G.pause()
            let first = try await h.call(.patch, "/v1/goals/\(id)/progress?current_value=42.5")
            #expect(first.status == 200 && G.num(first.json["current_value"]) == 42.5 && first.json["id"].string == id)
            let t0 = try #require(G.time(g["updated_at"])), t1 = try #require(G.time(first.json["updated_at"]))
            #expect(t1 > t0)
            #expect(try await h.count("goal_history") == 1)
            // Last write of the day wins; values beyond max are kept and nothing completes automatically.
            let second = try await h.call(.patch, "/v1/goals/\(id)/progress?current_value=150.0")
            #expect(G.num(second.json["current_value"]) == 150 && second.json["is_active"].bool == true)
            #expect(second.json["completed_at"].isNull)
            #expect(try await h.count("goal_history") == 1)
            for bad in ["", "?current_value=", "?current_value=abc"] {
                let r = try await h.call(.patch, "/v1/goals/\(id)/progress\(bad)")
                #expect(r.status == 422, "\(bad): \(r.text)")
            }
            let missing = try await h.call(.patch, "/v1/goals/\(G.missingID)/progress?current_value=1")
            #expect(missing.status == 404 && missing.detail == "Goal not found")
            #expect(try await h.count("goal_history") == 1)
            #expect(G.num(try await G.list(h, "/v1/goals/all").first?["current_value"] ?? .null) == 150)

            let history = try await h.call(.get, "/v1/goals/\(id)/history?days=30")
            #expect(history.status == 200 && history.json.keys == ["history"])
            let entries = history.json["history"].array
            #expect(entries.count == 1)
            let entry = try #require(entries.first)
            #expect(entry.keys.isSuperset(of: ["date", "value", "recorded_at"]))
            #expect(entry["date"].string == G.utcDay() && G.num(entry["value"]) == 150 && G.isInstant(entry["recorded_at"]))
        }
    }

    @Test(arguments: TestEngine.available)
    func historyFiltersByDaysNewestFirstAndPatchRecordsIt(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let id = try await G.make(h, "Water")
            let patched = try await h.call(.patch, "/v1/goals/\(id)", json: #"{"current_value":3}"#)
            #expect(patched.status == 200 && G.num(patched.json["current_value"]) == 3)
            let day = 86_400.0
            try await h.database.withConnection { db in
                for (offset, value) in [(3.0, 1.5), (40.0, 0.5)] {
                    let date = Date().addingTimeInterval(-offset * day)
                    try await db.raw("""
                        INSERT INTO goal_history (uid, goal_id, date, value, recorded_at)
                        VALUES (\(bind: "user-a"), \(bind: id), \(bind: G.utcDay(date)), \(bind: value), \(bind: Timestamp.micros(date)))
                        """).run()
                }
            }
            func history(_ query: String) async throws -> [Wire.JSONValue] {
                let r = try await h.call(.get, "/v1/goals/\(id)/history\(query)")
                try #require(r.status == 200, "\(query): \(r.text)")
                return r.json["history"].array
            }
            let month = try await history("?days=30")
            #expect(month.compactMap { $0["date"].string } == [G.utcDay(), G.utcDay(Date().addingTimeInterval(-3 * day))])
            #expect(month.compactMap { G.num($0["value"]) } == [3, 1.5])
            #expect(try await history("").count == 2)
            #expect(try await history("?days=1").compactMap { $0["date"].string } == [G.utcDay()])
            #expect(try await history("?days=365").compactMap { G.num($0["value"]) } == [3, 1.5, 0.5])
            for days in ["0", "366", "-1", "abc"] {
                let r = try await h.call(.get, "/v1/goals/\(id)/history?days=\(days)")
                #expect(r.status == 422, "days=\(days): \(r.text)")
            }
            let missing = try await h.call(.get, "/v1/goals/\(G.missingID)/history")
            #expect(missing.status == 404 && missing.detail == "Goal not found")
        }
    }

    @Test(arguments: TestEngine.available)
    func deleteRemovesTheGoalAndItsHistory(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let active = try await G.make(h, "Active"), done = try await G.make(h, "Done"), kept = try await G.make(h, "Kept")
            #expect(try await h.call(.patch, "/v1/goals/\(active)/progress?current_value=1").status == 200)
            #expect(try await h.call(.patch, "/v1/goals/\(kept)/progress?current_value=2").status == 200)
            #expect(try await h.call(.patch, "/v1/goals/\(done)", json: #"{"is_active":false}"#).status == 200)
            for id in [active, done] {
                let r = try await h.call(.delete, "/v1/goals/\(id)")
                #expect(r.status == 200 && r.json == .object(["success": .bool(true), "deleted_id": .string(id)]), "\(r.text)")
            }
            #expect(try await G.ids(h, "/v1/goals/all") == [kept])
            #expect(try await G.list(h, "/v1/goals/completed").isEmpty)
            #expect(try await h.count("goals") == 1)
            #expect(try await h.count("goal_history") == 1)
            let gone = try await h.call(.get, "/v1/goals/\(active)/history")
            #expect(gone.status == 404 && gone.detail == "Goal not found")
            let again = try await h.call(.delete, "/v1/goals/\(active)")
            #expect(again.status == 404 && again.detail == "Goal not found")
        }
    }
}
