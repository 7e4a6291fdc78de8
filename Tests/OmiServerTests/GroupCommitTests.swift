import Foundation
@testable import OmiStorage
import SQLKit
import Testing

/// Transactions that SQLite commits together (group commit) must keep every promise a transaction on its own makes:
/// each returns its own result, one that throws leaves nothing, and no transaction is reported written unless it was.
/// The same checks run on PostgreSQL, where every transaction commits alone.
@Suite("Group commit")
struct GroupCommitTests {
    static func makeTable(_ database: Database) async throws {
        try await database.withConnection { db in
            try await db.raw("CREATE TABLE parents (id BIGINT PRIMARY KEY)").run()
            try await db.raw("""
                CREATE TABLE probe (id BIGINT PRIMARY KEY, parent BIGINT
                    REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED)
                """).run()
            try await db.raw("INSERT INTO parents (id) VALUES (1)").run()
        }
    }

    static func storedIds(_ database: Database) async throws -> Set<Int> {
        try await database.withConnection { db in
            Set(try await db.raw("SELECT id FROM probe").all().map { try $0.decode(column: "id", as: Int.self) })
        }
    }

    /// Holds the first transaction open until `count` others are queued behind it, so they form one batch on SQLite.
    static func withQueuedBatch<T: Sendable>(
        _ database: Database, count: Int, _ members: @escaping @Sendable (Int) async throws -> T
    ) async throws -> [Int: Result<T, any Error>] {
        let inside = Gate()
        let release = Gate()
        async let first: Void = database.transaction { db in
            try await db.raw("INSERT INTO probe (id, parent) VALUES (0, 1)").run()
            inside.open()
            await release.wait()
        }
        await inside.wait()
        let results = try await withThrowingTaskGroup(of: (Int, Result<T, any Error>).self) { group in
            for n in 1...count {
                group.addTask {
                    do { return (n, .success(try await members(n))) } catch { return (n, .failure(error)) }
                }
            }
            if case .sqlite(let store) = database.backend {
                // Bounded: a batch that never forms makes the checks below weaker, not wrong.
                for _ in 0..<2000 where store.groupCommit.waitingCount < count { try await Task.sleep(for: .milliseconds(5)) }
                #expect(store.groupCommit.waitingCount == count)
            }
            release.open()
            var results: [Int: Result<T, any Error>] = [:]
            for try await (n, result) in group { results[n] = result }
            return results
        }
        try await first
        return results
    }

    /// A member that wrote and then threw leaves nothing: not in the table, and not in what the rest of its batch
    /// read and returned.
    @Test(arguments: TestEngine.available)
    func eachTransactionGetsItsOwnResultAndOneThatThrowsLeavesNothing(engine: TestEngine) async throws {
        struct Refused: Error {}
        try await withTestDatabase(engine) { database in
            try await Self.makeTable(database)
            let results = try await Self.withQueuedBatch(database, count: 30) { n in
                try await database.transaction { db -> (Int, seen: Set<Int>) in
                    try await db.raw("INSERT INTO probe (id, parent) VALUES (\(bind: n), 1)").run()
                    if n % 3 == 0 { throw Refused() }
                    let seen = try await db.raw("SELECT id FROM probe").all().map { try $0.decode(column: "id", as: Int.self) }
                    return (n * 10, Set(seen))
                }
            }
            let refused = Set((1...30).filter { $0 % 3 == 0 })
            for n in 1...30 {
                if refused.contains(n) {
                    #expect(throws: Refused.self) { try results[n]?.get() }
                } else {
                    let (result, seen) = try #require(try results[n]?.get())
                    #expect(result == n * 10)
                    #expect(seen.contains(n))
                    #expect(seen.isDisjoint(with: refused), "member \(n) saw \(seen.intersection(refused))")
                }
            }
            let expected = Set([0] + (1...30).filter { !refused.contains($0) })
            #expect(try await Self.storedIds(database) == expected)
        }
    }

    /// A foreign key checked at commit fails the commit. On SQLite that is the whole batch, so every member of it must
    /// fail; on either engine, a transaction reported written is stored and one reported failed is not.
    @Test(arguments: TestEngine.available)
    func noTransactionIsReportedWrittenUnlessItsCommitSucceeded(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { database in
            try await Self.makeTable(database)
            let results = try await Self.withQueuedBatch(database, count: 12) { n in
                try await database.transaction { db in
                    // Member 6 points at a parent that does not exist; nothing fails until the commit.
                    try await db.raw("INSERT INTO probe (id, parent) VALUES (\(bind: n), \(bind: n == 6 ? 99 : 1))").run()
                }
            }
            let stored = try await Self.storedIds(database)
            #expect(stored.contains(0))
            for n in 1...12 {
                let written = (try? results[n]?.get()) != nil
                #expect(written == stored.contains(n), "member \(n): reported \(written), stored \(stored.contains(n))")
            }
            #expect(!stored.contains(6))
            if engine == .sqlite {
                #expect(stored == [0])
            } else {
                #expect(stored == Set([0] + (1...12).filter { $0 != 6 }))
            }
        }
    }
}
