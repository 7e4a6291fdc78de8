import Crypto
import Foundation
import Synchronization

/// Tokens that passed verification, until they expire, so the hot path does not re-verify RS256 on every request.
///
/// Keyed by the SHA-256 of the whole compact token: any change to header, payload or signature is another key and is
/// verified from scratch, so a forged variant of a cached token is still refused. Tokens themselves are not kept.
final class VerifiedTokenCache: Sendable {
    private let entries = Mutex<[Data: AuthenticatedUser]>([:])
    private let capacity: Int
    private let now: @Sendable () -> Date

    init(capacity: Int = 50_000, now: @escaping @Sendable () -> Date = { Date() }) {
        self.capacity = capacity
        self.now = now
    }

    static func key(_ token: String) -> Data { Data(SHA256.hash(data: Data(token.utf8))) }

    func user(for key: Data) -> AuthenticatedUser? {
        let t = now().timeIntervalSince1970
        return entries.withLock { entries in
            guard let user = entries[key] else { return nil }
            guard user.validUntil > t else {
                entries[key] = nil
                return nil
            }
            return user
        }
    }

    /// Keeps `user` until its `validUntil`.
    func store(_ user: AuthenticatedUser, key: Data) {
        let t = now().timeIntervalSince1970
        entries.withLock { entries in
            if entries.count >= capacity {
                entries = entries.filter { $0.value.validUntil > t }
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[key] = user
        }
    }
}
