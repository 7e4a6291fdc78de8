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

    /// Rewrites the conversation's search entry from its title, overview and transcript (knowledge.md §9).
    static func index(_ db: any SQLDatabase, kind: DatabaseKind, uid: String, _ r: ConversationRecord) async throws {
        let title = SearchText.indexed(r.structured.title)
        let overview = SearchText.indexed(r.structured.overview)
        let transcript = SearchText.indexed(r.transcript)
        switch kind {
        case .postgres:
            try await db.raw("""
                UPDATE conversations SET search_vector = setweight(to_tsvector('simple', \(bind: title)), 'A')
                    || setweight(to_tsvector('simple', \(bind: overview)), 'B')
                    || setweight(to_tsvector('simple', \(bind: transcript)), 'C')
                WHERE uid = \(bind: uid) AND id = \(bind: r.id)
                """).run()
        case .sqlite:
            var rowid = try await db.raw("""
                SELECT search_rowid FROM conversations WHERE uid = \(bind: uid) AND id = \(bind: r.id)
                """).first()?.decode(column: "search_rowid", as: Int64?.self)
            if let rowid {
                try await db.raw("DELETE FROM conversations_fts WHERE rowid = \(bind: rowid)").run()
            } else {
                // Writers are serialised on SQLite, so the next number cannot be taken twice.
                let next = try await db.raw("SELECT COALESCE(MAX(search_rowid), 0) + 1 AS n FROM conversations").first()?
                    .decode(column: "n", as: Int64.self) ?? 1
                try await db.raw("""
                    UPDATE conversations SET search_rowid = \(bind: next) WHERE uid = \(bind: uid) AND id = \(bind: r.id)
                    """).run()
                rowid = next
            }
            try await db.raw("""
                INSERT INTO conversations_fts (rowid, title, overview, transcript)
                VALUES (\(bind: rowid), \(bind: title), \(bind: overview), \(bind: transcript))
                """).run()
        }
    }

    static func delete(_ db: any SQLDatabase, kind: DatabaseKind, uid: String, id: String) async throws {
        if kind == .sqlite {
            try await db.raw("""
                DELETE FROM conversations_fts WHERE rowid IN
                    (SELECT search_rowid FROM conversations WHERE uid = \(bind: uid) AND id = \(bind: id))
                """).run()
        }
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
