import Foundation
import HTTPTypes
import Logging
import NIOCore
import OmiContract
import OmiStorage
import Testing
@testable import OmiServer

@Suite("Chat completions (chat.md §9, checklist 14)")
struct ChatCompletionTests {
    typealias JSON = Wire.JSONValue

    static let path = "/v2/chat/completions"
    static let serverKey = "sk-ant-server-0123456789abcdef"
    static let openAIKey = "sk-openai-server-0123456789abcdef"
    static let userKey = "sk-ant-user-own-key-42"
    static let fake = FakeLLM.shared
    static let version = HTTPField.Name("X-Omi-Chat-Contract-Version")!
    static let omiRequestId = HTTPField.Name("X-Omi-Request-Id")!

    /// A server whose upstream (anthropic unless `provider` says otherwise) is a fresh fake tenant answering `answers`.
    static func run(_ engine: TestEngine, _ answers: [FakeLLM.Answer] = [.json(200, FakeLLM.message())],
                    provider: ChatProviderSettings.Provider? = .anthropic,
                    configure: @escaping @Sendable (inout Settings) -> Void = { _ in }, logger: Logger? = nil,
                    _ body: @Sendable (TestHarness, String) async throws -> Void) async throws {
        let (tenant, base) = try await fake.tenant(answers)
        try await TestHarness.run(engine, configure: { s in
            s.chat.provider = provider
            s.anthropicAPIKey = Self.serverKey
            s.chat.anthropicAPIBase = base
            s.openAIAPIKey = Self.openAIKey
            s.openAIAPIBase = base
            configure(&s)
        }, logger: logger) { h in try await body(h, tenant) }
    }

    static func post(_ h: TestHarness, _ json: String, as user: String = TestHarness.defaultUser,
                     headers: HTTPFields = [:]) async throws -> Reply {
        try await h.call(.post, path, as: user, json: json, headers: headers)
    }

    /// A request body with one user message unless `messages` is given.
    static func body(model: String = "omi-sonnet", messages: String = #"[{"role":"user","content":"Hi"}]"#,
                     extra: String = "") -> String {
        #"{"model":"\#(model)","messages":\#(messages)\#(extra)}"#
    }

    static func errorBody(_ status: Int, _ message: String, _ type: String) -> JSON {
        .object(["detail": .string(message), "error": .object([
            "message": .string(message), "type": .string(type), "code": .int(Int64(status)),
        ])])
    }

    /// The caller's `desktop_chat` record of today, if any.
    static func desktopRecord(_ h: TestHarness, uid: String = TestHarness.defaultUser) async throws -> UsageDayRecord? {
        try await SQLUsageRepository(database: h.database).dayRecords(uid: uid).first { $0.bucket == "desktop_chat" }
    }

    static func questions(_ h: TestHarness, uid: String = TestHarness.defaultUser) async throws -> Int {
        try await SQLUsageRepository(database: h.database).questionsUsed(uid: uid, since: 0)
    }

    // MARK: non-streamed answers

    @Test(arguments: TestEngine.available)
    func aJSONAnswerIsTranslatedWithThePublicModelAndTheUsageFormula(engine: TestEngine) async throws {
        let answer = FakeLLM.message(id: "msg_abc", text: "Hello there", input: 10, output: 5, cacheRead: 4, cacheWrite: 2)
        try await Self.run(engine, [.json(200, answer)]) { h, tenant in
            let r = try await Self.post(h, Self.body(), headers: [Self.omiRequestId: "req-123"])
            #expect(r.status == 200, "\(r.text)")
            #expect(r.headers[.contentType] == "application/json")
            #expect(r.headers[Self.version] == "1")
            #expect(r.headers[HTTPField.Name("X-Request-Id")!] == "req-123")
            let created = try #require(r.json["created"].int)
            #expect(abs(created - Int64(Date().timeIntervalSince1970)) < 3600)
            #expect(r.json == .object([
                "id": .string("chatcmpl-msg_abc"), "object": .string("chat.completion"), "created": .int(created),
                "model": .string("omi-sonnet"),
                "choices": .array([.object([
                    "index": .int(0), "message": .object(["role": .string("assistant"), "content": .string("Hello there")]),
                    "finish_reason": .string("stop"),
                ])]),
                "usage": .object(["prompt_tokens": .int(16), "completion_tokens": .int(5), "total_tokens": .int(21),
                                  "prompt_tokens_details": .object(["cached_tokens": .int(4)])]),
            ]))

            let seen = Self.fake.requests(tenant)
            try #require(seen.count == 1)
            #expect(seen[0].path == "/v1/messages")
            #expect(seen[0].headers[HTTPField.Name("x-api-key")!] == Self.serverKey)
            #expect(seen[0].headers[HTTPField.Name("anthropic-version")!] == "2023-06-01")
            #expect(seen[0].headers[.authorization] == nil)
            #expect(seen[0].body == .object([
                "model": .string("claude-sonnet-4-6"), "max_tokens": .int(8192),
                "messages": .array([.object(["role": .string("user"), "content": .string("Hi")])]),
            ]))

            let record = try #require(try await Self.desktopRecord(h))
            #expect(record.callCount == 1)
            #expect(record.counters.inputTokens == 10 && record.counters.outputTokens == 5)
            #expect(record.counters.cacheReadTokens == 4 && record.counters.cacheWriteTokens == 2)
            #expect(record.counters.totalTokens == 21)
            let cost: Double = (10 * 3 + 5 * 15 + 4 * 0.30 + 2 * 3.75) / 1_000_000
            #expect(abs(record.counters.costUSD - cost) < 1e-12)
            let questions = try await Self.questions(h)
            #expect(questions == 1)

            // A second call adds once more: one record per completed call.
            let again = try await Self.post(h, Self.body(model: "omi-opus"))
            #expect(again.status == 200 && again.json["model"].string == "omi-opus")
            #expect(Self.fake.requests(tenant).last?.body["model"].string == "claude-opus-4-6")
            let twice = try #require(try await Self.desktopRecord(h))
            #expect(twice.callCount == 2 && twice.counters.inputTokens == 20)
            let opusCost: Double = (10 * 15 + 5 * 75 + 4 * 1.50 + 2 * 18.75) / 1_000_000
            #expect(abs(twice.counters.costUSD - cost - opusCost) < 1e-12)
            // The LLM-usage endpoint reads the same record.
            let total = try await h.call(.get, "/v1/users/me/llm-usage/total")
            #expect(total.status == 200)
            #expect(abs((total.json["total_cost_usd"].double ?? -1) - cost - opusCost) < 1e-6)
            let questionsAfter = try await Self.questions(h)
            #expect(questionsAfter == 2)
        }
    }

    @Test(arguments: TestEngine.available)
    func toolCallsOnlyGiveNullContentAndTheirFinishReason(engine: TestEngine) async throws {
        let answer = FakeLLM.message(text: nil, tools: [("toolu_1", "search", #"{"q":"lisbon"}"#)], stop: "tool_use")
        try await Self.run(engine, [.json(200, answer), .json(200, FakeLLM.message(stop: "max_tokens")),
                                    .json(200, FakeLLM.message(stop: "refusal"))]) { h, _ in
            let r = try await Self.post(h, Self.body())
            #expect(r.status == 200)
            let choice = r.json["choices"][0]
            #expect(choice["finish_reason"].string == "tool_calls")
            #expect(choice["message"]["content"].isNull && choice["message"].has("content"))
            let call = choice["message"]["tool_calls"][0]
            #expect(call["id"].string == "toolu_1" && call["type"].string == "function")
            #expect(call["function"]["name"].string == "search")
            #expect(JSON(jsonText: call["function"]["arguments"].string ?? "") == .object(["q": .string("lisbon")]))
            #expect(r.json["usage"].keys == ["prompt_tokens", "completion_tokens", "total_tokens"])
            let length = try await Self.post(h, Self.body())
            #expect(length.json["choices"][0]["finish_reason"].string == "length")
            #expect(!length.json["choices"][0]["message"].has("tool_calls"))
            let refusal = try await Self.post(h, Self.body())
            #expect(refusal.json["choices"][0]["finish_reason"].string == "content_filter")
        }
    }

    @Test(arguments: TestEngine.available)
    func theRequestIsTranslatedToTheMessagesAPI(engine: TestEngine) async throws {
        try await Self.run(engine) { h, tenant in
            let messages = #"""
                [{"role":"system","content":"old system"},
                 {"role":"developer","content":[{"type":"text","text":"Be brief."}]},
                 {"role":"user","content":[{"type":"text","text":"Look"},
                   {"type":"image_url","image_url":{"url":"data:image/png;base64,aGVsbG8="}},
                   {"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]},
                 {"role":"assistant","content":"Checking","tool_calls":[
                   {"id":"call_1","type":"function","function":{"name":"search","arguments":"{\"q\":1}"}},
                   {"id":"call_2","type":"function","function":{"name":"open","arguments":"not json"}}]},
                 {"role":"tool","tool_call_id":"call_1","content":"result one"},
                 {"role":"assistant","content":null},
                 {"role":"user","content":"Thanks"}]
                """#
            let tools = #"""
                ,"tools":[{"type":"function","function":{"name":"search","description":"Find","parameters":{"type":"object","properties":{"q":{"type":"integer"}}}}},
                          {"type":"function","function":{"name":"open"}},{"type":"retrieval"}],
                 "tool_choice":"required","max_tokens":999999,"temperature":0.5,"stream_options":{"x":1},"n":3
                """#
            let r = try await Self.post(h, Self.body(messages: messages, extra: tools))
            #expect(r.status == 200, "\(r.text)")
            let sent = try #require(Self.fake.requests(tenant).first?.body)
            #expect(sent["system"].string == "Be brief.")
            #expect(sent["max_tokens"].int == 16384)
            #expect(sent["temperature"] == .double(0.5))
            #expect(!sent.has("n") && !sent.has("stream_options") && !sent.has("stream"))
            #expect(sent["tool_choice"] == .object(["type": .string("any")]))
            #expect(sent["tools"] == .array([
                .object(["name": .string("search"), "description": .string("Find"),
                         "input_schema": .object(["type": .string("object"),
                                                  "properties": .object(["q": .object(["type": .string("integer")])])])]),
                .object(["name": .string("open"),
                         "input_schema": .object(["type": .string("object"), "properties": .object([:])])]),
            ]))
            #expect(sent["messages"] == .array([
                .object(["role": .string("user"), "content": .array([
                    .object(["type": .string("text"), "text": .string("Look")]),
                    .object(["type": .string("image"), "source": .object([
                        "type": .string("base64"), "media_type": .string("image/png"), "data": .string("aGVsbG8="),
                    ])]),
                    .object(["type": .string("image"), "source": .object([
                        "type": .string("url"), "url": .string("https://example.com/a.png"),
                    ])]),
                ])]),
                .object(["role": .string("assistant"), "content": .array([
                    .object(["type": .string("text"), "text": .string("Checking")]),
                    .object(["type": .string("tool_use"), "id": .string("call_1"), "name": .string("search"),
                             "input": .object(["q": .int(1)])]),
                    .object(["type": .string("tool_use"), "id": .string("call_2"), "name": .string("open"),
                             "input": .object([:])]),
                ])]),
                .object(["role": .string("user"), "content": .array([
                    .object(["type": .string("tool_result"), "tool_use_id": .string("call_1"),
                             "content": .string("result one")]),
                ])]),
                .object(["role": .string("assistant"), "content": .array([
                    .object(["type": .string("text"), "text": .string("")]),
                ])]),
                .object(["role": .string("user"), "content": .string("Thanks")]),
            ]))

            // max_completion_tokens wins; tool_choice none removes the tools; the function form names one tool.
            _ = try await Self.post(h, Self.body(extra: #","max_tokens":100,"max_completion_tokens":200,"tools":[{"type":"function","function":{"name":"a"}}],"tool_choice":"none""#))
            let second = try #require(Self.fake.requests(tenant).last?.body)
            #expect(second["max_tokens"].int == 200 && !second.has("tools") && !second.has("tool_choice"))
            _ = try await Self.post(h, Self.body(extra: #","tools":[{"type":"function","function":{"name":"a"}}],"tool_choice":{"type":"function","function":{"name":"a"}}"#))
            let third = try #require(Self.fake.requests(tenant).last?.body)
            #expect(third["tool_choice"] == .object(["type": .string("tool"), "name": .string("a")]))
            _ = try await Self.post(h, Self.body(extra: #","tools":[{"type":"function","function":{"name":"a"}}],"tool_choice":"auto""#))
            #expect(Self.fake.requests(tenant).last?.body["tool_choice"] == .object(["type": .string("auto")]))
        }
    }

    // MARK: refusals before forwarding (§9.7)

    @Test(arguments: TestEngine.available)
    func badInputIsAClear4xxAndNothingIsForwardedOrRecorded(engine: TestEngine) async throws {
        try await Self.run(engine) { h, tenant in
            let cases: [(String, Int, String)] = [
                (Self.body(messages: #"[{"role":"tool","content":"x"}]"#), 400, "messages[0]: a tool message needs tool_call_id"),
                (Self.body(model: "gpt-4o"), 400, "unsupported model"),
                (Self.body(messages: "[]"), 400, "messages must not be empty"),
                (Self.body(messages: #"[{"role":"robot","content":"x"}]"#), 400, "messages[0] has an unsupported role"),
                (Self.body(extra: #","tool_choice":"sometimes""#), 400,
                 #"tool_choice must be none, auto, required or {"type": "function", "function": {"name"}}"#),
                (Self.body(extra: #","max_tokens":0"#), 400, "max_tokens must be a positive integer"),
                (Self.body(extra: #","max_completion_tokens":-5"#), 400, "max_completion_tokens must be a positive integer"),
                (Self.body(messages: #"[{"role":"user","content":[{"type":"image_url","image_url":{"url":"http://x/a.png"}}]}]"#),
                 400, "messages[0]: image URLs must be data: URLs or https: URLs"),
                (Self.body(messages: #"[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,!!!"}}]}]"#),
                 400, "messages[0]: image data must be valid base64"),
            ]
            for (body, status, message) in cases {
                let r = try await Self.post(h, body)
                #expect(r.status == status, "\(body): \(r.text)")
                #expect(r.json == Self.errorBody(status, message, "invalid_request_error"), "\(body)")
                #expect(r.headers[Self.version] == "1")
            }
            for body in [#"{"messages":[]}"#, #"{"model":5,"messages":[]}"#, #"{"model":"omi-sonnet","messages":"hi"}"#,
                         "[1,2]", "not json"] {
                let r = try await Self.post(h, body)
                #expect(r.status == 422, "\(body): \(r.text)")
                #expect(r.json["error"] == .object(["message": .string("Invalid request body"),
                                                    "type": .string("invalid_request_error"), "code": .int(422)]))
                #expect(!r.json["detail"].array.isEmpty, "\(body)")
            }
            let missing = try await Self.post(h, "{}")
            #expect(Set(missing.json["detail"].array.map { $0["loc"] }) == [
                .array([.string("body"), .string("model")]), .array([.string("body"), .string("messages")]),
            ])
            #expect(Self.fake.requests(tenant).isEmpty)
            let record = try await Self.desktopRecord(h)
            #expect(record == nil)
            let questions = try await Self.questions(h)
            #expect(questions == 0)
        }
    }

    @Test(arguments: TestEngine.available)
    func contractVersionTwoIs426AndOneIsServed(engine: TestEngine) async throws {
        try await Self.run(engine) { h, tenant in
            let refused = try await Self.post(h, Self.body(), headers: [Self.version: "2"])
            #expect(refused.status == 426)
            #expect(refused.json == Self.errorBody(426, "Unsupported chat contract version", "invalid_request_error"))
            #expect(refused.headers[Self.version] == "1")
            #expect(UUID(uuidString: refused.headers[HTTPField.Name("X-Request-Id")!] ?? "") != nil)
            // Checked first: even an oversized or malformed body gets 426.
            let malformed = try await Self.post(h, "not json", headers: [Self.version: "2"])
            #expect(malformed.status == 426)
            #expect(Self.fake.requests(tenant).isEmpty)
            let served = try await Self.post(h, Self.body(), headers: [Self.version: "1"])
            #expect(served.status == 200)
        }
    }

    @Test(arguments: TestEngine.available)
    func aBodyOver16MiBIs413AndBadContentLengthIs400(engine: TestEngine) async throws {
        try await Self.run(engine) { h, tenant in
            let big = Self.body(messages: #"[{"role":"user","content":""# + String(repeating: "x", count: 17 << 20) + #""}]"#)
            let r = try await Self.post(h, big)
            #expect(r.status == 413)
            #expect(r.json == Self.errorBody(413, "Request body is too large", "invalid_request_error"))
            #expect(r.headers[Self.version] == "1")
            // 3 MiB is over the other chat routes' cap but within this one's.
            let large = Self.body(messages: #"[{"role":"user","content":""# + String(repeating: "y", count: 3 << 20) + #""}]"#)
            let accepted = try await Self.post(h, large)
            #expect(accepted.status == 200)
            // Without a body, so the test client keeps the header as given.
            let bad = try await h.call(.post, Self.path, headers: [.contentLength: "abc"])
            #expect(bad.status == 400)
            #expect(bad.json == Self.errorBody(400, "Invalid Content-Length", "invalid_request_error"))
            #expect(Self.fake.requests(tenant).count == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func the121stRequestInAMinuteIs429(engine: TestEngine) async throws {
        try await Self.run(engine) { h, tenant in
            // Stamped two minutes ahead, so they stay in the 60 s window however slow a loaded machine is.
            let at = Clock.nowMicros() + 120_000_000
            try await h.database.withConnection { db in
                for _ in 0..<119 {
                    try await db.raw("""
                        INSERT INTO meter_events (scope, uid, at, units) VALUES ('chat', 'user-a', \(bind: at), 1)
                        """).run()
                }
            }
            let last = try await Self.post(h, Self.body())
            #expect(last.status == 200)
            let refused = try await Self.post(h, Self.body())
            #expect(refused.status == 429)
            #expect(refused.json == Self.errorBody(429, "Rate limit exceeded", "rate_limit_error"))
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 > 0)
            #expect(refused.headers[Self.version] == "1")
            #expect(Self.fake.requests(tenant).count == 1)
            // Another user has their own budget.
            let other = try await Self.post(h, Self.body(), as: "user-b")
            #expect(other.status == 200)
        }
    }

    @Test(arguments: TestEngine.available)
    func noUpstreamIs503(engine: TestEngine) async throws {
        try await Self.run(engine, provider: nil) { h, tenant in
            let r = try await Self.post(h, Self.body())
            #expect(r.status == 503)
            #expect(r.json == Self.errorBody(503, "Chat provider is not configured", "server_error"))
            #expect(r.headers[Self.version] == "1")
            #expect(Self.fake.requests(tenant).isEmpty)
            // Still validated first.
            let unknown = try await Self.post(h, Self.body(model: "nope"))
            #expect(unknown.status == 400)
        }
    }

    @Test(arguments: TestEngine.available)
    func authenticationFailuresCarryTheEndpointsHeadersAndShape(engine: TestEngine) async throws {
        try await Self.run(engine) { h, tenant in
            let r = try await h.call(.post, Self.path, as: nil, json: Self.body(),
                                     headers: [Self.omiRequestId: "abc-1"])
            #expect(r.status == 401)
            #expect(r.detail == "Authorization header not found")
            #expect(r.json["error"]["code"].int == 401)
            #expect(r.headers[Self.version] == "1")
            #expect(r.headers[HTTPField.Name("X-Request-Id")!] == "abc-1")
            #expect(Self.fake.requests(tenant).isEmpty)
        }
    }

    // MARK: upstream failures

    @Test(arguments: TestEngine.available)
    func upstreamFailuresAre502AndItsRateLimitIs429(engine: TestEngine) async throws {
        let failure = #"{"type":"error","error":{"type":"api_error","message":"boom"}}"#
        try await Self.run(engine, [.json(500, failure), .json(500, failure), .json(401, failure),
                                    .json(429, failure), .json(200, "not json"), .json(200, #"{"id":"x"}"#)]) { h, _ in
            for stream in [false, true, false] {
                let r = try await Self.post(h, Self.body(extra: stream ? #","stream":true"# : ""))
                #expect(r.status == 502, "stream \(stream): \(r.text)")
                #expect(r.headers[.contentType] == "application/json")
                #expect(r.json == Self.errorBody(502, "Upstream provider error", "server_error"))
                #expect(r.headers[Self.version] == "1")
            }
            let limited = try await Self.post(h, Self.body())
            #expect(limited.status == 429 && limited.headers[.retryAfter] == "60")
            #expect(limited.json == Self.errorBody(429, "Rate limit exceeded", "rate_limit_error"))
            for _ in 0..<2 {
                let unreadable = try await Self.post(h, Self.body())
                #expect(unreadable.status == 502)
            }
            let record = try await Self.desktopRecord(h)
            #expect(record == nil)
        }
    }

    @Test(arguments: TestEngine.available)
    func anUnreachableOrSlowUpstreamIs502(engine: TestEngine) async throws {
        try await Self.run(engine, [.delay(.seconds(5))], configure: { s in
            s.chat.timings.firstByte = .milliseconds(300)
        }) { h, _ in
            let slow = try await Self.post(h, Self.body())
            #expect(slow.status == 502)
        }
        try await Self.run(engine, configure: { s in s.chat.anthropicAPIBase = "http://127.0.0.1:1" }) { h, _ in
            let unreachable = try await Self.post(h, Self.body())
            #expect(unreachable.status == 502)
            #expect(unreachable.json == Self.errorBody(502, "Upstream provider error", "server_error"))
        }
    }

    // MARK: keys, BYOK and isolation

    @Test(arguments: TestEngine.available)
    func byokReplacesTheServerKeyAndCostsNothing(engine: TestEngine) async throws {
        try await Self.run(engine) { h, tenant in
            try await BYOKTests.enrol(h, [("anthropic", Self.userKey)])
            let r = try await Self.post(h, Self.body(), headers: BYOKTests.headers([("X-BYOK-Anthropic", Self.userKey)]))
            #expect(r.status == 200, "\(r.text)")
            let seen = Self.fake.requests(tenant)
            #expect(seen.last?.headers[HTTPField.Name("x-api-key")!] == Self.userKey)
            #expect(seen.last?.headers[HTTPField.Name("X-BYOK-Anthropic")!] == nil)
            let record = try #require(try await Self.desktopRecord(h))
            #expect(record.callCount == 1 && record.counters.inputTokens == 10 && record.counters.costUSD == 0)
            // A key that does not match the enrolment is refused before forwarding.
            let wrong = try await Self.post(h, Self.body(), headers: BYOKTests.headers([("X-BYOK-Anthropic", "sk-ant-other")]))
            #expect(wrong.status == 403)
            #expect(wrong.json == Self.errorBody(403, "BYOK key fingerprint mismatch for provider: anthropic", "permission_error"))
            #expect(Self.fake.requests(tenant).count == 1)
            // Upstream 401 on the user's own key is still 502, never 401.
            Self.fake.setAnswers(tenant, [.json(401, #"{"type":"error"}"#)])
            let refused = try await Self.post(h, Self.body(), headers: BYOKTests.headers([("X-BYOK-Anthropic", Self.userKey)]))
            #expect(refused.status == 502)
        }
    }

    @Test(arguments: TestEngine.available)
    func upstreamKeysNeverAppearInAnswersOrLogs(engine: TestEngine) async throws {
        let captured = CapturedLog()
        let logger = Logger(label: "captured") { _ in captured }
        try await Self.run(engine, [.json(200, FakeLLM.message()), .json(401, #"{"error":"bad key"}"#),
                                    .stream(FakeLLM.textStream(["a"]))], logger: logger) { h, _ in
            try await BYOKTests.enrol(h, [("anthropic", Self.userKey)])
            var texts: [String] = []
            texts.append(try await Self.post(h, Self.body()).text)
            texts.append(try await Self.post(h, Self.body(), headers: BYOKTests.headers([("X-BYOK-Anthropic", Self.userKey)])).text)
            let streamed = try await Self.post(h, Self.body(extra: #","stream":true"#))
            texts.append(streamed.text)
            texts.append(streamed.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n"))
            for text in texts + [captured.text] {
                #expect(!text.contains(Self.serverKey) && !text.contains(Self.userKey))
            }
            #expect(!captured.text.contains("Hello there"), "answer text is never logged")
        }
    }

    @Test(arguments: TestEngine.available)
    func userBsUsageIsUnaffectedByAsCalls(engine: TestEngine) async throws {
        try await Self.run(engine) { h, _ in
            for _ in 0..<3 { _ = try await Self.post(h, Self.body()) }
            let a = try #require(try await Self.desktopRecord(h))
            #expect(a.callCount == 3)
            let b = try await Self.desktopRecord(h, uid: "user-b")
            #expect(b == nil)
            let bQuestions = try await Self.questions(h, uid: "user-b")
            #expect(bQuestions == 0)
            let bTotal = try await h.call(.get, "/v1/users/me/llm-usage/total", as: "user-b")
            #expect(bTotal.status == 200 && bTotal.json["total_cost_usd"].double == 0)
        }
    }

    @Test(arguments: TestEngine.available)
    func theRequestIdIsEchoedOrMadeAndKeysTheQuestion(engine: TestEngine) async throws {
        try await Self.run(engine) { h, _ in
            let made = try await Self.post(h, Self.body())
            let id = try #require(made.headers[HTTPField.Name("X-Request-Id")!])
            #expect(UUID(uuidString: id) != nil && id == id.lowercased())
            // A retry under the same request id counts one question.
            for _ in 0..<2 {
                let r = try await Self.post(h, Self.body(), headers: [Self.omiRequestId: "same-id"])
                #expect(r.headers[HTTPField.Name("X-Request-Id")!] == "same-id")
            }
            let questions = try await Self.questions(h)
            #expect(questions == 2)
        }
    }

    // MARK: an OpenAI-compatible upstream

    @Test(arguments: TestEngine.available)
    func anOpenAIUpstreamGetsTheBodyWithTheUpstreamModel(engine: TestEngine) async throws {
        let answer = #"""
            {"id":"chatcmpl-up","object":"chat.completion","created":1,"model":"gpt-4.1",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":20,"completion_tokens":4,"total_tokens":24,"prompt_tokens_details":{"cached_tokens":8}}}
            """#
        try await Self.run(engine, [.json(200, answer)], provider: .openai,
                           configure: { $0.chat.models["omi-sonnet"] = "gpt-4.1" }) { h, tenant in
            let r = try await Self.post(h, Self.body(extra: #","temperature":1,"tools":[{"type":"function","function":{"name":"a"}}]"#))
            #expect(r.status == 200, "\(r.text)")
            #expect(r.json["model"].string == "omi-sonnet" && r.json["id"].string == "chatcmpl-up")
            #expect(r.json["choices"][0]["message"]["content"].string == "Hi")
            let seen = try #require(Self.fake.requests(tenant).first)
            #expect(seen.path == "/chat/completions")
            #expect(seen.headers[.authorization] == "Bearer \(Self.openAIKey)")
            #expect(seen.body == JSON(jsonText: Self.body(extra: #","temperature":1,"tools":[{"type":"function","function":{"name":"a"}}]"#))
                .map { value -> JSON in
                    guard case .object(var fields) = value else { return value }
                    fields["model"] = .string("gpt-4.1")
                    fields["max_tokens"] = .int(8192)  // the default limit, stated to the upstream
                    return .object(fields)
                })
            let record = try #require(try await Self.desktopRecord(h))
            #expect(record.counters.inputTokens == 12 && record.counters.cacheReadTokens == 8)
            #expect(record.counters.outputTokens == 4 && record.counters.totalTokens == 24)
            // gpt-4.1 has no price of its own: priced as Sonnet.
            let cost: Double = (12 * 3 + 4 * 15 + 8 * 0.30) / 1_000_000
            #expect(abs(record.counters.costUSD - cost) < 1e-12)
        }
    }

    /// The upstream gets the effective limit under the client's key: an oversized one capped at 16384, and
    /// `max_completion_tokens` winning over `max_tokens`, which is then not sent.
    @Test(arguments: TestEngine.available)
    func anOpenAIUpstreamGetsTheCappedTokenLimit(engine: TestEngine) async throws {
        let answer = #"""
            {"id":"chatcmpl-up","object":"chat.completion","created":1,"model":"gpt-4.1",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":2,"completion_tokens":1,"total_tokens":3}}
            """#
        try await Self.run(engine, [.json(200, answer), .json(200, answer), .json(200, answer)], provider: .openai,
                           configure: { $0.chat.models["omi-sonnet"] = "gpt-4.1" }) { h, tenant in
            for extra in [#","max_tokens":999999"#, #","max_tokens":100,"max_completion_tokens":20000"#,
                          #","max_completion_tokens":300"#] {
                let r = try await Self.post(h, Self.body(extra: extra))
                #expect(r.status == 200, "\(extra): \(r.text)")
            }
            let sent = Self.fake.requests(tenant).map(\.body)
            try #require(sent.count == 3)
            #expect(sent[0]["max_tokens"].int == 16384 && !sent[0].has("max_completion_tokens"))
            #expect(sent[1]["max_completion_tokens"].int == 16384 && !sent[1].has("max_tokens"))
            #expect(sent[2]["max_completion_tokens"].int == 300 && !sent[2].has("max_tokens"))
        }
    }

    // MARK: settings

    @Test func settingsAreReadFromTheEnvironment() throws {
        var env = ["AUTH_DEV_MODE": "true", "CHAT_PROVIDER": "OpenAI", "ANTHROPIC_API_BASE": "http://127.0.0.1:9/",
                   "CHAT_MODEL_MAP": "omi-sonnet=gpt-4.1, extra=gpt-4.1-mini",
                   "CHAT_MODEL_PRICES": "gpt-4.1=2/8/0.5/0", "CHAT_SMALL_MODEL": "extra"]
        let s = try Settings.fromEnvironment(env)
        #expect(s.chat.provider == .openai && s.chat.anthropicAPIBase == "http://127.0.0.1:9")
        #expect(s.chat.models["omi-sonnet"] == "gpt-4.1" && s.chat.models["extra"] == "gpt-4.1-mini")
        #expect(s.chat.models["omi-opus"] == "claude-opus-4-6")
        #expect(s.chat.price(of: "gpt-4.1") == .init(input: 2, output: 8, cacheRead: 0.5, cacheWrite: 0))
        #expect(s.chat.price(of: "unknown") == s.chat.price(of: "claude-sonnet-4-6"))
        #expect(s.chat.smallModel == "extra")
        let defaults = try Settings.fromEnvironment(["AUTH_DEV_MODE": "true"])
        #expect(defaults.chat.provider == nil && defaults.chat.anthropicAPIBase == "https://api.anthropic.com")
        #expect(defaults.chat.timings.firstByte == .seconds(60) && defaults.chat.timings.total == .seconds(300))
        env["CHAT_PROVIDER"] = "gemini"
        env["CHAT_MODEL_PRICES"] = "gpt-4.1=2/8"
        #expect(throws: SettingsError.self) { try Settings.fromEnvironment(env) }
    }
}

extension Wire.JSONValue {
    var double: Double? {
        switch self {
        case .double(let d): d
        case .int(let i): Double(i)
        default: nil
        }
    }
}
