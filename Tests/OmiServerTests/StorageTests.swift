import Foundation
import OmiStorage
import Testing

@Suite("Storage on both engines")
struct StorageTests {
    @Test(arguments: TestEngine.available)
    func migrationsApplyOnceInOrder(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { db async throws in
            #expect(try await db.migrate().isEmpty)
            #expect(try await db.schemaVersion() == Migrations.all.map(\.version).max())
            let versions = Migrations.all.map(\.version)
            #expect(versions == versions.sorted() && Set(versions).count == versions.count)
        }
    }

    @Test(arguments: TestEngine.available)
    func concurrentFirstSavesOfOneClientIdMakeOneRow(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { db async throws in
            let repo = SQLChatRepository(database: db)
            let draft = MessageDraft(id: "turn-1", isClientId: true, sessionId: nil, appScope: "", text: "hi",
                                     sender: "human", metadata: nil, contentBlocks: nil, messageSource: "desktop_chat",
                                     journalRevision: nil)
            let outcomes = try await withThrowingTaskGroup(of: SaveOutcome.self) { group in
                for _ in 0..<8 { group.addTask { try await repo.saveMessage(uid: "u", draft: draft, now: Clock.nowMicros()) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter(\.created).count == 1)
            #expect(Set(outcomes.map(\.message.createdAt)).count == 1)
            let sessions = try await repo.listSessions(uid: "u", appScope: "", starred: nil, limit: 10, offset: 0)
            #expect(sessions.count == 1 && sessions[0].messageCount == 1)
            #expect(try await SQLUsageRepository(database: db).questionsUsed(uid: "u", since: 0) == 1)
        }
    }

    /// A save's question is keyed by its time first, so one user's saves add keys at the end of the key's B-tree, not
    /// at random pages (issue 12). The times cross a hex digit, where text without fixed width would sort 0x10 first.
    @Test(arguments: TestEngine.available)
    func savedQuestionsAreKeyedInTimeOrder(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { db async throws in
            let repo = SQLChatRepository(database: db)
            let times: [Int64] = [0xF, 0x10, 0xFF, 0x100, 1_790_000_000_000_000]
            for now in times {
                let draft = MessageDraft(id: UUID().uuidString.lowercased(), isClientId: false, sessionId: nil,
                                         appScope: "", text: "q", sender: "human", metadata: nil, contentBlocks: nil,
                                         messageSource: "desktop_chat", journalRevision: nil)
                _ = try await repo.saveMessage(uid: "u", draft: draft, now: now)
            }
            let rows = try await db.withConnection { sql in
                try await sql.raw("SELECT created_at FROM usage_events WHERE uid = 'u' ORDER BY event_key").all()
                    .map { try $0.decode(column: "created_at", as: Int64.self) }
            }
            #expect(rows == times)
            #expect(try await SQLUsageRepository(database: db).questionsUsed(uid: "u", since: 0) == times.count)
        }
    }

    @Test(arguments: TestEngine.available)
    func concurrentSavesAndDeletesKeepCountersTrue(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { db async throws in
            let repo = SQLChatRepository(database: db)
            let session = try await repo.createSession(uid: "u", title: "t", appScope: "", now: Clock.nowMicros())
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<20 {
                    group.addTask {
                        let draft = MessageDraft(id: "m\(i)", isClientId: true, sessionId: session.id, appScope: "",
                                                 text: "x", sender: "ai", metadata: nil, contentBlocks: nil,
                                                 messageSource: "desktop_chat", journalRevision: nil)
                        _ = try await repo.saveMessage(uid: "u", draft: draft, now: Clock.nowMicros())
                        if i % 5 == 0 { _ = try await repo.deleteMessages(uid: "u", scope: .session(session.id)) }
                    }
                }
                try await group.waitForAll()
            }
            let stored = try await repo.listMessages(uid: "u", scope: .session(session.id), limit: 100, offset: 0).count
            #expect(try await repo.session(uid: "u", id: session.id)?.messageCount == stored)
        }
    }

    /// Migration 18 moves SQLite's usage events into a table without a rowid: the events written before it are all
    /// still counted, by month, and a repeated event key still counts once.
    @Test(arguments: TestEngine.available)
    func usageEventsSurviveTheirTimeIndexMigration(engine: TestEngine) async throws {
        try await withTestDatabase(engine, migrations: Migrations.all.filter { $0.version < 18 }) { db async throws in
            let usage = SQLUsageRepository(database: db)
            let month: Int64 = 1_790_000_000_000_000
            for (i, uid) in ["u", "u", "u", "other"].enumerated() {
                try await usage.recordQuestion(uid: uid, key: "q\(i)", now: month + Int64(i))
            }
            try await usage.recordQuestion(uid: "u", key: "old", now: month - 1)
            #expect(try await db.migrate() == [18])
            #expect(try await usage.questionsUsed(uid: "u", since: month) == 3)
            #expect(try await usage.questionsUsed(uid: "u", since: 0) == 4)
            try await usage.recordQuestion(uid: "u", key: "q0", now: month + 10)
            try await usage.recordQuestion(uid: "u", key: "q9", now: month + 10)
            #expect(try await usage.questionsUsed(uid: "u", since: month) == 4)
            #expect(try await usage.questionsUsed(uid: "other", since: month) == 1)
        }
    }
}
