import Logging
import NIOCore
import SQLKit

/// A PostgreSQL database whose text binds never carry U+0000.
///
/// PostgreSQL text cannot hold a NUL: a bind with one fails the whole statement, so a chat message, a task or an id
/// in a URL holding `\u0000` answered 500 (schemathesis found five such routes once it ran on this engine). SQLite
/// stores such text whole. Refusing the request instead would lose a whole screen-activity batch for one stray byte
/// in a window title, so here each NUL is stored as U+FFFD, the replacement character: the write succeeds, the
/// change is visible, and an id holding one matches nothing and answers 404.
struct PostgresTextDatabase: SQLDatabase {
    let base: any SQLDatabase

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
    var queryLogLevel: Logger.Level? { base.queryLogLevel }

    func execute(sql query: any SQLExpression,
                 _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        base.execute(sql: NULFreeBinds(query), onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await base.execute(sql: NULFreeBinds(query), onRow)
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await base.withSession { try await closure(PostgresTextDatabase(base: $0)) }
    }
}

/// `query` with U+0000 in its text binds (a string, an optional string or an array of strings) replaced by U+FFFD.
struct NULFreeBinds: SQLExpression {
    let query: any SQLExpression

    init(_ query: any SQLExpression) { self.query = query }

    func serialize(to serializer: inout SQLSerializer) {
        let start = serializer.binds.count
        query.serialize(to: &serializer)
        for index in start..<serializer.binds.count {
            if let clean = Self.withoutNUL(serializer.binds[index]) { serializer.binds[index] = clean }
        }
    }

    /// The bind with its NULs replaced, or nil when it holds none.
    static func withoutNUL(_ bind: any Encodable & Sendable) -> (any Encodable & Sendable)? {
        if let text = bind as? String {
            return text.utf8.contains(0) ? replacingNUL(text) : nil
        }
        if let texts = bind as? [String], texts.contains(where: { $0.utf8.contains(0) }) {
            return texts.map(replacingNUL)
        }
        return nil
    }

    static func replacingNUL(_ text: String) -> String {
        guard text.utf8.contains(0) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars { scalars.append(scalar.value == 0 ? "\u{FFFD}" : scalar) }
        return String(scalars)
    }
}
