import Foundation
import Testing
@testable import OmiServer

/// A model that answers a fixed text, or fails.
struct ScriptedModel: LanguageModel {
    var answer: String?

    func complete(system: String, prompt: String, maxTokens: Int) async throws -> String {
        guard let answer else { throw CancellationError() }
        return answer
    }
}

@Suite("Greeting and title (chat.md §4)")
struct ChatLanguageModelTests {
    @Test(arguments: TestEngine.available)
    func greetingFallbackIsStoredInTheSession(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let sid = try #require(try await h.call(.post, "/v2/chat-sessions").json["id"].string)
            let r = try await h.call(.post, "/v2/chat/initial-message", json: #"{"session_id":"\#(sid)"}"#)
            #expect(r.status == 200)
            #expect(r.json["message"].string == "Hello! I'm here to help. What's on your mind?")
            let messages = try await h.call(.get, "/v2/desktop/messages?session_id=\(sid)").json.array
            #expect(messages.map { $0["id"].string } == [r.json["message_id"].string])
            #expect(messages[0]["sender"].string == "ai")
            let session = try await h.call(.get, "/v2/chat-sessions/\(sid)").json
            #expect(session["message_count"].int == 1 && session["preview"].string == r.json["message"].string)

            let unknown = try await h.call(.post, "/v2/chat/initial-message", json: #"{"session_id":"missing"}"#)
            #expect(unknown.status == 404 && unknown.detail == "Chat session not found")
            let stateless = try await h.call(.post, "/v2/chat/initial-message", json: #"{"profile_text":"likes tea","memories":["a"]}"#)
            #expect(stateless.status == 200 && stateless.json["message_id"].string?.count == 36)
            #expect(try await h.count("chat_messages") == 1)
            let tooMany = (0..<21).map { _ in "\"m\"" }.joined(separator: ",")
            #expect(try await h.call(.post, "/v2/chat/initial-message", json: #"{"memories":[\#(tooMany)]}"#).status == 422)
        }
    }

    @Test(arguments: TestEngine.available)
    func titleFallbackAndSessionUpdate(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let sid = try #require(try await h.call(.post, "/v2/chat-sessions").json["id"].string)
            let r = try await h.call(.post, "/v2/chat/generate-title", json: #"""
                {"session_id":"\#(sid)","messages":[{"text":"hi there","sender":"ai"},
                 {"text":"  what's the weather like in lisbon tomorrow?","sender":"human"}]}
                """#)
            #expect(r.status == 200 && r.json["title"].string == "what's the weather like in lisbon")
            #expect(try await h.call(.get, "/v2/chat-sessions/\(sid)").json["title"].string == "what's the weather like in lisbon")
            let pair = try await h.call(.post, "/v2/chat/generate-title", json: #"{"user_text":"\"Plan!\"","assistant_text":"ok"}"#)
            #expect(pair.json["title"].string == "Plan")
            let unknownSession = try await h.call(.post, "/v2/chat/generate-title",
                                                  json: #"{"session_id":"nope","messages":[{"text":"x","sender":"human"}]}"#)
            #expect(unknownSession.status == 200)
            #expect(try await h.call(.post, "/v2/chat/generate-title", json: "{}").status == 422)
            #expect(try await h.call(.post, "/v2/chat/generate-title", json: #"{"user_text":"only one"}"#).status == 422)
            // B cannot retitle A's session.
            try await h.call(.post, "/v2/chat/generate-title", as: "user-b",
                             json: #"{"session_id":"\#(sid)","messages":[{"text":"hijack","sender":"human"}]}"#)
            #expect(try await h.call(.get, "/v2/chat-sessions/\(sid)").json["title"].string == "what's the weather like in lisbon")
        }
    }

    @Test func fallbackTitleRules() {
        #expect(ChatTextGenerator.fallbackTitle(lines: []) == "New Chat")
        #expect(ChatTextGenerator.fallbackTitle(lines: [("human", " ?! ")]) == "New Chat")
        let long = String(repeating: "x", count: 60)
        #expect(ChatTextGenerator.fallbackTitle(lines: [("human", long)]) == String(repeating: "x", count: 47) + "...")
        #expect(ChatTextGenerator.cleanModelTitle("  \"Trip\n  planning\"  ") == "Trip planning")
        #expect(ChatTextGenerator.cleanModelTitle("''") == nil)
        #expect(ChatTextGenerator.cleanModelTitle(String(repeating: "y", count: 130))?.count == 120)
    }

    @Test(arguments: TestEngine.available)
    func modelOutputIsUsedAndCleaned(engine: TestEngine) async throws {
        try await TestHarness.run(engine, languageModel: ScriptedModel(answer: "  'Lisbon weather'  ")) { h in
            let sid = try #require(try await h.call(.post, "/v2/chat-sessions").json["id"].string)
            let r = try await h.call(.post, "/v2/chat/generate-title",
                                     json: #"{"session_id":"\#(sid)","messages":[{"text":"weather?","sender":"human"}]}"#)
            #expect(r.json["title"].string == "Lisbon weather")
            #expect(try await h.call(.get, "/v2/chat-sessions/\(sid)").json["title"].string == "Lisbon weather")
            let greeting = try await h.call(.post, "/v2/chat/initial-message", json: #"{"session_id":"\#(sid)"}"#)
            #expect(greeting.json["message"].string == "'Lisbon weather'")
        }
        try await TestHarness.run(engine, languageModel: ScriptedModel(answer: nil)) { h in
            let r = try await h.call(.post, "/v2/chat/initial-message", json: #"{}"#)
            #expect(r.status == 200 && r.json["message"].string == ChatTextGenerator.fallbackGreeting)
        }
    }

    @Test(arguments: TestEngine.available)
    func sixtyFirstCallInAnHourIsRefused(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { $0.rateLimitMultiplier = 1 }) { h in
            for i in 0..<60 {
                let body = i % 2 == 0 ? "{}" : #"{"user_text":"a","assistant_text":"b"}"#
                let path = i % 2 == 0 ? "/v2/chat/initial-message" : "/v2/chat/generate-title"
                #expect(try await h.call(.post, path, json: body).status == 200)
            }
            let refused = try await h.call(.post, "/v2/chat/initial-message", json: "{}")
            #expect(refused.status == 429 && refused.detail == "Rate limit exceeded")
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 > 0)
            #expect(refused.headers[HTTPField.Name("X-RateLimit-Remaining")!] == "0")
            // Another user has their own budget.
            #expect(try await h.call(.post, "/v2/chat/initial-message", as: "user-b", json: "{}").status == 200)

            // The hour rolls with the calls rather than resetting on the clock hour: calls made 50 minutes ago still
            // refuse, with Retry-After the rest of their hour, and a slot frees once they are an hour old. The counted
            // calls are restamped to one instant, because a loaded machine spreads the 60 real calls over many seconds.
            try await Self.stampCalls(h, secondsAgo: 3000)
            let later = try await h.call(.post, "/v2/chat/generate-title", json: #"{"user_text":"a","assistant_text":"b"}"#)
            let wait = Int(later.headers[.retryAfter] ?? "") ?? 0
            #expect(later.status == 429 && (1...600).contains(wait), "\(later.status) Retry-After \(wait)")
            try await Self.stampCalls(h, secondsAgo: 3601)
            #expect(try await h.call(.post, "/v2/chat/initial-message", json: "{}").status == 200)
        }
    }

    static func stampCalls(_ h: TestHarness, secondsAgo: Int64) async throws {
        let at = Clock.nowMicros() - secondsAgo * 1_000_000
        try await h.database.withConnection { db in
            try await db.raw("UPDATE meter_events SET at = \(bind: at) WHERE uid = \(bind: TestHarness.defaultUser)").run()
        }
    }
}

import HTTPTypes
import OmiStorage
import SQLKit
