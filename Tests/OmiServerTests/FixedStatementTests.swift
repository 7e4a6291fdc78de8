import Foundation
@testable import OmiStorage
import SQLKit
import Testing

/// A statement written once per dialect must be the very SQL and binds `SQLQueryString` would write, on both
/// engines, wherever it starts; and the engines must run it.
@Suite("Fixed statements")
struct FixedStatementTests {
    static let statement = FixedStatement("""
        INSERT INTO probe (a, b, c) VALUES (?, ?, ?)
        ON CONFLICT (a) DO UPDATE SET b = excluded.b, c = probe.c + ?
        """)

    static func interpolated(_ a: String, _ b: String?, _ c: Int64, _ d: Int64) -> SQLQueryString {
        """
        INSERT INTO probe (a, b, c) VALUES (\(bind: a), \(bind: b), \(bind: c))
        ON CONFLICT (a) DO UPDATE SET b = excluded.b, c = probe.c + \(bind: d)
        """
    }

    @Test(arguments: TestEngine.available)
    func writesWhatInterpolationWrites(engine: TestEngine) async throws {
        #expect(Self.statement.bindCount == 4)
        try await withTestDatabase(engine) { database in
            try await database.withConnection { db in
                for (a, b, c) in [("k", Optional("v"), Int64(1)), ("k2", nil, .max), ("k", "w", -5)] {
                    let fast = RepeatedRowsStatementTests.serialize(Self.statement(a, b, c, 7), on: db)
                    let reference = RepeatedRowsStatementTests.serialize(Self.interpolated(a, b, c, 7), on: db)
                    #expect(fast == reference, "\(a)")
                    // What SQLite is handed without a serializer (`PrewrittenStatement`).
                    let statement = Self.statement(a, b, c, 7)
                    #expect(statement.text(in: db, offset: 0) == reference.0, "\(a)")
                    #expect(statement.binds.map { "\($0)" } == reference.1, "\(a)")
                    // After two binds of another clause, its placeholders move on by two (on PostgreSQL).
                    let shifted = RepeatedRowsStatementTests.serialize(Self.statement(a, b, c, 7), on: db,
                                                                       after: ["x", 1])
                    #expect(shifted == RepeatedRowsStatementTests.serialize(Self.interpolated(a, b, c, 7), on: db,
                                                                            after: ["x", 1]))
                }
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func theEngineRunsItAndReadsTheFirstRow(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { database in
            try await database.transaction { db in
                try await db.raw("CREATE TABLE probe (a TEXT PRIMARY KEY, b TEXT, c BIGINT)").run()
                try await db.run(Self.statement("k", Optional("v"), Int64(1), Int64(0)))
                try await db.run(Self.statement("j", Optional<String>.none, Int64(2), Int64(0)))
                // A repeated key takes the conflict clause.
                try await db.run(Self.statement("k", Optional("changed"), Int64(9), Int64(10)))
            }
            let select = FixedStatement("SELECT a, b, c FROM probe WHERE c >= ? ORDER BY c DESC")
            let row = try await database.withConnection { db in
                try await db.first(select(Int64(0))) {
                    (try $0.decode(column: "a", as: String.self), try $0.decode(column: "b", as: String?.self),
                     try $0.decode(column: "c", as: Int64.self))
                }
            }
            #expect(row?.0 == "k" && row?.1 == "changed" && row?.2 == 11)
            let none = try await database.withConnection { db in
                try await db.first(select(Int64(100))) { try $0.decode(column: "a", as: String.self) }
            }
            #expect(none == nil)
        }
    }
}
