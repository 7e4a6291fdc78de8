import Logging
import SQLKit

/// One numbered schema change. `statements` run unchanged on SQLite and PostgreSQL; the few engine-specific objects
/// (full-text search) go in `sqlite` and `postgres`, applied after them.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let statements: [String]
    public var sqlite: [String] = []
    public var postgres: [String] = []

    public func statements(for kind: DatabaseKind) -> [String] {
        statements + (kind == .sqlite ? sqlite : postgres)
    }
}

/// The schema, as numbered migrations applied in order. Never edit an applied migration; add the next number.
public enum Migrations {
    public static let all: [Migration] = [
        Migration(version: 1, name: "users", statements: [
            """
            CREATE TABLE users (
                uid TEXT PRIMARY KEY,
                created_at BIGINT NOT NULL,
                email TEXT,
                name TEXT
            )
            """,
        ]),
        Migration(version: 2, name: "chat", statements: [
            """
            CREATE TABLE chat_sessions (
                uid TEXT NOT NULL,
                id TEXT NOT NULL,
                title TEXT NOT NULL,
                preview TEXT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                app_scope TEXT NOT NULL,
                message_count BIGINT NOT NULL DEFAULT 0,
                starred BOOLEAN NOT NULL DEFAULT FALSE,
                PRIMARY KEY (uid, id)
            )
            """,
            "CREATE INDEX chat_sessions_by_scope ON chat_sessions (uid, app_scope, updated_at, id)",
            """
            CREATE TABLE chat_messages (
                uid TEXT NOT NULL,
                id TEXT NOT NULL,
                session_id TEXT,
                app_scope TEXT NOT NULL,
                text TEXT NOT NULL,
                sender TEXT NOT NULL,
                type TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                rating BIGINT,
                reported BOOLEAN NOT NULL DEFAULT FALSE,
                metadata TEXT,
                content_blocks TEXT,
                client_message_id TEXT,
                message_source TEXT,
                journal_revision BIGINT,
                PRIMARY KEY (uid, id)
            )
            """,
            "CREATE INDEX chat_messages_by_scope ON chat_messages (uid, app_scope, created_at, id)",
            "CREATE INDEX chat_messages_by_session ON chat_messages (uid, session_id, created_at, id)",
            """
            CREATE TABLE chat_message_ratings (
                uid TEXT NOT NULL,
                message_id TEXT NOT NULL,
                value BIGINT NOT NULL,
                platform TEXT NOT NULL,
                app_version TEXT,
                rated_at BIGINT NOT NULL,
                PRIMARY KEY (uid, message_id)
            )
            """,
            """
            CREATE TABLE chat_shares (
                token TEXT PRIMARY KEY,
                uid TEXT NOT NULL,
                sender_name TEXT NOT NULL,
                message_ids TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX chat_shares_by_uid ON chat_shares (uid)",
            """
            CREATE TABLE usage_events (
                uid TEXT NOT NULL,
                event_key TEXT NOT NULL,
                kind TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (uid, event_key)
            )
            """,
        ]),
        tasks,
        conversations,
        knowledge,
        accounts,
        userSettings,
        focus,
        apps,
        platform,
        releases,
        agentVM,
        meters,
        chatFiles,
        taskListOrder,
        processingSweep,
        deletionCleanup,
        usageEventTimes,
    ]
}

extension Database {
    /// Applies every migration not yet recorded, each in its own transaction, and returns the versions applied.
    ///
    /// On PostgreSQL a session advisory lock makes concurrent starts of several instances apply each migration once.
    @discardableResult
    public func migrate(_ migrations: [Migration] = Migrations.all) async throws -> [Int] {
        let kind = self.kind
        let logger = self.logger
        return try await withSchemaConnection { db in
            if kind == .postgres { try await db.raw("SELECT pg_advisory_lock(7210398)").run() }
            do {
                let applied = try await Self.applyPending(migrations, db: db, kind: kind, logger: logger)
                if kind == .postgres { try await db.raw("SELECT pg_advisory_unlock(7210398)").run() }
                return applied
            } catch {
                if kind == .postgres { try? await db.raw("SELECT pg_advisory_unlock(7210398)").run() }
                throw error
            }
        }
    }

    static func applyPending(
        _ migrations: [Migration], db: any SQLDatabase, kind: DatabaseKind, logger: Logger
    ) async throws -> [Int] {
        try await db.raw("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)
            """).run()
        let done = Set(try await db.raw("SELECT version FROM schema_migrations").all()
            .map { try $0.decode(column: "version", as: Int.self) })
        var applied: [Int] = []
        for migration in migrations.sorted(by: { $0.version < $1.version }) where !done.contains(migration.version) {
            try await Database.inTransaction(db, kind: kind) { db in
                for statement in migration.statements(for: kind) { try await db.raw("\(unsafeRaw: statement)").run() }
                try await db.raw("""
                    INSERT INTO schema_migrations (version, name, applied_at)
                    VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: Clock.nowMicros()))
                    """).run()
            }
            logger.info("applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            applied.append(migration.version)
        }
        return applied
    }

    /// The highest applied migration, or nil when the schema table is missing.
    public func schemaVersion() async throws -> Int? {
        try await withConnection { db in
            do {
                return try await db.raw("SELECT MAX(version) AS v FROM schema_migrations").first()?
                    .decode(column: "v", as: Int?.self)
            } catch {
                return nil
            }
        }
    }
}
