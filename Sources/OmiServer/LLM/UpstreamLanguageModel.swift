import Foundation
import Logging
import OmiContract
import OmiStorage

/// The `LanguageModel` of greeting and title (chat.md §4) over the configured upstream: the small model
/// (`claude-haiku-4-5` by default), the server's key, one non-streamed call within 20 s. Any failure throws, and
/// `ChatTextGenerator` falls back. Each answered call is recorded as server-side feature usage (`chat`, per
/// upstream model, users.md §11.1) of the request's user.
struct UpstreamLanguageModel: LanguageModel {
    typealias JSON = Wire.JSONValue
    static let feature = "chat"

    let upstream: ChatUpstream
    let key: String
    let model: String
    let timeout: Duration
    let price: ChatProviderSettings.Price
    var usage: (any UsageRepository)?

    /// Nil when no provider, or no server key for it, is configured.
    init?(settings: Settings, usage: (any UsageRepository)? = nil, logger: Logger) {
        guard let provider = settings.chat.provider else { return nil }
        let key = provider == .anthropic ? settings.anthropicAPIKey : settings.openAIAPIKey
        guard let key, let model = settings.chat.models[settings.chat.smallModel] else { return nil }
        upstream = ChatUpstream(provider: provider, anthropicBase: settings.chat.anthropicAPIBase,
                                openAIBase: settings.openAIAPIBase, timings: settings.chat.timings, logger: logger)
        self.key = key
        self.model = model
        timeout = settings.chat.timings.languageModel
        price = settings.chat.price(of: model)
        self.usage = usage
    }

    func complete(system: String, prompt: String, maxTokens: Int) async throws -> String {
        let body: [String: JSON]
        switch upstream.provider {
        case .anthropic:
            body = [
                "model": .string(model), "max_tokens": .int(Int64(maxTokens)), "system": .string(system),
                "messages": .array([.object(["role": .string("user"), "content": .string(prompt)])]),
            ]
        case .openai:
            body = [
                "model": .string(model), "max_tokens": .int(Int64(maxTokens)),
                "messages": .array([
                    .object(["role": .string("system"), "content": .string(system)]),
                    .object(["role": .string("user"), "content": .string(prompt)]),
                ]),
            ]
        }
        let answer = try await upstream.json(upstream.request(body, credential: .init(key: key, userKey: false)),
                                             total: timeout)
        await record(answer)
        switch upstream.provider {
        case .anthropic:
            guard case .array(let blocks) = answer["content"] else { return "" }
            return blocks.compactMap { block -> String? in
                guard block["type"] == .string("text"), case .string(let text) = block["text"] else { return nil }
                return text
            }.joined()
        case .openai:
            guard case .array(let choices) = answer["choices"], let first = choices.first,
                  case .string(let text) = first["message"]["content"] else { return "" }
            return text
        }
    }
}

extension UpstreamLanguageModel {
    /// Adds the call to the request user's feature usage; a failure is logged and never changes the answer.
    func record(_ answer: JSON) async {
        guard let usage, let uid = RequestValues.user?.uid else { return }
        var tokens = TokenUsage()
        switch upstream.provider {
        case .anthropic: tokens.merge(anthropic: answer["usage"])
        case .openai: tokens = TokenUsage.openAI(answer["usage"]) ?? TokenUsage()
        }
        let now = Clock.nowMicros()
        do {
            try await usage.recordFeature(uid: uid, day: OmiAPI.utcDay(now), feature: Self.feature, model: model,
                                          tokens.increment(price: price))
        } catch {
            upstream.logger.error("language model: usage not recorded",
                                  metadata: ["error": "\(String(reflecting: type(of: error)))"])
        }
    }
}

extension Wire.JSONValue {
    /// The value under `key` of an object, else null.
    fileprivate subscript(key: String) -> Wire.JSONValue {
        if case .object(let fields) = self { return fields[key] ?? .null }
        return .null
    }
}
