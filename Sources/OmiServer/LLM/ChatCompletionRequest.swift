import Foundation
import OmiContract

/// A validated `/v2/chat/completions` body (chat.md §9.1) and its upstream forms (§9.3).
struct ChatCompletionRequest: Sendable {
    typealias JSON = Wire.JSONValue

    static let defaultMaxTokens: Int64 = 8192
    static let maxTokensCap: Int64 = 16384
    static let roles: Set<String> = ["system", "developer", "user", "assistant", "tool"]

    /// The whole body as sent, for an OpenAI-compatible upstream.
    var body: [String: JSON]
    /// The name the caller sent; every answer reports it.
    var publicModel: String
    var upstreamModel: String
    var stream: Bool
    /// The effective limit: `max_completion_tokens`, else `max_tokens`, else 8192; at most 16384.
    var maxTokens: Int64
    /// The Anthropic Messages API body.
    var anthropic: [String: JSON]

    /// The 422 rules of §9.7: body an object, `model` a string, `messages` an array.
    static func shape(_ text: [UInt8]) throws(ChatCompletionError) -> [String: JSON] {
        guard let value = try? JSONDecoder().decode(JSON.self, from: Data(text)) else {
            throw .validation([item("json_invalid", ["body"], "JSON decode error")])
        }
        guard case .object(let body) = value else {
            throw .validation([item("model_attributes_type", ["body"], "Input should be a valid dictionary or object")])
        }
        var items: [JSON] = []
        switch body["model"] {
        case nil: items.append(item("missing", ["body", "model"], "Field required"))
        case .string?: break
        default: items.append(item("string_type", ["body", "model"], "Input should be a valid string"))
        }
        switch body["messages"] {
        case nil: items.append(item("missing", ["body", "messages"], "Field required"))
        case .array?: break
        default: items.append(item("list_type", ["body", "messages"], "Input should be a valid list"))
        }
        if !items.isEmpty { throw .validation(items) }
        return body
    }

    static func item(_ type: String, _ loc: [String], _ msg: String) -> JSON {
        .object(["type": .string(type), "loc": .array(loc.map { .string($0) }), "msg": .string(msg)])
    }

    /// The body after the 422 checks: the model (400 `unsupported model`), then the specific 400 rules.
    static func parse(_ body: [String: JSON], models: [String: String]) throws(ChatCompletionError) -> Self {
        guard case .string(let model)? = body["model"], case .array(let messages)? = body["messages"] else {
            throw .validation([])
        }
        guard let upstreamModel = models[model] else { throw .unsupportedModel }
        if messages.isEmpty { throw .invalid("messages must not be empty") }

        var stream = false
        switch body["stream"] {
        case nil, .null?: break
        case .bool(let value)?: stream = value
        default: throw .invalid("stream must be a boolean")
        }
        var maxTokens = defaultMaxTokens
        for key in ["max_completion_tokens", "max_tokens"] {
            switch body[key] {
            case nil, .null?: continue
            case .int(let value)? where value > 0: maxTokens = min(value, maxTokensCap)
            default: throw .invalid("\(key) must be a positive integer")
            }
            break
        }

        var anthropic: [String: JSON] = [
            "model": .string(upstreamModel), "max_tokens": .int(maxTokens),
        ]
        if stream { anthropic["stream"] = .bool(true) }
        switch body["temperature"] {
        case nil, .null?: break
        case .int?, .double?: anthropic["temperature"] = body["temperature"]
        default: throw .invalid("temperature must be a number")
        }

        var system: String?
        var translated: [JSON] = []
        for (index, message) in messages.enumerated() {
            guard case .object(let fields) = message else { throw .invalid("messages[\(index)] must be an object") }
            guard case .string(let role)? = fields["role"], roles.contains(role) else {
                throw .invalid("messages[\(index)] has an unsupported role")
            }
            switch role {
            case "system", "developer":
                system = text(of: fields["content"])
            case "user":
                translated.append(.object(["role": .string("user"), "content": try userContent(fields["content"], index)]))
            case "assistant":
                translated.append(.object(["role": .string("assistant"), "content": .array(assistantBlocks(fields))]))
            default:
                guard case .string(let id)? = fields["tool_call_id"], !id.isEmpty else {
                    throw .invalid("messages[\(index)]: a tool message needs tool_call_id")
                }
                translated.append(.object(["role": .string("user"), "content": .array([.object([
                    "type": .string("tool_result"), "tool_use_id": .string(id),
                    "content": .string(text(of: fields["content"])),
                ])])]))
            }
        }
        anthropic["messages"] = .array(translated)
        if let system { anthropic["system"] = .string(system) }

        let tools = anthropicTools(body["tools"])
        var toolChoice: JSON?
        var dropTools = false
        switch body["tool_choice"] {
        case nil, .null?: break
        case .string("none")?: dropTools = true
        case .string("auto")?: toolChoice = .object(["type": .string("auto")])
        case .string("required")?: toolChoice = .object(["type": .string("any")])
        case .object(let choice)?:
            guard choice["type"] == .string("function"), case .object(let function)? = choice["function"],
                  case .string(let name)? = function["name"], !name.isEmpty
            else { throw .invalid("tool_choice must be none, auto, required or {\"type\": \"function\", \"function\": {\"name\"}}") }
            toolChoice = .object(["type": .string("tool"), "name": .string(name)])
        default:
            throw .invalid("tool_choice must be none, auto, required or {\"type\": \"function\", \"function\": {\"name\"}}")
        }
        if !dropTools && !tools.isEmpty {
            anthropic["tools"] = .array(tools)
            if let toolChoice { anthropic["tool_choice"] = toolChoice }
        }
        return Self(body: body, publicModel: model, upstreamModel: upstreamModel, stream: stream, maxTokens: maxTokens,
                    anthropic: anthropic)
    }

    /// The joined text of a string or a list of text parts; anything else is empty.
    static func text(of content: JSON?) -> String {
        switch content {
        case .string(let text)?:
            return text
        case .array(let parts)?:
            return parts.compactMap { part -> String? in
                guard case .object(let fields) = part, case .string(let text)? = fields["text"] else { return nil }
                return text
            }.joined()
        default:
            return ""
        }
    }

    /// User text stays text; parts become text and image blocks.
    static func userContent(_ content: JSON?, _ index: Int) throws(ChatCompletionError) -> JSON {
        guard case .array(let parts)? = content else { return .string(text(of: content)) }
        var blocks: [JSON] = []
        for part in parts {
            guard case .object(let fields) = part else { continue }
            switch fields["type"] {
            case .string("text")?:
                if case .string(let text)? = fields["text"] { blocks.append(.object(["type": .string("text"), "text": .string(text)])) }
            case .string("image_url")?:
                var url: String?
                if case .object(let image)? = fields["image_url"], case .string(let value)? = image["url"] { url = value }
                if case .string(let value)? = fields["image_url"] { url = value }
                guard let url else { throw .invalid("messages[\(index)]: image_url needs a url") }
                blocks.append(try imageBlock(url, index))
            default:
                continue
            }
        }
        return .array(blocks)
    }

    /// `data:` URLs with valid base64 become base64 sources, `https:` URLs URL sources; anything else is refused.
    static func imageBlock(_ url: String, _ index: Int) throws(ChatCompletionError) -> JSON {
        if url.lowercased().hasPrefix("https://") {
            return .object(["type": .string("image"), "source": .object(["type": .string("url"), "url": .string(url)])])
        }
        guard url.hasPrefix("data:"), let comma = url.firstIndex(of: ",") else {
            throw .invalid("messages[\(index)]: image URLs must be data: URLs or https: URLs")
        }
        let header = url[url.index(url.startIndex, offsetBy: 5)..<comma]
        let data = String(url[url.index(after: comma)...])
        let parts = header.split(separator: ";")
        guard parts.last == "base64", let mediaType = parts.first, mediaType.contains("/"), !data.isEmpty,
              Data(base64Encoded: data) != nil
        else { throw .invalid("messages[\(index)]: image data must be valid base64") }
        return .object(["type": .string("image"), "source": .object([
            "type": .string("base64"), "media_type": .string(String(mediaType)), "data": .string(data),
        ])])
    }

    /// Text then one `tool_use` block per tool call; an empty turn is one empty text block.
    static func assistantBlocks(_ fields: [String: JSON]) -> [JSON] {
        var blocks: [JSON] = []
        let joined = Self.text(of: fields["content"])
        if !joined.isEmpty { blocks.append(.object(["type": .string("text"), "text": .string(joined)])) }
        if case .array(let calls)? = fields["tool_calls"] {
            for call in calls {
                guard case .object(let c) = call, case .object(let function)? = c["function"] else { continue }
                var input = JSON.object([:])
                if case .string(let arguments)? = function["arguments"], let parsed = JSON(jsonText: arguments),
                   case .object = parsed { input = parsed }
                blocks.append(.object([
                    "type": .string("tool_use"), "id": c["id"] ?? .string(""), "name": function["name"] ?? .string(""),
                    "input": input,
                ]))
            }
        }
        return blocks.isEmpty ? [.object(["type": .string("text"), "text": .string("")])] : blocks
    }

    /// Function tools as `{name, description, input_schema}`; other entries are dropped.
    static func anthropicTools(_ tools: JSON?) -> [JSON] {
        guard case .array(let entries)? = tools else { return [] }
        return entries.compactMap { entry -> JSON? in
            guard case .object(let tool) = entry, tool["type"] == .string("function"),
                  case .object(let function)? = tool["function"], case .string(let name)? = function["name"]
            else { return nil }
            var translated: [String: JSON] = [
                "name": .string(name),
                "input_schema": function["parameters"].flatMap { $0 == .null ? nil : $0 }
                    ?? .object(["type": .string("object"), "properties": .object([:])]),
            ]
            if case .string(let description)? = function["description"] { translated["description"] = .string(description) }
            return .object(translated)
        }
    }

    /// The body for an OpenAI-compatible upstream: unchanged but for the model, the effective token limit (chat.md
    /// §9: 8192 when none is sent, at most 16384), and, for streams, usage reporting. The limit goes under the key the
    /// client used; `max_completion_tokens` wins, so a `max_tokens` beside it is dropped. Forwarding the client's own
    /// number let one request ask the server's key for any length.
    var openAIBody: [String: JSON] {
        var forwarded = body
        forwarded["model"] = .string(upstreamModel)
        if case .int? = body["max_completion_tokens"] {
            forwarded["max_completion_tokens"] = .int(maxTokens)
            forwarded["max_tokens"] = nil
        } else {
            forwarded["max_tokens"] = .int(maxTokens)
        }
        if stream { forwarded["stream_options"] = .object(["include_usage": .bool(true)]) }
        return forwarded
    }
}
