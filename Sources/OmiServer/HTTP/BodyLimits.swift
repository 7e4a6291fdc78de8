/// The body cap of each route (conventions.md §11; chat.md narrows chat routes to 2 MiB).
struct BodyLimits: Sendable {
    struct Cap: Sendable {
        var bytes: Int
        var message: String
    }

    let defaultCap: Cap
    static let chatPrefixes = ["/v2/chat-sessions", "/v2/desktop/messages", "/v2/messages", "/v2/chat/"]
    static let chatCap = Cap(bytes: 2 * 1024 * 1024, message: "Request body is too large")
    /// A full batch of 100 rows with 3072-float embeddings is 7–9 MB of JSON (focus.md §2.2).
    static let screenActivityPath = "/v1/screen-activity/sync"
    static let screenActivityCap = Cap(bytes: 32 * 1024 * 1024, message: "Request body too large")

    init(maxRequestBytes: Int) {
        defaultCap = Cap(bytes: maxRequestBytes, message: "Request body exceeds \(maxRequestBytes) bytes")
    }

    func cap(for path: String) -> Cap {
        if path == Self.screenActivityPath { return Self.screenActivityCap }
        return Self.chatPrefixes.contains(where: { path.hasPrefix($0) }) ? Self.chatCap : defaultCap
    }
}
