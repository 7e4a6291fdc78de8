import Foundation
import SQLKit

/// Storage of the knowledge graph (knowledge.md §1.5, §7). Nodes and edges carry the ids of the memories they came
/// from as JSON arrays.
public protocol GraphRepository: Sendable {
    func graph(uid: String) async throws -> (nodes: [GraphNodeRecord], edges: [GraphEdgeRecord])
    /// Replaces the user's graph in one transaction (a rebuild).
    func replace(uid: String, nodes: [GraphNodeRecord], edges: [GraphEdgeRecord]) async throws
    func deleteAll(uid: String) async throws
}

public struct SQLGraphRepository: GraphRepository {
    let database: Database

    public init(database: Database) { self.database = database }

    public func graph(uid: String) async throws -> (nodes: [GraphNodeRecord], edges: [GraphEdgeRecord]) {
        try await database.withConnection { db in
            (try await GraphSQL.nodes(db, uid: uid), try await GraphSQL.edges(db, uid: uid))
        }
    }

    public func replace(uid: String, nodes: [GraphNodeRecord], edges: [GraphEdgeRecord]) async throws {
        try await database.transaction(lockKeys: SQLMemoryRepository.lockKey(uid)) { db in
            try await GraphSQL.clear(db, uid: uid)
            for node in nodes { try await GraphSQL.insert(db, uid: uid, node) }
            for edge in edges { try await GraphSQL.insert(db, uid: uid, edge) }
        }
    }

    public func deleteAll(uid: String) async throws {
        try await database.transaction(lockKeys: SQLMemoryRepository.lockKey(uid)) { db in
            try await GraphSQL.clear(db, uid: uid)
        }
    }
}

enum GraphSQL {
    static func nodes(_ db: any SQLDatabase, uid: String) async throws -> [GraphNodeRecord] {
        try await db.raw("""
            SELECT id, label, node_type, aliases, memory_ids, created_at, updated_at FROM kg_nodes
            WHERE uid = \(bind: uid) ORDER BY created_at ASC, id ASC
            """).all().map { row in
                var node = GraphNodeRecord(
                    id: try row.decode(column: "id", as: String.self), label: try row.decode(column: "label", as: String.self),
                    nodeType: try row.decode(column: "node_type", as: String.self),
                    aliases: strings(try row.decode(column: "aliases", as: String.self)),
                    memoryIds: strings(try row.decode(column: "memory_ids", as: String.self)),
                    createdAt: try row.decode(column: "created_at", as: Int64.self))
                node.updatedAt = try row.decode(column: "updated_at", as: Int64.self)
                return node
            }
    }

    static func edges(_ db: any SQLDatabase, uid: String) async throws -> [GraphEdgeRecord] {
        try await db.raw("""
            SELECT id, source_id, target_id, label, memory_ids, created_at FROM kg_edges
            WHERE uid = \(bind: uid) ORDER BY created_at ASC, id ASC
            """).all().map { row in
                GraphEdgeRecord(
                    id: try row.decode(column: "id", as: String.self),
                    sourceId: try row.decode(column: "source_id", as: String.self),
                    targetId: try row.decode(column: "target_id", as: String.self),
                    label: try row.decode(column: "label", as: String.self),
                    memoryIds: strings(try row.decode(column: "memory_ids", as: String.self)),
                    createdAt: try row.decode(column: "created_at", as: Int64.self))
            }
    }

    static func insert(_ db: any SQLDatabase, uid: String, _ n: GraphNodeRecord) async throws {
        try await db.raw("""
            INSERT INTO kg_nodes (uid, id, label, node_type, aliases, memory_ids, created_at, updated_at)
            VALUES (\(bind: uid), \(bind: n.id), \(bind: n.label), \(bind: n.nodeType), \(bind: json(n.aliases)),
                    \(bind: json(n.memoryIds)), \(bind: n.createdAt), \(bind: n.updatedAt))
            """).run()
    }

    static func insert(_ db: any SQLDatabase, uid: String, _ e: GraphEdgeRecord) async throws {
        try await db.raw("""
            INSERT INTO kg_edges (uid, id, source_id, target_id, label, memory_ids, created_at)
            VALUES (\(bind: uid), \(bind: e.id), \(bind: e.sourceId), \(bind: e.targetId), \(bind: e.label),
                    \(bind: json(e.memoryIds)), \(bind: e.createdAt))
            """).run()
    }

    static func clear(_ db: any SQLDatabase, uid: String) async throws {
        try await db.raw("DELETE FROM kg_edges WHERE uid = \(bind: uid)").run()
        try await db.raw("DELETE FROM kg_nodes WHERE uid = \(bind: uid)").run()
    }

    /// Removes deleted memories' ids from every node and edge; the nodes and edges stay (knowledge.md §5.4).
    static func forget(_ db: any SQLDatabase, uid: String, memoryIds: Set<String>) async throws {
        guard !memoryIds.isEmpty else { return }
        for node in try await nodes(db, uid: uid) where node.memoryIds.contains(where: memoryIds.contains) {
            try await db.raw("""
                UPDATE kg_nodes SET memory_ids = \(bind: json(node.memoryIds.filter { !memoryIds.contains($0) }))
                WHERE uid = \(bind: uid) AND id = \(bind: node.id)
                """).run()
        }
        for edge in try await edges(db, uid: uid) where edge.memoryIds.contains(where: memoryIds.contains) {
            try await db.raw("""
                UPDATE kg_edges SET memory_ids = \(bind: json(edge.memoryIds.filter { !memoryIds.contains($0) }))
                WHERE uid = \(bind: uid) AND id = \(bind: edge.id)
                """).run()
        }
    }

    static func json(_ values: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(values)) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func strings(_ text: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }
}
