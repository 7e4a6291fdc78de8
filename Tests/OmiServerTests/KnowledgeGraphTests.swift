import Foundation
import OmiContract
import Testing
@testable import OmiServer

@Suite("Knowledge graph: read, rebuild without a model, delete (knowledge.md §1.5, §7)")
struct KnowledgeGraphTests {
    static let nodeKeys: Set<String> = ["id", "label", "node_type", "aliases", "memory_ids", "created_at", "updated_at"]
    static let edgeKeys: Set<String> = ["id", "source_id", "target_id", "label", "memory_ids", "created_at"]
    static let empty: Wire.JSONValue = .object(["nodes": .array([]), "edges": .array([])])
    static let noModel: Wire.JSONValue = .object(["detail": .string("Knowledge graph rebuild requires a language model")])
    static let deleted: Wire.JSONValue = .object(["status": .string("deleted")])

    static func isInstant(_ v: Wire.JSONValue) -> Bool {
        v.string?.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.(\d{3}|\d{6})(Z|\+00:00)$"#, options: .regularExpression) != nil
    }

    static func strings(_ v: Wire.JSONValue) -> [String] { v.array.compactMap(\.string) }

    static func graph(_ h: TestHarness, as user: String = TestHarness.defaultUser) async throws -> Wire.JSONValue {
        let r = try await h.call(.get, "/v1/knowledge-graph", as: user)
        try #require(r.status == 200, "\(r.text)")
        return r.json
    }

    /// Nodes (or edges) of a graph keyed by id, whatever order they were served in.
    static func byID(_ graph: Wire.JSONValue, _ key: String) -> [String: Wire.JSONValue] {
        Dictionary(graph[key].array.map { ($0["id"].string ?? "", $0) }, uniquingKeysWith: { a, _ in a })
    }

    static func memory(_ h: TestHarness, _ content: String, as user: String = TestHarness.defaultUser) async throws -> String {
        let r = try await h.call(.post, "/v3/memories", as: user, json: #"{"content":"\#(content)"}"#)
        try #require(r.status == 200, "\(r.text)")
        return try #require(r.json["id"].string)
    }

    /// Ana (person) works at Acme (organization), both from `memories`.
    static func seedAnaAtAcme(_ h: TestHarness, uid: String = TestHarness.defaultUser, memories: [String] = []) async throws {
        try await h.seedGraphNode(uid: uid, id: "n1", label: "Ana", nodeType: "person", aliases: ["Ana S"], memoryIds: memories)
        try await h.seedGraphNode(uid: uid, id: "n2", label: "Acme", nodeType: "organization", memoryIds: memories)
        try await h.seedGraphEdge(uid: uid, id: "n1_works_at_n2", sourceId: "n1", targetId: "n2", label: "works at", memoryIds: memories)
    }

    @Test(arguments: TestEngine.available)
    func emptyGraphHasBothKeys(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let r = try await h.call(.get, "/v1/knowledge-graph")
            #expect(r.status == 200)
            #expect(r.json == Self.empty, "\(r.text)")
        }
    }

    @Test(arguments: TestEngine.available)
    func seededNodesAndEdgesComeBackWithEveryKey(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let mem = try await Self.memory(h, "Ana works at Acme")
            try await Self.seedAnaAtAcme(h, memories: [mem])
            let g = try await Self.graph(h)
            #expect(g.keys == ["nodes", "edges"])
            let nodes = Self.byID(g, "nodes"), edges = Self.byID(g, "edges")
            #expect(Set(nodes.keys) == ["n1", "n2"] && g["nodes"].array.count == 2)
            #expect(Set(edges.keys) == ["n1_works_at_n2"] && g["edges"].array.count == 1)
            let ana = try #require(nodes["n1"]), acme = try #require(nodes["n2"])
            for node in [ana, acme] {
                #expect(node.keys.isSuperset(of: Self.nodeKeys), "\(node.keys)")
                #expect(Self.isInstant(node["created_at"]) && Self.isInstant(node["updated_at"]))
                #expect(Self.strings(node["memory_ids"]) == [mem])
            }
            #expect(ana["label"].string == "Ana" && ana["node_type"].string == "person")
            #expect(Self.strings(ana["aliases"]) == ["Ana S"])
            #expect(acme["label"].string == "Acme" && acme["node_type"].string == "organization")
            #expect(acme["aliases"] == .array([]))
            let edge = try #require(edges["n1_works_at_n2"])
            #expect(edge.keys.isSuperset(of: Self.edgeKeys), "\(edge.keys)")
            #expect(edge["source_id"].string == "n1" && edge["target_id"].string == "n2")
            #expect(edge["label"].string == "works at" && Self.strings(edge["memory_ids"]) == [mem])
            #expect(Self.isInstant(edge["created_at"]))
        }
    }

    @Test(arguments: TestEngine.available)
    func rebuildWithoutAModelIs503AndLeavesTheGraph(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let mem = try await Self.memory(h, "Ana works at Acme")
            try await Self.seedAnaAtAcme(h, memories: [mem])
            let before = try await Self.graph(h)
            for query in ["", "?limit=500", "?limit=0", "?limit=9999", "?limit=1"] {
                let r = try await h.call(.post, "/v1/knowledge-graph/rebuild\(query)", json: "{}")
                #expect(r.status == 503, "\(query): \(r.text)")
                #expect(r.json == Self.noModel, "\(query): \(r.text)")
            }
            #expect(try await Self.graph(h) == before)
            #expect(try await h.count("kg_nodes") == 2)
            #expect(try await h.count("kg_edges") == 1)
            #expect(try await h.count("memories") == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func deleteEmptiesTheGraphIdempotentlyAndKeepsMemories(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let mem = try await Self.memory(h, "x")
            try await Self.seedAnaAtAcme(h, memories: [mem])
            let first = try await h.call(.delete, "/v1/knowledge-graph")
            #expect(first.status == 200 && first.json == Self.deleted, "\(first.text)")
            #expect(try await Self.graph(h) == Self.empty)
            #expect(try await h.count("kg_nodes") == 0)
            #expect(try await h.count("kg_edges") == 0)
            #expect(try await h.count("memories") == 1)
            let second = try await h.call(.delete, "/v1/knowledge-graph")
            #expect(second.status == 200 && second.json == Self.deleted, "\(second.text)")
            #expect(try await Self.graph(h) == Self.empty)
            #expect(try await h.count("memories") == 1)
        }
    }
}

@Suite("Goals and knowledge graph: isolation between users (knowledge.md §0.4)")
struct KnowledgeIsolationTests {
    typealias G = GoalTests
    typealias K = KnowledgeGraphTests

    @Test(arguments: TestEngine.available)
    func anotherUsersGoalsBehaveAsMissing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let id = try await G.make(h, "A's goal")
            #expect(try await h.call(.patch, "/v1/goals/\(id)/progress?current_value=4").status == 200)
            let doneID = try await G.make(h, "A's done goal")
            #expect(try await h.call(.patch, "/v1/goals/\(doneID)", json: #"{"is_active":false}"#).status == 200)
            let all = try await G.list(h, "/v1/goals/all"), completed = try await G.list(h, "/v1/goals/completed")
            let history = try await h.call(.get, "/v1/goals/\(id)/history").json

            let historyRows = try await h.count("goal_history")
            var attempts: [Reply] = []
            attempts.append(try await h.call(.patch, "/v1/goals/\(id)", as: "user-b", json: #"{"title":"Stolen","current_value":99}"#))
            attempts.append(try await h.call(.patch, "/v1/goals/\(doneID)", as: "user-b", json: #"{"is_active":true}"#))
            attempts.append(try await h.call(.patch, "/v1/goals/\(id)/progress?current_value=99", as: "user-b"))
            attempts.append(try await h.call(.get, "/v1/goals/\(id)/history?days=30", as: "user-b"))
            attempts.append(try await h.call(.delete, "/v1/goals/\(id)", as: "user-b"))
            attempts.append(try await h.call(.delete, "/v1/goals/\(doneID)", as: "user-b"))
            for r in attempts {
                #expect(r.status == 404 && r.detail == "Goal not found", "\(r.status) \(r.text)")
            }
            #expect(try await G.list(h, "/v1/goals/all", as: "user-b").isEmpty)
            #expect(try await G.list(h, "/v1/goals/completed", as: "user-b").isEmpty)
            let current = try await h.call(.get, "/v1/goals", as: "user-b")
            #expect(current.status == 200 && current.text.trimmingCharacters(in: .whitespacesAndNewlines) == "null")

            #expect(try await G.list(h, "/v1/goals/all") == all)
            #expect(try await G.list(h, "/v1/goals/completed") == completed)
            #expect(try await h.call(.get, "/v1/goals/\(id)/history").json == history)
            #expect(try await h.count("goals") == 2)
            #expect(try await h.count("goal_history") == historyRows)
            #expect(try await h.count("goals", uid: "user-b") == 0)
            #expect(try await h.count("goal_history", uid: "user-b") == 0)
        }
    }

    @Test(arguments: TestEngine.available)
    func theActiveGoalCapIsPerUser(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let b = try await G.make(h, "B's goal", as: "user-b")
            var aIDs: [String] = []
            for i in 1...5 { aIDs.append(try await G.make(h, "A\(i)")) }
            #expect(try await G.ids(h, "/v1/goals/all") == Array(aIDs.dropFirst()))
            #expect(try await G.ids(h, "/v1/goals/completed") == [aIDs[0]])
            #expect(try await G.ids(h, "/v1/goals/all", as: "user-b") == [b])
            #expect(try await G.list(h, "/v1/goals/completed", as: "user-b").isEmpty)
            #expect(try await h.call(.get, "/v1/goals", as: "user-b").json["id"].string == b)
            #expect(try await h.count("goals", uid: "user-b") == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func anotherUsersGraphIsInvisibleAndUntouchable(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await K.seedAnaAtAcme(h)
            let before = try await K.graph(h)
            #expect(try await K.graph(h, as: "user-b") == K.empty)

            // The same node id for B is B's own node.
            try await h.seedGraphNode(uid: "user-b", id: "n1", label: "Bea", nodeType: "person")
            let bGraph = try await K.graph(h, as: "user-b")
            #expect(bGraph["nodes"].array.compactMap { $0["label"].string } == ["Bea"] && bGraph["edges"].array.isEmpty)
            #expect(try await K.graph(h) == before)

            let rebuild = try await h.call(.post, "/v1/knowledge-graph/rebuild", as: "user-b", json: "{}")
            #expect(rebuild.status == 503 && rebuild.json == K.noModel)
            let wipe = try await h.call(.delete, "/v1/knowledge-graph", as: "user-b")
            #expect(wipe.status == 200 && wipe.json == K.deleted)
            #expect(try await K.graph(h, as: "user-b") == K.empty)
            #expect(try await K.graph(h) == before)
            #expect(try await h.count("kg_nodes") == 2)
            #expect(try await h.count("kg_edges") == 1)
            #expect(try await h.count("kg_nodes", uid: "user-b") == 0)
        }
    }
}
