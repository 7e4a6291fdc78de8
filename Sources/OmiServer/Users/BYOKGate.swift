import Crypto
import Foundation
import HTTPTypes
import OmiStorage
import Synchronization

/// Provider keys a request brought and that matched the user's enrolment (users.md §13.3). Held only for the
/// request; never stored, logged or echoed.
struct BYOKKeys: Sendable {
    var keys: [String: String] = [:]

    /// At least one LLM provider's key validated: the request gets the BYOK plan answers (§12.2, §12.3).
    var hasLLMKey: Bool { !BYOKGate.llmProviders.isDisjoint(with: keys.keys) }
}

/// Checks the `X-BYOK-*` headers against the enrolled fingerprints, and refreshes the heartbeat.
final class BYOKGate: Sendable {
    static let headers: [(provider: String, header: HTTPField.Name)] = [
        ("openai", HTTPField.Name("X-BYOK-OpenAI")!), ("anthropic", HTTPField.Name("X-BYOK-Anthropic")!),
        ("gemini", HTTPField.Name("X-BYOK-Gemini")!), ("openrouter", HTTPField.Name("X-BYOK-OpenRouter")!),
        ("deepgram", HTTPField.Name("X-BYOK-Deepgram")!),
    ]
    static let providers = Set(headers.map(\.provider))
    static let llmProviders: Set<String> = ["openai", "anthropic", "gemini", "openrouter"]
    /// Routes a user with drifted keys still reaches; on them the headers count as absent.
    static let recoveryOperations: Set<String> = [
        "enrollBYOK", "disableBYOK", "getSubscription", "getAvailablePlans", "getOverageInfo",
    ]

    struct State: Sendable {
        var active: Bool
        var fingerprints: [String: String]
        var lastSeenAt: Int64
        var fetchedAt: Int64
        /// The account's `AuthenticatedUser.lastDeletion` when read: a later account on the uid reads its own.
        var lastDeletion: Int64?
    }

    let users: any UserRepository
    let pepper: Data?
    let activeWindowMicros: Int64
    let cacheMicros: Int64 = 30_000_000
    let heartbeatMicros: Int64 = 3_600_000_000
    private let cache = Mutex<[String: State]>([:])

    init(users: any UserRepository, pepper: String?, activeWindowSeconds: Int) {
        self.users = users
        self.pepper = pepper.map { Data($0.utf8) }
        activeWindowMicros = Int64(activeWindowSeconds) * 1_000_000
    }

    /// Lowercase hex SHA-256 of the key's UTF-8 bytes, the client's own fingerprint.
    static func fingerprint(_ key: String) -> String {
        SHA256.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The form a fingerprint is stored in: HMAC-SHA256 under the pepper when one is configured.
    func storedForm(_ fingerprint: String) -> String {
        guard let pepper else { return fingerprint }
        return HMAC<SHA256>.authenticationCode(for: Data(fingerprint.utf8), using: SymmetricKey(data: pepper))
            .map { String(format: "%02x", $0) }.joined()
    }

    func invalidate(uid: String) { _ = cache.withLock { $0.removeValue(forKey: uid) } }

    /// The validated keys of this request, or a 403 for an enrolled provider whose key does not match.
    ///
    /// The subscription read is a recovery route that must still show the BYOK plan to a user whose keys match, so
    /// there a mismatch only drops the key; on the other recovery routes the headers count as absent.
    func check(user: AuthenticatedUser, headers fields: HTTPFields, operationID: String,
               now: Int64) async throws -> BYOKKeys {
        if operationID == "getSubscription" { return try await validate(user: user, fields, now: now, refuse: false) }
        if Self.recoveryOperations.contains(operationID) { return BYOKKeys() }
        return try await validate(user: user, fields, now: now, refuse: true)
    }

    func validate(user: AuthenticatedUser, _ fields: HTTPFields, now: Int64, refuse: Bool) async throws -> BYOKKeys {
        let uid = user.uid
        var sent: [(String, String)] = []
        for (provider, name) in Self.headers {
            if let value = fields[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty { sent.append((provider, value)) }
        }
        if sent.isEmpty { return BYOKKeys() }
        let state = try await state(uid: uid, lastDeletion: user.lastDeletion, now: now)
        guard state.active, now - state.lastSeenAt <= activeWindowMicros else { return BYOKKeys() }
        var validated = BYOKKeys()
        for (provider, key) in sent {
            guard let stored = state.fingerprints[provider] else { continue }
            let fingerprint = Self.fingerprint(key)
            let plain = constantTimeEqual(Array(stored.utf8), Array(fingerprint.utf8))
            let peppered = constantTimeEqual(Array(stored.utf8), Array(storedForm(fingerprint).utf8))
            guard plain || peppered else {
                if refuse { throw APIError(.forbidden, "BYOK key fingerprint mismatch for provider: \(provider)") }
                continue
            }
            validated.keys[provider] = key
        }
        if !validated.keys.isEmpty && now - state.lastSeenAt > heartbeatMicros {
            try await heartbeat(uid: uid, now: now)
        }
        return validated
    }

    /// The enrolment, reused for `cacheMicros` on this instance (another instance's enrolment or disabling reaches it
    /// within that time) unless an account deletion has been seen since it was read.
    func state(uid: String, lastDeletion: Int64?, now: Int64) async throws -> State {
        if let cached = cache.withLock({ $0[uid] }), cached.lastDeletion == lastDeletion,
           now - cached.fetchedAt < cacheMicros { return cached }
        let record = try await users.settings(uid: uid, now: now)
        let state = State(active: record.byokActive ?? false, fingerprints: record.byokFingerprints ?? [:],
                          lastSeenAt: record.byokLastSeenAt ?? 0, fetchedAt: now, lastDeletion: lastDeletion)
        cache.withLock { cache in
            if cache.count >= 100_000 { cache.removeAll(keepingCapacity: true) }
            cache[uid] = state
        }
        return state
    }

    /// Keys still in use keep the enrolment alive (the Python backend let it lapse after 7 days).
    func heartbeat(uid: String, now: Int64) async throws {
        _ = try await users.modify(uid: uid, now: now) { record in
            if record.byokActive == true { record.byokLastSeenAt = now }
        }
        invalidate(uid: uid)
    }
}
