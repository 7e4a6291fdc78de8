import Foundation
import SQLKit

/// The chat repository over SQL that runs unchanged on SQLite and PostgreSQL.
public struct SQLChatRepository: ChatRepository {
    let database: Database

    public init(database: Database) { self.database = database }

    static let sessionColumns = "id, title, preview, created_at, updated_at, app_scope, message_count, starred"
    static let messageColumns = """
        id, session_id, app_scope, text, sender, type, created_at, rating, reported, metadata, content_blocks,
        client_message_id, message_source, journal_revision
        """

    /// All chat writes of one user are serialised, so find-or-create of a session and counter updates never race.
    static func lockKey(_ uid: String) -> [String] { ["chat:\(uid)"] }

    // MARK: Sessions

    public func createSession(uid: String, title: String, appScope: String, now: Int64) async throws -> ChatSessionRecord {
        try await database.transaction(lockKeys: Self.lockKey(uid)) { db in
            try await Self.insertSession(db, uid: uid, title: title, appScope: appScope, now: now)
        }
    }

    static func insertSession(_ db: any SQLDatabase, uid: String, title: String, appScope: String,
                              now: Int64) async throws -> ChatSessionRecord {
        let record = ChatSessionRecord(id: RandomUUID.lowercased(), title: title, preview: nil, createdAt: now,
                                       updatedAt: now, appScope: appScope, messageCount: 0, starred: false)
        try await db.raw("""
            INSERT INTO chat_sessions (uid, id, title, preview, created_at, updated_at, app_scope, message_count, starred)
            VALUES (\(bind: uid), \(bind: record.id), \(bind: title), NULL, \(bind: now), \(bind: now),
                    \(bind: appScope), 0, \(bind: false))
            """).run()
        return record
    }

    public func listSessions(uid: String, appScope: String, starred: Bool?, limit: Int,
                             offset: Int) async throws -> [ChatSessionRecord] {
        try await database.withConnection { db in
            let rows: [any SQLRow]
            if let starred {
                rows = try await db.raw("""
                    SELECT \(unsafeRaw: Self.sessionColumns) FROM chat_sessions
                    WHERE uid = \(bind: uid) AND app_scope = \(bind: appScope) AND starred = \(bind: starred)
                    ORDER BY updated_at DESC, id DESC LIMIT \(bind: limit) OFFSET \(bind: offset)
                    """).all()
            } else {
                rows = try await db.raw("""
                    SELECT \(unsafeRaw: Self.sessionColumns) FROM chat_sessions
                    WHERE uid = \(bind: uid) AND app_scope = \(bind: appScope)
                    ORDER BY updated_at DESC, id DESC LIMIT \(bind: limit) OFFSET \(bind: offset)
                    """).all()
            }
            return try rows.map(Self.sessionRecord)
        }
    }

    public func session(uid: String, id: String) async throws -> ChatSessionRecord? {
        try await database.withConnection { db in try await Self.fetchSession(db, uid: uid, id: id) }
    }

    static func fetchSession(_ db: any SQLDatabase, uid: String, id: String) async throws -> ChatSessionRecord? {
        try await db.raw("""
            SELECT \(unsafeRaw: sessionColumns) FROM chat_sessions WHERE uid = \(bind: uid) AND id = \(bind: id)
            """).first().map(sessionRecord)
    }

    public func updateSession(uid: String, id: String, title: String?, starred: Bool?,
                              now: Int64) async throws -> ChatSessionRecord? {
        try await database.transaction(lockKeys: Self.lockKey(uid)) { db in
            guard var record = try await Self.fetchSession(db, uid: uid, id: id) else { return nil }
            if let title { record.title = title }
            if let starred { record.starred = starred }
            record.updatedAt = now
            try await db.raw("""
                UPDATE chat_sessions SET title = \(bind: record.title), starred = \(bind: record.starred),
                    updated_at = \(bind: now)
                WHERE uid = \(bind: uid) AND id = \(bind: id)
                """).run()
            return record
        }
    }

    public func deleteSession(uid: String, id: String) async throws {
        try await database.transaction(lockKeys: Self.lockKey(uid)) { db in
            try await db.raw("DELETE FROM chat_messages WHERE uid = \(bind: uid) AND session_id = \(bind: id)").run()
            try await db.raw("DELETE FROM chat_sessions WHERE uid = \(bind: uid) AND id = \(bind: id)").run()
        }
    }

    // MARK: Messages

    public func saveMessage(uid: String, draft: MessageDraft, now: Int64) async throws -> SaveOutcome {
        try await database.transaction(lockKeys: Self.lockKey(uid)) { db in
            // Only a client-chosen id can already exist; a fresh server UUID cannot.
            if draft.isClientId, let stored = try await Self.fetchMessage(db, uid: uid, id: draft.id) {
                return try await Self.replay(db, uid: uid, stored: stored, draft: draft)
            }
            var sessionId = draft.sessionId
            if sessionId == nil {
                if let latest = try await Self.latestSession(db, uid: uid, appScope: draft.appScope) {
                    sessionId = latest.id
                } else {
                    sessionId = try await Self.insertSession(db, uid: uid, title: "New Chat", appScope: draft.appScope,
                                                             now: now).id
                }
            }
            let record = ChatMessageRecord(
                id: draft.id, sessionId: sessionId, appScope: draft.appScope, text: draft.text, sender: draft.sender,
                createdAt: now, metadata: draft.metadata, contentBlocks: draft.contentBlocks,
                clientMessageId: draft.isClientId ? draft.id : nil, messageSource: draft.messageSource,
                journalRevision: draft.journalRevision)
            try await Self.insertMessage(db, uid: uid, record)
            if let sessionId {
                // An unknown session id is kept on the message (the client may have made it locally); no row moves.
                try await db.run(Self.countMessageStatement(now, Self.preview(of: draft.text), uid, sessionId))
            }
            if draft.sender == "human" && draft.messageSource == "desktop_chat" {
                try await db.run(Self.questionStatement(uid, Self.questionKey(id: draft.id, now: now), now))
            }
            return SaveOutcome(message: record, created: true, updated: false)
        }
    }

    /// The replay rules of chat.md §3.1: identity must match; revisions decide between no-op, update and conflict.
    static func replay(_ db: any SQLDatabase, uid: String, stored: ChatMessageRecord,
                       draft: MessageDraft) async throws -> SaveOutcome {
        guard stored.sender == draft.sender, (stored.messageSource ?? "desktop_chat") == draft.messageSource,
              stored.appScope == draft.appScope, draft.sessionId == nil || draft.sessionId == stored.sessionId
        else { throw ChatStoreError.payloadConflict }
        if let revision = draft.journalRevision {
            let storedRevision = stored.journalRevision ?? 1
            if revision < storedRevision { return SaveOutcome(message: stored, created: false, updated: false) }
            if revision > storedRevision {
                var updated = stored
                updated.text = draft.text
                updated.metadata = draft.metadata
                updated.contentBlocks = draft.contentBlocks
                updated.journalRevision = revision
                try await db.raw("""
                    UPDATE chat_messages SET text = \(bind: draft.text), metadata = \(bind: draft.metadata),
                        content_blocks = \(bind: draft.contentBlocks), journal_revision = \(bind: revision)
                    WHERE uid = \(bind: uid) AND id = \(bind: stored.id)
                    """).run()
                return SaveOutcome(message: updated, created: false, updated: true)
            }
        }
        guard stored.text == draft.text, stored.metadata == draft.metadata,
              draft.contentBlocks == nil || draft.contentBlocks == stored.contentBlocks
        else { throw ChatStoreError.payloadConflict }
        return SaveOutcome(message: stored, created: false, updated: false)
    }

    /// The usage event that counts a saved message as a chat question. Its key leads with the save's time, in fixed
    /// width hex, so a user's new keys follow each other in the key's B-tree: keyed by the random message id alone,
    /// every save wrote one more page at a random place in that tree (issue 12). Nothing reads the key; it only has to
    /// be unique, which the message's own key already makes it (a saved id replays before it gets here).
    static func questionKey(id: String, now: Int64) -> String {
        let time = String(UInt64(bitPattern: now), radix: 16)
        return "desktop_messages:" + String(repeating: "0", count: max(0, 16 - time.utf8.count)) + time + ":" + id
    }

    // The statements of a save, written once per dialect (`FixedStatement`).
    static let latestSessionStatement = FixedStatement("""
        SELECT \(sessionColumns) FROM chat_sessions WHERE uid = ? AND app_scope = ?
        ORDER BY updated_at DESC, created_at DESC, id DESC LIMIT 1
        """)
    static let insertMessageStatement = FixedStatement("""
        INSERT INTO chat_messages (uid, \(messageColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """)
    static let countMessageStatement = FixedStatement("""
        UPDATE chat_sessions SET updated_at = ?, message_count = message_count + 1, preview = ?
        WHERE uid = ? AND id = ?
        """)
    static let questionStatement = FixedStatement("""
        INSERT INTO usage_events (uid, event_key, kind, created_at) VALUES (?, ?, 'chat_question', ?)
        ON CONFLICT (uid, event_key) DO NOTHING
        """)

    static func latestSession(_ db: any SQLDatabase, uid: String, appScope: String) async throws -> ChatSessionRecord? {
        try await db.first(latestSessionStatement(uid, appScope), sessionRecord)
    }

    static func insertMessage(_ db: any SQLDatabase, uid: String, _ m: ChatMessageRecord) async throws {
        try await db.run(insertMessageStatement(
            uid, m.id, m.sessionId, m.appScope, m.text, m.sender, m.type, m.createdAt, m.rating.map(Int64.init),
            m.reported, m.metadata, m.contentBlocks, m.clientMessageId, m.messageSource, m.journalRevision))
    }

    static func fetchMessage(_ db: any SQLDatabase, uid: String, id: String) async throws -> ChatMessageRecord? {
        try await db.raw("""
            SELECT \(unsafeRaw: messageColumns) FROM chat_messages WHERE uid = \(bind: uid) AND id = \(bind: id)
            """).first().map(messageRecord)
    }

    /// The `WHERE` condition of a message scope.
    static func condition(_ scope: MessageScope) -> SQLQueryString {
        switch scope {
        case .session(let id): "session_id = \(bind: id)"
        case .app(let scope): "app_scope = \(bind: scope)"
        }
    }

    public func exportAll(uid: String) async throws -> (sessions: [ChatSessionRecord], messages: [ChatMessageRecord]) {
        try await database.withConnection { db in
            let sessions = try await db.raw("""
                SELECT \(unsafeRaw: Self.sessionColumns) FROM chat_sessions WHERE uid = \(bind: uid) ORDER BY created_at, id
                """).all().map(Self.sessionRecord)
            let messages = try await db.raw("""
                SELECT \(unsafeRaw: Self.messageColumns) FROM chat_messages WHERE uid = \(bind: uid) ORDER BY created_at, id
                """).all().map(Self.messageRecord)
            return (sessions, messages)
        }
    }

    public func listMessages(uid: String, scope: MessageScope, limit: Int, offset: Int) async throws -> [ChatMessageRecord] {
        try await database.withConnection { db in
            try await db.raw("""
                SELECT \(unsafeRaw: Self.messageColumns) FROM chat_messages
                WHERE uid = \(bind: uid) AND \(Self.condition(scope)) AND reported = \(bind: false)
                ORDER BY created_at DESC, id DESC LIMIT \(bind: limit) OFFSET \(bind: offset)
                """).all().map(Self.messageRecord)
        }
    }

    public func reconcile(uid: String, scope: MessageScope, cursor: String?, limit: Int) async throws -> ReconcileResult {
        try await database.withConnection { db in
            var position: (Int64, String)?
            if let cursor {
                guard let row = try await Self.fetchMessage(db, uid: uid, id: cursor) else {
                    throw ChatStoreError.invalidCursor
                }
                let inScope: Bool = switch scope {
                case .session(let id): row.sessionId == id
                case .app(let appScope): row.appScope == appScope
                }
                guard inScope else { throw ChatStoreError.invalidCursor }
                position = (row.createdAt, row.id)
            }
            let rows: [any SQLRow]
            if let position {
                rows = try await db.raw("""
                    SELECT \(unsafeRaw: Self.messageColumns) FROM chat_messages
                    WHERE uid = \(bind: uid) AND \(Self.condition(scope)) AND reported = \(bind: false)
                      AND (created_at < \(bind: position.0) OR (created_at = \(bind: position.0) AND id < \(bind: position.1)))
                    ORDER BY created_at DESC, id DESC LIMIT \(bind: limit + 1)
                    """).all()
            } else {
                rows = try await db.raw("""
                    SELECT \(unsafeRaw: Self.messageColumns) FROM chat_messages
                    WHERE uid = \(bind: uid) AND \(Self.condition(scope)) AND reported = \(bind: false)
                    ORDER BY created_at DESC, id DESC LIMIT \(bind: limit + 1)
                    """).all()
            }
            let records = try rows.map(Self.messageRecord)
            return ReconcileResult(messages: Array(records.prefix(limit)), hasMore: records.count > limit)
        }
    }

    public func deleteMessages(uid: String, scope: MessageScope) async throws -> Int {
        try await database.transaction(lockKeys: Self.lockKey(uid)) { db in
            let removed = try await db.raw("""
                SELECT session_id, text FROM chat_messages WHERE uid = \(bind: uid) AND \(Self.condition(scope))
                """).all().map { (try $0.decode(column: "session_id", as: String?.self), try $0.decode(column: "text", as: String.self)) }
            guard !removed.isEmpty else { return 0 }
            try await db.raw("DELETE FROM chat_messages WHERE uid = \(bind: uid) AND \(Self.condition(scope))").run()
            var bySession: [String: (count: Int, previews: Set<String>)] = [:]
            for (sessionId, text) in removed {
                guard let sessionId else { continue }
                bySession[sessionId, default: (0, [])].count += 1
                bySession[sessionId, default: (0, [])].previews.insert(Self.preview(of: text))
            }
            for (sessionId, change) in bySession {
                guard let session = try await Self.fetchSession(db, uid: uid, id: sessionId) else { continue }
                let preview = session.preview.flatMap { change.previews.contains($0) ? nil : $0 }
                try await db.raw("""
                    UPDATE chat_sessions SET message_count = \(bind: max(0, session.messageCount - change.count)),
                        preview = \(bind: preview)
                    WHERE uid = \(bind: uid) AND id = \(bind: sessionId)
                    """).run()
            }
            return removed.count
        }
    }

    public func rateMessage(uid: String, id: String, rating: Int?, appVersion: String?, now: Int64) async throws -> Bool {
        try await database.transaction(lockKeys: Self.lockKey(uid)) { db in
            guard try await db.raw("SELECT 1 AS found FROM chat_messages WHERE uid = \(bind: uid) AND id = \(bind: id)")
                .first() != nil else { return false }
            try await db.raw("""
                UPDATE chat_messages SET rating = \(bind: rating.map(Int64.init)) WHERE uid = \(bind: uid) AND id = \(bind: id)
                """).run()
            try await db.raw("""
                INSERT INTO chat_message_ratings (uid, message_id, value, platform, app_version, rated_at)
                VALUES (\(bind: uid), \(bind: id), \(bind: Int64(rating ?? 0)), 'desktop', \(bind: appVersion), \(bind: now))
                ON CONFLICT (uid, message_id) DO UPDATE SET value = excluded.value, platform = excluded.platform,
                    app_version = excluded.app_version, rated_at = excluded.rated_at
                """).run()
            return true
        }
    }

    public func countMessages(uid: String) async throws -> Int {
        try await database.withConnection { db in
            try await db.raw("""
                SELECT COUNT(*) AS n FROM chat_messages WHERE uid = \(bind: uid) AND reported = \(bind: false)
                """).first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    public func recentMessages(uid: String, sessionId: String, limit: Int) async throws -> [ChatMessageRecord] {
        try await listMessages(uid: uid, scope: .session(sessionId), limit: limit, offset: 0).reversed()
    }

    // MARK: Shares

    public func createShare(uid: String, token: String, senderName: String, messageIds: [String], now: Int64,
                            expiresAt: Int64) async throws {
        try await database.transaction(lockKeys: Self.lockKey(uid)) { db in
            let found = Set(try await db.raw("""
                SELECT id FROM chat_messages WHERE uid = \(bind: uid) AND id IN (\(binds: messageIds))
                """).all().map { try $0.decode(column: "id", as: String.self) })
            if let missing = messageIds.first(where: { !found.contains($0) }) {
                throw ChatStoreError.messageNotFound(missing)
            }
            let ids = String(decoding: try JSONEncoder().encode(messageIds), as: UTF8.self)
            try await db.raw("""
                INSERT INTO chat_shares (token, uid, sender_name, message_ids, created_at, expires_at)
                VALUES (\(bind: token), \(bind: uid), \(bind: senderName), \(bind: ids), \(bind: now), \(bind: expiresAt))
                """).run()
        }
    }

    public func share(token: String, now: Int64) async throws -> ChatShareRecord? {
        try await database.withConnection { db in
            guard let row = try await db.raw("""
                SELECT uid, sender_name, message_ids FROM chat_shares
                WHERE token = \(bind: token) AND expires_at > \(bind: now)
                """).first() else { return nil }
            let uid = try row.decode(column: "uid", as: String.self)
            let ids = try JSONDecoder().decode([String].self, from: Data(try row.decode(column: "message_ids", as: String.self).utf8))
            let messages = ids.isEmpty ? [] : try await db.raw("""
                SELECT \(unsafeRaw: Self.messageColumns) FROM chat_messages WHERE uid = \(bind: uid) AND id IN (\(binds: ids))
                """).all().map(Self.messageRecord)
            let byId = Dictionary(messages.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            return ChatShareRecord(senderName: try row.decode(column: "sender_name", as: String.self),
                                   messages: ids.compactMap { byId[$0] })
        }
    }

    // MARK: Rows

    /// The first 100 Unicode code points, the session preview rule.
    public static func preview(of text: String) -> String { text.prefix(scalars: 100) }

    static func sessionRecord(_ row: any SQLRow) throws -> ChatSessionRecord {
        let created = try row.decode(column: "created_at", as: Int64?.self)
        let updated = try row.decode(column: "updated_at", as: Int64?.self)
        return ChatSessionRecord(
            id: try row.decode(column: "id", as: String.self),
            title: try row.decode(column: "title", as: String?.self) ?? "New Chat",
            preview: try row.decode(column: "preview", as: String?.self),
            createdAt: created ?? updated ?? 0,
            updatedAt: updated ?? created ?? 0,
            appScope: try row.decode(column: "app_scope", as: String?.self) ?? "",
            messageCount: try row.decode(column: "message_count", as: Int?.self) ?? 0,
            starred: try row.decode(column: "starred", as: Bool?.self) ?? false)
    }

    static func messageRecord(_ row: any SQLRow) throws -> ChatMessageRecord {
        ChatMessageRecord(
            id: try row.decode(column: "id", as: String.self),
            sessionId: try row.decode(column: "session_id", as: String?.self),
            appScope: try row.decode(column: "app_scope", as: String?.self) ?? "",
            text: try row.decode(column: "text", as: String?.self) ?? "",
            sender: try row.decode(column: "sender", as: String?.self) ?? "human",
            type: try row.decode(column: "type", as: String?.self) ?? "text",
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            rating: try row.decode(column: "rating", as: Int?.self),
            reported: try row.decode(column: "reported", as: Bool?.self) ?? false,
            metadata: try row.decode(column: "metadata", as: String?.self),
            contentBlocks: try row.decode(column: "content_blocks", as: String?.self),
            clientMessageId: try row.decode(column: "client_message_id", as: String?.self),
            messageSource: try row.decode(column: "message_source", as: String?.self),
            journalRevision: try row.decode(column: "journal_revision", as: Int64?.self))
    }
}
