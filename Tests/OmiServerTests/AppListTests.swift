import Foundation
import HTTPTypes
import OmiContract
import OmiStorage
import Testing
@testable import OmiServer

@Suite("Apps: /v1/apps, /v2/apps and popular (apps.md §2.1, §2.7, §3, §7.1, §7.2, §7.12)")
struct AppListTests {
    static let summaryKeys: Set<String> = [
        "id", "name", "description", "image", "category", "author", "capabilities", "approved", "private", "installs",
        "rating_avg", "rating_count", "is_paid", "price", "enabled", "status", "uid", "username", "is_popular",
        "created_at", "external_integration", "proactive_notification",
    ]
    static let detailOnlyKeys: Set<String> = ["chat_prompt", "memory_prompt", "persona_prompt", "email", "twitter"]

    static func write(_ entries: [String]) throws -> String {
        let path = NSTemporaryDirectory() + "apps-\(UUID().uuidString).json"
        let json = #"{"apps":["# + entries.joined(separator: ",") + "]}"
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A valid entry: prompts for chat and memories, scopes when it notifies; `extra` is spliced in.
    static func app(_ id: String, _ name: String, _ capabilities: String = #"["memories"]"#, _ extra: String = "") -> String {
        let scopes = capabilities.contains("proactive_notification") ? #","proactive_notification":{"scopes":["user_name"]}"# : ""
        return #"{"id":"\#(id)","name":"\#(name)","capabilities":\#(capabilities),"chat_prompt":"Chat.","memory_prompt":"Sum."\#(scopes)\#(extra)}"#
    }

    static func ids(_ list: Wire.JSONValue) -> [String] {
        var out: [String] = []
        for item in list.array { out.append(item["id"].string ?? "?") }
        return out
    }

    static func number(_ v: Wire.JSONValue) -> Double? {
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    static func item(_ list: Wire.JSONValue, _ id: String) -> Wire.JSONValue {
        for item in list.array where item["id"].string == id { return item }
        return .null
    }

    /// The capability ids of the groups, and the app ids of each group.
    static func groups(_ reply: Wire.JSONValue) -> (ids: [String], titles: [String], data: [[String]]) {
        var out: (ids: [String], titles: [String], data: [[String]]) = ([], [], [])
        for g in reply["groups"].array {
            out.ids.append(g["capability"]["id"].string ?? "?")
            out.titles.append(g["capability"]["title"].string ?? "?")
            out.data.append(ids(g["data"]))
        }
        return out
    }

    /// The app ids of one group, or nil when the group is missing.
    static func group(_ reply: Wire.JSONValue, _ id: String) -> [String]? {
        for g in reply["groups"].array where g["capability"]["id"].string == id { return ids(g["data"]) }
        return nil
    }

    /// An integer key emitted with a fraction (`4.0`) anywhere in the text.
    static func hasFractionalCount(_ text: String) -> Bool {
        text.range(of: #""(installs|rating_count|total|count|offset|limit|groupCount)"\s*:\s*-?\d+\.\d"#,
                   options: .regularExpression) != nil
    }

    static func review(_ h: TestHarness, _ app: String, _ score: Int, as user: String) async throws {
        let r = try await h.call(.post, "/v1/apps/review", as: user, json: #"{"app_id":"\#(app)","score":\#(score)}"#)
        try #require(r.status == 200, "\(r.text)")
    }

    @Test(arguments: TestEngine.available)
    func boundsFiltersAndPaging(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            for bad in ["limit=0", "limit=501", "limit=abc", "offset=-1", "offset=x"] {
                let r = try await h.call(.get, "/v1/apps?\(bad)")
                #expect(r.status == 422, "\(bad)")
                #expect(r.json["detail"][0]["loc"][0].string == "query", "\(bad): \(r.text)")
                let field = String(bad.prefix { $0 != "=" })
                #expect(r.json["detail"][0]["loc"][1].string == field, "\(bad)")
            }
            let wide = try await h.call(.get, "/v1/apps?limit=500")
            #expect(wide.status == 200 && wide.json.array.count == 4)
            let past = try await h.call(.get, "/v1/apps?offset=4")
            #expect(past.status == 200 && past.json == .array([]))
            let all = try await h.call(.get, "/v1/apps?include_reviews=true")
            #expect(all.status == 200)
            let order = Self.ids(all.json)
            let head = try await h.call(.get, "/v1/apps?limit=2")
            let tail = try await h.call(.get, "/v1/apps?limit=2&offset=2")
            #expect(Self.ids(head.json) == Array(order.prefix(2)))
            #expect(Self.ids(tail.json) == Array(order.suffix(2)))

            let chat = try await h.call(.get, "/v1/apps?capability=chat")
            #expect(Set(Self.ids(chat.json)) == ["thinking-partner", "daily-reflection"])
            let memories = try await h.call(.get, "/v1/apps?capability=memories")
            #expect(Set(Self.ids(memories.json)) == ["meeting-notes", "conversation-coach", "daily-reflection"])
            let productivity = try await h.call(.get, "/v1/apps?category=productivity-and-organization")
            #expect(Set(Self.ids(productivity.json)) == ["meeting-notes", "thinking-partner"])
            let both = try await h.call(.get, "/v1/apps?capability=chat&category=productivity-and-organization")
            #expect(Self.ids(both.json) == ["thinking-partner"])
            #expect(try await h.call(.get, "/v1/apps?category=financial").json == .array([]))
        }
    }

    @Test(arguments: TestEngine.available)
    func orderedByWeightedRatingThenInstallsThenName(engine: TestEngine) async throws {
        let path = try Self.write([
            Self.app("one", "Alpha One"), Self.app("echo", "Echo None"), Self.app("delta", "delta none"),
            Self.app("five", "Charlie Five"), Self.app("bravo", "Bravo None"), Self.app("zulu", "Zulu Installed"),
        ])
        try await TestHarness.run(engine, configure: { $0.appsCatalogPath = path }) { h in
            for n in 1...6 { try await Self.review(h, "five", 5, as: "rater-\(n)") }
            try await Self.review(h, "one", 1, as: "rater-7")
            #expect(try await h.call(.post, "/v1/apps/enable?app_id=zulu", as: "rater-1").status == 200)
            // WR: five 45/11 ≈ 4.09; unrated 3.0 (zulu first by installs, then name case-insensitively); one 16/6.
            let list = try await h.call(.get, "/v1/apps")
            #expect(Self.ids(list.json) == ["five", "zulu", "bravo", "delta", "echo", "one"])
            let approved = try await h.call(.get, "/v1/approved-apps")
            #expect(Self.ids(approved.json) == ["five", "zulu", "bravo", "delta", "echo", "one"])
            let five = Self.item(list.json, "five")
            #expect(five["rating_count"] == .int(6) && Self.number(five["rating_avg"]) == 5)
            let one = Self.item(list.json, "one")
            #expect(one["rating_count"] == .int(1) && Self.number(one["rating_avg"]) == 1)
            let zulu = Self.item(list.json, "zulu")
            #expect(zulu["installs"] == .int(1) && zulu.has("rating_avg") && zulu["rating_avg"].isNull)
            #expect(zulu["rating_count"] == .int(0))
            #expect(!Self.hasFractionalCount(list.text), "\(list.text)")
        }
    }

    @Test(arguments: TestEngine.available)
    func summariesCarryRealIntegersAndNoDetailKeys(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            for user in ["user-a", "user-b"] {
                #expect(try await h.call(.post, "/v1/apps/enable?app_id=meeting-notes", as: user).status == 200)
            }
            try await Self.review(h, "meeting-notes", 5, as: "user-a")
            try await Self.review(h, "meeting-notes", 3, as: "user-b")
            try await Self.review(h, "meeting-notes", 3, as: "user-c")
            let list = try await h.call(.get, "/v1/apps")
            #expect(!Self.hasFractionalCount(list.text), "\(list.text)")
            for item in list.json.array {
                #expect(Self.summaryKeys.isSubset(of: item.keys), "\(item)")
                #expect(item.keys.isDisjoint(with: Self.detailOnlyKeys), "\(item)")
            }
            let notes = Self.item(list.json, "meeting-notes")
            #expect(notes["installs"] == .int(2) && notes["rating_count"] == .int(3) && notes["enabled"].bool == true)
            let avg = try #require(Self.number(notes["rating_avg"]))
            #expect(abs(avg - 11.0 / 3.0) < 1e-9, "\(avg)")
            let coach = Self.item(list.json, "conversation-coach")
            #expect(coach["installs"] == .int(0) && coach["rating_avg"].isNull && coach["enabled"].bool == false)
            let asC = try await h.call(.get, "/v1/apps", as: "user-c")
            #expect(Self.item(asC.json, "meeting-notes")["enabled"].bool == false)
        }
    }

    @Test(arguments: TestEngine.available)
    func personaIsListedOnlyForItsOwner(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let created = try await h.call(.post, "/v1/personas", json: #"{"name":"Ann"}"#)
            try #require(created.status == 200, "\(created.text)")
            let pid = try #require(created.json["id"].string)
            let mine = try await h.call(.get, "/v1/apps")
            #expect(Self.ids(mine.json).contains(pid) && mine.json.array.count == 5)
            let persona = Self.item(mine.json, pid)
            #expect(persona["capabilities"] == .array([.string("persona")]))
            #expect(persona["category"].string == "personality-emulation" && persona["uid"].string == "user-a")
            #expect(persona["approved"].bool == false && persona["status"].string == "under-review")
            #expect(Self.summaryKeys.isSubset(of: persona.keys) && persona.keys.isDisjoint(with: Self.detailOnlyKeys))
            let theirs = try await h.call(.get, "/v1/apps", as: "user-b")
            #expect(!Self.ids(theirs.json).contains(pid) && theirs.json.array.count == 4)
            let v2 = try await h.call(.get, "/v2/apps?offset=0&limit=50")
            let grouped = Array(Self.groups(v2.json).data.joined())
            #expect(grouped.count == 4 && !grouped.contains(pid))
            let category = try await h.call(.get, "/v2/apps?category=personality-emulation")
            #expect(category.json["data"] == .array([]))
        }
    }

    @Test(arguments: TestEngine.available)
    func defaultCatalogueGroups(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let r = try await h.call(.get, "/v2/apps?offset=0&limit=50")
            #expect(r.status == 200 && r.json.keys == ["groups", "meta"])
            #expect(!r.text.contains("group_count") && !Self.hasFractionalCount(r.text))
            let g = Self.groups(r.json)
            #expect(g.ids == ["popular", "chat", "memories"])
            #expect(g.titles == ["Featured", "Chat Assistants", "Summary Apps"])
            // No ratings: every score is 0 and installs tie at 0, so names decide.
            #expect(g.data == [["meeting-notes"], ["daily-reflection", "thinking-partner"], ["conversation-coach"]])
            let chat = r.json["groups"][1]
            #expect(chat.keys == ["capability", "data", "pagination"])
            #expect(chat["pagination"] == .object(["total": .int(2), "count": .int(2), "offset": .int(0), "limit": .int(50),
                                                   "hasNext": .bool(false), "hasPrevious": .bool(false)]))
            let meta = r.json["meta"]
            #expect(meta.keys == ["capabilities", "groupCount", "limit", "offset"])
            #expect(meta["groupCount"] == .int(3) && meta["limit"] == .int(50) && meta["offset"] == .int(0))
            #expect(Self.ids(meta["capabilities"]) == ["popular", "external_integration", "chat", "memories",
                                                      "proactive_notification", "tasks"])
            #expect(meta["capabilities"][5] == .object(["id": .string("tasks"), "title": .string("Tasks")]))
            let defaults = try await h.call(.get, "/v2/apps")
            #expect(defaults.json["meta"]["limit"] == .int(20) && defaults.json["meta"]["offset"] == .int(0))

            // Installs break the tie of equal scores.
            #expect(try await h.call(.post, "/v1/apps/enable?app_id=thinking-partner", as: "user-b").status == 200)
            let tied = try await h.call(.get, "/v2/apps", as: "user-b")
            #expect(Self.group(tied.json, "chat") == ["thinking-partner", "daily-reflection"])
            #expect(tied.json["groups"][1]["data"][0]["enabled"].bool == true)
            let asA = try await h.call(.get, "/v2/apps")
            #expect(asA.json["groups"][1]["data"][0]["enabled"].bool == false)
            // A score above 0 beats more installs: daily-reflection 1 install rated 5, thinking-partner 2 installs.
            #expect(try await h.call(.post, "/v1/apps/enable?app_id=thinking-partner", as: "user-c").status == 200)
            #expect(try await h.call(.post, "/v1/apps/enable?app_id=daily-reflection", as: "user-d").status == 200)
            try await Self.review(h, "daily-reflection", 5, as: "user-d")
            let scored = try await h.call(.get, "/v2/apps")
            #expect(Self.group(scored.json, "chat") == ["daily-reflection", "thinking-partner"])
        }
    }

    @Test(arguments: TestEngine.available)
    func offsetKeepsGroupsAndBoundsAreChecked(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let r = try await h.call(.get, "/v2/apps?offset=10&limit=5")
            #expect(r.status == 200)
            let g = Self.groups(r.json)
            #expect(g.ids == ["popular", "chat", "memories"] && g.data == [[], [], []])
            for (i, total) in [1, 2, 1].enumerated() {
                #expect(r.json["groups"][i]["pagination"] == .object([
                    "total": .int(Int64(total)), "count": .int(0), "offset": .int(10), "limit": .int(5),
                    "hasNext": .bool(false), "hasPrevious": .bool(true)]), "\(i)")
            }
            #expect(r.json["meta"]["groupCount"] == .int(3) && r.json["meta"]["offset"] == .int(10))
            #expect(r.json["meta"]["limit"] == .int(5))
            let first = try await h.call(.get, "/v2/apps?limit=1")
            #expect(Self.group(first.json, "chat") == ["daily-reflection"])
            #expect(first.json["groups"][1]["pagination"]["hasNext"].bool == true)
            #expect(first.json["groups"][1]["pagination"]["count"] == .int(1))
            for bad in ["limit=101", "limit=0", "offset=-1", "limit=abc"] {
                let bounce = try await h.call(.get, "/v2/apps?\(bad)")
                #expect(bounce.status == 422 && bounce.json["detail"][0]["loc"][0].string == "query", "\(bad)")
            }
            #expect(try await h.call(.get, "/v2/apps?limit=100").status == 200)
        }
    }

    @Test(arguments: TestEngine.available)
    func notificationAppsAndEmptyGroups(engine: TestEngine) async throws {
        let path = try Self.write([
            Self.app("chat-pop", "Chat Popular", #"["chat"]"#, #","is_popular":true"#),
            Self.app("ping-pop", "Ping Popular", #"["proactive_notification"]"#, #","is_popular":true"#),
            Self.app("ping-plain", "Ping Plain", #"["proactive_notification"]"#),
            Self.app("hook-only", "Hook Only", #"["external_integration"]"#, #","external_integration":{}"#),
            Self.app("linked", "Linked Service", #"["external_integration"]"#,
                     #","external_integration":{"auth_steps":[{"name":"Sign in","url":"https://example.com/in"}]}"#),
            Self.app("summ", "Summariser"),
        ])
        try await TestHarness.run(engine, configure: { $0.appsCatalogPath = path }) { h in
            let r = try await h.call(.get, "/v2/apps")
            let g = Self.groups(r.json)
            #expect(g.ids == ["popular", "external_integration", "memories", "proactive_notification"], "\(r.text)")
            #expect(g.titles == ["Featured", "Integrations", "Summary Apps", "Realtime Notifications"])
            #expect(g.data == [["chat-pop", "ping-pop"], ["linked"], ["summ"], ["hook-only", "ping-plain", "ping-pop"]])
            #expect(r.json["meta"]["groupCount"] == .int(4))
            let popular = try await h.call(.get, "/v2/apps?capability=popular")
            #expect(Self.ids(popular.json["data"]) == ["chat-pop", "ping-pop"])
            #expect(popular.json["capability"] == .object(["id": .string("popular"), "title": .string("Featured")]))
            let notify = try await h.call(.get, "/v2/apps?capability=proactive_notification")
            #expect(Self.ids(notify.json["data"]) == ["hook-only", "ping-plain", "ping-pop"])
        }
    }

    @Test(arguments: TestEngine.available)
    func capabilityAndCategoryVariants(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let chat = try await h.call(.get, "/v2/apps?capability=chat")
            #expect(chat.status == 200 && chat.json.keys == ["data", "pagination", "capability"])
            #expect(chat.json["capability"] == .object(["id": .string("chat"), "title": .string("Chat Assistants")]))
            #expect(Self.ids(chat.json["data"]) == ["daily-reflection", "thinking-partner"])
            #expect(chat.json["pagination"]["total"] == .int(2) && chat.json["pagination"]["limit"] == .int(20))

            let financial = try await h.call(.get, "/v2/apps?category=financial")
            #expect(financial.status == 200 && financial.json.keys == ["data", "pagination", "category"])
            #expect(financial.json["category"] == .object(["id": .string("financial"), "title": .string("Financial")]))
            #expect(financial.json["data"] == .array([]) && financial.json["pagination"]["total"] == .int(0))
            #expect(financial.json["pagination"]["count"] == .int(0))

            let productivity = try await h.call(.get, "/v2/apps?category=productivity-and-organization")
            #expect(Self.ids(productivity.json["data"]) == ["meeting-notes", "thinking-partner"])
            #expect(productivity.json["category"]["title"].string == "Productivity")
        }
    }

    @Test(arguments: TestEngine.available)
    func popularAppsAreOrderedByInstalls(engine: TestEngine) async throws {
        let path = try Self.write([
            Self.app("pop-a", "Alpha", #"["memories"]"#, #","is_popular":true"#),
            Self.app("pop-b", "Bravo", #"["memories"]"#, #","is_popular":true"#),
            Self.app("pop-c", "Charlie", #"["memories"]"#, #","is_popular":true"#), Self.app("quiet", "Quiet"),
        ])
        try await TestHarness.run(engine, configure: { $0.appsCatalogPath = path }) { h in
            for (user, app) in [("u1", "pop-b"), ("u2", "pop-b"), ("u1", "pop-c"), ("u1", "quiet"), ("u2", "quiet"), ("u3", "quiet")] {
                #expect(try await h.call(.post, "/v1/apps/enable?app_id=\(app)", as: user).status == 200)
            }
            let popular = try await h.call(.get, "/v1/apps/popular")
            #expect(Self.ids(popular.json) == ["pop-b", "pop-c", "pop-a"])
            #expect(popular.json[0]["installs"] == .int(2) && popular.json[0]["enabled"].bool == false)
        }
    }
}
