import Foundation
import OmiContract
import OmiStorage

extension OmiAPI {
    func getKnowledgeGraph(_ input: Operations.GetKnowledgeGraph.Input) async throws -> Operations.GetKnowledgeGraph.Output {
        let user = try RequestValues.requireUser()
        let (nodes, edges) = try await graph.graph(uid: user.uid)
        let types: Set<String> = ["person", "place", "organization", "thing", "concept"]
        return .ok(.init(body: .json(.init(
            nodes: nodes.map {
                .init(id: $0.id, label: $0.label,
                      nodeType: .init(rawValue: types.contains($0.nodeType) ? $0.nodeType : "concept") ?? .concept,
                      aliases: $0.aliases, memoryIds: $0.memoryIds, createdAt: Timestamp.date(micros: $0.createdAt),
                      updatedAt: Timestamp.date(micros: $0.updatedAt))
            },
            // Every edge names nodes of the same answer (knowledge.md §1.5).
            edges: edges.filter { edge in nodes.contains { $0.id == edge.sourceId } && nodes.contains { $0.id == edge.targetId } }
                .map {
                    .init(id: $0.id, sourceId: $0.sourceId, targetId: $0.targetId, label: $0.label, memoryIds: $0.memoryIds,
                          createdAt: Timestamp.date(micros: $0.createdAt))
                }))))
    }

    func deleteKnowledgeGraph(_ input: Operations.DeleteKnowledgeGraph.Input) async throws -> Operations.DeleteKnowledgeGraph.Output {
        let user = try RequestValues.requireUser()
        try await graph.deleteAll(uid: user.uid)
        return .ok(.init(body: .json(.init(status: "deleted"))))
    }

    /// knowledge.md §7.2. The model-backed extraction arrives with the language-model issue; until then the graph is
    /// never touched here, and the answer is the documented 503.
    func rebuildKnowledgeGraph(_ input: Operations.RebuildKnowledgeGraph.Input) async throws -> Operations.RebuildKnowledgeGraph.Output {
        _ = try RequestValues.requireUser()
        throw APIError(.serviceUnavailable, "Knowledge graph rebuild requires a language model")
    }
}
