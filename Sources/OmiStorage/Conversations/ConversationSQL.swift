import Foundation
import SQLKit

/// The SQL of one `conversations` row and of its search-index entry.
enum ConversationSQL {
    static let columns = """
        c.id, c.created_at, c.updated_at, c.started_at, c.finished_at, c.source, c.language, c.status, c.discarded,
        c.starred, c.visibility, c.folder_id, c.input_device_name, c.structured, c.transcript_segments, c.apps_results,
        c.geolocation, c.client_platform, c.client_device_id
        """

    /// Conversation and folder writes of one user are serialised (find-or-create, merge, folder moves).
    static func lockKey(_ uid: String) -> [String] { ["conversations:\(uid)"] }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func json<T: Encodable>(_ value: T) -> String {
        String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }

    static func insert(_ db: any SQLDatabase, kind: DatabaseKind, uid: String, _ r: ConversationRecord) async throws {
        try await db.raw("""
            INSERT INTO conversations (uid, id, created_at, updated_at, started_at, finished_at, source, language, status,
                discarded, starred, visibility, folder_id, input_device_name, structured, transcript_segments, apps_results,
                geolocation, client_platform, client_device_id)
            VALUES (\(bind: uid), \(bind: r.id), \(bind: r.createdAt), \(bind: r.updatedAt), \(bind: r.startedAt),
                \(bind: r.finishedAt), \(bind: r.source), \(bind: r.language), \(bind: r.status), \(bind: r.discarded),
                \(bind: r.starred), \(bind: r.visibility), \(bind: r.folderId), \(bind: r.inputDeviceName),
                \(bind: json(r.structured)), \(bind: json(r.segments)), \(bind: json(r.appsResults)),
                \(bind: r.geolocation), \(bind: r.clientPlatform), \(bind: r.clientDeviceId))
            """).run()
        try await index(db, kind: kind, uid: uid, r)
    }

    static func write(_ db: any SQLDatabase, kind: DatabaseKind, uid: String, _ r: ConversationRecord) async throws {
        try await db.raw("""
            UPDATE conversations SET created_at = \(bind: r.createdAt), updated_at = \(bind: r.updatedAt),
                started_at = \(bind: r.startedAt), finished_at = \(bind: r.finishedAt), source = \(bind: r.source),
                language = \(bind: r.language), status = \(bind: r.status), discarded = \(bind: r.discarded),
                starred = \(bind: r.starred), visibility = \(bind: r.visibility), folder_id = \(bind: r.folderId),
                input_device_name = \(bind: r.inputDeviceName), structured = \(bind: json(r.structured)),
                transcript_segments = \(bind: json(r.segments)), apps_results = \(bind: json(r.appsResults)),
                geolocation = \(bind: r.geolocation), client_platform = \(bind: r.clientPlatform),
                client_device_id = \(bind: r.clientDeviceId)
            WHERE uid = \(bind: uid) AND id = \(bind: r.id)
            """).run()
        try await index(db, kind: kind, uid: uid, r)
    }

    static let searchIndex = FullTextIndex(table: "conversations", columns: ["title", "overview", "transcript"])

    /// Rewrites the conversation's search entry from its title, overview and transcript (knowledge.md §9).
    static func index(_ db: any SQLDatabase, kind: DatabaseKind, uid: String, _ r: ConversationRecord) async throws {
        try await searchIndex.write(db, kind: kind, uid: uid, id: r.id, texts: [
            SearchText.indexed(r.structured.title), SearchText.indexed(r.structured.overview),
            SearchText.indexed(r.transcript),
        ])
    }

    static func delete(_ db: any SQLDatabase, kind: DatabaseKind, uid: String, id: String) async throws {
        try await searchIndex.remove(db, kind: kind, where: "uid = \(bind: uid) AND id = \(bind: id)")
        try await db.raw("DELETE FROM conversations WHERE uid = \(bind: uid) AND id = \(bind: id)").run()
    }

    static func fetch(_ db: any SQLDatabase, uid: String, id: String) async throws -> ConversationRecord? {
        try await db.raw("""
            SELECT \(unsafeRaw: columns) FROM conversations c WHERE c.uid = \(bind: uid) AND c.id = \(bind: id)
            """).first().map(record)
    }

    /// The `WHERE` conditions of a filter over the alias `c`.
    static func condition(uid: String, _ f: ConversationFilter) -> SQLQueryString {
        var q: SQLQueryString = "c.uid = \(bind: uid)"
        if let statuses = f.statuses {
            q = q + (statuses.isEmpty ? " AND 1 = 0" : " AND c.status IN (\(binds: statuses))")
        }
        if !f.includeDiscarded { q = q + " AND c.discarded = \(bind: false)" }
        if let from = f.createdFrom { q = q + " AND c.created_at >= \(bind: from)" }
        if let to = f.createdTo { q = q + " AND c.created_at <= \(bind: to)" }
        if let folder = f.folderId { q = q + " AND c.folder_id = \(bind: folder)" }
        if let starred = f.starred { q = q + " AND c.starred = \(bind: starred)" }
        if let sources = f.sources {
            q = q + (sources.isEmpty ? " AND 1 = 0" : " AND c.source IN (\(binds: sources))")
        }
        return q
    }

    static func record(_ row: any SQLRow) throws -> ConversationRecord {
        var r = ConversationRecord(id: try row.decode(column: "id", as: String.self),
                                   createdAt: try row.decode(column: "created_at", as: Int64.self))
        r.updatedAt = try row.decode(column: "updated_at", as: Int64.self)
        r.startedAt = try row.decode(column: "started_at", as: Int64?.self)
        r.finishedAt = try row.decode(column: "finished_at", as: Int64?.self)
        r.source = try row.decode(column: "source", as: String.self)
        r.language = try row.decode(column: "language", as: String.self)
        r.status = try row.decode(column: "status", as: String.self)
        r.discarded = try row.decode(column: "discarded", as: Bool.self)
        r.starred = try row.decode(column: "starred", as: Bool.self)
        r.visibility = try row.decode(column: "visibility", as: String.self)
        r.folderId = try row.decode(column: "folder_id", as: String?.self)
        r.inputDeviceName = try row.decode(column: "input_device_name", as: String?.self)
        r.structured = try decode(StructuredRecord.self, try row.decode(column: "structured", as: String.self))
        r.segments = try decode([SegmentRecord].self, try row.decode(column: "transcript_segments", as: String.self))
        r.appsResults = try decode([AppResultRecord].self, try row.decode(column: "apps_results", as: String.self))
        r.geolocation = try row.decode(column: "geolocation", as: String?.self)
        r.clientPlatform = try row.decode(column: "client_platform", as: String?.self)
        r.clientDeviceId = try row.decode(column: "client_device_id", as: String?.self)
        return r
    }
}
