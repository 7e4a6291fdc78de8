import HTTPTypes
import Logging
import OmiStorage
import OpenAPIRuntime
import Synchronization

/// Authenticates every operation but the public ones, after the route has matched (conventions.md §2.5), and makes
/// the user's record on first use (§3.4).
struct AuthMiddleware: ServerMiddleware {
    let authenticator: Authenticator
    let users: any UserRepository
    let publicOperations: Set<String>
    let fence: AccountFence
    let knownUsers: KnownUsers
    let byok: BYOKGate
    let platforms = PlatformSightings()

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        if publicOperations.contains(operationID) { return try await next(request, body, metadata) }
        let result = await authenticator.authenticate(
            authorization: request.headerFields[.authorization], method: request.method.rawValue, path: operationID)
        switch result {
        case .failure(.missingHeader):
            throw APIError(.unauthorized, "Authorization header not found")
        case .failure(.invalid):
            throw APIError(.unauthorized, "Invalid authorization token")
        case .failure(.keysUnavailable):
            throw APIError(.serviceUnavailable, "Authentication temporarily unavailable", headers: [.retryAfter: "5"])
        case .success(let user):
            if let tombstone = try await fence.tombstone(uid: user.uid) {
                switch tombstone.status {
                case .running where operationID != "deleteAccount":
                    throw APIError(.forbidden, detailObject: .object([
                        "code": .string("account_deletion_in_progress"), "status": .string("running"),
                        "retryable": .bool(false),
                    ]))
                case .running, .wiped, .completed:
                    // A retried deletion is answered by its handler; any other call with a token from before the
                    // deletion is refused, so sync loops still in flight cannot recreate rows.
                    if operationID == "deleteAccount" {
                        return try await RequestValues.$user.withValue(user) { try await next(request, body, metadata) }
                    }
                    let issued = user.issuedAt.map { Int64($0 * 1_000_000) } ?? Int64.max
                    if issued <= tombstone.requestedAt { throw APIError(.unauthorized, "Invalid authorization token") }
                case .cancelled:
                    break
                }
            }
            // A token with claims not seen before for this uid may fill an email or name still null (users.md §1).
            let claims = KnownUsers.claims(email: user.email, name: user.name)
            if !knownUsers.contains(user.uid, claims: claims) {
                try await users.ensureUser(uid: user.uid, email: user.email, name: user.name, now: Clock.nowMicros())
                knownUsers.insert(user.uid, claims: claims)
            }
            await platforms.record(uid: user.uid, platform: request.headerFields[.xAppPlatform], users: users)
            let keys = try await byok.check(uid: user.uid, headers: request.headerFields, operationID: operationID,
                                            now: Clock.nowMicros())
            return try await RequestValues.$user.withValue(user) {
                try await RequestValues.$byok.withValue(keys) { try await next(request, body, metadata) }
            }
        }
    }
}

/// Uids whose record is known to exist with the token claims last applied, so the hot path does not write on every
/// request. Bounded: when full it is cleared, and the next request of each user repeats a harmless upsert.
final class KnownUsers: Sendable {
    private let uids = Mutex<[String: String]>([:])

    static func claims(email: String?, name: String?) -> String { "\(email ?? "")\u{0}\(name ?? "")" }

    func contains(_ uid: String, claims: String) -> Bool { uids.withLock { $0[uid] == claims } }

    func insert(_ uid: String, claims: String) {
        uids.withLock { uids in
            if uids.count >= 100_000 { uids.removeAll(keepingCapacity: true) }
            uids[uid] = claims
        }
    }

    func remove(_ uid: String) { _ = uids.withLock { $0.removeValue(forKey: uid) } }
}

/// The user's last-seen platform (conventions.md, `X-App-Platform`): at most one write per user per 10 minutes on
/// this instance, and a failed write never fails the request.
final class PlatformSightings: Sendable {
    private let written = Mutex<[String: Int64]>([:])
    let interval: Int64 = 600_000_000

    func record(uid: String, platform: String?, users: any UserRepository) async {
        guard let platform = platform?.trimmingCharacters(in: .whitespaces), !platform.isEmpty else { return }
        let value = String(platform.prefix(32))
        let now = Clock.nowMicros()
        let due = written.withLock { written in
            if let last = written[uid], now - last < interval { return false }
            if written.count >= 100_000 { written.removeAll(keepingCapacity: true) }
            written[uid] = now
            return true
        }
        if due { try? await users.recordPlatform(uid: uid, platform: value, now: now) }
    }
}
