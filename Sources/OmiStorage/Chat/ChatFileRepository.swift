import Foundation
import SQLKit

extension Migrations {
    /// Version 14: files uploaded for chat (chat.md §7), bytes and metadata in one row so every instance on one
    /// PostgreSQL sees the same files and account deletion (which clears every table with a `uid`) removes them.
    static let chatFiles = Migration(version: 14, name: "chat_files", statements: [
        """
        CREATE TABLE chat_files (
            uid TEXT NOT NULL,
            id TEXT NOT NULL,
            name TEXT NOT NULL,
            mime_type TEXT NOT NULL,
            size BIGINT NOT NULL,
            created_at BIGINT NOT NULL,
            PRIMARY KEY (uid, id)
        )
        """,
    ], sqlite: [
        "ALTER TABLE chat_files ADD COLUMN content BLOB",
    ], postgres: [
        "ALTER TABLE chat_files ADD COLUMN content BYTEA",
    ])
}

public struct ChatFileRecord: Sendable, Equatable {
    public var id: String
    public var name: String
    public var mimeType: String
    public var createdAt: Int64
    public var content: Data

    public init(id: String, name: String, mimeType: String, createdAt: Int64, content: Data) {
        self.id = id
        self.name = name
        self.mimeType = mimeType
        self.createdAt = createdAt
        self.content = content
    }
}

public protocol ChatFileRepository: Sendable {
    func insert(uid: String, _ file: ChatFileRecord) async throws
    /// Removes files of one upload that failed part-way, so a refused upload leaves nothing behind.
    func delete(uid: String, ids: [String]) async throws
    func file(uid: String, id: String) async throws -> ChatFileRecord?
}

public struct SQLChatFileRepository: ChatFileRepository {
    let database: Database

    public init(database: Database) { self.database = database }

    public func insert(uid: String, _ file: ChatFileRecord) async throws {
        try await database.transaction { db in try await db.raw("""
            INSERT INTO chat_files (uid, id, name, mime_type, size, created_at, content)
            VALUES (\(bind: uid), \(bind: file.id), \(bind: file.name), \(bind: file.mimeType),
                    \(bind: Int64(file.content.count)), \(bind: file.createdAt), \(bind: file.content))
            """).run() }
    }

    public func delete(uid: String, ids: [String]) async throws {
        guard !ids.isEmpty else { return }
        try await database.transaction { db in try await db.raw("""
            DELETE FROM chat_files WHERE uid = \(bind: uid) AND id IN (\(binds: ids))
            """).run() }
    }

    public func file(uid: String, id: String) async throws -> ChatFileRecord? {
        let found = try await database.withConnection { db in try await db.raw("""
            SELECT id, name, mime_type, created_at, content FROM chat_files WHERE uid = \(bind: uid) AND id = \(bind: id)
            """).first() }
        guard let row = found else { return nil }
        return ChatFileRecord(
            id: try row.decode(column: "id", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            mimeType: try row.decode(column: "mime_type", as: String.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            content: try row.decode(column: "content", as: Data?.self) ?? Data())
    }
}
