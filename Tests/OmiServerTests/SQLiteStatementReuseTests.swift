import Foundation
@testable import OmiStorage
import SQLiteKit
import SQLiteNIO
import Testing

/// A cached SQLite statement is reused as it is: new binds never make SQLite plan it again, and nothing bound for one
/// use leaks into the next.
@Suite("SQLite statement reuse")
struct SQLiteStatementReuseTests {
    static func withConnection(_ body: (SQLiteDirectConnection) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("omi-stmt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let connection = try SQLiteDirectConnection(path: directory.appendingPathComponent("probe.sqlite").path)
        defer { connection.close() }
        try body(connection)
    }

    static func rows(_ c: SQLiteDirectConnection, _ sql: String, _ binds: [SQLiteData]) throws -> [[SQLiteData]] {
        var rows: [[SQLiteData]] = []
        try c.run(sql, binds: binds) { row in rows.append(row.values) }
        return rows
    }

    /// SQLite 3.54 marks `column = ?` terms outside the index as plan-dependent; clearing binds after each use made
    /// every save plan its session lookup again.
    @Test func newBindsDoNotMakeSQLitePlanTheStatementAgain() throws {
        try Self.withConnection { c in
            try c.run("CREATE TABLE sessions (uid TEXT, scope TEXT, flag INTEGER, updated BIGINT, id TEXT)", binds: []) { _ in }
            try c.run("CREATE INDEX sessions_by_scope ON sessions (uid, scope, updated, id)", binds: []) { _ in }
            for n in 0..<20 {
                try c.run("INSERT INTO sessions VALUES (?1, ?2, ?3, ?4, ?5)",
                          binds: [.text("u\(n % 3)"), .text(n % 2 == 0 ? "a" : "b"), .integer(n % 2), .integer(n), .text("s\(n)")]) { _ in }
            }
            let lookup = "SELECT id FROM sessions WHERE uid = ?1 AND scope = ?2 ORDER BY updated DESC, id DESC LIMIT 1"
            for n in 0..<20 {
                let got = try Self.rows(c, lookup, [.text("u\(n % 3)"), .text(n % 2 == 0 ? "a" : "b")])
                #expect(got.count == 1)
            }
            // The newest of u1's "b" rows: n in {1, 7, 13, 19}.
            let newest = try Self.rows(c, lookup, [.text("u1"), .text("b")])
            #expect(newest == [[.text("s19")]])
            #expect(c.timesReprepared(lookup) == 0)
        }
    }

    /// Parameters a call leaves unbound are NULL, not the previous call's values; a large value does not stick either.
    @Test func nothingBoundForOneUseReachesTheNext() throws {
        try Self.withConnection { c in
            let sql = "SELECT ?1 AS a, ?2 AS b"
            let both = try Self.rows(c, sql, [.integer(1), .text("kept?")])
            let one = try Self.rows(c, sql, [.integer(3)])
            let large = String(repeating: "x", count: 64 * 1024)
            let big = try Self.rows(c, sql, [.text(large), .integer(2)])
            let none = try Self.rows(c, sql, [])
            #expect(both == [[.integer(1), .text("kept?")]])
            #expect(one == [[.integer(3), .null]])
            #expect(big == [[.text(large), .integer(2)]])
            #expect(none == [[.null, .null]])
        }
    }

    /// A statement's column names are kept with it, but a schema change that makes SQLite prepare it again (a
    /// column added under `SELECT *`) shows in the next row.
    @Test func columnsFollowASchemaChange() throws {
        try Self.withConnection { c in
            try c.run("CREATE TABLE t (a TEXT)", binds: []) { _ in }
            try c.run("INSERT INTO t VALUES ('x')", binds: []) { _ in }
            var names: [[String]] = []
            let read = { try c.run("SELECT * FROM t", binds: []) { row in names.append(row.columns.names) } }
            try read()
            try read()
            try c.run("ALTER TABLE t ADD COLUMN b INTEGER DEFAULT 7", binds: []) { _ in }
            try read()
            #expect(names == [["a"], ["a"], ["a", "b"]])
            var b: Int64?
            try c.run("SELECT * FROM t", binds: []) { row in b = try row.decode(column: "b", as: Int64.self) }
            #expect(b == 7)
        }
    }

    /// Text is bound from its own UTF-8 whatever the string's storage: empty (which must stay '' and not become
    /// NULL), inline (15 bytes or fewer), on the heap, non-ASCII, and a string made from a slice of another.
    @Test func textOfEveryStorageIsBoundAsItIs() throws {
        try Self.withConnection { c in
            let long = String(repeating: "abc", count: 40)
            let texts = ["", "x", "fifteen bytes!!", "sixteen bytes!!!", long, "é", "naïve 🎧 café",
                         String(long.dropFirst(7).prefix(20)), "nul\u{0}inside"]
            for text in texts {
                let got = try Self.rows(c, "SELECT ?1 AS t, typeof(?1) AS k, length(CAST(?1 AS BLOB)) AS n",
                                        [.text(text)])
                #expect(got == [[.text(text), .text("text"), .integer(text.utf8.count)]], "\(text.debugDescription)")
            }
        }
    }

    /// Columns are found by name through a table keyed by length and the first and last two bytes; names that share
    /// a key, one-byte and empty names, a repeated name and a missing one must still come out right, with every
    /// common type.
    @Test func everyColumnIsFoundByItsName() throws {
        try Self.withConnection { c in
            // "axb", "ayb" and "azb" share length, first and last byte; "abxyz" and "abqyz" share every byte of the
            // key, so no multiplier parts them; "dup" appears twice (the first wins).
            let sql = """
                SELECT 'x' AS axb, 'y' AS ayb, NULL AS azb, 42 AS n, 1 AS flag, 0.5 AS ratio, NULL AS none,
                       'first' AS dup, 'second' AS dup, 9223372036854775807 AS big, 'p' AS abxyz, 'q' AS abqyz,
                       'e' AS ""
                """
            var rows: [SQLiteDirectRow] = []
            try c.run(sql, binds: []) { rows.append($0) }
            let row = try #require(rows.first)
            #expect(try row.decode(column: "axb", as: String.self) == "x")
            #expect(try row.decode(column: "ayb", as: String?.self) == "y")
            #expect(try row.decode(column: "azb", as: String?.self) == nil)
            #expect(try row.decode(column: "n", as: Int64.self) == 42)
            #expect(try row.decode(column: "n", as: Int?.self) == 42)
            #expect(try row.decode(column: "flag", as: Bool.self) == true)
            #expect(try row.decode(column: "flag", as: Bool?.self) == true)
            #expect(try row.decode(column: "ratio", as: Double.self) == 0.5)
            #expect(try row.decode(column: "none", as: Int64?.self) == nil)
            #expect(try row.decode(column: "none", as: Double?.self) == nil)
            #expect(try row.decode(column: "dup", as: String.self) == "first")
            #expect(try row.decode(column: "big", as: Int64.self) == .max)
            #expect(try row.decode(column: "abxyz", as: String.self) == "p")
            #expect(try row.decode(column: "abqyz", as: String.self) == "q")
            #expect(try row.decode(column: "", as: String.self) == "e")
            // A type the fast path does not take still decodes through SQLiteKit.
            #expect(try row.decode(column: "n", as: Int32.self) == 42)
            // Absent names, some with the key of a present one ("fxxg" of none, "abzyz" of the pair).
            #expect(row.contains(column: "ayb") && !row.contains(column: "aqb") && !row.contains(column: "fxxg"))
            #expect(!row.contains(column: "abzyz") && !row.contains(column: "flagg"))
            #expect(!row.contains(column: "missing"))
            #expect(throws: (any Error).self) { try row.decode(column: "aqb", as: String.self) }
        }
    }

    /// The fast conversion of common binds gives exactly what SQLiteKit's encoder gives, optionals and nil included.
    @Test func bindsConvertExactlyAsSQLiteKitWould() throws {
        let values: [any Encodable & Sendable] = [
            "text", "", Int64.max, Int64.min, 0, Int.max, true, false, 0.25, -1e300, Double.nan,
            Optional("wrapped"), Optional<String>.none, Optional(Int64(7)), Optional<Int64>.none, Optional(true),
            Optional<Bool>.none, Optional(1.5), Int32(-3), Float(0.5), Data([0, 1, 255]), [UInt8](arrayLiteral: 1, 2),
            Optional<Data>.none, Optional(Data([9])), Optional<Int32>.none, Optional<Double>.none, Optional<Int>.none,
            Optional(Int.min),
        ]
        let encoder = SQLiteDataEncoder()
        for value in values {
            let fast = try SQLiteDirectDatabase.sqliteData(value)
            let reference = try encoder.encode(value)
            // NaN is not equal to itself; compare its bits.
            if case .float(let a) = fast, case .float(let b) = reference, a.isNaN {
                #expect(b.isNaN, "\(value)")
            } else {
                #expect(fast == reference, "\(value): \(fast) vs \(reference)")
            }
        }
    }

    /// A typed bind gives SQLite what SQLiteKit's encoder gives for the value it stands for, and hands the generic
    /// path (PostgreSQL, `SQLSerializer`) that same value, of the same type.
    @Test func typedBindsConvertAsTheValueTheyHold() throws {
        let values: [SQLValue] = [
            SQLValue("text"), SQLValue(""), SQLValue(Optional("wrapped")), SQLValue(String?.none),
            SQLValue(Int64.max), SQLValue(Int64.min), SQLValue(Int64?.none), SQLValue(Optional(Int.min)),
            SQLValue(Int?.none), SQLValue(true), SQLValue(false), SQLValue(Bool?.none),
            SQLValue(Optional(Data([0, 1, 255]))), SQLValue(Data?.none),
        ]
        let encoder = SQLiteDataEncoder()
        for value in values {
            #expect(value.sqliteData == (try encoder.encode(value.encodable)), "\(value)")
        }
        #expect(SQLValue(Optional(Int.min)).encodable is Int64)
        #expect(SQLValue(String?.none).encodable is String?)
        #expect(SQLValue(Int64?.none).encodable is Int64?)
        #expect(SQLValue(Bool?.none).encodable is Bool?)
        #expect(SQLValue(true).encodable is Bool)
        #expect(SQLValue(Optional(Data([1]))).encodable is Data)
    }
}
