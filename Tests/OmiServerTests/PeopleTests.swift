import Foundation
import HTTPTypes
import OmiContract
import Testing
@testable import OmiServer

@Suite("People: named speakers (users.md §14)")
struct PeopleTests {
    typealias JSON = Wire.JSONValue

    static let keys: Set<String> = [
        "id", "name", "created_at", "updated_at", "speech_samples", "speech_sample_transcripts", "speech_samples_version",
    ]
    static let missingID = "00000000-0000-4000-8000-000000000000"
    static let notFound = JSON.object(["detail": .string("Person not found")])

    /// A Swift string as a JSON string literal.
    static func quoted(_ text: String) -> String {
        String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }

    /// UTC with `Z` and milli- or microseconds.
    static func isInstant(_ value: JSON) -> Bool {
        value.string?.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.(\d{3}|\d{6})Z$"#, options: .regularExpression) != nil
    }

    static func micros(_ value: JSON) throws -> Int64 { try #require(value.string.flatMap(Timestamp.parseMicros)) }

    /// Every wire fact a Person without samples must show.
    static func expectPerson(_ p: JSON, named name: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(p.keys == keys, "\(p)", sourceLocation: sourceLocation)
        #expect(p["id"].string.flatMap(UUID.init(uuidString:)) != nil, "\(p)", sourceLocation: sourceLocation)
        if let name { #expect(p["name"].string == name, sourceLocation: sourceLocation) }
        #expect(isInstant(p["created_at"]) && isInstant(p["updated_at"]), "\(p)", sourceLocation: sourceLocation)
        #expect(p["speech_samples"] == .array([]), sourceLocation: sourceLocation)
        #expect(p.has("speech_sample_transcripts") && p["speech_sample_transcripts"].isNull, sourceLocation: sourceLocation)
        #expect(p["speech_samples_version"].int == 3, sourceLocation: sourceLocation)
    }

    static func post(_ h: TestHarness, _ name: String, as user: String = TestHarness.defaultUser) async throws -> Reply {
        try await h.call(.post, "/v1/users/people", as: user, json: #"{"name":\#(quoted(name))}"#)
    }

    static func create(_ h: TestHarness, _ name: String, as user: String = TestHarness.defaultUser,
                       sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSON {
        let r = try await post(h, name, as: user)
        try #require(r.status == 200, "\(name): \(r.text)", sourceLocation: sourceLocation)
        return r.json
    }

    static func createID(_ h: TestHarness, _ name: String, as user: String = TestHarness.defaultUser) async throws -> String {
        try #require(try await create(h, name, as: user)["id"].string)
    }

    static func list(_ h: TestHarness, _ query: String = "", as user: String = TestHarness.defaultUser) async throws -> [JSON] {
        let r = try await h.call(.get, "/v1/users/people\(query)", as: user)
        try #require(r.status == 200, "\(r.text)")
        guard case .array(let items) = r.json else { Issue.record("not an array: \(r.text)"); return [] }
        return items
    }

    static func names(_ items: [JSON]) -> [String] {
        var out: [String] = []
        for item in items { out.append(item["name"].string ?? "<none>") }
        return out
    }

    @Test(arguments: TestEngine.available)
    func getOrCreateIsByExactName(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let first = try await Self.create(h, "Alice")
            Self.expectPerson(first, named: "Alice")
            #expect(first["created_at"] == first["updated_at"])
            let again = try await Self.create(h, "Alice")
            #expect(again == first)
            #expect(try await h.count("people") == 1)
            // Case-sensitive and not trimmed: each of these is a new person.
            let lower = try await Self.create(h, "alice")
            let spaced = try await Self.create(h, " Alice")
            #expect(lower["name"].string == "alice" && spaced["name"].string == " Alice")
            let ids: Set<String?> = [first["id"].string, lower["id"].string, spaced["id"].string]
            #expect(ids.count == 3)
            #expect(try await h.count("people") == 3)
        }
    }

    @Test(arguments: TestEngine.available)
    func concurrentCreatesYieldOnePerson(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for _ in 0..<8 { group.addTask { try await h.call(.post, "/v1/users/people", json: #"{"name":"Bob"}"#) } }
                return try await group.reduce(into: [Reply]()) { $0.append($1) }
            }
            var ids = Set<String>()
            for r in replies {
                #expect(r.status == 200, "\(r.text)")
                ids.insert(r.json["id"].string ?? "<none>")
            }
            #expect(replies.count == 8 && ids.count == 1, "\(ids)")
            #expect(try await h.count("people") == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func nameMustBeAStringOfTwoToFortyCharacters(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let bad = [
                #"{"name":"A"}"#, #"{"name":\#(Self.quoted(String(repeating: "n", count: 41)))}"#, #"{}"#, #"{"name":5}"#,
                #"{"name":null}"#, #"{"name":\#(Self.quoted(String(repeating: "\u{00EB}", count: 41)))}"#, "[]",
            ]
            for json in bad {
                let r = try await h.call(.post, "/v1/users/people", json: json)
                #expect(r.status == 422, "\(json): \(r.text)")
                #expect(!r.json["detail"].array.isEmpty, "list-shaped detail: \(r.text)")
            }
            #expect(try await h.count("people") == 0)
            // Lengths are counted in Unicode scalars: 40 × "ë" is 80 bytes and still accepted.
            for name in ["Al", String(repeating: "n", count: 40), String(repeating: "\u{00EB}", count: 40)] {
                Self.expectPerson(try await Self.create(h, name), named: name)
            }
            #expect(try await h.count("people") == 3)
        }
    }

    @Test(arguments: TestEngine.available)
    func listIsOrderedByNameCaseInsensitivelyThenID(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let empty = try await h.call(.get, "/v1/users/people")
            #expect(empty.status == 200 && empty.json == .array([]), "\(empty.text)")
            for name in ["bob", "Alice", "carol"] { _ = try await Self.create(h, name) }
            let items = try await Self.list(h)
            #expect(Self.names(items) == ["Alice", "bob", "carol"])
            for item in items { Self.expectPerson(item) }
            // Names equal but for case are ordered by id.
            let lowerID = try await Self.createID(h, "alice")
            let upperID = try #require(items.first?["id"].string)
            let expected = lowerID < upperID ? ["alice", "Alice", "bob", "carol"] : ["Alice", "alice", "bob", "carol"]
            #expect(Self.names(try await Self.list(h)) == expected)
            // include_speech_samples is a boolean in any accepted spelling.
            for query in ["?include_speech_samples=false", "?include_speech_samples=TRUE", "?include_speech_samples=0"] {
                #expect(Self.names(try await Self.list(h, query)) == expected, "\(query)")
            }
            let maybe = try await h.call(.get, "/v1/users/people?include_speech_samples=maybe")
            #expect(maybe.status == 422 && !maybe.json["detail"].array.isEmpty, "\(maybe.text)")
        }
    }

    @Test(arguments: TestEngine.available)
    func getOneByIDOrNotFound(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let created = try await Self.create(h, "Carol")
            let id = try #require(created["id"].string)
            let r = try await h.call(.get, "/v1/users/people/\(id)")
            #expect(r.status == 200 && r.json == created, "\(r.text)")
            let withSamples = try await h.call(.get, "/v1/users/people/\(id)?include_speech_samples=true")
            #expect(withSamples.status == 200 && withSamples.json == created, "\(withSamples.text)")
            let maybe = try await h.call(.get, "/v1/users/people/\(id)?include_speech_samples=maybe")
            #expect(maybe.status == 422, "\(maybe.text)")
            let missing = try await h.call(.get, "/v1/users/people/\(Self.missingID)")
            #expect(missing.status == 404 && missing.json == Self.notFound, "\(missing.text)")
        }
    }

    @Test(arguments: TestEngine.available)
    func renameDecodesTheValueAndAdvancesUpdatedAt(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let before = try await Self.create(h, "Zed Old")
            let id = try #require(before["id"].string)
            let r = try await h.call(.patch, "/v1/users/people/\(id)/name?value=Zo%C3%AB%20Ann")
            #expect(r.status == 200 && r.json == .object(["status": .string("ok")]), "\(r.text)")
            let after = try await h.call(.get, "/v1/users/people/\(id)").json
            Self.expectPerson(after, named: "Zo\u{00EB} Ann")
            #expect(after["created_at"] == before["created_at"])
            #expect(try Self.micros(after["updated_at"]) > Self.micros(before["updated_at"]))
            #expect(Self.names(try await Self.list(h)) == ["Zo\u{00EB} Ann"])

            // Refusals change nothing.
            for query in ["", "?value=Z", "?value=\(String(repeating: "n", count: 41))"] {
                let bad = try await h.call(.patch, "/v1/users/people/\(id)/name\(query)")
                #expect(bad.status == 422 && !bad.json["detail"].array.isEmpty, "\(query): \(bad.text)")
            }
            let unknown = try await h.call(.patch, "/v1/users/people/\(Self.missingID)/name?value=Someone")
            #expect(unknown.status == 404 && unknown.json == Self.notFound, "\(unknown.text)")
            #expect(try await h.call(.get, "/v1/users/people/\(id)").json == after)

            // A duplicate name is allowed; get-or-create then answers the oldest of the two.
            let otherID = try await Self.createID(h, "Other")
            let dup = try await h.call(.patch, "/v1/users/people/\(otherID)/name?value=Zo%C3%AB%20Ann")
            #expect(dup.status == 200, "\(dup.text)")
            #expect(try await Self.create(h, "Zo\u{00EB} Ann")["id"].string == id)
            #expect(try await h.count("people") == 2)
        }
    }

    @Test(arguments: TestEngine.available)
    func deleteIsIdempotentWithAnEmpty204(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let id = try await Self.createID(h, "Dora")
            let keep = try await Self.createID(h, "Eve")
            for _ in 0..<2 {
                let r = try await h.call(.delete, "/v1/users/people/\(id)")
                #expect(r.status == 204 && r.text.isEmpty, "\(r.status) \(r.text)")
            }
            let gone = try await h.call(.get, "/v1/users/people/\(id)")
            #expect(gone.status == 404 && gone.json == Self.notFound, "\(gone.text)")
            let unknown = try await h.call(.delete, "/v1/users/people/\(Self.missingID)")
            #expect(unknown.status == 204 && unknown.text.isEmpty)
            #expect(try await h.count("people") == 1)
            #expect(try await Self.list(h).first?["id"].string == keep)
        }
    }

    @Test(arguments: TestEngine.available)
    func anotherUsersPersonIsInvisible(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let alice = try await Self.create(h, "Alice")
            let id = try #require(alice["id"].string)
            let get = try await h.call(.get, "/v1/users/people/\(id)", as: "user-b")
            #expect(get.status == 404 && get.json == Self.notFound, "\(get.text)")
            let rename = try await h.call(.patch, "/v1/users/people/\(id)/name?value=Mallory", as: "user-b")
            #expect(rename.status == 404 && rename.json == Self.notFound, "\(rename.text)")
            let delete = try await h.call(.delete, "/v1/users/people/\(id)", as: "user-b")
            #expect(delete.status == 204 && delete.text.isEmpty, "\(delete.text)")
            #expect(try await Self.list(h, as: "user-b").isEmpty)

            let mine = try await h.call(.get, "/v1/users/people/\(id)")
            #expect(mine.status == 200 && mine.json == alice, "\(mine.text)")
            #expect(try await h.count("people") == 1)
            // B's own "Alice" is a separate person.
            let theirs = try await Self.create(h, "Alice", as: "user-b")
            #expect(theirs["id"].string != id)
            #expect(try await h.count("people", uid: "user-b") == 1)
            #expect(Self.names(try await Self.list(h)) == ["Alice"])
        }
    }
}
