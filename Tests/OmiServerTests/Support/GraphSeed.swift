import Foundation
@testable import OmiStorage
@testable import OmiServer

extension TestHarness {
    /// Stores a knowledge-graph node directly; only a model-backed rebuild makes nodes, and none runs in tests.
    func seedGraphNode(uid: String = defaultUser, id: String, label: String, nodeType: String = "concept",
                       aliases: [String] = [], memoryIds: [String] = []) async throws {
        let node = GraphNodeRecord(id: id, label: label, nodeType: nodeType, aliases: aliases, memoryIds: memoryIds,
                                   createdAt: Clock.nowMicros())
        try await database.withConnection { db in try await GraphSQL.insert(db, uid: uid, node) }
    }

    func seedGraphEdge(uid: String = defaultUser, id: String, sourceId: String, targetId: String, label: String,
                       memoryIds: [String] = []) async throws {
        let edge = GraphEdgeRecord(id: id, sourceId: sourceId, targetId: targetId, label: label, memoryIds: memoryIds,
                                   createdAt: Clock.nowMicros())
        try await database.withConnection { db in try await GraphSQL.insert(db, uid: uid, edge) }
    }
}
