import Foundation
import HTTPTypes
import OmiContract
import OmiStorage
import Testing
@testable import OmiServer

@Suite("Apps: search, details, reviews, enablement (apps.md §7.3–§7.13)")
struct AppSearchEnableTests {
    static func write(_ entries: [String]) throws -> String {
        let path = NSTemporaryDirectory() + "apps-\(UUID().uuidString).json"
        let json = #"{"apps":["# + entries.joined(separator: ",") + "]}"
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func memories(_ id: String, _ name: String, _ extra: String = "") -> String {
        #"{"id":"\#(id)","name":"\#(name)","capabilities":["memories"],"memory_prompt":"Sum."\#(extra)}"#
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

    static func isInstant(_ v: Wire.JSONValue) -> Bool {
        v.string?.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$"#, options: .regularExpression) != nil
    }

    static func persona(_ h: TestHarness, as user: String = "user-a") async throws -> String {
        let r = try await h.call(.post, "/v1/personas", as: user, json: #"{"name":"Ann"}"#)
        try #require(r.status == 200, "\(r.text)")
        return try #require(r.json["id"].string)
    }

    @discardableResult
    static func review(_ h: TestHarness, _ json: String, as user: String = "user-a") async throws -> Reply {
        try await h.call(.post, "/v1/apps/review", as: user, json: json)
    }

    static func ok(_ verb: String) -> Wire.JSONValue {
        .object(["status": .string("ok"), "success": .bool(true), "message": .string("App \(verb) successfully")])
    }

    static var searchCatalogue: [String] {
        [Self.memories("notes", "Notes", #","description":"Plain pad.""#),
         Self.memories("notes-pro", "Notes Pro", #","description":"More pads.""#),
         Self.memories("meeting-notes", "Meeting Notes", #","description":"Summaries of meetings.""#),
         Self.memories("jotter", "Jotter", #","description":"Keeps your notes tidy.""#),
         Self.memories("cpp-helper", "C++ Helper", #","description":"Explains code.""#),
         Self.memories("weather", "Weather", #","description":"Forecasts.""#)]
    }

    @Test(arguments: TestEngine.available)
    func searchDefaultsTextTiersAndSorts(engine: TestEngine) async throws {
        let path = try Self.write(Self.searchCatalogue)
        try await TestHarness.run(engine, configure: { $0.appsCatalogPath = path }) { h in
            for (user, app) in [("user-b", "jotter"), ("user-c", "jotter"), ("user-b", "notes-pro")] {
                #expect(try await h.call(.post, "/v1/apps/enable?app_id=\(app)", as: user).status == 200)
            }
            let plain = try await h.call(.get, "/v2/apps/search")
            #expect(plain.status == 200 && plain.json.keys == ["data", "pagination", "filters"])
            #expect(Self.ids(plain.json["data"]) == ["cpp-helper", "jotter", "meeting-notes", "notes", "notes-pro", "weather"])
            #expect(plain.json["filters"] == .object([
                "query": .null, "category": .null, "rating": .null, "capability": .null, "sort": .string("name"),
                "my_apps": .null, "installed_apps": .null]))
            #expect(plain.json["pagination"] == .object(["total": .int(6), "count": .int(6), "offset": .int(0),
                                                         "limit": .int(20), "hasNext": .bool(false), "hasPrevious": .bool(false)]))

            // Exact name, then prefix, then the rest by installs: the description match (2 installs) first.
            let q = try await h.call(.get, "/v2/apps/search?q=notes")
            #expect(Self.ids(q.json["data"]) == ["notes", "notes-pro", "jotter", "meeting-notes"])
            #expect(q.json["filters"]["query"].string == "notes")
            let query = try await h.call(.get, "/v2/apps/search?query=notes")
            #expect(query.json["data"] == q.json["data"] && query.json["pagination"] == q.json["pagination"])
            let upper = try await h.call(.get, "/v2/apps/search?query=%20NOTES%20")
            #expect(Self.ids(upper.json["data"]) == ["notes", "notes-pro", "jotter", "meeting-notes"])
            let both = try await h.call(.get, "/v2/apps/search?q=weather&query=notes")
            #expect(Self.ids(both.json["data"]) == ["weather"])
            let cpp = try await h.call(.get, "/v2/apps/search?query=c++")
            #expect(Self.ids(cpp.json["data"]) == ["cpp-helper"] && cpp.json["filters"]["query"].string == "c++")

            let desc = try await h.call(.get, "/v2/apps/search?sort=name_desc")
            #expect(Self.ids(desc.json["data"]) == ["weather", "notes-pro", "notes", "meeting-notes", "jotter", "cpp-helper"])
            #expect(desc.json["filters"]["sort"].string == "name_desc")
            let installs = try await h.call(.get, "/v2/apps/search?sort=installs_desc")
            #expect(Self.ids(installs.json["data"]) == ["jotter", "notes-pro", "cpp-helper", "meeting-notes", "notes", "weather"])
            let page = try await h.call(.get, "/v2/apps/search?limit=2&offset=1")
            #expect(Self.ids(page.json["data"]) == ["jotter", "meeting-notes"])
            #expect(page.json["pagination"] == .object(["total": .int(6), "count": .int(2), "offset": .int(1),
                                                        "limit": .int(2), "hasNext": .bool(true), "hasPrevious": .bool(true)]))

            let filtered = try await h.call(.get, "/v2/apps/search?q=notes&sort=installs_desc&category=other&capability=memories&rating=0&installed_apps=false&my_apps=false")
            #expect(Self.ids(filtered.json["data"]) == ["jotter", "notes-pro", "meeting-notes", "notes"])
            let f = filtered.json["filters"]
            #expect(f["query"].string == "notes" && f["sort"].string == "installs_desc" && f["category"].string == "other")
            #expect(f["capability"].string == "memories" && Self.number(f["rating"]) == 0)
            #expect(f["installed_apps"].bool == false && f["my_apps"].bool == false)
        }
    }

    @Test(arguments: TestEngine.available)
    func searchFiltersAndBounds(engine: TestEngine) async throws {
        let path = try Self.write(Self.searchCatalogue)
        try await TestHarness.run(engine, configure: { $0.appsCatalogPath = path }) { h in
            for app in ["jotter", "notes-pro"] {
                #expect(try await h.call(.post, "/v1/apps/enable?app_id=\(app)", as: "user-b").status == 200)
            }
            let installed = try await h.call(.get, "/v2/apps/search?installed_apps=true", as: "user-b")
            #expect(Self.ids(installed.json["data"]) == ["jotter", "notes-pro"])
            for item in installed.json["data"].array { #expect(item["enabled"].bool == true) }
            #expect(installed.json["filters"]["installed_apps"].bool == true)
            let one = try await h.call(.get, "/v2/apps/search?installed_apps=1", as: "user-b")
            #expect(Self.ids(one.json["data"]) == ["jotter", "notes-pro"])
            let none = try await h.call(.get, "/v2/apps/search?installed_apps=TRUE")
            #expect(none.status == 200 && none.json["data"] == .array([]))

            _ = try await Self.persona(h)
            let mine = try await h.call(.get, "/v2/apps/search?my_apps=true")
            #expect(mine.status == 200 && mine.json["data"] == .array([]) && mine.json["filters"]["my_apps"].bool == true)
            let ann = try await h.call(.get, "/v2/apps/search?q=Ann")
            #expect(ann.json["data"] == .array([]))

            let rated = try await Self.review(h, #"{"app_id":"notes","score":5}"#)
            #expect(rated.status == 200)
            let high = try await h.call(.get, "/v2/apps/search?rating=4")
            #expect(Self.ids(high.json["data"]) == ["notes"])
            for bad in ["rating=6", "rating=-1", "rating=abc", "installed_apps=maybe", "my_apps=2", "limit=101",
                        "limit=0", "offset=-1"] {
                let r = try await h.call(.get, "/v2/apps/search?\(bad)")
                #expect(r.status == 422 && r.json["detail"][0]["loc"][0].string == "query", "\(bad): \(r.text)")
                let field = String(bad.prefix { $0 != "=" })
                #expect(r.json["detail"][0]["loc"][1].string == field, "\(bad)")
            }
        }
        try await TestHarness.run(engine, configure: { $0.legacyMountPrefix = "/legacy" }) { h in
            let legacy = try await h.call(.get, "/legacy/v2/apps/search?query=notes")
            let current = try await h.call(.get, "/v2/apps/search?query=notes")
            #expect(legacy.status == 200 && !legacy.json.array.isEmpty && legacy.json == current.json["data"])
            let all = try await h.call(.get, "/legacy/v2/apps/search")
            #expect(Self.ids(all.json) == ["conversation-coach", "daily-reflection", "meeting-notes", "thinking-partner"])
        }
    }

    @Test(arguments: TestEngine.available)
    func detailsCarryPromptsAndIntegration(engine: TestEngine) async throws {
        let path = try Self.write([
            #"{"id":"rich","name":"Rich App","description":"Everything.","image":"https://img.example.com/r.png","author":"Ada","email":"ada@example.com","category":"utilities-and-tools","capabilities":["chat","external_integration"],"chat_prompt":"Be rich.","external_integration":{"auth_steps":[{"name":"Connect","url":"https://example.com/connect"}],"setup_completed_url":"https://example.com/done","setup_instructions_file_path":"https://example.com/setup","app_home_url":"https://example.com/home","is_instructions_url":true,"triggers_on":"transcript_processed","webhook_url":"https://hooks.example.com/w"},"is_paid":true,"price":2.5,"payment_plan":"monthly_recurring","username":"rich_app","twitter":"rich_app","created_at":"2026-03-01T12:00:00+02:00"}"#,
            Self.memories("plain", "Plain"),
        ])
        try await TestHarness.run(engine, configure: { $0.appsCatalogPath = path }) { h in
            let d = try await h.call(.get, "/v1/apps/rich")
            #expect(d.status == 200)
            #expect(d.json["twitter"].string == "rich_app" && d.json["email"].string == "ada@example.com")
            #expect(d.json["chat_prompt"].string == "Be rich." && d.json.has("memory_prompt") && d.json["memory_prompt"].isNull)
            #expect(d.json.has("persona_prompt") && d.json["persona_prompt"].isNull && d.json["disabled"].bool == false)
            #expect(d.json["payment_plan"].string == "monthly_recurring" && Self.number(d.json["price"]) == 2.5)
            #expect(d.json["is_paid"].bool == true && d.json["username"].string == "rich_app")
            #expect(d.json["author"].string == "Ada" && d.json["image"].string == "https://img.example.com/r.png")
            #expect(Self.isInstant(d.json["created_at"]))
            let created = Timestamp.parse(d.json["created_at"].string ?? "")
            #expect(created != nil && created == Timestamp.parse("2026-03-01T10:00:00Z"))
            #expect(d.json["external_integration"] == .object([
                "auth_steps": .array([.object(["name": .string("Connect"), "url": .string("https://example.com/connect")])]),
                "setup_completed_url": .string("https://example.com/done"),
                "setup_instructions_file_path": .string("https://example.com/setup"),
                "app_home_url": .string("https://example.com/home"), "is_instructions_url": .bool(true),
                "triggers_on": .string("transcript_processed")]))

            let p = try await h.call(.get, "/v1/apps/plain")
            #expect(p.json.has("twitter") && p.json["twitter"].isNull && p.json.has("email") && p.json["email"].isNull)
            #expect(p.json["memory_prompt"].string == "Sum." && p.json["chat_prompt"].isNull)

            let unknown = try await h.call(.get, "/v1/apps/no-such-app")
            #expect(unknown.status == 404 && unknown.json == .object(["detail": .string("App not found")]))
            let pid = try await Self.persona(h)
            let own = try await h.call(.get, "/v1/apps/\(pid)")
            #expect(own.status == 200 && own.json["uid"].string == "user-a" && own.json.has("persona_prompt"))
            #expect(own.json["status"].string == "under-review" && own.json["approved"].bool == false)
            let foreign = try await h.call(.get, "/v1/apps/\(pid)", as: "user-b")
            #expect(foreign.status == 404 && foreign.json == .object(["detail": .string("App not found")]))
        }
    }

    @Test(arguments: TestEngine.available)
    func reviewIsStoredOncePerUser(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let first = try await Self.review(h, #"{"app_id":"meeting-notes","score":4,"review":"Useful"}"#)
            #expect(first.status == 200)
            #expect(first.json.keys == ["uid", "score", "review", "response", "rated_at", "edited_at", "status"])
            #expect(first.json["uid"].string == "user-a" && first.json["score"] == .int(4))
            #expect(first.json["review"].string == "Useful" && first.json["response"].isNull)
            #expect(Self.isInstant(first.json["rated_at"]) && first.json["edited_at"].isNull)
            #expect(first.json["status"].string == "ok")
            #expect(first.text.range(of: #""score"\s*:\s*4[,}\s]"#, options: .regularExpression) != nil)

            let second = try await Self.review(h, #"{"app_id":"meeting-notes","score":2,"review":"Changed"}"#)
            #expect(second.status == 200 && second.json["rated_at"] == first.json["rated_at"])
            #expect(Self.isInstant(second.json["edited_at"]) && second.json["score"] == .int(2))
            #expect(try await h.count("app_reviews", uid: "user-a") == 1)
            let details = try await h.call(.get, "/v1/apps/meeting-notes")
            #expect(details.json["rating_count"] == .int(1) && Self.number(details.json["rating_avg"]) == 2)

            let fractional = try await Self.review(h, #"{"app_id":"meeting-notes","score":4.0}"#, as: "user-b")
            #expect(fractional.status == 200 && fractional.json["score"] == .int(4) && fractional.json["review"].string == "")
            #expect(fractional.text.range(of: #""score"\s*:\s*4\."#, options: .regularExpression) == nil)
            let byQuery = try await h.call(.post, "/v1/apps/review?app_id=conversation-coach", as: "user-b",
                                           json: #"{"score":5,"review":"Kind"}"#)
            #expect(byQuery.status == 200 && byQuery.json["uid"].string == "user-b")
            let coach = try await h.call(.get, "/v1/apps/conversation-coach")
            #expect(coach.json["rating_count"] == .int(1) && Self.number(coach.json["rating_avg"]) == 5)

            for body in [#"{"app_id":"meeting-notes","score":0}"#, #"{"app_id":"meeting-notes","score":6}"#,
                         #"{"app_id":"meeting-notes","score":3.5}"#, #"{"app_id":"meeting-notes","score":"x"}"#,
                         #"{"app_id":"meeting-notes","review":"No score"}"#, #"{"score":3}"#,
                         #"{"app_id":"meeting-notes","score":3,"review":"\#(String(repeating: "a", count: 5001))"}"#] {
                let r = try await Self.review(h, body, as: "user-c")
                #expect(r.status == 422 && r.json["detail"][0]["loc"][0].string == "body", "\(body.prefix(60)): \(r.text)")
            }
            #expect(try await h.count("app_reviews", uid: "user-c") == 0)
            let longest = try await Self.review(
                h, #"{"app_id":"meeting-notes","score":3,"review":"\#(String(repeating: "a", count: 5000))"}"#, as: "user-c")
            #expect(longest.status == 200)
            let missing = try await Self.review(h, #"{"app_id":"no-such-app","score":3}"#, as: "user-d")
            #expect(missing.status == 404 && missing.detail == "App not found")

            let pid = try await Self.persona(h)
            let own = try await Self.review(h, #"{"app_id":"\#(pid)","score":5}"#)
            #expect(own.status == 403 && own.json == .object(["detail": .string("You are not authorized to review your own app")]))
            let foreign = try await Self.review(h, #"{"app_id":"\#(pid)","score":5}"#, as: "user-d")
            #expect(foreign.status == 404 && foreign.detail == "App not found")
            #expect(try await h.count("app_reviews", uid: "user-d") == 0)
        }
    }

    @Test(arguments: TestEngine.available)
    func reviewListSkipsEmptyTextAndIsNewestFirst(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            #expect(try await Self.review(h, #"{"app_id":"thinking-partner","score":5,"review":""}"#).status == 200)
            for (user, score) in [("user-b", 3), ("user-c", 4), ("user-d", 2)] {
                let r = try await Self.review(h, #"{"app_id":"thinking-partner","score":\#(score),"review":"By \#(user)"}"#, as: user)
                #expect(r.status == 200)
            }
            // user-b edits: rated_at stays, so the order does not change.
            #expect(try await Self.review(h, #"{"app_id":"thinking-partner","score":1,"review":"Edited"}"#, as: "user-b").status == 200)
            let list = try await h.call(.get, "/v1/apps/thinking-partner/reviews")
            #expect(list.status == 200)
            var uids: [String] = []
            for item in list.json.array { uids.append(item["uid"].string ?? "?") }
            #expect(uids == ["user-d", "user-c", "user-b"])
            #expect(list.json[2]["review"].string == "Edited" && list.json[2]["score"] == .int(1))
            let details = try await h.call(.get, "/v1/apps/thinking-partner")
            #expect(details.json["rating_count"] == .int(4) && Self.number(details.json["rating_avg"]) == 3)
            #expect(try await h.call(.get, "/v1/apps/no-such-app/reviews").json == .array([]))
        }
    }

    @Test(arguments: TestEngine.available)
    func enableAndDisableForms(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let query = try await h.call(.post, "/v1/apps/enable?app_id=meeting-notes")
            #expect(query.status == 200 && query.json == Self.ok("enabled"))
            let body = try await h.call(.post, "/v1/apps/enable", json: #"{"app_id":"conversation-coach"}"#)
            #expect(body.status == 200 && body.json == Self.ok("enabled"))
            let again = try await h.call(.post, "/v1/apps/enable?app_id=meeting-notes")
            #expect(again.status == 200 && again.json == Self.ok("enabled"))
            // Re-enabling keeps enabled_at: conversation-coach stays the newest.
            let enabled = try await h.call(.get, "/v1/apps/enabled")
            #expect(Self.ids(enabled.json) == ["conversation-coach", "meeting-notes"])
            for item in enabled.json.array { #expect(item["enabled"].bool == true && item.has("installs")) }
            #expect(try await h.count("app_enablements") == 2)
            let burst = try await withThrowingTaskGroup(of: Reply.self) { group in
                for _ in 0..<8 { group.addTask { try await h.call(.post, "/v1/apps/enable?app_id=meeting-notes") } }
                return try await group.reduce(into: [Reply]()) { $0.append($1) }
            }
            for r in burst { #expect(r.status == 200) }
            #expect(try await h.call(.get, "/v1/apps/meeting-notes").json["installs"] == .int(1))
            #expect(try await h.call(.post, "/v1/apps/enable?app_id=meeting-notes", as: "user-b").status == 200)
            #expect(try await h.call(.get, "/v1/apps/meeting-notes").json["installs"] == .int(2))

            let off = try await h.call(.post, "/v1/apps/disable?app_id=meeting-notes")
            #expect(off.status == 200 && off.json == Self.ok("disabled"))
            let offAgain = try await h.call(.post, "/v1/apps/disable?app_id=meeting-notes")
            #expect(offAgain.status == 200 && offAgain.json == Self.ok("disabled"))
            let offBody = try await h.call(.post, "/v1/apps/disable", json: #"{"app_id":"conversation-coach"}"#)
            #expect(offBody.status == 200 && offBody.json == Self.ok("disabled"))
            #expect(try await h.call(.get, "/v1/apps/meeting-notes").json["installs"] == .int(1))
            #expect(try await h.call(.get, "/v1/apps/enabled").json == .array([]))
            #expect(try await h.count("app_enablements") == 0)

            for verb in ["enable", "disable"] {
                let unknown = try await h.call(.post, "/v1/apps/\(verb)?app_id=no-such-app")
                #expect(unknown.status == 404 && unknown.json == .object(["detail": .string("App not found")]), "\(verb)")
                for (path, json) in [("/v1/apps/\(verb)", nil), ("/v1/apps/\(verb)", "{}"), ("/v1/apps/\(verb)?app_id=", nil)] as [(String, String?)] {
                    let r = try await h.call(.post, path, json: json)
                    #expect(r.status == 422, "\(path) \(json ?? "-")")
                    #expect(r.json["detail"][0]["loc"] == .array([.string("query"), .string("app_id")]), "\(path): \(r.text)")
                }
            }
            #expect(try await h.count("app_enablements") == 0)
        }
    }

    @Test(arguments: TestEngine.available)
    func enablementIsPerUserAndPersonasStayPrivate(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            #expect(try await h.call(.post, "/v1/apps/enable?app_id=meeting-notes").status == 200)
            #expect(try await h.call(.post, "/v1/apps/enable?app_id=thinking-partner").status == 200)
            let mine = try await h.call(.get, "/v1/apps/enabled")
            #expect(Self.ids(mine.json) == ["thinking-partner", "meeting-notes"])
            let theirs = try await h.call(.get, "/v1/apps/enabled", as: "user-b")
            #expect(theirs.status == 200 && theirs.json == .array([]))
            #expect(try await h.call(.get, "/v1/apps/meeting-notes", as: "user-b").json["enabled"].bool == false)
            #expect(try await h.call(.get, "/v1/apps/meeting-notes").json["enabled"].bool == true)

            let pid = try await Self.persona(h)
            let foreign = try await h.call(.post, "/v1/apps/enable?app_id=\(pid)", as: "user-b")
            #expect(foreign.status == 404 && foreign.detail == "App not found")
            #expect(try await h.count("app_enablements", uid: "user-b") == 0)
            #expect(try await h.call(.post, "/v1/apps/enable?app_id=\(pid)").status == 200)
            let withPersona = try await h.call(.get, "/v1/apps/enabled")
            #expect(Self.ids(withPersona.json) == [pid, "thinking-partner", "meeting-notes"])
            #expect(try await h.call(.get, "/v1/apps/\(pid)").json["installs"] == .int(0))

            let popular = try await h.call(.get, "/v1/apps/popular")
            #expect(Self.ids(popular.json) == ["meeting-notes"] && popular.json[0]["enabled"].bool == true)
            let approved = try await h.call(.get, "/v1/approved-apps")
            #expect(Self.ids(approved.json) == ["meeting-notes", "thinking-partner", "conversation-coach", "daily-reflection"])
            for bad in ["limit=0", "limit=501", "offset=-1"] {
                #expect(try await h.call(.get, "/v1/approved-apps?\(bad)").status == 422, "\(bad)")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func everyRouteNeedsAToken(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let routes: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/v1/apps", nil), (.get, "/v2/apps", nil), (.get, "/v2/apps/search", nil),
                (.get, "/v1/apps/meeting-notes", nil), (.get, "/v1/apps/meeting-notes/reviews", nil),
                (.get, "/v1/apps/enabled", nil), (.post, "/v1/apps/enable?app_id=meeting-notes", nil),
                (.post, "/v1/apps/disable?app_id=meeting-notes", nil),
                (.post, "/v1/apps/review", #"{"app_id":"meeting-notes","score":5}"#), (.get, "/v1/app-categories", nil),
                (.get, "/v1/app-capabilities", nil), (.get, "/v1/apps/popular", nil), (.get, "/v1/approved-apps", nil),
            ]
            for (method, path, json) in routes {
                let r = try await h.call(method, path, as: nil, json: json)
                #expect(r.status == 401 && r.detail != nil, "\(method) \(path): \(r.status)")
            }
            let reviews = try await h.call(.get, "/v1/apps/meeting-notes")
            #expect(reviews.json["rating_count"] == .int(0) && reviews.json["installs"] == .int(0))
        }
    }
}
