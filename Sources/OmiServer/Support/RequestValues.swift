/// Values of the request being handled, visible to the generated API handlers, which see no Hummingbird context.
enum RequestValues {
    @TaskLocal static var user: AuthenticatedUser?
    /// Provider keys of this request that matched the user's BYOK enrolment (users.md §13.3).
    @TaskLocal static var byok = BYOKKeys()
    /// What the front door learnt of the request, bound once per request: each task-local binding is an allocation
    /// and a nested async call, and five of them showed in a health check's profile.
    struct Scope: Sendable {
        /// True when the request arrived under `LEGACY_MOUNT_PREFIX` (conventions.md §2.7).
        var legacyMount = false
        var requestId = ""
        /// The normalised request path (mount prefix stripped) and the scheme and host the client used.
        var path = ""
        var origin = ""
        /// The query string as sent, for the few parameters where `+` is a literal plus (apps.md §7.3).
        var rawQuery = ""
    }
    @TaskLocal static var scope = Scope()

    static var legacyMount: Bool { scope.legacyMount }
    static var requestId: String { scope.requestId }
    static var path: String { scope.path }
    static var origin: String { scope.origin }
    static var rawQuery: String { scope.rawQuery }

    /// A query value with percent-escapes decoded but `+` kept as a plus; nil when the name is absent.
    static func literalQueryValue(_ name: String) -> String? {
        for pair in rawQuery.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.first.map(String.init) == name else { continue }
            let raw = parts.count > 1 ? String(parts[1]) : ""
            return raw.removingPercentEncoding ?? raw
        }
        return nil
    }

    /// The verified caller; the auth middleware guarantees one on every non-public operation.
    static func requireUser() throws -> AuthenticatedUser {
        guard let user else { throw APIError(.unauthorized, "Authorization header not found") }
        return user
    }
}
