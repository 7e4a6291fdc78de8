/// The language-model upstream (chat.md §9.2, §9.3, §9.6), read with the rest in `Settings.fromEnvironment`. The keys
/// themselves are `Settings.anthropicAPIKey` and `Settings.openAIAPIKey` (the latter shared with text to speech).
public struct ChatProviderSettings: Sendable {
    public enum Provider: String, Sendable, CaseIterable {
        case anthropic
        case openai
    }

    /// Per-million-token USD prices: input, output, cache read, cache write.
    public struct Price: Sendable, Equatable {
        public var input: Double
        public var output: Double
        public var cacheRead: Double
        public var cacheWrite: Double

        public init(input: Double, output: Double, cacheRead: Double, cacheWrite: Double) {
            self.input = input
            self.output = output
            self.cacheRead = cacheRead
            self.cacheWrite = cacheWrite
        }
    }

    /// `CHAT_PROVIDER`: nil answers 503 and leaves greeting and title on their fallbacks.
    public var provider: Provider?
    /// `ANTHROPIC_API_BASE`, without a trailing slash; tests point it at a local fake.
    public var anthropicAPIBase = "https://api.anthropic.com"
    /// Public model name → upstream model (§9.2); `CHAT_MODEL_MAP` overrides or adds entries.
    public var models: [String: String] = Self.defaultModels
    /// Upstream model → price (§9.6); `CHAT_MODEL_PRICES` overrides or adds entries. Unknown models use `defaultPrice`.
    public var prices: [String: Price] = Self.defaultPrices
    public var defaultPrice = Self.sonnetPrice
    /// `CHAT_SMALL_MODEL`: the public name greeting and title use (chat.md §4).
    public var smallModel = "claude-haiku-4-5"
    /// The spec's timeouts, shortened only by tests.
    public var timings = ChatUpstreamTimings()

    public init() {}

    public static let defaultModels: [String: String] = [
        "omi-sonnet": "claude-sonnet-4-6", "claude-sonnet-4-6": "claude-sonnet-4-6",
        "claude-sonnet-4-20250514": "claude-sonnet-4-6",
        "omi-opus": "claude-opus-4-6", "claude-opus-4-6": "claude-opus-4-6", "claude-opus-4-20250514": "claude-opus-4-6",
        "claude-haiku-4-5": "claude-haiku-4-5", "claude-haiku-4-5-20251001": "claude-haiku-4-5",
    ]
    static let sonnetPrice = Price(input: 3, output: 15, cacheRead: 0.30, cacheWrite: 3.75)
    public static let defaultPrices: [String: Price] = [
        "claude-sonnet-4-6": sonnetPrice,
        "claude-opus-4-6": Price(input: 15, output: 75, cacheRead: 1.50, cacheWrite: 18.75),
        "claude-haiku-4-5": Price(input: 1, output: 5, cacheRead: 0.10, cacheWrite: 1.25),
    ]

    func price(of upstreamModel: String) -> Price { prices[upstreamModel] ?? defaultPrice }

    static func read(_ reader: inout EnvironmentReader) -> ChatProviderSettings {
        var s = ChatProviderSettings()
        if let raw = reader.string("CHAT_PROVIDER") {
            if let provider = Provider(rawValue: raw.lowercased()) { s.provider = provider }
            else { reader.problems.append("CHAT_PROVIDER must be anthropic or openai (unset it to disable chat)") }
        }
        s.anthropicAPIBase = reader.url("ANTHROPIC_API_BASE") ?? s.anthropicAPIBase
        if let raw = reader.string("CHAT_MODEL_MAP") {
            // `public=upstream` pairs separated by commas, e.g. `omi-sonnet=gpt-4.1,omi-opus=gpt-4.1`.
            for pair in raw.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    reader.problems.append("CHAT_MODEL_MAP must be public=upstream pairs separated by commas")
                    break
                }
                s.models[parts[0]] = parts[1]
            }
        }
        if let raw = reader.string("CHAT_MODEL_PRICES") {
            // `model=in/out/cache_read/cache_write` per million tokens, separated by commas.
            for pair in raw.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                let numbers = parts.count == 2 ? parts[1].split(separator: "/").compactMap { Double($0) } : []
                guard parts.count == 2, !parts[0].isEmpty, numbers.count == 4,
                      numbers.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
                    reader.problems.append("CHAT_MODEL_PRICES must be model=in/out/cache_read/cache_write entries separated by commas")
                    break
                }
                s.prices[parts[0]] = Price(input: numbers[0], output: numbers[1], cacheRead: numbers[2], cacheWrite: numbers[3])
            }
        }
        if let small = reader.string("CHAT_SMALL_MODEL") {
            if s.models[small] != nil { s.smallModel = small }
            else { reader.problems.append("CHAT_SMALL_MODEL must be a public model name of the model map") }
        }
        return s
    }
}

/// The time rules of one upstream call (chat.md §9.3, §4). The defaults are the spec's; tests shorten them.
public struct ChatUpstreamTimings: Sendable {
    /// Connecting plus the upstream's response head.
    public var firstByte: Duration = .seconds(60)
    /// The whole call, streamed body included.
    public var total: Duration = .seconds(300)
    /// The whole call for the greeting and title generator.
    public var languageModel: Duration = .seconds(20)

    public init() {}
}
