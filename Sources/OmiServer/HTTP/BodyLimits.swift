/// The body cap of each route (conventions.md §11; chat.md narrows chat routes to 2 MiB).
struct BodyLimits: Sendable {
    struct Cap: Sendable {
        var bytes: Int
        var message: String
        /// The error to answer instead of `{"detail": message}`, for routes with their own error shape.
        var tooLarge: (any Error & Sendable)?
        /// The handler reads the body part by part and enforces its own per-part cap, so it is never collected whole.
        var streamed = false

        var error: any Error {
            if let tooLarge { return tooLarge }
            return APIError(.contentTooLarge, message)
        }
    }

    let defaultCap: Cap
    static let chatPrefixes = ["/v2/chat-sessions", "/v2/desktop/messages", "/v2/messages", "/v2/chat/"]
    static let chatCap = Cap(bytes: 2 * 1024 * 1024, message: "Request body is too large")
    /// A full batch of 100 rows with 3072-float embeddings is 7–9 MB of JSON (focus.md §2.2).
    static let screenActivityPath = "/v1/screen-activity/sync"
    static let screenActivityCap = Cap(bytes: 32 * 1024 * 1024, message: "Request body too large")

    /// The Gemini proxy answers in Google's envelope (platform.md §3.2).
    static let geminiPrefixes = ["/v1/proxy/gemini/", "/v1/proxy/gemini-stream/"]
    static let geminiCap = Cap(bytes: 5 * 1024 * 1024, message: GeminiError.tooLarge.message,
                               tooLarge: GeminiError.tooLarge)

    /// Ten parts of 50 MiB with room for their headers; each part is capped as it is read (chat.md §7).
    static let chatFilesPath = "/v2/files"
    static let chatFilesCap = Cap(bytes: 10 * 50 * 1024 * 1024 + 1024 * 1024, message: "File too large (max 50 MB)",
                                  streamed: true)

    /// About 13 minutes of 16 kHz mono 16-bit PCM; the desktop shows "Recording too long" on 413 (conventions.md §11).
    static let transcribePath = "/v2/voice-message/transcribe"
    static let transcribeCap = Cap(bytes: 25 * 1024 * 1024, message: "Recording too long")

    init(maxRequestBytes: Int) {
        defaultCap = Cap(bytes: maxRequestBytes, message: "Request body exceeds \(maxRequestBytes) bytes")
    }

    func cap(for path: String) -> Cap {
        if path == Self.screenActivityPath { return Self.screenActivityCap }
        if path == Self.chatFilesPath { return Self.chatFilesCap }
        if path == Self.transcribePath { return Self.transcribeCap }
        if path == ChatCompletions.path { return ChatCompletions.bodyCap }
        if Self.geminiPrefixes.contains(where: { path.hasPrefix($0) }) { return Self.geminiCap }
        return Self.chatPrefixes.contains(where: { path.hasPrefix($0) }) ? Self.chatCap : defaultCap
    }
}
