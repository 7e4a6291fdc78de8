import Foundation
import HTTPTypes
import OmiContract
import OmiStorage
import Testing
@testable import OmiServer

@Suite("Personas (apps.md §7.14–§7.19, §8)")
struct PersonaTests {
    static let keys: Set<String> = [
        "id", "uid", "name", "username", "description", "image", "category", "capabilities", "persona_prompt",
        "approved", "status", "private", "author", "email", "created_at", "updated_at", "public_memories_count",
    ]
    static let alreadyHas = "User already has a persona. Delete the existing one first."
    static let taken = "Username is already taken."
    static let noPersona = "No persona found"
    static let noMemories = "No public memories found. Make some memories public first."

    static func create(_ h: TestHarness, _ body: String, as user: String = "user-a") async throws -> Wire.JSONValue {
        let r = try await h.call(.post, "/v1/personas", as: user, json: body)
        try #require(r.status == 200, "\(body): \(r.text)")
        return r.json
    }

    static func persona(_ h: TestHarness, as user: String = "user-a") async throws -> Wire.JSONValue {
        let r = try await h.call(.get, "/v1/personas", as: user)
        try #require(r.status == 200, "\(r.text)")
        return r.json
    }

    static func patch(_ h: TestHarness, _ body: String) async throws -> Wire.JSONValue {
        let r = try await h.call(.patch, "/v1/personas", json: body)
        try #require(r.status == 200, "\(body.prefix(80)): \(r.text)")
        return r.json
    }

    static func memory(_ h: TestHarness, _ content: String, _ visibility: String, as user: String = "user-a") async throws {
        let r = try await h.call(.post, "/v3/memories", as: user,
                                 json: #"{"content":"\#(content)","visibility":"\#(visibility)"}"#)
        try #require(r.status == 200, "\(r.text)")
    }

    static func micros(_ v: Wire.JSONValue) -> Int64? { v.string.flatMap(Timestamp.parseMicros) }
    static func matches(_ s: String?, _ pattern: String) -> Bool { s?.range(of: pattern, options: .regularExpression) != nil }
    static func isInstant(_ v: Wire.JSONValue) -> Bool { matches(v.string, #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$"#) }
    static func isULID(_ s: String?) -> Bool { matches(s, "^[0-9A-HJKMNP-TV-Z]{26}$") }
    static func isNullBody(_ r: Reply) -> Bool { r.status == 200 && r.text.trimmingCharacters(in: .whitespacesAndNewlines) == "null" }
    static func isError(_ r: Reply, _ status: Int, _ detail: String) -> Bool {
        r.status == status && r.json == .object(["detail": .string(detail)])
    }
    static func isValidation(_ r: Reply, _ part: String, _ field: String) -> Bool {
        r.status == 422 && r.json["detail"][0]["loc"][0].string == part && r.json["detail"][0]["loc"][1].string == field
    }
    static func availability(_ available: Bool, _ username: String, _ taken: Bool) -> Wire.JSONValue {
        .object(["available": .bool(available), "username": .string(username), "is_taken": .bool(taken)])
    }
    static func ids(_ list: Wire.JSONValue) -> [String] { list.array.map { $0["id"].string ?? "?" } }

    /// Another user's enablement and review of a persona, as rows left from before could hold.
    static func seedUses(_ h: TestHarness, of id: String, by uid: String) async throws {
        try await h.database.withConnection { db in
            try await db.raw("""
                INSERT INTO app_enablements (uid, app_id, enabled_at) VALUES (\(bind: uid), \(bind: id), 1)
                """).run()
            try await db.raw("""
                INSERT INTO app_reviews (app_id, uid, score, review, rated_at) VALUES (\(bind: id), \(bind: uid), 4, 'Nice', 1)
                """).run()
        }
    }

    @Test(arguments: TestEngine.available)
    func getAnswersNullThenPostCreatesEveryField(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let empty = try await h.call(.get, "/v1/personas")
            #expect(Self.isNullBody(empty), "\(empty.text)")
            #expect(empty.headers[.contentType]?.hasPrefix("application/json") == true)
            let p = try await Self.create(h, #"{"name":"  Ann  ","unknown":1}"#)
            #expect(Self.keys.isSubset(of: p.keys), "\(p.keys)")
            #expect(Self.isULID(p["id"].string), "\(p["id"])")
            #expect(p["uid"] == .string("user-a") && p["name"] == .string("Ann") && p["author"] == .string("Ann"))
            #expect(p["username"] == .null && p["email"] == .null && p["persona_prompt"] == .null)
            #expect(p["category"] == .string("personality-emulation") && p["capabilities"] == .array([.string("persona")]))
            #expect(p["status"] == .string("under-review") && p["approved"] == .bool(false) && p["private"] == .bool(false))
            #expect(p["image"] == .string("") && p["public_memories_count"] == .int(0))
            #expect(p["description"] == .string("AI clone of Ann. Add public memories to enhance the persona."))
            #expect(Self.isInstant(p["created_at"]) && p["created_at"] == p["updated_at"])
            let again = try await Self.persona(h)
            #expect(again == p)
            #expect(try await h.count("personas") == 1)

            let token = TestIdentityProvider.primary.token(uid: "user-e", claims: ["email": "e@x.io"])
            let e = try await h.call(.post, "/v1/personas", as: nil, json: #"{"name":"Eve"}"#,
                                     headers: [.authorization: "Bearer \(token)"])
            #expect(e.status == 200 && e.json["email"] == .string("e@x.io") && e.json["uid"] == .string("user-e"))
            #expect(Self.isULID(e.json["id"].string) && e.json["id"] != p["id"])
        }
    }

    @Test(arguments: TestEngine.available)
    func secondCreateBadUsernamesTakenUsernamesAndBadNamesAreRefused(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let p = try await Self.create(h, #"{"name":"Ann","username":"ann_clone"}"#)
            #expect(p["username"] == .string("ann_clone"))
            let again = try await h.call(.post, "/v1/personas", json: #"{"name":"Other"}"#)
            #expect(Self.isError(again, 409, Self.alreadyHas), "\(again.text)")
            let kept = try await Self.persona(h)
            #expect(kept == p)
            for bad in ["Ab", "ABC", "a-b"] {
                let r = try await h.call(.post, "/v1/personas", as: "user-b", json: #"{"name":"Bo","username":"\#(bad)"}"#)
                #expect(Self.isValidation(r, "body", "username"), "\(bad): \(r.text)")
            }
            let held = try await h.call(.post, "/v1/personas", as: "user-b", json: #"{"name":"Bo","username":"ann_clone"}"#)
            #expect(Self.isError(held, 409, Self.taken), "\(held.text)")
            #expect(try await h.count("personas", uid: "user-b") == 0)
            let blank = try await Self.create(h, #"{"name":"Bo","username":""}"#, as: "user-b")
            #expect(blank.has("username") && blank["username"] == .null)
            for bad in ["", "   ", String(repeating: "n", count: 101)] {
                let r = try await h.call(.post, "/v1/personas", as: "user-c", json: #"{"name":"\#(bad)"}"#)
                #expect(Self.isValidation(r, "body", "name"), "\(bad.count): \(r.text)")
            }
            let missing = try await h.call(.post, "/v1/personas", as: "user-c", json: "{}")
            #expect(missing.status == 422 && missing.json["detail"][0]["loc"][0] == .string("body"))
            #expect(try await h.count("personas", uid: "user-c") == 0)
            let long = String(repeating: "n", count: 100)
            let c = try await Self.create(h, #"{"name":"\#(long)"}"#, as: "user-c")
            #expect(c["name"] == .string(long))
        }
    }

    @Test(arguments: TestEngine.available)
    func concurrentCreatesYieldOneWinner(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for i in 0..<8 { group.addTask { try await h.call(.post, "/v1/personas", json: #"{"name":"Ann \#(i)"}"#) } }
                return try await group.reduce(into: [Reply]()) { $0.append($1) }
            }
            var ok = 0, conflicts = 0
            for r in replies {
                if r.status == 200 { ok += 1 } else if Self.isError(r, 409, Self.alreadyHas) { conflicts += 1 }
            }
            #expect(ok == 1 && conflicts == 7)
            #expect(try await h.count("personas") == 1)

            let race = try await withThrowingTaskGroup(of: Reply.self) { group in
                for user in ["user-b", "user-c"] {
                    group.addTask { try await h.call(.post, "/v1/personas", as: user, json: #"{"name":"Twin","username":"twin_name"}"#) }
                }
                return try await group.reduce(into: [Reply]()) { $0.append($1) }
            }
            var won = 0, lost = 0
            for r in race {
                if r.status == 200 && r.json["username"] == .string("twin_name") { won += 1 }
                else if Self.isError(r, 409, Self.taken) { lost += 1 }
            }
            #expect(won == 1 && lost == 1)
            let rows = try await h.count("personas", uid: "user-b") + h.count("personas", uid: "user-c")
            #expect(rows == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func patchUpdatesOnlyGivenKeysAndMovesUpdatedAtOnlyOnChange(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let p = try await Self.create(h, #"{"name":"Ann","username":"ann_x"}"#)
            let edited = try await Self.patch(h, #"{"description":"New"}"#)
            #expect(edited["name"] == .string("Ann") && edited["description"] == .string("New"))
            #expect(edited["created_at"] == p["created_at"] && edited["id"] == p["id"])
            let t0 = try #require(Self.micros(p["updated_at"]))
            let t1 = try #require(Self.micros(edited["updated_at"]))
            #expect(t1 > t0)
            let unchanged = ["{}", #"{"description":"New"}"#, #"{"name":null}"#, #"{"name":"Ann","description":"New","image":""}"#,
                             #"{"username":"other_x"}"#, #"{"name":null,"description":null,"persona_prompt":null,"image":null}"#]
            for body in unchanged {
                let same = try await Self.patch(h, body)
                #expect(same == edited, "\(body): \(same)")
            }
            let other = try await h.call(.get, "/v1/personas/check-username?username=other_x")
            #expect(other.json == Self.availability(true, "other_x", false))
            let tooLong: [(String, String)] = [
                ("description", String(repeating: "d", count: 2001)), ("persona_prompt", String(repeating: "p", count: 50_001)),
                ("image", String(repeating: "i", count: 2049)), ("name", "   "), ("name", String(repeating: "n", count: 101)),
            ]
            for (key, value) in tooLong {
                let extra = key == "description" ? #""image":"x.png""# : #""description":"Changed""#
                let r = try await h.call(.patch, "/v1/personas", json: #"{"\#(key)":"\#(value)",\#(extra)}"#)
                #expect(Self.isValidation(r, "body", key), "\(key): \(r.text.prefix(200))")
            }
            let afterRefusals = try await Self.persona(h)
            #expect(afterRefusals == edited)

            let (d, pp, img) = (String(repeating: "d", count: 2000), String(repeating: "p", count: 50_000),
                                String(repeating: "i", count: 2048))
            let full = try await Self.patch(h, #"{"description":"\#(d)","persona_prompt":"\#(pp)","image":"\#(img)"}"#)
            #expect(full["description"] == .string(d) && full["persona_prompt"] == .string(pp) && full["image"] == .string(img))
            let renamed = try await Self.patch(h, #"{"name":"Bob"}"#)
            #expect(renamed["name"] == .string("Bob") && renamed["description"] == .string(d) && renamed["username"] == .string("ann_x"))
            let t2 = try #require(Self.micros(full["updated_at"]))
            let t3 = try #require(Self.micros(renamed["updated_at"]))
            #expect(t2 > t1 && t3 > t2)
        }
    }

    @Test(arguments: TestEngine.available)
    func deleteRemovesPersonaItsUsesAndFreesUsername(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let id = try #require(try await Self.create(h, #"{"name":"Ann","username":"ann_del"}"#)["id"].string)
            #expect(try await h.call(.post, "/v1/apps/enable?app_id=\(id)").status == 200)
            let listed = try await h.call(.get, "/v1/apps/enabled")
            #expect(Self.ids(listed.json) == [id])
            #expect(try await h.count("app_enablements") == 1)
            try await Self.seedUses(h, of: id, by: "user-b")

            let del = try await h.call(.delete, "/v1/personas")
            #expect(del.status == 200 && del.json == .object(["status": .string("ok"), "message": .string("Persona deleted successfully")]))
            let get = try await h.call(.get, "/v1/personas")
            #expect(Self.isNullBody(get), "\(get.text)")
            let second = try await h.call(.delete, "/v1/personas")
            #expect(Self.isError(second, 404, Self.noPersona))
            #expect(try await h.count("personas") == 0)
            #expect(try await h.count("app_enablements") == 0)
            #expect(try await h.count("app_enablements", uid: "user-b") == 0)
            #expect(try await h.count("app_reviews", uid: "user-b") == 0)
            let after = try await h.call(.get, "/v1/apps/enabled")
            #expect(after.status == 200 && Self.ids(after.json).isEmpty)

            let check = try await h.call(.get, "/v1/personas/check-username?username=ann_del", as: "user-b")
            #expect(check.json == Self.availability(true, "ann_del", false))
            let b = try await Self.create(h, #"{"name":"Bo","username":"ann_del"}"#, as: "user-b")
            #expect(b["username"] == .string("ann_del") && b["uid"] == .string("user-b"))
        }
    }

    @Test(arguments: TestEngine.available)
    func generatePromptUsesOnlyPublicMemories(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            _ = try await Self.create(h, #"{"name":"Ann"}"#)
            try await Self.memory(h, "Keeps a private diary", "private")
            let before = try await Self.persona(h)
            #expect(before["public_memories_count"] == .int(0))
            let none = try await h.call(.post, "/v1/personas/generate-prompt", json: "{}")
            #expect(Self.isError(none, 400, Self.noMemories), "\(none.text)")
            let untouched = try await Self.persona(h)
            #expect(untouched == before)

            try await Self.memory(h, "Likes green tea", "public")
            try await Self.memory(h, "Runs marathons", "public")
            var previous = try #require(Self.micros(before["updated_at"]))
            for body in ["{}", nil] as [String?] {
                let r = try await h.call(.post, "/v1/personas/generate-prompt", json: body)
                #expect(r.status == 200 && r.json.keys == ["persona_prompt", "description", "memories_used"], "\(r.text)")
                #expect(r.json["memories_used"] == .int(2) && r.json["description"] == .string("AI clone of Ann"))
                let prompt = r.json["persona_prompt"].string ?? ""
                #expect(prompt.contains("Ann") && prompt.contains("Likes green tea") && prompt.contains("Runs marathons"))
                #expect(!prompt.contains("Keeps a private diary"))
                let stored = try await Self.persona(h)
                #expect(stored["persona_prompt"] == .string(prompt) && stored["description"] == .string("AI clone of Ann"))
                #expect(stored["public_memories_count"] == .int(2) && stored["name"] == .string("Ann"))
                let now = try #require(Self.micros(stored["updated_at"]))
                #expect(now > previous, "\(body ?? "no body")")
                previous = now
            }

            // A persona created once public memories exist gets its prompt at creation.
            try await Self.memory(h, "Plays the cello", "public", as: "user-b")
            try await Self.memory(h, "Hides a secret plan", "private", as: "user-b")
            let b = try await Self.create(h, #"{"name":"Zelda"}"#, as: "user-b")
            let prompt = b["persona_prompt"].string ?? ""
            #expect(prompt.contains("Zelda") && prompt.contains("Plays the cello") && !prompt.contains("Hides a secret plan"))
            #expect(b["description"] == .string("AI clone of Zelda") && b["public_memories_count"] == .int(1))
        }
    }

    @Test(arguments: TestEngine.available)
    func checkUsernameAndItsAliasAgree(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            _ = try await Self.create(h, #"{"name":"Ann","username":"ann_taken"}"#)
            let cases: [(String, Wire.JSONValue)] = [
                ("free_name", Self.availability(true, "free_name", false)),
                ("ann_taken", Self.availability(false, "ann_taken", true)),
                ("ANN_TAKEN", Self.availability(false, "ANN_TAKEN", false)),
                ("Bad%20Name", Self.availability(false, "Bad Name", false)),
                ("Ab", Self.availability(false, "Ab", false)),
            ]
            for (query, expected) in cases {
                for user in ["user-a", "user-b"] {
                    for path in ["/v1/personas/check-username", "/v1/apps/check-username"] {
                        let r = try await h.call(.get, "\(path)?username=\(query)", as: user)
                        #expect(r.status == 200 && r.json == expected, "\(path) \(query) as \(user): \(r.text)")
                    }
                }
            }
            for path in ["/v1/personas/check-username", "/v1/apps/check-username"] {
                let r = try await h.call(.get, path)
                #expect(Self.isValidation(r, "query", "username"), "\(path): \(r.text)")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func catalogueUsernamesAreTaken(engine: TestEngine) async throws {
        let path = NSTemporaryDirectory() + "apps-\(UUID().uuidString).json"
        let catalogue = #"{"apps":[{"id":"bot","name":"Bot","capabilities":["memories"],"memory_prompt":"Summarise it.","username":"catalog_bot"}]}"#
        try Data(catalogue.utf8).write(to: URL(fileURLWithPath: path))
        try await TestHarness.run(engine, configure: { $0.appsCatalogPath = path }) { h in
            for route in ["/v1/personas/check-username", "/v1/apps/check-username"] {
                let r = try await h.call(.get, "\(route)?username=catalog_bot")
                #expect(r.json == Self.availability(false, "catalog_bot", true), "\(route): \(r.text)")
            }
            let r = try await h.call(.post, "/v1/personas", json: #"{"name":"Ann","username":"catalog_bot"}"#)
            #expect(Self.isError(r, 409, Self.taken), "\(r.text)")
            #expect(try await h.count("personas") == 0)
        }
    }

    @Test(arguments: TestEngine.available)
    func anotherUserNeverSeesChangesOrDeletesThePersona(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let p = try await Self.create(h, #"{"name":"Ann","username":"ann_iso"}"#)
            let id = try #require(p["id"].string)
            let bGet = try await h.call(.get, "/v1/personas", as: "user-b")
            #expect(Self.isNullBody(bGet), "\(bGet.text)")
            let attempts: [(HTTPRequest.Method, String, String?)] = [
                (.patch, "/v1/personas", #"{"name":"Hacked","description":"x"}"#), (.delete, "/v1/personas", nil),
                (.post, "/v1/personas/generate-prompt", "{}"),
            ]
            for (method, path, body) in attempts {
                let r = try await h.call(method, path, as: "user-b", json: body)
                #expect(Self.isError(r, 404, Self.noPersona), "\(method) \(path): \(r.text)")
            }
            let details = try await h.call(.get, "/v1/apps/\(id)", as: "user-b")
            #expect(Self.isError(details, 404, "App not found"), "\(details.text)")
            let own = try await h.call(.get, "/v1/apps/\(id)")
            #expect(own.status == 200 && own.json["uid"] == .string("user-a"))
            let still = try await Self.persona(h)
            #expect(still == p)
            #expect(try await h.count("personas") == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func accountDeletionRemovesPersonaAndFreesUsername(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let id = try #require(try await Self.create(h, #"{"name":"Ann","username":"ann_gone"}"#)["id"].string)
            #expect(try await h.call(.post, "/v1/apps/enable?app_id=\(id)").status == 200)
            try await Self.seedUses(h, of: id, by: "user-b")
            let r = try await h.call(.delete, "/v1/users/delete-account")
            #expect(r.status == 200)
            #expect(try await h.count("personas") == 0)
            #expect(try await h.count("app_enablements") == 0)
            #expect(try await h.count("app_enablements", uid: "user-b") == 0)
            #expect(try await h.count("app_reviews", uid: "user-b") == 0)
            let check = try await h.call(.get, "/v1/apps/check-username?username=ann_gone", as: "user-b")
            #expect(check.json == Self.availability(true, "ann_gone", false))
            let b = try await Self.create(h, #"{"name":"Bo","username":"ann_gone"}"#, as: "user-b")
            #expect(b["username"] == .string("ann_gone"))
            let gone = try await h.call(.get, "/v1/apps/\(id)", as: "user-b")
            #expect(gone.status == 404)
        }
    }

    @Test(arguments: TestEngine.available)
    func everyRouteNeedsATokenAndMissingPersonaIs404(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let routes: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/v1/personas", nil), (.post, "/v1/personas", #"{"name":"Ann"}"#), (.patch, "/v1/personas", "{}"),
                (.delete, "/v1/personas", nil), (.post, "/v1/personas/generate-prompt", "{}"),
                (.get, "/v1/personas/check-username?username=abc", nil), (.get, "/v1/apps/check-username?username=abc", nil),
            ]
            for (method, path, body) in routes {
                let missing = try await h.call(method, path, as: nil, json: body)
                #expect(missing.status == 401 && missing.detail != nil, "\(method) \(path): \(missing.text)")
                let bad = try await h.call(method, path, as: nil, json: body, headers: [.authorization: "Bearer not-a-token"])
                #expect(bad.status == 401 && bad.detail != nil, "\(method) \(path): \(bad.text)")
            }
            // With a token but without a persona.
            let attempts: [(HTTPRequest.Method, String, String?)] = [
                (.patch, "/v1/personas", #"{"description":"x"}"#), (.delete, "/v1/personas", nil),
                (.post, "/v1/personas/generate-prompt", "{}"),
            ]
            for (method, path, body) in attempts {
                let r = try await h.call(method, path, json: body)
                #expect(Self.isError(r, 404, Self.noPersona), "\(method) \(path): \(r.text)")
            }
            let get = try await h.call(.get, "/v1/personas")
            #expect(Self.isNullBody(get))
            #expect(try await h.count("personas") == 0)
        }
    }
}
