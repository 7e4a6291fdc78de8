import Foundation
import HTTPTypes
import OmiContract
import Testing
@testable import OmiServer

@Suite("Memories: delete, edit, visibility, read, review and isolation (knowledge.md §5.4–5.12, §0.4)")
struct MemoryEditTests {
    typealias JSON = Wire.JSONValue
    typealias M = MemoryTests

    static let ok: JSON = .object(["status": .string("ok")])

    /// Creates a memory and returns its id.
    @discardableResult
    static func make(_ h: TestHarness, _ content: String, _ extra: String = "", as user: String = TestHarness.defaultUser,
                     sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        try #require(try await M.create(h, content, extra, as: user, sourceLocation: sourceLocation)["id"].string,
                     sourceLocation: sourceLocation)
    }

    /// The caller's memory with `id` as listed (dismissed included), or nil.
    static func find(_ h: TestHarness, _ id: String, as user: String = TestHarness.defaultUser) async throws -> JSON? {
        try await M.list(h, "?include_dismissed=true", as: user).first(where: { $0["id"].string == id })
    }

    /// `memory_ids` of every node and edge of the caller's graph, by id.
    static func graph(_ h: TestHarness) async throws -> (nodes: [String: [String]], edges: [String: [String]]) {
        let r = try await h.call(.get, "/v1/knowledge-graph")
        try #require(r.status == 200, "\(r.text.prefix(300))")
        func ids(_ items: [JSON]) -> [String: [String]] {
            Dictionary(items.map { ($0["id"].string ?? "?", $0["memory_ids"].array.compactMap(\.string)) }, uniquingKeysWith: { a, _ in a })
        }
        return (ids(r.json["nodes"].array), ids(r.json["edges"].array))
    }

    static func expectStatus(_ r: Reply, _ status: Int, _ detail: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == status, "\(r.text.prefix(200))", sourceLocation: sourceLocation)
        #expect(r.detail == detail, "\(r.text.prefix(200))", sourceLocation: sourceLocation)
    }

    @Test(arguments: TestEngine.available)
    func deleteOneRemovesItsIdFromTheGraph(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let gone = try await Self.make(h, "Ana works at Acme"), kept = try await Self.make(h, "Ana lives in Lisbon")
            try await h.seedGraphNode(uid: "user-a", id: "n1", label: "Ana", nodeType: "person", aliases: ["Ana S"], memoryIds: [gone, kept])
            try await h.seedGraphNode(uid: "user-a", id: "n2", label: "Acme", nodeType: "organization", memoryIds: [gone])
            try await h.seedGraphEdge(uid: "user-a", id: "n1_works_at_n2", sourceId: "n1", targetId: "n2", label: "works at", memoryIds: [gone])

            let r = try await h.call(.delete, "/v3/memories/\(gone)")
            #expect(r.status == 200 && r.json == Self.ok, "\(r.text)")
            #expect(try await M.contents(h) == ["Ana lives in Lisbon"])
            #expect(try await h.count("memories") == 1)
            let g = try await Self.graph(h)
            #expect(g.nodes == ["n1": [kept], "n2": []])
            #expect(g.edges == ["n1_works_at_n2": []])
            #expect(try await h.count("kg_nodes") == 2)
            #expect(try await h.count("kg_edges") == 1)

            Self.expectStatus(try await h.call(.delete, "/v3/memories/\(gone)"), 404, "Memory not found")
            Self.expectStatus(try await h.call(.delete, "/v3/memories/\(M.missingID)"), 404, "Memory not found")
            #expect(try await M.contents(h) == ["Ana lives in Lisbon"])
        }
    }

    @Test(arguments: TestEngine.available)
    func deleteAllEmptiesTheListAndKeepsGraphNodes(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let a = try await Self.make(h, "One"), b = try await Self.make(h, "Two", #","category":"system""#)
            try await Self.make(h, "Three", #","category":"interesting""#)
            _ = try await h.call(.patch, "/v3/memories/\(b)/read", json: #"{"is_dismissed":true}"#)
            try await h.seedGraphNode(uid: "user-a", id: "n1", label: "Ana", nodeType: "person", memoryIds: [a, b])
            try await h.seedGraphNode(uid: "user-a", id: "n2", label: "Lisbon", nodeType: "place", memoryIds: [a])
            try await h.seedGraphEdge(uid: "user-a", id: "n1_lives_in_n2", sourceId: "n1", targetId: "n2", label: "lives in", memoryIds: [a])
            let theirs = try await Self.make(h, "One", as: "user-b")

            for _ in 0..<2 {
                let r = try await h.call(.delete, "/v3/memories")
                #expect(r.status == 200 && r.json == Self.ok, "\(r.text)")
                #expect(try await M.list(h, "?include_dismissed=true").isEmpty)
                #expect(try await h.count("memories") == 0)
            }
            let g = try await Self.graph(h)
            #expect(g.nodes == ["n1": [], "n2": []] && g.edges == ["n1_lives_in_n2": []])
            #expect(try await Self.find(h, theirs, as: "user-b") != nil, "another user's memories survive")
        }
    }

    @Test(arguments: TestEngine.available)
    func editReplacesContentButKeepsTheId(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let id = try await Self.make(h, "Original text", #","category":"system""#)
            let before = try #require(try await Self.find(h, id))
            try await Task.sleep(for: .milliseconds(5))

            let body = try await h.call(.patch, "/v3/memories/\(id)", json: #"{"value":"new"}"#)
            #expect(body.status == 200 && body.json == Self.ok, "\(body.text)")
            let edited = try #require(try await Self.find(h, id))
            #expect(edited["content"].string == "new" && edited["edited"].bool == true)
            #expect(edited["id"].string == id && id != M.contentID("new"))
            #expect(edited["created_at"] == before["created_at"] && edited["category"].string == "system")
            #expect((M.micros(edited["updated_at"]) ?? 0) > (M.micros(before["updated_at"]) ?? .max))
            #expect(try await h.count("memories") == 1)

            let query = try await h.call(.patch, "/v3/memories/\(id)?value=Query%20edit")
            #expect(query.status == 200 && query.json == Self.ok, "\(query.text)")
            #expect(try await M.contents(h) == ["Query edit"])

            for json in [nil, "{}"] as [String?] {
                Self.expectStatus(try await h.call(.patch, "/v3/memories/\(id)", json: json), 422, "Missing memory mutation value")
            }
            let extra = try await h.call(.patch, "/v3/memories/\(id)", json: #"{"value":"x","other":1}"#)
            #expect(extra.status == 422, "\(extra.text.prefix(200))")
            #expect(try await M.contents(h) == ["Query edit"])
            Self.expectStatus(try await h.call(.patch, "/v3/memories/\(M.missingID)", json: #"{"value":"x"}"#), 404, "Memory not found")
            #expect(try await h.count("memories") == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func visibilityOfOneAndOfAll(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let id = try await Self.make(h, "Visible")
            try await Self.make(h, "Second", #","visibility":"public""#)
            try await Self.make(h, "Third", #","category":"interesting""#)
            try await Self.make(h, "Not mine", as: "user-b")

            #expect(try await h.call(.patch, "/v3/memories/\(id)/visibility", json: #"{"value":"public"}"#).json == Self.ok)
            #expect(try await Self.find(h, id)?["visibility"].string == "public")
            #expect(try await h.call(.patch, "/v3/memories/\(id)/visibility?value=private").json == Self.ok)
            #expect(try await Self.find(h, id)?["visibility"].string == "private")
            for (query, json) in [("", #"{"value":"friends"}"#), ("?value=friends", nil)] as [(String, String?)] {
                Self.expectStatus(try await h.call(.patch, "/v3/memories/\(id)/visibility\(query)", json: json), 400, "Invalid visibility value")
            }
            for json in [nil, "{}"] as [String?] {
                Self.expectStatus(try await h.call(.patch, "/v3/memories/\(id)/visibility", json: json), 422, "Missing memory mutation value")
            }
            Self.expectStatus(try await h.call(.patch, "/v3/memories/\(M.missingID)/visibility", json: #"{"value":"public"}"#),
                              404, "Memory not found")
            #expect(try await Self.find(h, id)?["visibility"].string == "private")

            let all = try await h.call(.patch, "/v3/memories/visibility", json: #"{"value":"public"}"#)
            #expect(all.status == 200 && all.json == .object(["status": .string("ok"), "updated_count": .int(3)]), "\(all.text)")
            #expect(try await M.list(h).compactMap { $0["visibility"].string } == Array(repeating: "public", count: 3))
            Self.expectStatus(try await h.call(.patch, "/v3/memories/visibility", json: #"{"value":"friends"}"#), 400, "Invalid visibility value")
            #expect(try await M.list(h).compactMap { $0["visibility"].string } == Array(repeating: "public", count: 3))
            #expect(try await M.list(h, as: "user-b").compactMap { $0["visibility"].string } == ["private"])
            let back = try await h.call(.patch, "/v3/memories/visibility", json: #"{"value":"private"}"#)
            #expect(back.json["updated_count"].int == 3)
            #expect(try await M.list(h).compactMap { $0["visibility"].string } == Array(repeating: "private", count: 3))
        }
    }

    @Test(arguments: TestEngine.available)
    func readAndDismissReturnTheFullMemory(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let id = try await Self.make(h, "Read me", #","category":"interesting""#)
            let before = try #require(try await Self.find(h, id))
            try await Task.sleep(for: .milliseconds(5))

            let read = try await h.call(.patch, "/v3/memories/\(id)/read", json: #"{"is_read":true}"#)
            #expect(read.status == 200 && M.keys.isSubset(of: read.json.keys), "\(read.text.prefix(300))")
            #expect(read.json["id"].string == id && read.json["content"].string == "Read me")
            #expect(read.json["is_read"].bool == true && read.json["is_dismissed"].bool == false)
            #expect(read.json["category"].string == "interesting" && read.json["created_at"] == before["created_at"])
            #expect((M.micros(read.json["updated_at"]) ?? 0) > (M.micros(before["updated_at"]) ?? .max))
            #expect(try await Self.find(h, id) == read.json)

            let dismissed = try await h.call(.patch, "/v3/memories/\(id)/read", json: #"{"is_dismissed":true}"#)
            #expect(dismissed.json["is_read"].bool == true && dismissed.json["is_dismissed"].bool == true)
            let again = try await h.call(.patch, "/v3/memories/\(id)/read", json: #"{"is_dismissed":true}"#)
            #expect(again.status == 200 && again.json["is_dismissed"].bool == true, "idempotent")
            #expect(try await M.list(h).isEmpty)
            let both = try await h.call(.patch, "/v3/memories/\(id)/read", json: #"{"is_read":false,"is_dismissed":false}"#)
            #expect(both.json["is_read"].bool == false && both.json["is_dismissed"].bool == false)

            for json in [nil, "{}"] as [String?] {
                Self.expectStatus(try await h.call(.patch, "/v3/memories/\(id)/read", json: json), 422, "Missing memory read mutation value")
            }
            let extra = try await h.call(.patch, "/v3/memories/\(id)/read", json: #"{"is_read":true,"other":1}"#)
            #expect(extra.status == 422)
            #expect(try await Self.find(h, id)?["is_read"].bool == false)
            Self.expectStatus(try await h.call(.patch, "/v3/memories/\(M.missingID)/read", json: #"{"is_read":true}"#), 404, "Memory not found")
        }
    }

    @Test(arguments: TestEngine.available)
    func markAllReadCountsUnreadRows(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let first = try await Self.make(h, "First")
            let hidden = try await Self.make(h, "Hidden", #","category":"system""#)
            try await Self.make(h, "Third", #","category":"interesting""#)
            try await Self.make(h, "Fourth")
            _ = try await h.call(.patch, "/v3/memories/\(first)/read", json: #"{"is_read":true}"#)
            _ = try await h.call(.patch, "/v3/memories/\(hidden)/read", json: #"{"is_dismissed":true}"#)
            try await Self.make(h, "Theirs", as: "user-b")

            let r = try await h.call(.post, "/v3/memories/mark-all-read", json: "{}")
            #expect(r.status == 200 && r.json == .object(["status": .string("ok"), "updated_count": .int(3)]), "\(r.text)")
            #expect(try await M.list(h, "?include_dismissed=true").compactMap { $0["is_read"].bool } == Array(repeating: true, count: 4))
            let second = try await h.call(.post, "/v3/memories/mark-all-read", json: "{}")
            #expect(second.json == .object(["status": .string("ok"), "updated_count": .int(0)]))
            #expect(try await M.list(h, as: "user-b").first?["is_read"].bool == false)
        }
    }

    @Test(arguments: TestEngine.available)
    func reviewTakesQueryOrBodyAndRejectionHides(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let id = try await Self.make(h, "Review me", #","category":"interesting""#)
            let r = try await h.call(.post, "/v3/memories/\(id)/review?value=true")
            #expect(r.status == 200 && r.json == Self.ok, "\(r.text)")
            let approved = try #require(try await Self.find(h, id))
            #expect(approved["reviewed"].bool == true && approved["user_review"].bool == true)

            let rejected = try await h.call(.post, "/v3/memories/\(id)/review?value=true", json: #"{"value":false}"#)
            #expect(rejected.status == 200 && rejected.json == Self.ok, "body wins: \(rejected.text)")
            #expect(try await M.list(h, "?include_dismissed=true").isEmpty)
            #expect(try await h.count("memories") == 1, "rejected, not deleted")

            #expect(try await h.call(.post, "/v3/memories/\(id)/review", json: #"{"value":true}"#).json == Self.ok)
            #expect(try await Self.find(h, id)?["user_review"].bool == true)
            for json in [nil, "{}"] as [String?] {
                let missing = try await h.call(.post, "/v3/memories/\(id)/review", json: json)
                #expect(missing.status == 422, "\(json ?? "no body"): \(missing.text.prefix(200))")
            }
            #expect(try await Self.find(h, id)?["user_review"].bool == true)
            Self.expectStatus(try await h.call(.post, "/v3/memories/\(M.missingID)/review?value=true"), 404, "Memory not found")
        }
    }

    @Test(arguments: TestEngine.available)
    func batchDeleteIsAllOrNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let a = try await Self.make(h, "Alpha"), b = try await Self.make(h, "Beta")
            try await Self.make(h, "Gamma")
            let theirs = try await Self.make(h, "Delta", as: "user-b")

            for ids in [[a, M.missingID], [b, theirs]] {
                let list = ids.map { M.quoted($0) }.joined(separator: ",")
                let body = #"{"memory_ids":[\#(list)]}"#
                Self.expectStatus(try await h.call(.delete, "/v3/memories/batch", json: body), 404, "Memory not found")
            }
            #expect(try await h.count("memories") == 3)
            #expect(try await h.count("memories", uid: "user-b") == 1)
            let tooMany = (0..<101).map { M.quoted(M.contentID("x\($0)")) }.joined(separator: ",")
            let big = try await h.call(.delete, "/v3/memories/batch", json: #"{"memory_ids":[\#(tooMany)]}"#)
            #expect(big.status == 422, "\(big.text.prefix(200))")
            let empty = try await h.call(.delete, "/v3/memories/batch", json: #"{"memory_ids":[]}"#)
            #expect(empty.status == 200 && empty.json == Self.ok, "\(empty.text)")
            #expect(try await h.count("memories") == 3)

            let r = try await h.call(.delete, "/v3/memories/batch", json: #"{"memory_ids":["\#(a)","\#(a)","\#(b)"]}"#)
            #expect(r.status == 200 && r.json == Self.ok, "\(r.text)")
            #expect(try await M.contents(h) == ["Gamma"])
            #expect(try await h.count("memories", uid: "user-b") == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func anotherUsersMemoryBehavesAsMissing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let id = try await Self.make(h, "Private to A", #","tags":["tips"]"#)
            try await Self.make(h, "Also A", #","category":"system""#)
            let before = try await M.list(h)
            let b = "user-b"
            let calls: [(HTTPRequest.Method, String, String?)] = [
                (.delete, "/v3/memories/\(id)", nil), (.patch, "/v3/memories/\(id)", #"{"value":"hijacked"}"#),
                (.patch, "/v3/memories/\(id)?value=hijacked", nil),
                (.patch, "/v3/memories/\(id)/visibility", #"{"value":"public"}"#),
                (.patch, "/v3/memories/\(id)/read", #"{"is_read":true,"is_dismissed":true}"#),
                (.post, "/v3/memories/\(id)/review?value=false", nil), (.post, "/v3/memories/\(id)/review", #"{"value":false}"#),
                (.delete, "/v3/memories/batch", #"{"memory_ids":["\#(id)"]}"#),
            ]
            for (method, path, json) in calls {
                Self.expectStatus(try await h.call(method, path, as: b, json: json), 404, "Memory not found")
            }
            #expect(try await M.list(h, as: b).isEmpty)
            #expect(try await M.list(h, "?tags=tips&include_dismissed=true", as: b).isEmpty)
            #expect(try await h.call(.delete, "/v3/memories", as: b).json == Self.ok)
            #expect(try await h.call(.post, "/v3/memories/mark-all-read", as: b, json: "{}").json["updated_count"].int == 0)
            #expect(try await h.call(.patch, "/v3/memories/visibility", as: b, json: #"{"value":"public"}"#).json["updated_count"].int == 0)
            #expect(try await M.list(h) == before, "A's memories are unchanged")
            #expect(try await h.count("memories") == 2)
        }
    }
}
