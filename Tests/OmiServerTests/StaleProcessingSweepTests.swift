import Foundation
import Logging
import OmiStorage
import Synchronization
import OmiContract
import Testing
@testable import OmiServer

/// A conversation a killed server left in `processing` is finished later, as its owner's, and nothing fresher or
/// already finished is touched (knowledge.md §2.3, §2.5).
@Suite("Conversations left in processing")
struct StaleProcessingSweepTests {
    typealias M = ConversationModelTests
    typealias S = ConversationFromSegmentsTests

    static func sweepSoon(_ s: inout Settings) {
        s.staleProcessingAfter = .seconds(600)
        s.staleProcessingSweepInterval = .milliseconds(100)
    }

    static let words = [SeedSegment(text: M.longText, start: 0, end: 5)]

    /// Waits for the sweep's jobs until `id` of `user` is no longer `processing`; the deadline only bounds a failure.
    static func finished(_ h: TestHarness, _ id: String, as user: String) async throws -> Wire.JSONValue {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            await h.processingJobs.waitForIdle()
            let r = try await h.call(.get, "/v1/conversations/\(id)", as: user)
            if r.json["status"].string != "processing" || ContinuousClock.now > deadline { return r.json }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test(arguments: TestEngine.available)
    func theModelFinishesAStaleConversationForItsOwner(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: Self.sweepSoon,
                                  languageModel: ReplyModel(reply: { _ in M.fullReply })) { h in
            let hourAgo = Date().addingTimeInterval(-3600)
            let staleA = try await h.seedConversation(status: "processing", title: "Ana asked", segments: Self.words,
                                                      createdAt: hourAgo)
            let staleB = try await h.seedConversation(uid: "user-b", status: "processing", title: "B's",
                                                      segments: Self.words, createdAt: hourAgo)
            let fresh = try await h.seedConversation(status: "processing", title: "Still running", segments: Self.words,
                                                     createdAt: Date().addingTimeInterval(-60))
            let done = try await h.seedConversation(status: "completed", title: "Done long ago", segments: Self.words,
                                                    createdAt: hourAgo)
            let doneBefore = try await S.get(h, done)

            let a = try await Self.finished(h, staleA, as: "user-a")
            let b = try await Self.finished(h, staleB, as: "user-b")
            #expect(a["status"].string == "completed" && a["structured"]["title"].string == "Deck and budget review")
            #expect(b["status"].string == "completed" && b["structured"]["title"].string == "Deck and budget review")
            // The derived records went to each owner: three memories and one task apiece, none crossing over.
            for user in ["user-a", "user-b"] {
                let memories = try await M.memories(h, as: user)
                let tasks = try await M.tasks(h, as: user)
                #expect(memories.count == 3 && tasks.count == 1, "\(user)")
                #expect(memories.allSatisfy { $0["conversation_id"].string == (user == "user-a" ? staleA : staleB) })
            }
            #expect(try await S.get(h, fresh)["status"].string == "processing")
            #expect(try await S.get(h, done) == doneBefore)
            // Another user cannot see either of them.
            #expect(try await h.call(.get, "/v1/conversations/\(staleA)", as: "user-b").status == 404)
        }
    }

    /// Without a model (say, one taken out of the configuration after the crash), the summary already there is kept
    /// and the conversation completes.
    @Test(arguments: TestEngine.available)
    func withoutAModelAStaleConversationCompletesWithItsSummary(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: Self.sweepSoon) { h in
            let stale = try await h.seedConversation(status: "processing", title: "Ana asked me", overview: "kept",
                                                     segments: Self.words, createdAt: Date().addingTimeInterval(-3600))
            let finished = try await Self.finished(h, stale, as: "user-a")
            #expect(finished["status"].string == "completed")
            #expect(finished["structured"]["title"].string == "Ana asked me")
            #expect(finished["structured"]["overview"].string == "kept")
            #expect(finished["discarded"] == .bool(false))
        }
    }

    /// A conversation whose finish keeps failing (here the finish does nothing, so it stays `processing`) is tried
    /// again after 1, 2, 4 … minutes, not at every pass, so the model is not called every minute for good. Another
    /// server process, as after a restart, tries it at once.
    @Test(arguments: TestEngine.available)
    func aFinishThatKeepsFailingIsTriedLessAndLessOften(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let stale = try await h.seedConversation(status: "processing", title: "Stuck", segments: Self.words,
                                                     createdAt: Date().addingTimeInterval(-3600))
            let handed = Mutex<[String]>([])
            func sweep() -> StaleProcessingSweep {
                StaleProcessingSweep(conversations: SQLConversationRepository(database: h.database), jobs: h.processingJobs,
                                     staleAfter: .seconds(600), interval: .seconds(60),
                                     resume: { ref in handed.withLock { $0.append(ref.id) } }, logger: Logger(label: "test"))
            }
            let first = sweep()
            let start = Clock.nowMicros()
            var triedAt: [Int] = []
            for minute in [0, 0, 1, 1, 2, 3, 4, 6, 7, 10, 14, 15] {
                if await first.sweep(now: start + Int64(minute) * 60_000_000 + 1) == 1 { triedAt.append(minute) }
            }
            await h.processingJobs.waitForIdle()
            #expect(triedAt == [0, 1, 3, 7, 15])
            #expect(handed.withLock { $0 } == Array(repeating: stale, count: 5))
            #expect(await sweep().sweep(now: start + 15 * 60_000_000 + 2) == 1)
        }
    }
}
