import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import Synchronization
import VaporCSQLite

/// The SQLite side of `Database`: one writer connection and a few readers, called directly on the caller's thread.
///
/// Statements here take microseconds, so each runs in place instead of hopping to an I/O thread and back; a save of a
/// chat message is six statements, and the hops, not SQLite, were what capped writes (issue 12). Prepared statements
/// are kept per connection. Writers are serialised in process by `writerLock`, so a writer never waits inside
/// SQLite's busy handler on a thread it shares with other requests; readers never wait in WAL mode.
final class SQLiteStore: Sendable {
    let writer: SQLiteDirectConnection
    private let readers: ConnectionQueue
    let checkpointer: WALCheckpointer
    let writerLock = AsyncLock()
    let groupCommit = GroupCommit()
    let logger: Logger
    /// Statements are logged at this level.
    static let queryLogLevel = Logger.Level.debug
    /// Whether statements are logged: read once, since the log level sits behind the handler's existential and each
    /// statement asked for it.
    let logsQueries: Bool
    private let closed = Atomic(false)

    init(path: String, readers count: Int, logger: Logger) throws {
        self.logger = logger
        logsQueries = logger.logLevel <= Self.queryLogLevel
        writer = try SQLiteDirectConnection(path: path)
        checkpointer = try WALCheckpointer(path: path)
        writer.checkpointAfterCommits(checkpointer)
        readers = ConnectionQueue(try (0..<max(1, count)).map { _ in try SQLiteDirectConnection(path: path) })
    }

    /// A reader for the duration of `body`; a write through it takes the writer lock for that statement.
    func withReader<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try checkOpen()
        let connection = await readers.take()
        defer { readers.give(back: connection) }
        return try await body(SQLiteDirectDatabase(connection: connection, store: self, isWriter: false))
    }

    /// The writer connection, with the writer lock held for the duration of `body`.
    func withWriter<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try checkOpen()
        return try await writerLock.withLock {
            try await SQLiteStore.$holdsWriter.withValue(true) {
                try await body(SQLiteDirectDatabase(connection: writer, store: self, isWriter: true))
            }
        }
    }

    func close() {
        closed.store(true, ordering: .relaxed)
        // The checkpointer first: the writer's close then checkpoints what is left and removes the log.
        checkpointer.stop()
        writer.close()
        readers.closeAll()
    }

    /// After `close`, a caller learns the database is gone (readiness reports a transport failure), not a SQL error.
    private func checkOpen() throws {
        if closed.load(ordering: .relaxed) { throw SQLiteFailure(code: SQLITE_MISUSE, message: "the database is closed") }
    }

    /// Set while a task holds the writer: a write it makes through a reader must not wait for the lock it holds.
    @TaskLocal static var holdsWriter = false
}

/// Connections handed out first come, first served; a taker waits while all are in use.
final class ConnectionQueue: Sendable {
    private struct State {
        var free: [SQLiteDirectConnection]
        var all: [SQLiteDirectConnection]
        var waiters: [CheckedContinuation<SQLiteDirectConnection, Never>] = []
    }

    private let state: Mutex<State>

    init(_ connections: [SQLiteDirectConnection]) {
        state = Mutex(State(free: connections, all: connections))
    }

    func take() async -> SQLiteDirectConnection {
        if let connection = state.withLock({ $0.free.popLast() }) { return connection }
        return await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> SQLiteDirectConnection? in
                if let connection = state.free.popLast() { return connection }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    func give(back connection: SQLiteDirectConnection) {
        let waiter = state.withLock { state -> CheckedContinuation<SQLiteDirectConnection, Never>? in
            if state.waiters.isEmpty {
                state.free.append(connection)
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume(returning: connection)
    }

    func closeAll() {
        for connection in state.withLock({ $0.all }) { connection.close() }
    }
}

/// A failed SQLite call: the result code and SQLite's message (never shown to clients; see `ErrorResponses`).
struct SQLiteFailure: Error, CustomStringConvertible {
    let code: Int32
    let message: String
    var description: String { "SQLite error \(code): \(message)" }
}

/// One SQLite connection, used by one caller at a time (the store hands it out), with its prepared statements.
final class SQLiteDirectConnection: @unchecked Sendable {
    private var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    /// Each cached statement's column names, with how many times SQLite had re-prepared it when they were read: a
    /// re-prepared statement (after a schema change) may name other columns. Building them for every run was 1% of a
    /// chat message save.
    private var columnNames: [OpaquePointer: (reprepared: Int32, columns: SQLiteDirectRow.Columns)] = [:]
    /// Statements whose SQL varies (an `IN` list of any length) would otherwise pile up.
    private static let cachedStatementLimit = 256
    /// Bound values above this size are released after the statement runs.
    private static let largeValue = 16 * 1024

    init(path: String) throws {
        let flags = SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI
            | SQLITE_OPEN_EXRESCODE
        var handle: OpaquePointer?
        let status = sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite_nio_sqlite3_close_v2(handle)
            throw SQLiteFailure(code: status, message: message)
        }
        self.handle = handle
        // The busy timeout first: it matters when another process (the admin CLI) holds a lock, and switching to WAL
        // may need one. `synchronous=NORMAL` in WAL mode keeps every committed write across a process crash. No
        // memory-mapped I/O: the mapped file would count in the process's resident memory and grow with the database,
        // and reads are not where the time goes.
        for pragma in ["PRAGMA busy_timeout = 10000", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL",
                       "PRAGMA foreign_keys = ON"] {
            try run(pragma, binds: []) { _ in }
        }
    }

    /// Runs the first statement of `sql`, calling `onRow` for each row, and leaves the statement ready for reuse.
    func run(_ sql: String, binds: [SQLiteData], onRow: (SQLiteDirectRow) throws -> Void) throws {
        let statement = try prepare(sql)
        var holdsLargeValue = true  // until `bind` returns: a failed bind leaves nothing bound behind
        defer {
            sqlite_nio_sqlite3_reset(statement)
            // Clearing bindings marks a statement whose plan looked at a bound value (SQLite 3.54 does this for
            // `column = ?` terms) for re-preparation, which cost a save 10% of its time; every parameter is bound
            // again on the next use anyway. Large values are released so a cached statement does not hold them.
            if holdsLargeValue { sqlite_nio_sqlite3_clear_bindings(statement) }
        }
        holdsLargeValue = try bind(binds, to: statement)
        var columns: SQLiteDirectRow.Columns?
        while true {
            let status = sqlite_nio_sqlite3_step(statement)
            if status == SQLITE_DONE { return }
            guard status == SQLITE_ROW else { throw failure(status) }
            if columns == nil { columns = self.columns(of: statement) }
            try onRow(SQLiteDirectRow(columns: columns!, values: values(of: statement, count: columns!.names.count)))
        }
    }

    /// Hands the log's checkpoints to `checkpointer`: this replaces SQLite's automatic checkpoint on this connection.
    func checkpointAfterCommits(_ checkpointer: WALCheckpointer) {
        _ = sqlite_nio_sqlite3_wal_hook(handle, walCommitHook, Unmanaged.passUnretained(checkpointer).toOpaque())
    }

    /// Copies what it can of the log into the database file without waiting for a reader or the writer.
    func checkpointPassive() throws {
        let status = Self.checkpointPassive(handle)
        guard status == SQLITE_OK else { throw failure(status) }
    }

    /// The same on a raw handle, for SQLite's commit hook, which is given one.
    static func checkpointPassive(_ handle: OpaquePointer?) -> Int32 {
        sqlite_nio_sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
    }

    /// How many times SQLite has had to prepare the cached `sql` again (a plan invalidated by a new binding, say).
    func timesReprepared(_ sql: String) -> Int {
        statements[sql].map { Int(sqlite_nio_sqlite3_stmt_status($0, SQLITE_STMTSTATUS_REPREPARE, 0)) } ?? 0
    }

    /// Whether `sql` would write, and whether this connection is outside a transaction of its own.
    func writesOutsideTransaction(_ sql: String) throws -> Bool {
        let statement = try prepare(sql)
        return sqlite_nio_sqlite3_stmt_readonly(statement) == 0 && sqlite_nio_sqlite3_get_autocommit(handle) != 0
    }

    private func prepare(_ sql: String) throws -> OpaquePointer {
        if let cached = statements[sql] { return cached }
        var statement: OpaquePointer?
        let status = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == SQLITE_OK else { throw failure(status) }
        guard let statement else { throw SQLiteFailure(code: SQLITE_MISUSE, message: "empty statement") }
        if statements.count >= Self.cachedStatementLimit {
            for (_, old) in statements { sqlite_nio_sqlite3_finalize(old) }
            statements.removeAll(keepingCapacity: true)
            // A new statement may reuse a finalised one's address.
            columnNames.removeAll(keepingCapacity: true)
        }
        statements[sql] = statement
        return statement
    }

    private func columns(of statement: OpaquePointer) -> SQLiteDirectRow.Columns {
        let reprepared = sqlite_nio_sqlite3_stmt_status(statement, SQLITE_STMTSTATUS_REPREPARE, 0)
        if let known = columnNames[statement], known.reprepared == reprepared { return known.columns }
        let columns = SQLiteDirectRow.Columns(statement)
        columnNames[statement] = (reprepared, columns)
        return columns
    }

    /// Binds every parameter of `statement` (those beyond `binds` to NULL, so nothing is left from an earlier use);
    /// returns whether a text or blob over 16 KiB was bound.
    private func bind(_ binds: [SQLiteData], to statement: OpaquePointer) throws -> Bool {
        var holdsLargeValue = false
        let parameters = Int(sqlite_nio_sqlite3_bind_parameter_count(statement))
        if binds.count < parameters {
            for index in binds.count..<parameters { sqlite_nio_sqlite3_bind_null(statement, Int32(index + 1)) }
        }
        for (offset, value) in binds.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32 = switch value {
            case .integer(let n): sqlite_nio_sqlite3_bind_int64(statement, index, Int64(n))
            case .float(let x): sqlite_nio_sqlite3_bind_double(statement, index, x)
            case .text(let text): Self.bindText(text, at: index, to: statement)
            case .blob(let bytes):
                bytes.withUnsafeReadableBytes {
                    sqlite_nio_sqlite3_bind_blob64(statement, index, $0.baseAddress, UInt64($0.count), transientBinding)
                }
            case .null: sqlite_nio_sqlite3_bind_null(statement, index)
            }
            guard status == SQLITE_OK else { throw failure(status) }
            switch value {
            case .text(let text): holdsLargeValue = holdsLargeValue || text.utf8.count > Self.largeValue
            case .blob(let bytes): holdsLargeValue = holdsLargeValue || bytes.readableBytes > Self.largeValue
            default: break
            }
        }
        return holdsLargeValue
    }

    /// Binds `text` from its own UTF-8 (SQLite copies it). Passed as a `String` to the C function, a string stored
    /// inline (up to 15 bytes, like most app names and device ids) was first copied into a new array, one allocation
    /// per bind.
    private static func bindText(_ text: String, at index: Int32, to statement: OpaquePointer) -> Int32 {
        var text = text
        return text.withUTF8 { utf8 in
            // A null pointer would bind NULL rather than ''.
            guard let start = utf8.baseAddress else {
                return sqlite_nio_sqlite3_bind_text64(statement, index, "", 0, transientBinding, UInt8(SQLITE_UTF8))
            }
            return start.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                sqlite_nio_sqlite3_bind_text64(statement, index, $0, UInt64(utf8.count), transientBinding,
                                               UInt8(SQLITE_UTF8))
            }
        }
    }

    private func values(of statement: OpaquePointer, count: Int) throws -> [SQLiteData] {
        var values: [SQLiteData] = []
        values.reserveCapacity(count)
        for column in 0..<Int32(count) {
            switch sqlite_nio_sqlite3_column_type(statement, column) {
            case SQLITE_INTEGER: values.append(.integer(.init(sqlite_nio_sqlite3_column_int64(statement, column))))
            case SQLITE_FLOAT: values.append(.float(sqlite_nio_sqlite3_column_double(statement, column)))
            case SQLITE_TEXT:
                guard let text = sqlite_nio_sqlite3_column_text(statement, column) else {
                    throw SQLiteFailure(code: SQLITE_ERROR, message: "unexpected nil column text")
                }
                // By its length, not up to the first NUL: JSON text may hold `\u0000`, and it is stored whole.
                let length = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
                values.append(.text(String(decoding: UnsafeBufferPointer(start: text, count: length), as: UTF8.self)))
            case SQLITE_BLOB:
                let length = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
                var buffer = ByteBufferAllocator().buffer(capacity: length)
                if let bytes = sqlite_nio_sqlite3_column_blob(statement, column) {
                    buffer.writeBytes(UnsafeRawBufferPointer(start: bytes, count: length))
                }
                values.append(.blob(buffer))
            default: values.append(.null)
            }
        }
        return values
    }

    private func failure(_ status: Int32) -> SQLiteFailure {
        SQLiteFailure(code: status, message: handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "closed")
    }

    func close() {
        for (_, statement) in statements { sqlite_nio_sqlite3_finalize(statement) }
        statements.removeAll()
        columnNames.removeAll()
        sqlite_nio_sqlite3_close_v2(handle)
        handle = nil
    }
}

private let transientBinding = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One row of a direct query. Column names are shared by the rows of one statement.
struct SQLiteDirectRow: SQLRow {
    /// Every value of every row is looked up by column name; hashing the name for a dictionary was 9% of a task
    /// list (29 columns, 50 rows). So names are first found through a small table keyed by their length and first
    /// and last two bytes, which needs no hashing, and confirmed by comparison; the dictionary serves the rest. The
    /// table's multiplier is chosen per statement so that no two of its names share a slot where another multiplier
    /// parts them: with a fixed one, 8 of a task's 29 names shared and went to the dictionary (3% of a task list).
    final class Columns: Sendable {
        let names: [String]
        let index: [String: Int]
        /// Column offset + 1 by `slot(of:)`; 0 for an empty slot or one two names share.
        private let slots: [Int]
        private let multiplier: UInt64
        private static let slotBits: UInt64 = 8

        init(_ statement: OpaquePointer) {
            let count = Int(sqlite_nio_sqlite3_column_count(statement))
            names = (0..<count).map { String(cString: sqlite_nio_sqlite3_column_name(statement, Int32($0))) }
            var index: [String: Int] = [:]
            // The first of two same-named columns wins, as with SQLiteNIO's rows.
            for (offset, name) in names.enumerated() where index[name] == nil { index[name] = offset }
            self.index = index
            var best: (slots: [Int], multiplier: UInt64, shared: Int)?
            for attempt in UInt64(0)..<16 {
                let multiplier = 0x9E37_79B9_7F4A_7C15 &+ attempt &* 0x1000_0000_0000_0002
                var slots = [Int](repeating: 0, count: 1 << Self.slotBits)
                var shared = Set<Int>()
                for (name, offset) in index {
                    let slot = Self.slot(of: name, multiplier: multiplier)
                    if slots[slot] == 0 && !shared.contains(slot) { slots[slot] = offset + 1 } else {
                        slots[slot] = 0
                        shared.insert(slot)
                    }
                }
                let sharing = index.count - slots.lazy.filter { $0 > 0 }.count
                if best == nil || sharing < best!.shared { best = (slots, multiplier, sharing) }
                if sharing == 0 { break }
            }
            slots = best!.slots
            multiplier = best!.multiplier
        }

        /// Read from the name's contiguous UTF-8, which every native and literal string has: walking `String.UTF8View`
        /// by index for four bytes was two thirds of the lookup (4% of a task list).
        private static func slot(of name: String, multiplier: UInt64) -> Int {
            let key = name.utf8.withContiguousStorageIfAvailable(slotKey) ?? slotKey(Array(name.utf8))
            return Int(truncatingIfNeeded: (key &* multiplier) >> (64 - slotBits))
        }

        private static func slotKey(_ utf8: UnsafeBufferPointer<UInt8>) -> UInt64 {
            let count = utf8.count
            var key = UInt64(truncatingIfNeeded: count)
            guard count > 0 else { return key }
            key |= UInt64(utf8[0]) << 16 | UInt64(utf8[count - 1]) << 24
            if count >= 2 { key |= UInt64(utf8[1]) << 32 | UInt64(utf8[count - 2]) << 40 }
            return key
        }

        private static func slotKey(_ utf8: [UInt8]) -> UInt64 { utf8.withUnsafeBufferPointer(slotKey) }

        func offset(of name: String) -> Int? {
            let candidate = slots[Self.slot(of: name, multiplier: multiplier)]
            if candidate > 0, names[candidate - 1] == name { return candidate - 1 }
            return index[name]
        }
    }

    struct MissingColumn: Error, CustomStringConvertible {
        let column: String
        var description: String { "no column \(column) in the row" }
    }

    let columns: Columns
    let values: [SQLiteData]

    var allColumns: [String] { columns.names }

    func contains(column: String) -> Bool { columns.offset(of: column) != nil }

    func decodeNil(column: String) throws -> Bool { try value(column) == .null }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        let value = try value(column)
        // The common scalar types directly; anything else goes through SQLiteKit's decoder, as before. `D` has just
        // been compared with the exact type, so a bit cast is the value itself (an `as!` cast was 4% of a task list).
        switch value {
        case .text(let text):
            if D.self == String.self { return unsafeBitCast(text, to: D.self) }
            if D.self == String?.self { return unsafeBitCast(Optional(text), to: D.self) }
        case .integer(let n):
            if D.self == Int64.self { return unsafeBitCast(Int64(n), to: D.self) }
            if D.self == Int64?.self { return unsafeBitCast(Optional(Int64(n)), to: D.self) }
            if D.self == Int.self { return unsafeBitCast(Int(n), to: D.self) }
            if D.self == Int?.self { return unsafeBitCast(Optional(Int(n)), to: D.self) }
            if D.self == Bool.self && (n == 0 || n == 1) { return unsafeBitCast(n == 1, to: D.self) }
            if D.self == Bool?.self && (n == 0 || n == 1) { return unsafeBitCast(Optional(n == 1), to: D.self) }
        case .float(let x):
            if D.self == Double.self { return unsafeBitCast(x, to: D.self) }
            if D.self == Double?.self { return unsafeBitCast(Optional(x), to: D.self) }
        case .null:
            if D.self == String?.self { return unsafeBitCast(String?.none, to: D.self) }
            if D.self == Int64?.self { return unsafeBitCast(Int64?.none, to: D.self) }
            if D.self == Int?.self { return unsafeBitCast(Int?.none, to: D.self) }
            if D.self == Bool?.self { return unsafeBitCast(Bool?.none, to: D.self) }
            if D.self == Double?.self { return unsafeBitCast(Double?.none, to: D.self) }
        case .blob:
            break
        }
        return try SQLiteDirectDatabase.decoder.decode(D.self, from: value)
    }

    private func value(_ column: String) throws -> SQLiteData {
        guard let offset = columns.offset(of: column) else { throw MissingColumn(column: column) }
        return values[offset]
    }
}

/// SQLKit's view of one direct connection.
struct SQLiteDirectDatabase: SQLDatabase {
    static let encoder = SQLiteDataEncoder()
    static let decoder = SQLiteDataDecoder()

    let connection: SQLiteDirectConnection
    let store: SQLiteStore
    let isWriter: Bool

    var logger: Logger { store.logger }
    var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }
    var dialect: any SQLDialect { SQLiteDialect() }
    var queryLogLevel: Logger.Level? { SQLiteStore.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        do {
            let (sql, binds) = try serialized(query)
            try connection.run(sql, binds: binds) { onRow($0) }
            return eventLoop.makeSucceededVoidFuture()
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        let (sql, binds) = serialize(query)
        try await execute(text: sql, binds: binds, onRow)
    }

    /// Runs `sql` as written (`PrewrittenStatement` comes here without `SQLSerializer`).
    func execute(text sql: String, binds: [any Encodable & Sendable],
                 _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await execute(text: sql, data: converted(binds), onRow)
    }

    /// Runs `sql` as written with binds already converted (`SQLValue`).
    func execute(text sql: String, data binds: [SQLiteData],
                 _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        logIfAsked(sql)
        if !isWriter, !SQLiteStore.holdsWriter, try connection.writesOutsideTransaction(sql) {
            try await store.writerLock.withLock { try connection.run(sql, binds: binds) { onRow($0) } }
        } else {
            try connection.run(sql, binds: binds) { onRow($0) }
        }
    }

    private func serialized(_ query: any SQLExpression) throws -> (String, [SQLiteData]) {
        let (sql, binds) = serialize(query)
        logIfAsked(sql)
        return (sql, try converted(binds))
    }

    private func converted(_ binds: [any Encodable & Sendable]) throws -> [SQLiteData] {
        try binds.map(Self.sqliteData)
    }

    private func logIfAsked(_ sql: String) {
        if store.logsQueries {
            logger.log(level: SQLiteStore.queryLogLevel, "Executing query", metadata: ["sql": .string(sql)])
        }
    }

    /// The bind types repositories use most, converted as `SQLiteDataEncoder` would, without its cast to a protocol
    /// (a conformance lookup per value: 9% of a 20-row screen sync). Anything else goes to the encoder.
    ///
    /// The first case also takes every nil: Swift casts a nil of any optional type to `String?` as nil. Before, a nil
    /// failed all five casts and then went through the encoder; a screen-sync row binds six of them.
    ///
    /// The value's type is compared first, with the existential opened: a cast that fails is the slow part of Swift's
    /// dynamic casting, and an integer went through a failed cast to `String?` before it reached its own case (5% of
    /// a screen sync, whose rows are mostly optionals and integers).
    static func sqliteData(_ value: any Encodable & Sendable) throws -> SQLiteData {
        if let data = knownTypeData(value) { return data }
        return switch value {
        case let text as String?: text.map(SQLiteData.text) ?? .null
        case let number as Int64: .integer(Int(number))
        case let number as Int: .integer(number)
        case let flag as Bool: .integer(flag ? 1 : 0)
        case let number as Double: .float(number)
        default: try encoder.encode(value)
        }
    }

    /// `value` converted when `T` is one of the types below, else nil. Equal types have equal layouts, so each bit
    /// cast only renames the value.
    private static func knownTypeData<T: Encodable>(_ value: T) -> SQLiteData? {
        if T.self == String.self { return .text(unsafeBitCast(value, to: String.self)) }
        if T.self == String?.self { return unsafeBitCast(value, to: String?.self).map(SQLiteData.text) ?? .null }
        if T.self == Int64.self { return .integer(Int(unsafeBitCast(value, to: Int64.self))) }
        if T.self == Int64?.self { return unsafeBitCast(value, to: Int64?.self).map { .integer(Int($0)) } ?? .null }
        if T.self == Bool.self { return .integer(unsafeBitCast(value, to: Bool.self) ? 1 : 0) }
        if T.self == Bool?.self { return unsafeBitCast(value, to: Bool?.self).map { .integer($0 ? 1 : 0) } ?? .null }
        if T.self == Int?.self { return unsafeBitCast(value, to: Int?.self).map(SQLiteData.integer) ?? .null }
        // A row without an embedding binds a nil blob; a blob itself goes to the encoder.
        if T.self == Data?.self, unsafeBitCast(value, to: Data?.self) == nil { return .null }
        return nil
    }
}
