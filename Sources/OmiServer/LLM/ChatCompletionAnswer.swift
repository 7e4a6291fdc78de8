import Foundation
import OmiContract
import OmiStorage

/// The tokens of one upstream call, as the upstream counted them (chat.md §9.6).
struct TokenUsage: Sendable, Equatable {
    typealias JSON = Wire.JSONValue

    /// Input not read from or written to the cache.
    var input: Int64 = 0
    var output: Int64 = 0
    var cacheRead: Int64 = 0
    var cacheWrite: Int64 = 0

    var prompt: Int64 { input + cacheWrite + cacheRead }
    var total: Int64 { prompt + output }

    /// Anthropic's `usage` object; absent keys keep the value they had (a stream reports in two steps).
    mutating func merge(anthropic usage: JSON?) {
        guard case .object(let fields)? = usage else { return }
        if case .int(let v)? = fields["input_tokens"] { input = v }
        if case .int(let v)? = fields["output_tokens"] { output = v }
        if case .int(let v)? = fields["cache_read_input_tokens"] { cacheRead = v }
        if case .int(let v)? = fields["cache_creation_input_tokens"] { cacheWrite = v }
    }

    /// An OpenAI `usage` object: cache read is `prompt_tokens_details.cached_tokens`, cache write 0.
    static func openAI(_ usage: JSON?) -> TokenUsage? {
        guard case .object(let fields)? = usage else { return nil }
        var result = TokenUsage()
        if case .int(let v)? = fields["completion_tokens"] { result.output = v }
        var prompt: Int64 = 0
        if case .int(let v)? = fields["prompt_tokens"] { prompt = v }
        if case .object(let details)? = fields["prompt_tokens_details"], case .int(let v)? = details["cached_tokens"] {
            result.cacheRead = min(v, prompt)
        }
        result.input = prompt - result.cacheRead
        return result
    }

    /// The `usage` object reported to the caller.
    var reported: JSON {
        var fields: [String: JSON] = [
            "prompt_tokens": .int(prompt), "completion_tokens": .int(output), "total_tokens": .int(total),
        ]
        if cacheRead > 0 { fields["prompt_tokens_details"] = .object(["cached_tokens": .int(cacheRead)]) }
        return .object(fields)
    }

    /// The counters recorded for the call; `price` nil means the caller's own key paid (cost 0).
    func increment(price: ChatProviderSettings.Price?) -> UsageIncrement {
        var i = UsageIncrement()
        i.inputTokens = input
        i.outputTokens = output
        i.cacheReadTokens = cacheRead
        i.cacheWriteTokens = cacheWrite
        i.totalTokens = total
        if let price {
            i.costUSD = (Double(input) * price.input + Double(output) * price.output + Double(cacheRead) * price.cacheRead
                + Double(cacheWrite) * price.cacheWrite) / 1_000_000
        }
        return i
    }
}

/// Building the OpenAI-shaped answers (chat.md §9.4, §9.5).
enum ChatCompletionAnswer {
    typealias JSON = Wire.JSONValue

    static func finishReason(anthropic stop: String?) -> String {
        switch stop {
        case "max_tokens": "length"
        case "tool_use": "tool_calls"
        case "refusal": "content_filter"
        default: "stop"
        }
    }

    /// A non-streamed Anthropic message as a `chat.completion`, or nil when it is not one.
    static func fromAnthropic(_ message: JSON, model: String, created: Int64) -> (JSON, TokenUsage)? {
        guard case .object(let fields) = message, case .string(let id)? = fields["id"],
              case .array(let content)? = fields["content"] else { return nil }
        var texts: [String] = []
        var calls: [JSON] = []
        for block in content {
            guard case .object(let b) = block else { continue }
            switch b["type"] {
            case .string("text")?:
                if case .string(let text)? = b["text"] { texts.append(text) }
            case .string("tool_use")?:
                calls.append(.object([
                    "id": b["id"] ?? .string(""), "type": .string("function"),
                    "function": .object(["name": b["name"] ?? .string(""),
                                         "arguments": .string((b["input"] ?? .object([:])).jsonText)]),
                ]))
            default:
                continue
            }
        }
        var usage = TokenUsage()
        usage.merge(anthropic: fields["usage"])
        var stop: String?
        if case .string(let s)? = fields["stop_reason"] { stop = s }
        var reply: [String: JSON] = [
            "role": .string("assistant"),
            "content": texts.isEmpty && !calls.isEmpty ? .null : .string(texts.joined()),
        ]
        if !calls.isEmpty { reply["tool_calls"] = .array(calls) }
        let answer = JSON.object([
            "id": .string("chatcmpl-\(id)"), "object": .string("chat.completion"), "created": .int(created),
            "model": .string(model),
            "choices": .array([.object([
                "index": .int(0), "message": .object(reply), "finish_reason": .string(finishReason(anthropic: stop)),
            ])]),
            "usage": usage.reported,
        ])
        return (answer, usage)
    }

    /// An OpenAI-compatible upstream's answer with the public model name, or nil when it is not a completion.
    static func fromOpenAI(_ answer: JSON, model: String) -> (JSON, TokenUsage)? {
        guard case .object(var fields) = answer, case .array? = fields["choices"] else { return nil }
        fields["model"] = .string(model)
        return (.object(fields), TokenUsage.openAI(fields["usage"]) ?? TokenUsage())
    }

    /// One `data:` event of compact JSON.
    static func event(_ value: JSON) -> String { "data: \(value.jsonText)\n\n" }
    static let done = "data: [DONE]\n\n"
    static let streamError = event(.object(["error": .object([
        "message": .string("Upstream provider error"), "type": .string("server_error"), "code": .int(502),
    ])]))
}

/// Splits an upstream `text/event-stream` into events, whatever the chunk boundaries.
struct ServerSentEventParser: Sendable {
    struct Event: Sendable, Equatable {
        var name: String?
        var data: String
    }

    private var buffer: [UInt8] = []

    /// The events completed by `bytes`; a partial event waits for the next chunk.
    mutating func feed(_ bytes: some Sequence<UInt8>) -> [Event] {
        // CR appears only in line ends (JSON escapes it inside strings), so dropping it normalises CRLF to LF.
        buffer.append(contentsOf: bytes.lazy.filter { $0 != UInt8(ascii: "\r") })
        var events: [Event] = []
        var start = 0
        var i = 0
        while i + 1 < buffer.count {
            if buffer[i] == UInt8(ascii: "\n") && buffer[i + 1] == UInt8(ascii: "\n") {
                if let event = Self.parse(buffer[start..<i]) { events.append(event) }
                start = i + 2
                i += 2
            } else {
                i += 1
            }
        }
        buffer.removeFirst(start)
        return events
    }

    /// What is left at the end of the stream, as a last event when it holds data.
    mutating func finish() -> Event? {
        defer { buffer.removeAll() }
        return Self.parse(buffer[...])
    }

    static func parse(_ block: ArraySlice<UInt8>) -> Event? {
        var name: String?
        var data: [String] = []
        for line in String(decoding: block, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix(":") { continue }
            let (field, value) = line.firstIndex(of: ":").map {
                (line[..<$0], line[line.index(after: $0)...].drop(while: { $0 == " " }))
            } ?? (line[...], ""[...])
            switch field {
            case "event": name = String(value)
            case "data": data.append(String(value))
            default: continue
            }
        }
        if data.isEmpty { return nil }
        return Event(name: name, data: data.joined(separator: "\n"))
    }
}

/// Turns Anthropic stream events into `chat.completion.chunk` events (chat.md §9.5).
struct AnthropicStreamTranslator: Sendable {
    typealias JSON = Wire.JSONValue

    enum Step: Sendable, Equatable {
        /// Events to send now.
        case send([String])
        /// The message is complete: the final events to send, and the call's usage.
        case finished([String], TokenUsage)
        /// The upstream reported an error or sent something unreadable.
        case failed
    }

    let model: String
    let created: Int64
    private(set) var id: String?
    private(set) var usage = TokenUsage()
    private var stopReason: String?
    /// Upstream content-block index → tool-call index, counted from 0 in order of appearance.
    private var toolIndex: [Int64: Int64] = [:]

    init(model: String, created: Int64) {
        self.model = model
        self.created = created
    }

    func chunk(delta: JSON, finish: JSON = .null) -> String {
        ChatCompletionAnswer.event(.object([
            "id": .string("chatcmpl-\(id ?? "")"), "object": .string("chat.completion.chunk"), "created": .int(created),
            "model": .string(model),
            "choices": .array([.object(["index": .int(0), "delta": delta, "finish_reason": finish])]),
        ]))
    }

    mutating func step(_ event: ServerSentEventParser.Event) -> Step {
        guard let value = JSON(jsonText: event.data), case .object(let fields) = value,
              case .string(let type)? = fields["type"] ?? event.name.map({ JSON.string($0) })
        else { return .failed }
        switch type {
        case "message_start":
            guard case .object(let message)? = fields["message"], case .string(let messageId)? = message["id"] else {
                return .failed
            }
            id = messageId
            usage.merge(anthropic: message["usage"])
            return .send([chunk(delta: .object(["role": .string("assistant")]))])
        case "content_block_start":
            guard id != nil, case .int(let index)? = fields["index"], case .object(let block)? = fields["content_block"]
            else { return .failed }
            switch block["type"] {
            case .string("text")?:
                if case .string(let text)? = block["text"], !text.isEmpty {
                    return .send([chunk(delta: .object(["content": .string(text)]))])
                }
            case .string("tool_use")?:
                let k = Int64(toolIndex.count)
                toolIndex[index] = k
                return .send([chunk(delta: .object(["tool_calls": .array([.object([
                    "index": .int(k), "id": block["id"] ?? .string(""), "type": .string("function"),
                    "function": .object(["name": block["name"] ?? .string(""), "arguments": .string("")]),
                ])])]))])
            default:
                break
            }
            return .send([])
        case "content_block_delta":
            guard id != nil, case .int(let index)? = fields["index"], case .object(let delta)? = fields["delta"] else {
                return .failed
            }
            switch delta["type"] {
            case .string("text_delta")?:
                if case .string(let text)? = delta["text"], !text.isEmpty {
                    return .send([chunk(delta: .object(["content": .string(text)]))])
                }
            case .string("input_json_delta")?:
                if let k = toolIndex[index], case .string(let fragment)? = delta["partial_json"], !fragment.isEmpty {
                    return .send([chunk(delta: .object(["tool_calls": .array([.object([
                        "index": .int(k), "function": .object(["arguments": .string(fragment)]),
                    ])])]))])
                }
            default:
                break
            }
            return .send([])
        case "message_delta":
            if case .object(let delta)? = fields["delta"], case .string(let stop)? = delta["stop_reason"] {
                stopReason = stop
            }
            usage.merge(anthropic: fields["usage"])
            return .send([])
        case "message_stop":
            guard id != nil else { return .failed }
            let finish = chunk(delta: .object([:]),
                               finish: .string(ChatCompletionAnswer.finishReason(anthropic: stopReason)))
            let usageChunk = ChatCompletionAnswer.event(.object([
                "id": .string("chatcmpl-\(id ?? "")"), "object": .string("chat.completion.chunk"),
                "created": .int(created), "model": .string(model), "choices": .array([]), "usage": usage.reported,
            ]))
            return .finished([finish, usageChunk, ChatCompletionAnswer.done], usage)
        case "ping", "content_block_stop":
            return .send([])
        case "error":
            return .failed
        default:
            // Event types added to the API later are skipped, as Anthropic asks of its clients.
            return .send([])
        }
    }
}

/// Passes an OpenAI-compatible stream through with the public model name, keeping its usage (chat.md §9.3).
struct OpenAIStreamTranslator: Sendable {
    typealias JSON = Wire.JSONValue

    let model: String
    private(set) var usage = TokenUsage()

    init(model: String) { self.model = model }

    mutating func step(_ event: ServerSentEventParser.Event) -> AnthropicStreamTranslator.Step {
        if event.data.trimmingCharacters(in: .whitespaces) == "[DONE]" {
            return .finished([ChatCompletionAnswer.done], usage)
        }
        guard let value = JSON(jsonText: event.data), case .object(var fields) = value else { return .failed }
        if fields["error"] != nil { return .failed }
        fields["model"] = .string(model)
        if let reported = TokenUsage.openAI(fields["usage"]) { usage = reported }
        return .send([ChatCompletionAnswer.event(.object(fields))])
    }
}
