import Foundation
@testable import OmiStorage
import SQLKit
import Testing

/// A multi-row statement written once per row count must be the very SQL and binds `SQLQueryString` would write,
/// on both engines, wherever it starts.
@Suite("Repeated-row statements")
struct RepeatedRowsStatementTests {
    static let shape = RepeatedRowsStatement(head: "INSERT INTO probe (a, b, c) VALUES", width: 3,
                                             tail: "ON CONFLICT (a) DO UPDATE SET b = excluded.b")

    static func binds(rows: Int) -> [SQLValue] {
        (0..<rows).flatMap { row -> [SQLValue] in
            [SQLValue("k\(row)"), SQLValue(row % 2 == 0 ? Optional("v\(row)") : nil), SQLValue(Int64(row))]
        }
    }

    /// The statement as it used to be written, one interpolated bind at a time.
    static func interpolated(_ values: [SQLValue]) -> SQLQueryString {
        let binds = values.map(\.encodable)
        var query: SQLQueryString = "INSERT INTO probe (a, b, c) VALUES"
        for row in stride(from: 0, to: binds.count, by: 3) {
            query = query + (row == 0 ? " (" : ", (")
                + "\(bind: binds[row]), \(bind: binds[row + 1]), \(bind: binds[row + 2]))"
        }
        return query + " ON CONFLICT (a) DO UPDATE SET b = excluded.b"
    }

    static func serialize(_ expression: any SQLExpression, on db: any SQLDatabase,
                          after earlier: [any Encodable & Sendable] = []) -> (String, [String]) {
        var serializer = SQLSerializer(database: db)
        for bind in earlier { serializer.write(bind: bind) }
        expression.serialize(to: &serializer)
        return (serializer.sql, serializer.binds.map { "\($0)" })
    }

    @Test(arguments: TestEngine.available)
    func writesWhatInterpolationWrites(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { database in
            try await database.withConnection { db in
                for rows in [1, 3, 20, 3, 1] {
                    let binds = Self.binds(rows: rows)
                    let fast = Self.serialize(Self.shape(binds), on: db)
                    let reference = Self.serialize(Self.interpolated(binds), on: db)
                    #expect(fast.0 == reference.0, "\(rows) rows")
                    #expect(fast.1 == reference.1, "\(rows) rows")
                    // What SQLite is handed without a serializer (`PrewrittenStatement`).
                    let statement = Self.shape(binds)
                    #expect(statement.text(in: db, offset: 0) == reference.0, "\(rows) rows")
                    #expect(statement.binds.map { "\($0)" } == reference.1, "\(rows) rows")
                    // After two binds of another clause, its placeholders move on by two.
                    let shifted = Self.serialize(Self.shape(binds), on: db, after: ["x", 1])
                    #expect(shifted == Self.serialize(Self.interpolated(binds), on: db, after: ["x", 1]))
                    #expect(shifted.0 != fast.0)
                }
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func theEngineRunsItAndKeepsEveryRow(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { database in
            try await database.transaction { db in
                try await db.raw("CREATE TABLE probe (a TEXT PRIMARY KEY, b TEXT, c BIGINT)").run()
                try await db.execute(sql: Self.shape(Self.binds(rows: 20))) { _ in }
                // A repeated key takes the conflict clause; run as written, SQLite takes the typed binds directly.
                try await db.run(Self.shape([SQLValue("k0"), SQLValue(Optional("changed")), SQLValue(Int64(0))]))
                try await db.run(Self.shape([SQLValue("k2"), SQLValue(String?.none), SQLValue(Int64(2))]))
            }
            let rows = try await database.withConnection { db in
                try await db.raw("SELECT a, b, c FROM probe ORDER BY c").all().map {
                    (try $0.decode(column: "a", as: String.self), try $0.decode(column: "b", as: String?.self),
                     try $0.decode(column: "c", as: Int64.self))
                }
            }
            #expect(rows.count == 20)
            #expect(rows.first?.1 == "changed")
            #expect(rows[1].1 == nil && rows[2].1 == nil && rows[4].1 == "v4" && rows.last?.0 == "k19" && rows.last?.2 == 19)
        }
    }
}
