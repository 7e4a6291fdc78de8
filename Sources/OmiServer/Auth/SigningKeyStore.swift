import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import X509
import _CryptoExtras

/// Google's signing keys for Firebase ID tokens, fetched from `AUTH_KEYS_URL` and cached (conventions.md §3.3).
///
/// The set is kept for the `max-age` of the response and refreshed in the background shortly before it expires. An
/// unknown `kid` triggers one refetch (one fetch in flight, at most every 5 seconds). When fetching fails the last
/// good set keeps serving for 24 hours past its expiry; with no usable set the caller answers 503, never 401.
public actor SigningKeyStore {
    public enum Status: String, Sendable {
        case ready, stale, unavailable
    }

    public enum Lookup: Sendable {
        case key(_RSA.Signing.PublicKey)
        /// The set was fetched and does not hold this `kid`.
        case unknown
        /// No usable set: the answer is 503.
        case unavailable
    }

    let url: String
    let httpClient: HTTPClient
    let logger: Logger
    let now: @Sendable () -> Date
    /// How long one fetch of the key set may take.
    let fetchTimeout: TimeAmount

    var keys: [String: _RSA.Signing.PublicKey] = [:]
    var expiresAt: Date?
    var lastFetchAttempt: Date?
    var inFlight: Task<Bool, Never>?
    var lastFetchSucceeded = false

    static let refetchInterval: TimeInterval = 5
    static let staleGrace: TimeInterval = 24 * 3600
    static let refreshAhead: TimeInterval = 60
    static let defaultMaxAge: TimeInterval = 3600

    public init(url: String, httpClient: HTTPClient = .shared, logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }, fetchTimeout: TimeAmount = .seconds(5)) {
        self.url = url
        self.fetchTimeout = fetchTimeout
        self.httpClient = httpClient
        self.logger = logger
        self.now = now
    }

    public var status: Status {
        guard let expiresAt, !keys.isEmpty else { return .unavailable }
        let t = now()
        if t < expiresAt { return .ready }
        return t < expiresAt.addingTimeInterval(Self.staleGrace) ? .stale : .unavailable
    }

    /// Finds the key for `kid`, fetching the set when it is expired or lacks the `kid`.
    public func key(for kid: String) async -> Lookup {
        let t = now()
        if let key = keys[kid], let expiresAt, t < expiresAt {
            if t > expiresAt.addingTimeInterval(-Self.refreshAhead) { _ = startFetch() }
            return .key(key)
        }
        let mayFetch = lastFetchAttempt.map { t.timeIntervalSince($0) >= Self.refetchInterval } ?? true
        if inFlight != nil || mayFetch { _ = await startFetch().value }
        if let key = keys[kid], status != .unavailable { return .key(key) }
        // Only a set we just fetched successfully can prove a `kid` unknown; otherwise the key is unknowable now.
        if lastFetchSucceeded && status == .ready { return .unknown }
        return .unavailable
    }

    /// Fetches at startup, trying three times with 1 s and 2 s pauses; a failure is logged, not fatal.
    public func warmUp() async {
        for pause in [1, 2, 0] {
            if await startFetch().value { return }
            if pause > 0 { try? await Task.sleep(for: .seconds(pause)) }
            lastFetchAttempt = nil
        }
        logger.error("could not fetch signing keys at startup; will retry on demand", metadata: ["url": "\(url)"])
    }

    /// One fetch at a time; callers arriving meanwhile share its result.
    func startFetch() -> Task<Bool, Never> {
        if let inFlight { return inFlight }
        lastFetchAttempt = now()
        let task = Task { await self.fetch() }
        inFlight = task
        return task
    }

    func fetch() async -> Bool {
        let ok = await download()
        lastFetchSucceeded = ok
        inFlight = nil
        return ok
    }

    func download() async -> Bool {
        do {
            var request = HTTPClientRequest(url: url)
            request.method = .GET
            let response = try await httpClient.execute(request, timeout: fetchTimeout)
            guard response.status == .ok else {
                logger.warning("signing key fetch failed", metadata: ["status": "\(response.status.code)"])
                return false
            }
            let body = try await response.body.collect(upTo: 1 << 20)
            let parsed = try Self.parseKeys(Data(buffer: body))
            guard !parsed.isEmpty else { return false }
            let maxAge = response.headers.first(name: "cache-control").flatMap(Self.maxAge) ?? Self.defaultMaxAge
            keys = parsed
            expiresAt = now().addingTimeInterval(maxAge)
            return true
        } catch {
            logger.warning("signing key fetch failed", metadata: ["error": "\(type(of: error))"])
            return false
        }
    }

    /// Reads `max-age=N` from a `Cache-Control` value.
    static func maxAge(_ cacheControl: String) -> TimeInterval? {
        for part in cacheControl.split(separator: ",") {
            let item = part.trimmingCharacters(in: .whitespaces).lowercased()
            if item.hasPrefix("max-age="), let seconds = Double(item.dropFirst(8)), seconds >= 0 { return seconds }
        }
        return nil
    }

    /// Accepts both published forms: `{kid: "PEM certificate"}` and a JWK set `{"keys": [{kid, n, e}]}`.
    static func parseKeys(_ data: Data) throws -> [String: _RSA.Signing.PublicKey] {
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        var result: [String: _RSA.Signing.PublicKey] = [:]
        if let jwks = object["keys"] as? [[String: Any]] {
            for jwk in jwks {
                guard let kid = jwk["kid"] as? String, (jwk["kty"] as? String) == "RSA",
                      let n = (jwk["n"] as? String).flatMap(Base64URL.decode),
                      let e = (jwk["e"] as? String).flatMap(Base64URL.decode),
                      let key = try? _RSA.Signing.PublicKey(n: n, e: e) else { continue }
                result[kid] = key
            }
            return result
        }
        for (kid, value) in object {
            guard let pem = value as? String, let certificate = try? Certificate(pemEncoded: pem),
                  let key = _RSA.Signing.PublicKey(certificate.publicKey) else { continue }
            result[kid] = key
        }
        return result
    }
}

enum Base64URL {
    static func decode(_ text: some StringProtocol) -> Data? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard !s.contains("=") || s.hasSuffix("=") else { return nil }
        s = s.trimmingCharacters(in: CharacterSet(charactersIn: "="))
        s += String(repeating: "=", count: (4 - s.count % 4) % 4)
        return Data(base64Encoded: s)
    }

    static func encode(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
