/// The Gemini proxy's settings (platform.md §3.2), read with the rest in `Settings.fromEnvironment`. The server key
/// itself is `Settings.geminiAPIKey`, shared with `/v1/config/api-keys`.
public struct GeminiProxySettings: Sendable {
    /// `GEMINI_API_BASE`: the upstream, without a trailing slash; tests point it at a local fake.
    public var apiBase = "https://generativelanguage.googleapis.com/v1beta"
    /// `GEMINI_DAILY_SOFT_CAP`: admitted requests per UTC day after which `gemini-2.5-pro` is served as Flash.
    public var dailySoftCap = 300
    /// The spec's fixed limits; settable only in code, so a deployment cannot drift from the contract.
    public var burstLimit = 30
    public var burstWindowSeconds: Int64 = 60
    public var dailyHardCap = 1500
    /// The spec's timeouts, shortened only by tests.
    public var connectTimeout: Duration = .seconds(10)
    public var requestTimeout: Duration = .seconds(90)
    public var streamSilenceTimeout: Duration = .seconds(120)

    public init() {}

    static func read(_ reader: inout EnvironmentReader) -> GeminiProxySettings {
        var s = GeminiProxySettings()
        s.apiBase = reader.url("GEMINI_API_BASE") ?? s.apiBase
        s.dailySoftCap = reader.int("GEMINI_DAILY_SOFT_CAP", range: 0...Int(Int32.max)) ?? s.dailySoftCap
        if s.dailySoftCap >= s.dailyHardCap {
            reader.problems.append("GEMINI_DAILY_SOFT_CAP must be lower than the daily hard cap (\(s.dailyHardCap))")
        }
        return s
    }
}
