import SQLKit
import SQLiteNIO

/// A statement that writes its own text for a dialect (`FixedStatement`, `RepeatedRowsStatement`) and carries its
/// binds as they are. Through `SQLSerializer` the text is copied into the serializer and every bind appended to its
/// array once more; run through `SQLDatabase.execute(_:_:)`, SQLite takes the text and the binds directly (the
/// serializer was 1.4% of a screen sync), and any other database serialises it as an ordinary expression.
protocol PrewrittenStatement: SQLExpression {
    /// The statement's text in `database`'s dialect, with its placeholders numbered after `offset` earlier binds.
    func text(in database: any SQLDatabase, offset: Int) -> String
    var binds: [any Encodable & Sendable] { get }
    /// The binds as SQLite takes them.
    func sqliteBinds() throws -> [SQLiteData]
}

extension PrewrittenStatement {
    func serialize(to serializer: inout SQLSerializer) {
        serializer.write(text(in: serializer.database, offset: serializer.binds.count))
        serializer.binds.append(contentsOf: binds)
    }

    func sqliteBinds() throws -> [SQLiteData] { try binds.map(SQLiteDirectDatabase.sqliteData) }
}

extension SQLDatabase {
    /// Runs `statement`, calling `onRow` for each row it returns.
    func execute(_ statement: some PrewrittenStatement,
                 _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        // A type comparison, not a cast: a failed dynamic cast is the slow part of Swift's casting.
        if Self.self == SQLiteDirectDatabase.self {
            let direct = unsafeBitCast(self, to: SQLiteDirectDatabase.self)
            try await direct.execute(text: statement.text(in: direct, offset: 0), data: statement.sqliteBinds(), onRow)
        } else {
            try await execute(sql: statement, onRow)
        }
    }
}
