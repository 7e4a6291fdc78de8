@preconcurrency import AsyncKit
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit

/// Which SQL engine backs a `Database`.
public enum DatabaseKind: String, Sendable {
    case sqlite
    case postgres
}

/// Where to find the database: a SQLite file (the embedded default) or a PostgreSQL URL.
public enum DatabaseLocation: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(url: String)

    public var kind: DatabaseKind {
        switch self {
        case .sqlite: .sqlite
        case .postgres: .postgres
        }
    }
}

/// A pool of connections to one SQL database, SQLite or PostgreSQL, behind one API.
///
/// Repositories write SQL once; the few dialect differences (how a write transaction starts, how writers for one
/// user are serialised) live here.
public final class Database: Sendable {
    public let kind: DatabaseKind
    let backend: any PoolBackend
    let logger: Logger
    /// Serialises SQLite write transactions in process (see `AsyncLock`); unused on PostgreSQL.
    let sqliteWriter = AsyncLock()
    /// SQLite calls block a thread each; a pool of our own keeps them off the shared one.
    let threadPool: NIOThreadPool?

    /// `connectionWait` bounds how long a request waits for a free connection before it fails.
    public init(_ location: DatabaseLocation, logger: Logger, maxConnections: Int? = nil,
                connectionWait: TimeAmount = .seconds(10)) throws {
        self.kind = location.kind
        self.logger = logger
        let group = MultiThreadedEventLoopGroup.singleton
        switch location {
        case .sqlite(let path):
            let pool = NIOThreadPool(numberOfThreads: 8)
            pool.start()
            threadPool = pool
            let source = TunedSQLiteSource(base: SQLiteConnectionSource(
                configuration: .init(storage: .file(path: path), enableForeignKeys: true),
                threadPool: pool))
            // SQLite allows one writer at a time; a few connections let readers proceed beside it (WAL).
            let perLoop = max(1, (maxConnections ?? 4) / max(1, System.coreCount))
            backend = Pooled(pool: EventLoopGroupConnectionPool(
                source: source, maxConnectionsPerEventLoop: perLoop, requestTimeout: connectionWait, on: group)) {
                $0.sql()
            }
        case .postgres(let url):
            threadPool = nil
            var configuration = try SQLPostgresConfiguration(url: url)
            // Opening a connection may take as long as waiting for one: a busy server on few cores accepts slowly.
            configuration.coreConfiguration.options.connectTimeout = connectionWait
            let source = PostgresConnectionSource(sqlConfiguration: configuration)
            let perLoop = max(1, (maxConnections ?? 8) / max(1, System.coreCount))
            backend = Pooled(pool: EventLoopGroupConnectionPool(
                source: source, maxConnectionsPerEventLoop: perLoop, requestTimeout: connectionWait, on: group)) {
                $0.sql()
            }
        }
    }

    /// Runs `body` with one connection held for its duration.
    public func withConnection<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await backend.withConnection(logger: logger, body)
    }

    /// Runs `body` in one write transaction: all of it commits or none of it does.
    ///
    /// On SQLite the transaction starts with `BEGIN IMMEDIATE`, taking the write lock up front so two writers never
    /// deadlock upgrading read locks. On PostgreSQL, `lockKeys` are taken as transaction-scoped advisory locks, which
    /// serialises writers that touch the same user's rows (for example session find-or-create).
    public func transaction<T: Sendable>(
        lockKeys: [String] = [], _ body: @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        let kind = self.kind
        if kind == .sqlite {
            return try await sqliteWriter.withLock {
                try await withConnection { db in try await Self.inTransaction(db, kind: kind, body) }
            }
        }
        return try await withConnection { db in try await Self.inTransaction(db, kind: kind, lockKeys: lockKeys, body) }
    }

    /// Runs `body` between `BEGIN` and `COMMIT` on one connection, rolling back when it throws.
    static func inTransaction<T: Sendable>(
        _ db: any SQLDatabase, kind: DatabaseKind, lockKeys: [String] = [],
        _ body: @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        try await db.raw(kind == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN").run()
        do {
            if kind == .postgres {
                for key in lockKeys.sorted() {
                    try await db.raw("SELECT pg_advisory_xact_lock(hashtextextended(\(bind: key), 0))").run()
                }
            }
            let result = try await body(db)
            try await db.raw("COMMIT").run()
            return result
        } catch {
            try? await db.raw("ROLLBACK").run()
            throw error
        }
    }

    public func shutdown() async {
        await backend.shutdown()
        try? await threadPool?.shutdownGracefully()
    }
}

protocol PoolBackend: Sendable {
    func withConnection<T: Sendable>(logger: Logger, _ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    func shutdown() async
}

/// `EventLoopGroupConnectionPool` is thread-safe; it predates `Sendable` annotations.
struct Pooled<Source: ConnectionPoolSource>: PoolBackend, @unchecked Sendable {
    let pool: EventLoopGroupConnectionPool<Source>
    let makeSQL: @Sendable (Source.Connection) -> any SQLDatabase

    init(pool: EventLoopGroupConnectionPool<Source>, makeSQL: @escaping @Sendable (Source.Connection) -> any SQLDatabase) {
        self.pool = pool
        self.makeSQL = makeSQL
    }

    func withConnection<T: Sendable>(logger: Logger, _ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let connection = try await pool.requestConnection(logger: logger).get()
        defer { pool.releaseConnection(connection, logger: logger) }
        return try await body(makeSQL(connection))
    }

    func shutdown() async {
        try? await pool.shutdownAsync()
    }
}

/// Opens SQLite connections with the settings every connection needs: a busy timeout so writers queue instead of
/// failing, and `synchronous=NORMAL`, which in WAL mode keeps every committed write across a process crash.
struct TunedSQLiteSource: ConnectionPoolSource {
    let base: SQLiteConnectionSource

    func makeConnection(logger: Logger, on eventLoop: any EventLoop) -> EventLoopFuture<SQLiteConnection> {
        base.makeConnection(logger: logger, on: eventLoop).flatMap { connection in
            connection.query("PRAGMA journal_mode = WAL")
                .flatMap { _ in connection.query("PRAGMA busy_timeout = 10000") }
                .flatMap { _ in connection.query("PRAGMA synchronous = NORMAL") }
                .map { _ in connection }
        }
    }
}
