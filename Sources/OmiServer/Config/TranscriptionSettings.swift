/// Batch transcription's settings (`POST /v2/voice-message/transcribe`), read with the rest in
/// `Settings.fromEnvironment`. The server key is `Settings.deepgramAPIKey`, shared with `/v1/config/api-keys`.
public struct TranscriptionSettings: Sendable {
    /// `DEEPGRAM_API_BASE`: the upstream, without a trailing slash; tests point it at a local fake.
    public var apiBase = "https://api.deepgram.com"
    /// `DEEPGRAM_MODEL`: the pre-recorded model; `nova-3` also understands `language=multi`.
    public var model = "nova-3"
    /// One attempt's limit, connection to last byte; 25 MiB of audio is about 13 minutes.
    public var attemptTimeout: Duration = .seconds(60)

    public init() {}

    static func read(_ reader: inout EnvironmentReader) -> TranscriptionSettings {
        var s = TranscriptionSettings()
        s.apiBase = reader.url("DEEPGRAM_API_BASE") ?? s.apiBase
        s.model = reader.string("DEEPGRAM_MODEL") ?? s.model
        return s
    }
}
