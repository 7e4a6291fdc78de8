import Foundation
import OmiContract
import Synchronization
import Testing
@testable import OmiServer

@Suite("Knowledge graph rebuild with a language model (knowledge.md §7.2)")
struct KnowledgeGraphModelTests {
    typealias K = KnowledgeGraphTests

    /// What the model extracts from each memory; a memory not listed fails its call.
    static let extractions: [String: String] = [
        "Ana works at Acme": """
            {"entities": [{"name": "Ana", "type": "person", "aliases": ["Ana S"]},
                          {"name": "Acme", "type": "organization"}],
             "relationships": [{"source": "Ana", "target": "Acme", "relationship": "works at"}]}
            """,
        "Ana lives in Lisbon": """
            ```json
            {"entities": [{"name": "ana s", "type": "person"}, {"name": "Lisbon", "type": "city", "aliases": ["Lisboa"]}],
             "relationships": [{"source": "ana s", "target": "Lisboa", "relationship": "lives in"},
                               {"source": "Ana", "target": "ACME", "relationship": "works at"},
                               {"source": "Ana", "target": "Carol", "relationship": "knows"}]}
            ```
            """,
        "Bob plays chess": """
            {"entities": [{"name": "Bob", "type": "person"}, {"name": "chess", "type": "thing"}],
             "relationships": [{"source": "Bob", "target": "chess", "relationship": "plays"},
                               {"source": "Bob", "target": "Ana", "relationship": "knows"}]}
            """,
    ]

    /// Counts the model's calls.
    final class Calls: Sendable {
        let count = Mutex(0)
        var value: Int { count.withLock { $0 } }
    }

    static func model(calls: Calls? = nil, gate: Gate? = nil) -> ReplyModel {
        ReplyModel(reply: { prompt in
            calls?.count.withLock { $0 += 1 }
            return extractions[prompt]
        }, gate: gate)
    }

    static let rebuilding: Wire.JSONValue = .object([
        "status": .string("rebuilding"), "nodes_count": .int(0), "edges_count": .int(0),
    ])

    @Test(arguments: TestEngine.available)
    func rebuildResolvesEntitiesAndKeepsOnlyEdgesWithBothEnds(engine: TestEngine) async throws {
        try await TestHarness.run(engine, languageModel: Self.model()) { h in
            let works = try await K.memory(h, "Ana works at Acme")
            let lives = try await K.memory(h, "Ana lives in Lisbon")
            _ = try await K.memory(h, "Something the model cannot read")
            try await h.seedGraphNode(id: "old", label: "Stale node")

            let r = try await h.call(.post, "/v1/knowledge-graph/rebuild", json: "{}")
            #expect(r.status == 200 && r.json == Self.rebuilding, "\(r.text)")
            await h.processingJobs.waitForIdle()

            let graph = try await K.graph(h)
            let nodes = graph["nodes"].array
            #expect(Set(nodes.compactMap { $0["label"].string }) == ["Ana", "Acme", "Lisbon"])
            let byLabel = Dictionary(nodes.map { ($0["label"].string ?? "", $0) }, uniquingKeysWith: { a, _ in a })
            let ana = try #require(byLabel["Ana"])
            #expect(ana["node_type"].string == "person")
            #expect(K.strings(ana["aliases"]) == ["Ana S"])
            #expect(Set(K.strings(ana["memory_ids"])) == [works, lives])
            #expect(byLabel["Lisbon"]?["node_type"].string == "concept")
            #expect(byLabel["Lisbon"].map { K.strings($0["aliases"]) } == ["Lisboa"])

            let (anaId, acmeId, lisbonId) = (ana["id"].string ?? "", byLabel["Acme"]?["id"].string ?? "",
                                             byLabel["Lisbon"]?["id"].string ?? "")
            let edges = K.byID(graph, "edges")
            #expect(Set(edges.keys) == ["\(anaId)_works_at_\(acmeId)", "\(anaId)_lives_in_\(lisbonId)"])
            #expect(Set(edges["\(anaId)_works_at_\(acmeId)"].map { K.strings($0["memory_ids"]) } ?? []) == [works, lives])
            #expect(edges["\(anaId)_lives_in_\(lisbonId)"]?["label"].string == "lives in")

            // Another user's rebuild reads only their own memories.
            #expect(try await h.call(.post, "/v1/knowledge-graph/rebuild", as: "user-b", json: "{}").status == 200)
            await h.processingJobs.waitForIdle()
            #expect(try await K.graph(h, as: "user-b") == K.empty)
            #expect(try await K.graph(h) == graph)
        }
    }

    @Test(arguments: TestEngine.available)
    func limitTakesTheNewestMemoriesAndOneRebuildRunsAtATime(engine: TestEngine) async throws {
        let calls = Calls()
        let gate = Gate()
        try await TestHarness.run(engine, languageModel: Self.model(calls: calls, gate: gate)) { h in
            for content in ["Ana works at Acme", "Ana lives in Lisbon", "Bob plays chess"] {
                _ = try await K.memory(h, content)
            }
            let first = try await h.call(.post, "/v1/knowledge-graph/rebuild?limit=1", json: "{}")
            let second = try await h.call(.post, "/v1/knowledge-graph/rebuild?limit=500", json: "{}")
            #expect(first.json == Self.rebuilding && second.json == Self.rebuilding)
            gate.open()
            await h.processingJobs.waitForIdle()
            // Only the first rebuild ran, over the newest memory alone; Bob's edge to Ana has no Ana to reach.
            #expect(calls.value == 1)
            let graph = try await K.graph(h)
            #expect(Set(graph["nodes"].array.compactMap { $0["label"].string }) == ["Bob", "chess"])
            #expect(graph["edges"].array.compactMap { $0["label"].string } == ["plays"])

            // Once it has finished, a new rebuild runs, and 0 is clamped up to 1.
            #expect(try await h.call(.post, "/v1/knowledge-graph/rebuild?limit=0", json: "{}").status == 200)
            await h.processingJobs.waitForIdle()
            #expect(calls.value == 2)
        }
    }
}
