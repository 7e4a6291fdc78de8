@preconcurrency import AsyncKit
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit

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
    let backend: Backend
    let logger: Logger

    enum Backend: Sendable {
        case pooled(any PoolBackend)
        case sqlite(SQLiteStore)
    }

    /// `connectionWait` bounds how long a request waits for a free PostgreSQL connection before it fails. On SQLite,
    /// `maxConnections` is the number of readers beside the one writer.
    public init(_ location: DatabaseLocation, logger: Logger, maxConnections: Int? = nil,
                connectionWait: TimeAmount = .seconds(10)) throws {
        self.kind = location.kind
        self.logger = logger
        switch location {
        case .sqlite(let path):
            backend = .sqlite(try SQLiteStore(path: path, readers: maxConnections ?? 4, logger: logger))
        case .postgres(let url):
            var configuration = try SQLPostgresConfiguration(url: url)
            // Opening a connection may take as long as waiting for one: a busy server on few cores accepts slowly.
            configuration.coreConfiguration.options.connectTimeout = connectionWait
            let source = PostgresConnectionSource(sqlConfiguration: configuration)
            let perLoop = max(1, (maxConnections ?? 8) / max(1, System.coreCount))
            backend = .pooled(Pooled(pool: EventLoopGroupConnectionPool(
                source: source, maxConnectionsPerEventLoop: perLoop, requestTimeout: connectionWait,
                on: MultiThreadedEventLoopGroup.singleton)) {
                PostgresTextDatabase(base: $0.sql())
            })
        }
    }

    /// Runs `body` with one connection held for its duration.
    public func withConnection<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        switch backend {
        case .pooled(let pool): try await pool.withConnection(logger: logger, body)
        case .sqlite(let store): try await store.withReader(body)
        }
    }

    /// Runs `body` on the connection that changes the schema: SQLite's writer, so nothing writes beside it.
    func withSchemaConnection<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        switch backend {
        case .pooled(let pool): try await pool.withConnection(logger: logger, body)
        case .sqlite(let store): try await store.withWriter(body)
        }
    }

    /// Runs `body` in one write transaction: all of it commits or none of it does.
    ///
    /// On SQLite the transaction runs on the one writer connection, as a savepoint in a batch that commits several
    /// requests' transactions at once (`GroupCommit`); it returns only once that batch is committed. On PostgreSQL,
    /// `lockKeys` are taken as transaction-scoped advisory locks, which serialises writers that touch the same user's
    /// rows (for example session find-or-create).
    public func transaction<T: Sendable>(
        lockKeys: [String] = [], _ body: @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        let kind = self.kind
        switch backend {
        case .sqlite(let store):
            return try await store.groupCommit.transaction(store: store, body)
        case .pooled(let pool):
            return try await pool.withConnection(logger: logger) { db in
                try await Self.inTransaction(db, kind: kind, lockKeys: lockKeys, body)
            }
        }
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
        switch backend {
        case .pooled(let pool): await pool.shutdown()
        case .sqlite(let store): store.close()
        }
    }
}

protocol PoolBackend: Sendable {
    func withConnection<T: Sendable>(logger: Logger, _ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    func shutdown() async
}

/// `EventLoopGroupConnectionPool` is thread-safe; it predates `Sendable` annotations. A connection crosses from the
/// pool's event loop to the caller's task, so it must be `Sendable` itself (PostgreSQL's is).
struct Pooled<Source: ConnectionPoolSource>: PoolBackend, @unchecked Sendable where Source.Connection: Sendable {
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
