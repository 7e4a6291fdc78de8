import Foundation
import OmiContract
import Synchronization
import Testing
@testable import OmiServer

/// A model whose reply depends on the prompt; nil fails the call. It may wait on a gate the test opens, so a test can
/// hold the model past the request's wait without timing anything.
struct ReplyModel: LanguageModel {
    var reply: @Sendable (_ prompt: String) -> String?
    var gate: Gate?

    func complete(system: String, prompt: String, maxTokens: Int) async throws -> String {
        if let gate { await gate.wait() }
        guard let text = reply(prompt) else { throw CancellationError() }
        return text
    }
}

/// Opens once; every waiter before or after goes on.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

@Suite("Conversation processing with a language model (knowledge.md §2.3, §2.5)")
struct ConversationModelTests {
    typealias S = ConversationFromSegmentsTests

    /// 24 words, so not a brief transcript.
    static let longText = "Ana asked me to send the quarterly deck before Friday and we agreed to meet at the Lisbon office "
        + "next Tuesday to review the budget"

    static let fullReply = """
        Here it is: {"title": "  Deck and budget review ", "overview": "Ana needs the deck; a budget review is set.",
         "emoji": "📊", "category": "work",
         "action_items": [
           {"description": "Send the quarterly deck to Ana", "due_at": "2026-11-27T17:00:00+13:45", "confidence": 0.9},
           {"description": "send the QUARTERLY deck to ana", "confidence": 0.95},
           {"description": "Maybe buy coffee", "confidence": 0.5},
           {"description": "No confidence given"}],
         "events": [
           {"title": "Budget review", "description": "Lisbon office", "start": "2026-12-01T10:00:00+00:00", "duration_minutes": 500},
           {"title": "Naive start", "start": "2026-12-01T10:00:00"}],
         "memories": [
           {"content": "Works with Ana on the quarterly deck", "category": "system"},
           {"content": "Finds Lisbon offices pleasant", "category": "interesting"},
           {"content": "Likes budget reviews", "category": "interesting"},
           {"content": "A third interesting fact", "category": "interesting"}]}
        """

    static func segments(_ text: String) -> String {
        S.body([S.seg(text, 0, 30)], #","client_conversation_id":"\#(UUID().uuidString)","source":"desktop""#)
    }

    static func memories(_ h: TestHarness, as user: String = TestHarness.defaultUser) async throws -> [Wire.JSONValue] {
        let r = try await h.call(.get, "/v3/memories?limit=100", as: user)
        try #require(r.status == 200, "\(r.text)")
        return r.json.array
    }

    static func tasks(_ h: TestHarness, as user: String = TestHarness.defaultUser) async throws -> [Wire.JSONValue] {
        let r = try await h.call(.get, "/v1/action-items?limit=100", as: user)
        try #require(r.status == 200, "\(r.text)")
        return r.json["action_items"].array
    }

    @Test(arguments: TestEngine.available)
    func theModelsSummaryIsCheckedAndItsRecordsDerivedOnce(engine: TestEngine) async throws {
        let model = ReplyModel(reply: { _ in Self.fullReply })
        try await TestHarness.run(engine, languageModel: model) { h in
            let id = try await S.create(h, Self.segments(Self.longText))
            let conversation = try await S.get(h, id)
            #expect(conversation["status"].string == "completed" && conversation["discarded"] == .bool(false))
            let structured = conversation["structured"]
            #expect(S.summary(conversation) == ["Deck and budget review", "Ana needs the deck; a budget review is set.",
                                                "📊", "work", "derived"])
            // Below 0.75, without a confidence, or a case-insensitive repeat: dropped.
            let items = structured["action_items"].array
            #expect(items.map { $0["description"].string } == ["Send the quarterly deck to Ana"])
            #expect(items.first?["due_at"].string.flatMap(Timestamp.parseMicros)
                    == Timestamp.parseMicros("2026-11-27T17:00:00+13:45"))
            // A naive start is not guessed; the duration is capped at 180 minutes.
            let events = structured["events"].array
            #expect(events.map { $0["title"].string } == ["Budget review"])
            #expect(events.first?["duration"] == .int(180))

            let memories = try await Self.memories(h)
            #expect(Set(memories.compactMap { $0["content"].string }) == [
                "Works with Ana on the quarterly deck", "Finds Lisbon offices pleasant", "Likes budget reviews",
            ])
            for memory in memories {
                #expect(memory["conversation_id"].string == id && memory["manually_added"] == .bool(false))
                #expect(memory["reviewed"] == .bool(false) && memory["user_review"] == .null)
            }
            let tasks = try await Self.tasks(h)
            #expect(tasks.map { $0["description"].string } == ["Send the quarterly deck to Ana"])
            #expect(tasks.first?["conversation_id"].string == id)
            #expect(tasks.first?["source"].string == "transcription:desktop")

            // Reprocessing runs the model again but derives nothing twice.
            let again = try await h.call(.post, "/v1/conversations/\(id)/reprocess", json: "{}")
            #expect(again.status == 200 && again.json["structured"]["title"].string == "Deck and budget review")
            #expect(try await Self.memories(h).count == 3)
            #expect(try await Self.tasks(h).count == 1)

            // Nothing of it reaches another user.
            #expect(try await Self.memories(h, as: "user-b").isEmpty)
            #expect(try await Self.tasks(h, as: "user-b").isEmpty)
            #expect(try await h.call(.get, "/v1/conversations/\(id)", as: "user-b").status == 404)
        }
    }

    @Test(arguments: TestEngine.available)
    func aBriefTranscriptGetsOnlyItsSummary(engine: TestEngine) async throws {
        try await TestHarness.run(engine, languageModel: ReplyModel(reply: { _ in Self.fullReply })) { h in
            let id = try await S.create(h, Self.segments("Send Ana the deck before Friday please"))
            #expect(S.summary(try await S.get(h, id)) == ["Deck and budget review",
                                                          "Ana needs the deck; a budget review is set.", "📊", "work",
                                                          "empty"])
            #expect(try await Self.memories(h).isEmpty)
            #expect(try await Self.tasks(h).isEmpty)
        }
    }

    @Test(arguments: TestEngine.available)
    func discardsFailuresAndUnreadableRepliesFallBackToTheMinimum(engine: TestEngine) async throws {
        let title = "Ana asked me to send the quarterly deck before Friday and"
        let replies: [String?] = [#"{"discarded": true, "title": "Noise"}"#, nil, "Sorry, I cannot help with that.",
                                  #"{"title": "", "overview": "no title"}"#]
        for reply in replies {
            try await TestHarness.run(engine, languageModel: ReplyModel(reply: { _ in reply })) { h in
                let id = try await S.create(h, Self.segments(Self.longText))
                let conversation = try await S.get(h, id)
                #expect(conversation["status"].string == "completed", "\(reply ?? "failure")")
                #expect(S.summary(conversation) == S.minimum(title), "\(reply ?? "failure")")
                #expect(conversation["discarded"] == .bool(reply?.contains("discarded") == true), "\(reply ?? "failure")")
                let (memories, tasks) = (try await Self.memories(h), try await Self.tasks(h))
                #expect(memories.isEmpty && tasks.isEmpty)
            }
        }
        // A category outside the 33 values reads as other.
        let odd = #"{"title": "Odd", "overview": "", "emoji": "🙂", "category": "astrology"}"#
        try await TestHarness.run(engine, languageModel: ReplyModel(reply: { _ in odd })) { h in
            let id = try await S.create(h, Self.segments(Self.longText))
            #expect(try await S.get(h, id)["structured"]["category"].string == "other")
        }
    }

    @Test(arguments: TestEngine.available)
    func aSlowModelAnswersProcessingAndFinishesInTheBackground(engine: TestEngine) async throws {
        let gate = Gate()
        let model = ReplyModel(reply: { _ in Self.fullReply }, gate: gate)
        try await TestHarness.run(engine, configure: { $0.conversationProcessingWait = .milliseconds(100) },
                                  languageModel: model) { h in
            let created = try await h.call(.post, S.path, json: Self.segments(Self.longText))
            #expect(created.status == 200 && created.json["status"].string == "processing", "\(created.text)")
            let id = try #require(created.json["id"].string)
            // Meanwhile it is listed, processing, under the deterministic title, and nothing is derived yet.
            let pending = try await S.get(h, id)
            #expect(pending["status"].string == "processing")
            #expect(pending["structured"]["title"].string == "Ana asked me to send the quarterly deck before Friday and")
            #expect(try await Self.memories(h).isEmpty)

            gate.open()
            await h.processingJobs.waitForIdle()
            let done = try await S.get(h, id)
            #expect(done["status"].string == "completed")
            #expect(done["structured"]["title"].string == "Deck and budget review")
            let (memories, tasks) = (try await Self.memories(h), try await Self.tasks(h))
            #expect(memories.count == 3 && tasks.count == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func forceProcessFinalizeAndMergeUseTheModel(engine: TestEngine) async throws {
        let reply = #"{"title": "Modelled", "overview": "o", "emoji": "🧪", "category": "science"}"#
        try await TestHarness.run(engine, languageModel: ReplyModel(reply: { _ in reply })) { h in
            let words = [SeedSegment(text: "We talked about the experiment results", start: 0, end: 5)]
            let live = try await h.seedConversation(status: "in_progress", segments: words)
            let forced = try await h.call(.post, "/v1/conversations", json: "{}")
            #expect(forced.json["conversation"]["id"].string == live)
            #expect(forced.json["conversation"]["structured"]["title"].string == "Modelled")
            let other = try await h.seedConversation(status: "in_progress", segments: words)
            let finalized = try await h.call(.post, "/v1/conversations/\(other)/finalize", json: "{}")
            #expect(finalized.json["conversation"]["structured"]["title"].string == "Modelled")
            // Silence never goes to the model.
            let silent = try await h.seedConversation(status: "in_progress")
            let quiet = try await h.call(.post, "/v1/conversations/\(silent)/finalize", json: "{}")
            #expect(quiet.json["conversation"]["discarded"] == .bool(true))
            #expect(quiet.json["conversation"]["structured"]["title"].string?.hasPrefix("Recording") == true)

            let a = try await h.seedConversation(title: "A", segments: words)
            let b = try await h.seedConversation(title: "B", segments: words)
            let merged = try await h.call(.post, "/v1/conversations/merge", json: #"{"conversation_ids":["\#(a)","\#(b)"]}"#)
            #expect(merged.json["status"].string == "completed")
            let mergedId = try #require(merged.json["new_conversation_id"].string)
            #expect(try await S.get(h, mergedId)["structured"]["title"].string == "Modelled")
            // Without reprocess the merge is the deterministic minimum, by contract.
            let c = try await h.seedConversation(title: "C", segments: words)
            let d = try await h.seedConversation(title: "D", segments: words)
            let plain = try await h.call(.post, "/v1/conversations/merge",
                                         json: #"{"conversation_ids":["\#(c)","\#(d)"],"reprocess":false}"#)
            let plainId = try #require(plain.json["new_conversation_id"].string)
            #expect(try await S.get(h, plainId)["structured"]["category"].string == "other")
        }
    }
}
