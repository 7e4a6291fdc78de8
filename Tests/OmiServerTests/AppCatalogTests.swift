import Foundation
import HTTPTypes
import OmiContract
import OmiStorage
import Testing
@testable import OmiServer

@Suite("Apps: catalogue, categories and capabilities (apps.md §4, §2.5, §2.6, §7.10, §7.11)")
struct AppCatalogTests {
    /// Writes a catalogue file with these entries and returns its path.
    static func write(_ entries: [String]) throws -> String {
        let path = NSTemporaryDirectory() + "apps-\(UUID().uuidString).json"
        let json = #"{"version":1,"apps":["# + entries.joined(separator: ",") + "]}"
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A valid summary app; `extra` is spliced into the object.
    static func memories(_ id: String, _ name: String, _ extra: String = "") -> String {
        #"{"id":"\#(id)","name":"\#(name)","capabilities":["memories"],"memory_prompt":"Summarise it."\#(extra)}"#
    }

    /// The loader's message for a file that must be refused.
    static func problems(_ entries: [String]) throws -> (path: String, text: String) {
        let path = try write(entries)
        do {
            _ = try AppCatalog.load(path: path)
            Issue.record("the catalogue loaded: \(entries)")
            return (path, "")
        } catch let error as AppCatalogError {
            return (path, error.description)
        }
    }

    /// Whether one line names the file, the entry's position and id, then the field (and mentions `mention`).
    static func names(_ text: String, path: String, entry: Int, id: String, field: String, mention: String) -> Bool {
        let prefix = "apps catalog \(path): entry \(entry) (\"\(id)\"): "
        for line in text.split(separator: "\n") where line.hasPrefix(prefix) {
            let rest = line.dropFirst(prefix.count)
            if rest.hasPrefix(field), mention.isEmpty || rest.contains(mention) { return true }
        }
        return false
    }

    static func ids(_ list: Wire.JSONValue) -> [String] {
        var out: [String] = []
        for item in list.array { out.append(item["id"].string ?? "?") }
        return out
    }

    /// Every app id in every group of a `/v2/apps` reply.
    static func groupedIds(_ reply: Wire.JSONValue) -> [String] {
        var out: [String] = []
        for group in reply["groups"].array { out += ids(group["data"]) }
        return out
    }

    static func micros() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000) }

    @Test(arguments: TestEngine.available)
    func defaultCatalogueServesTheFourFixedApps(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let r = try await h.call(.get, "/v1/apps")
            #expect(r.status == 200)
            var byId: [String: Wire.JSONValue] = [:]
            for item in r.json.array { byId[item["id"].string ?? "?"] = item }
            #expect(r.json.array.count == 4)
            #expect(Set(byId.keys) == ["meeting-notes", "conversation-coach", "thinking-partner", "daily-reflection"])
            let fixed: [(id: String, name: String, category: String, capabilities: [String], popular: Bool)] = [
                ("meeting-notes", "Meeting Notes", "productivity-and-organization", ["memories"], true),
                ("conversation-coach", "Conversation Coach", "communication-improvement", ["memories"], false),
                ("thinking-partner", "Thinking Partner", "productivity-and-organization", ["chat"], false),
                ("daily-reflection", "Daily Reflection", "emotional-and-mental-support", ["chat", "memories"], false),
            ]
            for f in fixed {
                let app = byId[f.id] ?? .null
                var capabilities: [Wire.JSONValue] = []
                for c in f.capabilities { capabilities.append(.string(c)) }
                #expect(app["name"].string == f.name, "\(f.id)")
                #expect(app["category"].string == f.category, "\(f.id)")
                #expect(app["capabilities"] == .array(capabilities), "\(f.id)")
                #expect(app["is_popular"].bool == f.popular, "\(f.id)")
                #expect(app["author"].string == "Omi" && app["image"].string == "", "\(f.id)")
                #expect(app.has("created_at") && app["created_at"].isNull, "\(f.id)")
                #expect(app["approved"].bool == true && app["private"].bool == false, "\(f.id)")
                #expect(app["status"].string == "approved" && app.has("uid") && app["uid"].isNull, "\(f.id)")
                #expect(app["is_paid"].bool == false && app["price"].isNull, "\(f.id)")

                let d = try await h.call(.get, "/v1/apps/\(f.id)")
                #expect(d.status == 200, "\(f.id)")
                #expect(d.json["name"].string == f.name && d.json["disabled"].bool == false, "\(f.id)")
                let chat = d.json["chat_prompt"].string ?? ""
                let memory = d.json["memory_prompt"].string ?? ""
                #expect(f.capabilities.contains("chat") == !chat.isEmpty, "\(f.id) chat_prompt")
                #expect(f.capabilities.contains("memories") == !memory.isEmpty, "\(f.id) memory_prompt")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func configuredFileReplacesTheDefaultCompletely(engine: TestEngine) async throws {
        let path = try Self.write([Self.memories("field-notes", "Field Notes", #","category":"financial""#)])
        try await TestHarness.run(engine, configure: { $0.appsCatalogPath = path }) { h in
            let list = try await h.call(.get, "/v1/apps")
            #expect(Self.ids(list.json) == ["field-notes"])
            #expect(list.json[0]["author"].string == "" && list.json[0]["category"].string == "financial")
            let gone = try await h.call(.get, "/v1/apps/meeting-notes")
            #expect(gone.status == 404 && gone.detail == "App not found")
            let enable = try await h.call(.post, "/v1/apps/enable?app_id=thinking-partner")
            #expect(enable.status == 404)
        }
        let empty = try Self.write([])
        try await TestHarness.run(engine, configure: { $0.appsCatalogPath = empty }) { h in
            let list = try await h.call(.get, "/v1/apps")
            #expect(list.status == 200 && list.json == .array([]))
            let v2 = try await h.call(.get, "/v2/apps")
            #expect(v2.json["groups"] == .array([]) && v2.json["meta"]["groupCount"].int == 0)
        }
    }

    @Test func everyBadEntryIsNamedWithItsField() throws {
        let hook = #"{"id":"hook","name":"Hook","capabilities":["external_integration"],"external_integration":{"auth_steps":[{"name":"Sign in"}]}}"#
        let cases: [(entries: [String], entry: Int, id: String, field: String, mention: String)] = [
            ([Self.memories("dup", "One"), Self.memories("dup", "Two")], 2, "dup", "id", "dup"),
            ([Self.memories("enabled", "Enabled")], 1, "enabled", "id", "enabled"),
            ([#"{"id":"talk","name":"Talk","capabilities":["memories","voice"],"memory_prompt":"x"}"#], 1, "talk",
             "capabilities", "\"voice\""),
            ([#"{"id":"chatty","name":"Chatty","capabilities":["chat"]}"#], 1, "chatty", "chat_prompt", ""),
            ([Self.memories("fine", "Fine"), hook], 2, "hook", "external_integration", "url"),
            ([Self.memories("naive", "Naive", #","created_at":"2026-03-01T12:00:00""#)], 1, "naive", "created_at", ""),
            ([Self.memories("pic", "Pic", #","image":"ftp://files.example.com/a.png""#)], 1, "pic", "image", ""),
            ([Self.memories("garden", "Garden", #","category":"gardening""#)], 1, "garden", "category", ""),
            ([Self.memories("handle", "Handle", #","username":"Bad Name""#)], 1, "handle", "username", ""),
        ]
        for c in cases {
            let (path, text) = try Self.problems(c.entries)
            #expect(Self.names(text, path: path, entry: c.entry, id: c.id, field: c.field, mention: c.mention),
                    "\(c.id)/\(c.field): \(text)")
        }
        // A naive datetime is refused but one with a zone loads.
        let zoned = try Self.write([Self.memories("zoned", "Zoned", #","created_at":"2026-03-01T12:00:00+02:00""#)])
        #expect(try AppCatalog.load(path: zoned).app("zoned") != nil)
    }

    @Test func oneMessageListsEveryProblemOfTheFile() throws {
        let (path, text) = try Self.problems([
            #"{"id":"one","name":"One","capabilities":["voice"]}"#,
            Self.memories("fine", "Fine"),
            Self.memories("two", "Two", #","category":"gardening""#),
        ])
        #expect(Self.names(text, path: path, entry: 1, id: "one", field: "capabilities", mention: "\"voice\""), "\(text)")
        #expect(Self.names(text, path: path, entry: 3, id: "two", field: "category", mention: ""), "\(text)")
        #expect(!text.contains("(\"fine\")"), "\(text)")
        let lines = text.split(separator: "\n")
        #expect(lines.count >= 2)
        for line in lines { #expect(line.hasPrefix("apps catalog \(path): "), "\(line)") }
    }

    @Test(arguments: TestEngine.available)
    func serverRefusesToStartWithABadFile(engine: TestEngine) async throws {
        let path = try Self.write([#"{"id":"talk","name":"Talk","capabilities":["voice"]}"#])
        do {
            try await TestHarness.run(engine, configure: { $0.appsCatalogPath = path }) { _ in
                Issue.record("the server started with a bad catalogue")
            }
            Issue.record("no error was thrown")
        } catch let error as AppCatalogError {
            #expect(error.description.contains("apps catalog \(path): entry 1 (\"talk\"): capabilities"), "\(error)")
        }
    }

    @Test(arguments: TestEngine.available)
    func unknownKeysAreIgnoredAndInstructionsURLDefaults(engine: TestEngine) async throws {
        func integration(_ id: String, _ fields: String) -> String {
            #"{"id":"\#(id)","name":"\#(id)","capabilities":["external_integration"],"external_integration":{"auth_steps":[{"name":"Go","url":"https://example.com/go"}]\#(fields)}}"#
        }
        let path = try Self.write([
            Self.memories("copied", "Copied", #","homepage":"https://example.com","stars":5,"reviews":[{"a":1}]"#),
            integration("doc-web", #","setup_instructions_file_path":"https://example.com/setup.md""#),
            integration("doc-file", #","setup_instructions_file_path":"docs/setup.md""#),
            integration("doc-explicit",
                        #","setup_instructions_file_path":"https://example.com/setup.md","is_instructions_url":false"#),
        ])
        let loaded = try AppCatalog.load(path: path)
        #expect(loaded.app("copied")?.name == "Copied")
        #expect(loaded.warnings.joined(separator: "\n").contains("homepage"))
        try await TestHarness.run(engine, configure: { $0.appsCatalogPath = path }) { h in
            let copied = try await h.call(.get, "/v1/apps/copied")
            #expect(copied.status == 200 && copied.json["name"].string == "Copied")
            #expect(!copied.json.has("homepage") && !copied.json.has("stars"))
            for (id, expected) in [("doc-web", true), ("doc-file", false), ("doc-explicit", false)] {
                let d = try await h.call(.get, "/v1/apps/\(id)")
                #expect(d.json["external_integration"]["is_instructions_url"].bool == expected, "\(id): \(d.text)")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func disabledEntriesVanishFromListsButStillResolve(engine: TestEngine) async throws {
        let path = try Self.write([
            Self.memories("shown", "Shown App", #","is_popular":true"#),
            Self.memories("hidden", "Hidden App", #","is_popular":true,"disabled":true"#),
        ])
        try await TestHarness.run(engine, configure: { $0.appsCatalogPath = path }) { h in
            // A row left from before the operator disabled the entry.
            try await SQLAppsRepository(database: h.database).enable(uid: "user-a", appId: "hidden", now: Self.micros())
            #expect(try await h.call(.post, "/v1/apps/enable?app_id=shown").status == 200)
            for route in ["/v1/apps", "/v2/apps/search", "/v1/apps/popular", "/v1/approved-apps", "/v1/apps/enabled"] {
                let r = try await h.call(.get, route)
                let list = route.hasPrefix("/v2") ? r.json["data"] : r.json
                #expect(r.status == 200 && Self.ids(list) == ["shown"], "\(route): \(r.text)")
            }
            let search = try await h.call(.get, "/v2/apps/search?q=hidden")
            #expect(search.status == 200 && search.json["data"] == .array([]))
            let grouped = try await h.call(.get, "/v2/apps")
            #expect(Self.groupedIds(grouped.json) == ["shown"])
            let popular = try await h.call(.get, "/v2/apps?capability=popular")
            #expect(Self.ids(popular.json["data"]) == ["shown"])

            let details = try await h.call(.get, "/v1/apps/hidden")
            #expect(details.status == 200 && details.json["disabled"].bool == true)
            #expect(details.json["name"].string == "Hidden App" && details.json["enabled"].bool == true)
            let shown = try await h.call(.get, "/v1/apps/shown")
            #expect(shown.json["disabled"].bool == false)

            let refused = try await h.call(.post, "/v1/apps/enable?app_id=hidden", as: "user-b")
            #expect(refused.status == 400)
            #expect(refused.json == .object(["detail": .string("This app has been disabled by the server operator.")]))
            #expect(try await h.count("app_enablements", uid: "user-b") == 0)
            // The leftover row can still be removed.
            #expect(try await h.call(.post, "/v1/apps/disable?app_id=hidden").status == 200)
            #expect(try await h.count("app_enablements", uid: "user-a") == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func webhookURLIsNeverEmitted(engine: TestEngine) async throws {
        let path = try Self.write([
            #"{"id":"hooked","name":"Hooked","capabilities":["external_integration","memories"],"memory_prompt":"x","is_popular":true,"external_integration":{"webhook_url":"https://hooks.example.com/secret-123","auth_steps":[{"name":"Connect","url":"https://example.com/connect"}],"triggers_on":"memory_creation"}}"#,
        ])
        try await TestHarness.run(engine, configure: { $0.appsCatalogPath = path }) { h in
            #expect(try await h.call(.post, "/v1/apps/enable?app_id=hooked").status == 200)
            let details = try await h.call(.get, "/v1/apps/hooked")
            #expect(details.json["external_integration"]["auth_steps"][0]["url"].string == "https://example.com/connect")
            #expect(details.json["external_integration"]["triggers_on"].string == "memory_creation")
            for route in ["/v1/apps", "/v1/apps/hooked", "/v2/apps", "/v2/apps?capability=popular", "/v2/apps/search",
                          "/v2/apps/search?q=hook", "/v1/apps/enabled", "/v1/apps/popular", "/v1/approved-apps"] {
                let r = try await h.call(.get, route)
                #expect(r.status == 200 && r.text.contains("hooked"), "\(route)")
                #expect(!r.text.contains("webhook") && !r.text.contains("secret-123"), "\(route): \(r.text)")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func categoriesAreTheFixedSixteen(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let r = try await h.call(.get, "/v1/app-categories")
            #expect(r.status == 200)
            let expected: [(String, String)] = [
                ("conversation-analysis", "Conversation Analysis"), ("personality-emulation", "Personality Clone"),
                ("health-and-wellness", "Health"), ("education-and-learning", "Education"),
                ("communication-improvement", "Communication"), ("emotional-and-mental-support", "Emotional Support"),
                ("productivity-and-organization", "Productivity"), ("entertainment-and-fun", "Entertainment"),
                ("financial", "Financial"), ("travel-and-exploration", "Travel"), ("safety-and-security", "Safety"),
                ("shopping-and-commerce", "Shopping"), ("social-and-relationships", "Social"),
                ("news-and-information", "News"), ("utilities-and-tools", "Utilities"), ("other", "Other"),
            ]
            var objects: [Wire.JSONValue] = []
            for (id, title) in expected { objects.append(.object(["id": .string(id), "title": .string(title)])) }
            #expect(r.json.array.count == 16)
            #expect(r.json[0] == .object(["id": .string("conversation-analysis"), "title": .string("Conversation Analysis")]))
            #expect(r.json[15] == .object(["id": .string("other"), "title": .string("Other")]))
            #expect(r.json == .array(objects))
        }
    }

    @Test(arguments: TestEngine.available)
    func capabilitiesAreTheFixedFour(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let r = try await h.call(.get, "/v1/app-capabilities")
            #expect(r.status == 200)
            #expect(Self.ids(r.json) == ["chat", "memories", "external_integration", "proactive_notification"])
            var titles: [String] = []
            for c in r.json.array {
                titles.append(c["title"].string ?? "?")
                #expect(!(c["description"].string ?? "").isEmpty, "\(c)")
                for key in ["triggers", "actions", "scopes"] { #expect(c.has(key), "\(key): \(c)") }
            }
            #expect(titles == ["Chat", "Conversations", "External Integration", "Notification"])
            func pairs(_ list: [(String, String)]) -> Wire.JSONValue {
                var out: [Wire.JSONValue] = []
                for (id, title) in list { out.append(.object(["id": .string(id), "title": .string(title)])) }
                return .array(out)
            }
            for i in [0, 1] {
                #expect(r.json[i]["triggers"] == .array([]) && r.json[i]["actions"] == .array([]))
                #expect(r.json[i]["scopes"] == .array([]))
            }
            let external = r.json[2]
            #expect(external["triggers"] == pairs([("audio_bytes", "Audio Bytes"),
                                                  ("memory_creation", "Conversation Creation"),
                                                  ("transcript_processed", "Transcript Processed")]))
            #expect(external["scopes"] == .array([]))
            let actions: [(String, String)] = [
                ("create_conversation", "Create conversations"), ("create_facts", "Create memories"),
                ("read_conversations", "Read conversations"), ("read_memories", "Read memories"),
                ("read_tasks", "Read tasks"),
            ]
            #expect(external["actions"].array.count == actions.count)
            for (i, (id, title)) in actions.enumerated() {
                let a = external["actions"][i]
                #expect(a["id"].string == id && a["title"].string == title, "\(a)")
                #expect(a["doc_url"].string == "https://docs.omi.me/doc/developer/apps/Import", "\(a)")
                #expect(!(a["description"].string ?? "").isEmpty, "\(a)")
            }
            let notification = r.json[3]
            #expect(notification["triggers"] == .array([]) && notification["actions"] == .array([]))
            #expect(notification["scopes"] == pairs([("user_name", "User Name"), ("user_facts", "User Facts"),
                                                     ("user_context", "User Conversations"),
                                                     ("user_chat", "User Chat")]))
        }
    }
}
