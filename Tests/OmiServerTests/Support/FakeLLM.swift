import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OmiContract
import Synchronization

/// A local stand-in for Anthropic's Messages API and an OpenAI-compatible chat-completions API, shared by the whole
/// test process. Each test gets its own base URL (`/t/{tenant}`), so its answers and recorded calls never mix.
final class FakeLLM: Sendable {
    static let shared = FakeLLM()

    enum Answer: Sendable {
        /// This status with this JSON body.
        case json(Int, String)
        /// 200 `text/event-stream` with these events (each a whole `event:`/`data:` block without the blank line).
        /// With `holdLast`, the last event waits until the test calls `release`.
        case stream([String], holdLast: Bool = false)
        /// The first event, then the connection is cut.
        case breakAfterFirst([String])
        /// Waits this long before answering 200 with `message`.
        case delay(Duration)
        /// 200 `text/event-stream`: the first events at once, then `count` text deltas `interval` apart.
        case drip(count: Int, interval: Duration)
    }

    struct Recorded: Sendable {
        /// The path after the tenant prefix: `/v1/messages` or `/chat/completions`.
        var path: String
        var headers: HTTPFields
        var body: Wire.JSONValue
    }

    struct Tenant: Sendable {
        /// Answered in order; the last one repeats once the list is used up.
        var answers: [Answer] = [.json(200, FakeLLM.message())]
        var requests: [Recorded] = []
        var released = false
        /// Whether the held last event has been written.
        var lastWritten = false
        var streamsAborted = 0
        var streamsCompleted = 0
    }

    private let tenants = Mutex<[String: Tenant]>([:])
    private let server = LoopbackServer()

    /// A fresh tenant answering `answers`, and the API base that reaches it.
    func tenant(_ answers: [Answer] = [.json(200, FakeLLM.message())]) async throws -> (id: String, base: String) {
        let id = UUID().uuidString
        tenants.withLock { $0[id] = Tenant(answers: answers) }
        return (id, "http://127.0.0.1:\(try await server.port(router: makeRouter))/t/\(id)")
    }

    func state(_ id: String) -> Tenant { tenants.withLock { $0[id] ?? Tenant() } }
    func requests(_ id: String) -> [Recorded] { state(id).requests }
    func release(_ id: String) { tenants.withLock { $0[id]?.released = true } }
    func setAnswers(_ id: String, _ answers: [Answer]) { tenants.withLock { $0[id]?.answers = answers } }

    // MARK: Anthropic-shaped answers

    /// A Messages API answer with text and optional tool calls.
    static func message(id: String = "msg_01", text: String? = "Hello there", tools: [(String, String, String)] = [],
                        stop: String = "end_turn", input: Int = 10, output: Int = 5, cacheRead: Int = 0,
                        cacheWrite: Int = 0) -> String {
        var content: [Wire.JSONValue] = []
        if let text { content.append(.object(["type": .string("text"), "text": .string(text)])) }
        for (toolId, name, arguments) in tools {
            content.append(.object(["type": .string("tool_use"), "id": .string(toolId), "name": .string(name),
                                    "input": Wire.JSONValue(jsonText: arguments) ?? .object([:])]))
        }
        return Wire.JSONValue.object([
            "id": .string(id), "type": .string("message"), "role": .string("assistant"),
            "model": .string("claude-sonnet-4-6"), "content": .array(content), "stop_reason": .string(stop),
            "usage": .object([
                "input_tokens": .int(Int64(input)), "output_tokens": .int(Int64(output)),
                "cache_read_input_tokens": .int(Int64(cacheRead)), "cache_creation_input_tokens": .int(Int64(cacheWrite)),
            ]),
        ]).jsonText
    }

    static func sse(_ type: String, _ data: Wire.JSONValue) -> String {
        var fields: [String: Wire.JSONValue] = ["type": .string(type)]
        if case .object(let extra) = data { fields.merge(extra) { $1 } }
        return "event: \(type)\ndata: \(Wire.JSONValue.object(fields).jsonText)"
    }

    /// A streamed answer: text in two deltas, then two tool calls (upstream blocks 1 and 2), with a ping between.
    static func streamEvents(id: String = "msg_stream", input: Int = 12, output: Int = 7, cacheRead: Int = 3)
        -> [String] {
        [
            sse("message_start", .object(["message": .object([
                "id": .string(id), "type": .string("message"), "role": .string("assistant"), "content": .array([]),
                "usage": .object(["input_tokens": .int(Int64(input)), "output_tokens": .int(1),
                                  "cache_read_input_tokens": .int(Int64(cacheRead)),
                                  "cache_creation_input_tokens": .int(0)]),
            ])])),
            sse("content_block_start", .object(["index": .int(0),
                                                "content_block": .object(["type": .string("text"), "text": .string("")])])),
            sse("ping", .object([:])),
            sse("content_block_delta", .object(["index": .int(0),
                                                "delta": .object(["type": .string("text_delta"), "text": .string("Hel")])])),
            sse("content_block_delta", .object(["index": .int(0),
                                                "delta": .object(["type": .string("text_delta"), "text": .string("lo")])])),
            sse("content_block_stop", .object(["index": .int(0)])),
            sse("content_block_start", .object(["index": .int(1), "content_block": .object([
                "type": .string("tool_use"), "id": .string("toolu_a"), "name": .string("search"), "input": .object([:]),
            ])])),
            sse("content_block_delta", .object(["index": .int(1), "delta": .object([
                "type": .string("input_json_delta"), "partial_json": .string("{\"q\":"),
            ])])),
            sse("content_block_delta", .object(["index": .int(1), "delta": .object([
                "type": .string("input_json_delta"), "partial_json": .string("\"x\"}"),
            ])])),
            sse("content_block_stop", .object(["index": .int(1)])),
            sse("content_block_start", .object(["index": .int(2), "content_block": .object([
                "type": .string("tool_use"), "id": .string("toolu_b"), "name": .string("open"), "input": .object([:]),
            ])])),
            sse("content_block_delta", .object(["index": .int(2), "delta": .object([
                "type": .string("input_json_delta"), "partial_json": .string("{}"),
            ])])),
            sse("content_block_stop", .object(["index": .int(2)])),
            sse("message_delta", .object(["delta": .object(["stop_reason": .string("tool_use")]),
                                          "usage": .object(["output_tokens": .int(Int64(output))])])),
            sse("message_stop", .object([:])),
        ]
    }

    /// A short streamed text answer.
    static func textStream(_ parts: [String], id: String = "msg_text") -> [String] {
        var events = [sse("message_start", .object(["message": .object([
            "id": .string(id), "usage": .object(["input_tokens": .int(4), "output_tokens": .int(1)]),
        ])]))]
        events.append(sse("content_block_start", .object(["index": .int(0),
                                                          "content_block": .object(["type": .string("text"), "text": .string("")])])))
        for part in parts {
            events.append(sse("content_block_delta", .object(["index": .int(0),
                                                              "delta": .object(["type": .string("text_delta"), "text": .string(part)])])))
        }
        events.append(sse("message_delta", .object(["delta": .object(["stop_reason": .string("end_turn")]),
                                                    "usage": .object(["output_tokens": .int(2)])])))
        events.append(sse("message_stop", .object([:])))
        return events
    }

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/t/:tenant/**") { [self] request, context -> Response in
            let id = context.parameters.get("tenant") ?? ""
            let path = "/" + context.parameters.getCatchAll().joined(separator: "/")
            let buffer = try await request.body.collect(upTo: 32 << 20)
            let recorded = Recorded(path: path, headers: request.headers,
                                    body: Wire.JSONValue(jsonText: String(buffer: buffer)) ?? .null)
            let answer = tenants.withLock { tenants -> Answer in
                tenants[id, default: Tenant()].requests.append(recorded)
                let tenant = tenants[id]!
                return tenant.answers[min(tenant.requests.count - 1, tenant.answers.count - 1)]
            }
            switch answer {
            case .json(let status, let body):
                return Response(status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(string: body)))
            case .delay(let wait):
                try await Task.sleep(for: wait)
                return Response(status: .ok, headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(string: Self.message())))
            case .stream(let events, let holdLast):
                return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: ResponseBody { [self] writer in
                    do {
                        for (index, event) in events.enumerated() {
                            if holdLast && index == events.count - 1 {
                                for _ in 0..<3000 where !state(id).released {
                                    try await Task.sleep(for: .milliseconds(10))
                                }
                            }
                            try await writer.write(ByteBuffer(string: event + "\n\n"))
                            if index == events.count - 1 { tenants.withLock { $0[id]?.lastWritten = true } }
                        }
                        try await writer.finish(nil)
                        tenants.withLock { $0[id]?.streamsCompleted += 1 }
                    } catch {
                        tenants.withLock { $0[id]?.streamsAborted += 1 }
                        throw error
                    }
                })
            case .drip(let count, let interval):
                return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: ResponseBody { [self] writer in
                    do {
                        let start = Array(Self.textStream([]).prefix(2))
                        try await writer.write(ByteBuffer(string: start.joined(separator: "\n\n") + "\n\n"))
                        for index in 0..<count {
                            try await Task.sleep(for: interval)
                            try await writer.write(ByteBuffer(string: Self.sse("content_block_delta", .object([
                                "index": .int(0), "delta": .object(["type": .string("text_delta"), "text": .string("\(index) ")]),
                            ])) + "\n\n"))
                        }
                        try await writer.finish(nil)
                        tenants.withLock { $0[id]?.streamsCompleted += 1 }
                    } catch {
                        tenants.withLock { $0[id]?.streamsAborted += 1 }
                        throw error
                    }
                })
            case .breakAfterFirst(let events):
                return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: events[0] + "\n\n"))
                    try await Task.sleep(for: .milliseconds(50))
                    throw CancellationError()
                })
            }
        }
        return router
    }
}
