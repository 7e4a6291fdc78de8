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

    /// knowledge.md §7.2. Without a model the graph is left as it is and the answer is the documented 503. With one,
    /// the graph is cleared now and rebuilt as a background job of the user, at most one per user at a time.
    func rebuildKnowledgeGraph(_ input: Operations.RebuildKnowledgeGraph.Input) async throws -> Operations.RebuildKnowledgeGraph.Output {
        let user = try RequestValues.requireUser()
        guard let model = processor.model else {
            throw APIError(.serviceUnavailable, "Knowledge graph rebuild requires a language model")
        }
        let limit = min(max(input.query.limit ?? 500, 1), 500)
        let uid = user.uid
        if graphRebuilds.start(uid) {
            do {
                try await graph.deleteAll(uid: uid)
            } catch {
                graphRebuilds.finish(uid)
                throw error
            }
            let caller = RequestValues.user
            await processingJobs.submit(uid: uid) { [self] in
                await RequestValues.$user.withValue(caller) { await rebuildGraph(uid: uid, limit: limit, model: model) }
                graphRebuilds.finish(uid)
            }
        }
        return .ok(.init(body: .json(.init(status: "rebuilding", nodesCount: 0, edgesCount: 0))))
    }

    /// The user's `limit` most recently created memories, rejected ones excluded, through the model into the graph.
    func rebuildGraph(uid: String, limit: Int, model: any LanguageModel) async {
        let started = Clock.nowMicros()
        do {
            var filter = MemoryFilter()
            filter.includeDismissed = true
            let all = try await memories.list(uid: uid, filter: filter, limit: 100_000, offset: 0)
            // The newest `limit`, read oldest first, so a node is labelled as its first mention named it.
            let newest = all.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }.prefix(limit).reversed()
            let built = await GraphBuilder(model: model).build(from: Array(newest), now: Clock.nowMicros())
            guard await !accountDeleted(uid, since: started) else { return }
            try await graph.replace(uid: uid, nodes: built.nodes, edges: built.edges)
        } catch {
            logger.error("knowledge graph rebuild failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
        }
    }
}
