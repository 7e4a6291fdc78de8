import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import OmiContract
import OmiStorage
import Testing
@testable import OmiServer

@Suite("Chat completions: streaming (chat.md §9.5, checklist 14)")
struct ChatCompletionStreamTests {
    typealias JSON = Wire.JSONValue
    typealias C = ChatCompletionTests

    /// The `data:` payloads of an event stream, in order.
    static func events(_ text: String) -> [String] {
        text.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { event in
            event.hasPrefix("data: ") ? String(event.dropFirst(6)) : "<not data: \(event)>"
        }
    }

    static func streamBody(model: String = "omi-sonnet") -> String {
        C.body(model: model, extra: #","stream":true,"stream_options":{"include_usage":true}"#)
    }

    @Test(arguments: TestEngine.available)
    func theStreamIsRoleContentToolCallsFinishUsageDone(engine: TestEngine) async throws {
        try await C.run(engine, [.stream(FakeLLM.streamEvents(input: 12, output: 7, cacheRead: 3))]) { h, tenant in
            let r = try await C.post(h, Self.streamBody())
            #expect(r.status == 200, "\(r.text)")
            #expect(r.headers[.contentType] == "text/event-stream")
            #expect(r.headers[.cacheControl] == "no-cache")
            #expect(r.headers[C.version] == "1")
            let events = Self.events(r.text)
            try #require(events.last == "[DONE]", "\(r.text)")
            let chunks = events.dropLast().map { JSON(jsonText: $0) ?? .null }
            // Every chunk but the usage one carries one choice; all share the id, created, object and public model.
            let created = try #require(chunks.first?["created"].int)
            for chunk in chunks {
                #expect(chunk["id"].string == "chatcmpl-msg_stream" && chunk["object"].string == "chat.completion.chunk")
                #expect(chunk["model"].string == "omi-sonnet" && chunk["created"].int == created)
            }
            let deltas = chunks.dropLast().map { $0["choices"][0]["delta"] }
            #expect(deltas == [
                .object(["role": .string("assistant")]),
                .object(["content": .string("Hel")]),
                .object(["content": .string("lo")]),
                .object(["tool_calls": .array([.object([
                    "index": .int(0), "id": .string("toolu_a"), "type": .string("function"),
                    "function": .object(["name": .string("search"), "arguments": .string("")]),
                ])])]),
                .object(["tool_calls": .array([.object(["index": .int(0),
                                                        "function": .object(["arguments": .string("{\"q\":")])])])]),
                .object(["tool_calls": .array([.object(["index": .int(0),
                                                        "function": .object(["arguments": .string("\"x\"}")])])])]),
                .object(["tool_calls": .array([.object([
                    "index": .int(1), "id": .string("toolu_b"), "type": .string("function"),
                    "function": .object(["name": .string("open"), "arguments": .string("")]),
                ])])]),
                .object(["tool_calls": .array([.object(["index": .int(1),
                                                        "function": .object(["arguments": .string("{}")])])])]),
                .object([:]),
            ])
            let finishes = chunks.dropLast().map { $0["choices"][0]["finish_reason"] }
            #expect(finishes.dropLast().allSatisfy { $0 == .null })
            #expect(chunks.dropLast().allSatisfy { $0["choices"][0].has("finish_reason") && $0["choices"][0]["index"].int == 0 })
            #expect(finishes.last == .string("tool_calls"))
            let usage = try #require(chunks.last)
            #expect(usage["choices"] == .array([]))
            #expect(usage["usage"] == .object(["prompt_tokens": .int(15), "completion_tokens": .int(7),
                                               "total_tokens": .int(22),
                                               "prompt_tokens_details": .object(["cached_tokens": .int(3)])]))
            // Compact JSON after `data: `, one blank line after each event.
            #expect(r.text.hasPrefix("data: {\"") && r.text.hasSuffix("data: [DONE]\n\n") && !r.text.contains("\r"))

            let sent = try #require(Self.firstBody(tenant))
            #expect(sent["stream"] == .bool(true) && !sent.has("stream_options"))
            let record = try #require(try await C.desktopRecord(h))
            #expect(record.callCount == 1 && record.counters.inputTokens == 12 && record.counters.outputTokens == 7)
            #expect(record.counters.cacheReadTokens == 3 && record.counters.totalTokens == 22)
            let questions = try await C.questions(h)
            #expect(questions == 1)
        }
    }

    static func firstBody(_ tenant: String) -> JSON? { C.fake.requests(tenant).first?.body }

    @Test(arguments: TestEngine.available)
    func aStreamThatBreaksAfterItsFirstEventEndsWithTheErrorEvent(engine: TestEngine) async throws {
        try await C.run(engine, [.breakAfterFirst(FakeLLM.textStream(["never"]))]) { h, _ in
            let r = try await C.post(h, Self.streamBody())
            #expect(r.status == 200)
            let events = Self.events(r.text)
            try #require(events.count == 3, "\(r.text)")
            #expect(JSON(jsonText: events[0])?["choices"][0]["delta"] == .object(["role": .string("assistant")]))
            #expect(JSON(jsonText: events[1]) == .object(["error": .object([
                "message": .string("Upstream provider error"), "type": .string("server_error"), "code": .int(502),
            ])]))
            #expect(events[2] == "[DONE]")
            let record = try await C.desktopRecord(h)
            #expect(record == nil)
        }
    }

    @Test(arguments: TestEngine.available)
    func anUpstreamErrorEventMidStreamEndsWithTheErrorEvent(engine: TestEngine) async throws {
        var events = Array(FakeLLM.textStream(["partial"]).prefix(3))
        events.append(FakeLLM.sse("error", .object(["error": .object(["type": .string("overloaded_error"),
                                                                       "message": .string("Overloaded")])])))
        try await C.run(engine, [.stream(events)]) { h, _ in
            let r = try await C.post(h, Self.streamBody())
            let received = Self.events(r.text)
            #expect(received.count == 4, "\(r.text)")
            #expect(JSON(jsonText: received[1])?["choices"][0]["delta"]["content"].string == "partial")
            #expect(JSON(jsonText: received[2])?["error"]["code"].int == 502)
            #expect(received.last == "[DONE]")
            #expect(!r.text.contains("Overloaded"))
        }
    }

    @Test(arguments: TestEngine.available)
    func anOpenAIStreamPassesThroughWithThePublicModel(engine: TestEngine) async throws {
        func chunk(_ fields: String) -> String {
            #"data: {"id":"chatcmpl-o1","object":"chat.completion.chunk","created":5,"model":"gpt-4.1",\#(fields)}"#
        }
        let upstream = [
            chunk(#""choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]"#),
            chunk(#""choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]"#),
            chunk(#""choices":[{"index":0,"delta":{},"finish_reason":"stop"}]"#),
            chunk(#""choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}"#),
            "data: [DONE]",
        ]
        try await C.run(engine, [.stream(upstream)], provider: .openai,
                        configure: { $0.chat.models["omi-sonnet"] = "gpt-4.1" }) { h, tenant in
            let r = try await C.post(h, C.body(extra: #","stream":true"#))
            #expect(r.status == 200, "\(r.text)")
            let events = Self.events(r.text)
            #expect(events.count == 5 && events.last == "[DONE]" && events.filter { $0 == "[DONE]" }.count == 1)
            let chunks = events.dropLast().map { JSON(jsonText: $0) ?? .null }
            #expect(chunks.allSatisfy { $0["model"].string == "omi-sonnet" && $0["id"].string == "chatcmpl-o1" })
            #expect(chunks[1]["choices"][0]["delta"]["content"].string == "Hi")
            #expect(chunks[3]["usage"]["total_tokens"].int == 11)
            let sent = try #require(Self.firstBody(tenant))
            #expect(sent["model"].string == "gpt-4.1" && sent["stream"] == .bool(true))
            #expect(sent["stream_options"] == .object(["include_usage": .bool(true)]))
            let record = try #require(try await C.desktopRecord(h))
            #expect(record.callCount == 1 && record.counters.inputTokens == 9 && record.counters.outputTokens == 2)
        }
    }

    // MARK: on a real socket

    /// Runs `body` with the server on a live loopback port, its upstream a fresh fake tenant.
    static func live(_ engine: TestEngine, _ answers: [FakeLLM.Answer],
                     _ body: @Sendable (String, String) async throws -> Void) async throws {
        let (tenant, base) = try await C.fake.tenant(answers)
        try await withLiveServer(engine, configure: { settings in
            settings.chat.provider = .anthropic
            settings.anthropicAPIKey = C.serverKey
            settings.chat.anthropicAPIBase = base
        }) { url in
            try await body(url.absoluteString, tenant)
        }
    }

    static func request(_ base: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: base + C.path)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(TestIdentityProvider.primary.token(uid: "stream-user"))")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: Self.streamBody()))
        return request
    }

    @Test(arguments: TestEngine.available)
    func contentReachesTheClientBeforeTheUpstreamFinishes(engine: TestEngine) async throws {
        try await Self.live(engine, [.stream(FakeLLM.textStream(["first ", "second"]), holdLast: true)]) { base, tenant in
            let response = try await HTTPClient.shared.execute(Self.request(base), timeout: .seconds(60))
            #expect(response.status.code == 200)
            var received = ""
            var heldWhenContentArrived: Bool?
            for try await chunk in response.body {
                received += String(buffer: chunk)
                if heldWhenContentArrived == nil && received.contains("second") {
                    // The upstream has not written its last event (it waits for the release below).
                    heldWhenContentArrived = !C.fake.state(tenant).lastWritten
                    C.fake.release(tenant)
                }
            }
            #expect(heldWhenContentArrived == true)
            #expect(C.fake.state(tenant).lastWritten)
            let events = Self.events(received)
            #expect(events.last == "[DONE]")
            #expect(events.compactMap { JSON(jsonText: $0)?["choices"][0]["delta"]["content"].string } == ["first ", "second"])
        }
    }

    @Test(arguments: TestEngine.available)
    func aClientDisconnectCancelsTheUpstream(engine: TestEngine) async throws {
        try await Self.live(engine, [.drip(count: 100, interval: .milliseconds(100))]) { base, tenant in
            // A client of its own, shut down after the first chunk so its connection really closes.
            try await withOwnHTTPClient { client in
                let response = try await client.execute(Self.request(base), timeout: .seconds(120))
                var iterator = response.body.makeAsyncIterator()
                let first = try await iterator.next()
                #expect(first.map { String(buffer: $0) }?.contains("\"role\":\"assistant\"") == true)
            }
            var aborted = 0
            for _ in 0..<100 where aborted == 0 {
                try await Task.sleep(for: .milliseconds(100))
                aborted = C.fake.state(tenant).streamsAborted
            }
            #expect(aborted == 1)
            #expect(C.fake.state(tenant).streamsCompleted == 0)
        }
    }
}
