import HTTPTypes
import Logging
import OmiStorage
import OpenAPIRuntime
import Synchronization

/// Authenticates every operation but the public ones, after the route has matched (conventions.md §2.5), and makes
/// the user's record on first use (§3.4).
struct AuthMiddleware: ServerMiddleware {
    let admission: UserAdmission
    let publicOperations: Set<String>
    let byok: BYOKGate

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        if publicOperations.contains(operationID) { return try await next(request, body, metadata) }
        switch try await admission.admit(request.headerFields, method: request.method, operationID: operationID) {
        case .deletionRetry(let user):
            return try await RequestValues.$user.withValue(user) { try await next(request, body, metadata) }
        case .admitted(let user):
            let keys = try await byok.check(user: user, headers: request.headerFields, operationID: operationID,
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

    static func claims(email: String?, name: String?, deletedAt: Int64?) -> String {
        "\(email ?? "")\u{0}\(name ?? "")\u{0}\(deletedAt.map(String.init) ?? "")"
    }

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
