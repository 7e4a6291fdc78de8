import Foundation
import HTTPTypes
import OmiContract
import OmiStorage
import Testing
@testable import OmiServer

@Suite("Greeting and title from the configured upstream (chat.md §4, checklist 10)")
struct ChatCompletionLanguageModelTests {
    typealias C = ChatCompletionTests

    @Test(arguments: TestEngine.available)
    func aGreetingFromTheModelIsStoredAndATitleIsQuoteStrippedAndWritten(engine: TestEngine) async throws {
        let greeting = FakeLLM.message(text: "  Welcome back! Shall we plan your Lisbon trip?  ")
        let title = FakeLLM.message(text: "\"'Lisbon   weather\ntomorrow'\"")
        try await C.run(engine, [.json(200, greeting), .json(200, title)]) { h, tenant in
            let sid = try #require(try await h.call(.post, "/v2/chat-sessions").json["id"].string)
            let r = try await h.call(.post, "/v2/chat/initial-message", json: #"{"session_id":"\#(sid)"}"#)
            #expect(r.status == 200)
            #expect(r.json["message"].string == "Welcome back! Shall we plan your Lisbon trip?")
            let messages = try await h.call(.get, "/v2/desktop/messages?session_id=\(sid)").json.array
            #expect(messages.map { $0["text"].string } == ["Welcome back! Shall we plan your Lisbon trip?"])
            #expect(messages.first?["sender"].string == "ai")

            let t = try await h.call(.post, "/v2/chat/generate-title", json: #"""
                {"session_id":"\#(sid)","messages":[{"text":"what's the weather like in lisbon tomorrow?","sender":"human"}]}
                """#)
            #expect(t.status == 200 && t.json["title"].string == "Lisbon weather tomorrow")
            let session = try await h.call(.get, "/v2/chat-sessions/\(sid)")
            #expect(session.json["title"].string == "Lisbon weather tomorrow")

            // Both calls went to the small model with the server key and the one-line prompt intents.
            let seen = C.fake.requests(tenant)
            try #require(seen.count == 2)
            for call in seen {
                #expect(call.path == "/v1/messages" && call.body["model"].string == "claude-haiku-4-5")
                #expect(call.headers[HTTPField.Name("x-api-key")!] == C.serverKey)
                #expect(call.body["messages"][0]["role"].string == "user")
            }
            #expect(seen[0].body["system"].string?.hasPrefix("Greet the user") == true)
            #expect(seen[1].body["system"].string?.hasPrefix("Summarise this conversation") == true)
            #expect(seen[1].body["messages"][0]["content"].string == "human: what's the weather like in lisbon tomorrow?")

            // Both calls are the user's server-side feature usage (users.md §11.1), not desktop chat usage.
            let records = try await SQLUsageRepository(database: h.database).dayRecords(uid: TestHarness.defaultUser)
            #expect(records.map(\.bucket) == ["chat"])
            #expect(records.first?.kind == "feature" && records.first?.model == "claude-haiku-4-5")
            #expect(records.first?.callCount == 2 && records.first?.counters.inputTokens == 20)
            #expect(records.first?.counters.outputTokens == 10)
            let cost: Double = (20 * 1 + 10 * 5) / 1_000_000
            #expect(abs((records.first?.counters.costUSD ?? 0) - cost) < 1e-12)
        }
    }

    @Test(arguments: TestEngine.available)
    func aFailingModelFallsBackAndStillAnswers200(engine: TestEngine) async throws {
        try await C.run(engine, [.json(500, #"{"type":"error"}"#), .json(200, "not json"),
                                 .json(200, FakeLLM.message(text: "   "))]) { h, _ in
            let sid = try #require(try await h.call(.post, "/v2/chat-sessions").json["id"].string)
            let greeting = try await h.call(.post, "/v2/chat/initial-message", json: #"{"session_id":"\#(sid)"}"#)
            #expect(greeting.status == 200 && greeting.json["message"].string == ChatTextGenerator.fallbackGreeting)
            for _ in 0..<2 {
                let title = try await h.call(.post, "/v2/chat/generate-title", json: #"""
                    {"session_id":"\#(sid)","messages":[{"text":"  what's the weather like in lisbon tomorrow?","sender":"human"}]}
                    """#)
                #expect(title.status == 200 && title.json["title"].string == "what's the weather like in lisbon")
            }
            let session = try await h.call(.get, "/v2/chat-sessions/\(sid)")
            #expect(session.json["title"].string == "what's the weather like in lisbon")
        }
    }

    @Test(arguments: TestEngine.available)
    func aSlowModelFallsBack(engine: TestEngine) async throws {
        try await C.run(engine, [.delay(.seconds(5))], configure: { $0.chat.timings.languageModel = .milliseconds(300) }) { h, _ in
            let greeting = try await h.call(.post, "/v2/chat/initial-message", json: "{}")
            #expect(greeting.status == 200 && greeting.json["message"].string == ChatTextGenerator.fallbackGreeting)
        }
    }

    @Test func noProviderOrNoKeyMeansNoModel() {
        var settings = Settings()
        #expect(UpstreamLanguageModel(settings: settings, logger: .init(label: "t")) == nil)
        settings.chat.provider = .anthropic
        #expect(UpstreamLanguageModel(settings: settings, logger: .init(label: "t")) == nil)
        settings.anthropicAPIKey = "k"
        #expect(UpstreamLanguageModel(settings: settings, logger: .init(label: "t"))?.model == "claude-haiku-4-5")
    }
}
