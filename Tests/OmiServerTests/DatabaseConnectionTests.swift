import Foundation
import Logging
import OmiStorage
import SQLKit
import Testing

/// The connection layer under every repository: SQLite's statements run in place with their prepared statements kept,
/// and both engines must behave the same where a repository could tell.
@Suite("Database connections")
struct DatabaseConnectionTests {
    /// An autocommit write made beside an open transaction waits for it instead of failing as busy, and both land.
    @Test(arguments: TestEngine.available)
    func aWriteBesideATransactionWaitsForItAndBothLand(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { database in
            try await database.withConnection { db in
                try await db.raw("CREATE TABLE probe (id TEXT PRIMARY KEY, n BIGINT NOT NULL)").run()
            }
            let inside = Gate()
            let release = Gate()
            async let transaction: Void = database.transaction { db in
                try await db.raw("INSERT INTO probe (id, n) VALUES ('tx', 1)").run()
                inside.open()
                await release.wait()
                try await db.raw("UPDATE probe SET n = 2 WHERE id = 'tx'").run()
            }
            await inside.wait()
            async let beside: Void = database.withConnection { db in
                try await db.raw("INSERT INTO probe (id, n) VALUES ('beside', 1)").run()
            }
            // The transaction has not committed: a reader does not see its row yet.
            let seen = try await database.withConnection { db in
                try await db.raw("SELECT id FROM probe ORDER BY id").all().map { try $0.decode(column: "id", as: String.self) }
            }
            #expect(!seen.contains("tx"))
            release.open()
            try await transaction
            try await beside
            let rows = try await database.withConnection { db in
                try await db.raw("SELECT id, n FROM probe ORDER BY id").all().map {
                    "\(try $0.decode(column: "id", as: String.self))=\(try $0.decode(column: "n", as: Int.self))"
                }
            }
            #expect(rows == ["beside=1", "tx=2"])
        }
    }

    /// More distinct statements than one connection keeps prepared, then the first ones again: each still answers its
    /// own binds, so a statement dropped from the cache is prepared afresh, never reused after it was finalised.
    @Test(arguments: TestEngine.available)
    func manyDistinctStatementsKeepAnsweringTheirOwnBinds(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { database in
            for round in 0..<2 {
                for width in 1...300 {
                    // `width` binds in the IN list make `width` distinct statements; `round` is always among them.
                    let values = (0..<width).map { Int64($0 + round) }
                    let got = try await database.withConnection { db in
                        try await db.raw("""
                            SELECT \(bind: Int64(width)) AS width, \(bind: Int64(round)) AS r
                            FROM schema_migrations WHERE \(bind: Int64(round)) IN (\(binds: values)) LIMIT 1
                            """).first()
                    }
                    let decodedWidth = try got?.decode(column: "width", as: Int.self)
                    let r = try got?.decode(column: "r", as: Int.self)
                    #expect(decodedWidth == width && r == round, "width \(width), round \(round)")
                }
            }
        }
    }

    /// Text, integers, floats, booleans, blobs and NULL come back as they went in, in the types repositories ask for.
    @Test(arguments: TestEngine.available)
    func valuesRoundTripInTheTypesRepositoriesAskFor(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { database in
            let blob = engine == .sqlite ? "BLOB" : "BYTEA"
            try await database.withConnection { db in
                try await db.raw("""
                    CREATE TABLE kinds (t TEXT, i BIGINT, f DOUBLE PRECISION, b BOOLEAN, x \(unsafeRaw: blob), z TEXT)
                    """).run()
                try await db.raw("""
                    INSERT INTO kinds VALUES (\(bind: "héllo, 'wörld'"), \(bind: Int64.max), \(bind: 0.25), \(bind: true),
                        \(bind: Data([0, 1, 255])), NULL)
                    """).run()
            }
            let row = try await database.withConnection { db in try await db.raw("SELECT * FROM kinds").first() }
            let r = try #require(row)
            #expect(try r.decode(column: "t", as: String.self) == "héllo, 'wörld'")
            #expect(try r.decode(column: "i", as: Int64.self) == Int64.max)
            #expect(try r.decode(column: "f", as: Double.self) == 0.25)
            #expect(try r.decode(column: "b", as: Bool.self) == true)
            #expect(try r.decode(column: "x", as: Data?.self) == Data([0, 1, 255]))
            #expect(try r.decode(column: "z", as: String?.self) == nil)
            #expect(try r.decodeNil(column: "z") && !r.decodeNil(column: "t"))
            #expect(throws: (any Error).self) { try r.decode(column: "missing", as: String.self) }
        }
    }

    /// A database that cannot be opened stops start-up with the reason an operator needs, and never the URL's
    /// password; PostgresNIO's own description of the error says nothing.
    @Test(arguments: TestEngine.available)
    func aDatabaseThatCannotOpenIsExplained(engine: TestEngine) async throws {
        let location: DatabaseLocation
        let expected: String
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("omi-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        switch engine {
        case .sqlite:
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let path = directory.appendingPathComponent("omi.sqlite").path
            try Data("not a database, only some text that is long enough".utf8).write(to: URL(fileURLWithPath: path))
            location = .sqlite(path: path)
            expected = "file is not a database"
        case .postgres:
            let admin = try #require(ProcessInfo.processInfo.environment["TEST_POSTGRES_URL"])
            var components = try #require(URLComponents(string: TestURLs.replacingDatabase(in: admin, with: "omi_absent")))
            components.password = "pass-word-9431"
            location = .postgres(url: try #require(components.string))
            expected = #"database "omi_absent" does not exist (SQLSTATE 3D000)"#
        }
        let error = await #expect(throws: DatabaseUnavailable.self) {
            _ = try await Database.openMigrated(location, logger: Logger(label: "test"))
        }
        let description = try #require(error).description
        #expect(description.hasPrefix("cannot open the database: ") && description.contains(expected), "\(description)")
        #expect(!description.contains("pass-word-9431"))
    }
}
