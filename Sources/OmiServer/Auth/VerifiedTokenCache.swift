import Crypto
import Foundation
import Synchronization

/// Tokens that passed verification, until they expire, so the hot path does not re-verify RS256 on every request.
///
/// Keyed by the SHA-256 of the whole compact token: any change to header, payload or signature is another key and is
/// verified from scratch, so a forged variant of a cached token is still refused. Tokens themselves are not kept.
final class VerifiedTokenCache: Sendable {
    private let entries = Mutex<[Key: AuthenticatedUser]>([:])
    private let capacity: Int
    private let now: @Sendable () -> Date

    init(capacity: Int = 50_000, now: @escaping @Sendable () -> Date = { Date() }) {
        self.capacity = capacity
        self.now = now
    }

    /// A token's SHA-256, as four words.
    struct Key: Hashable, Sendable {
        var a, b, c, d: UInt64
    }

    /// Hashed from the string's own UTF-8 and kept as words: copying the token and the digest into `Data` made the key
    /// cost 1.3% of a save's CPU.
    static func key(_ token: String) -> Key {
        var token = token
        let digest = token.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
        return digest.withUnsafeBytes { raw in
            Key(a: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                b: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                c: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
                d: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
        }
    }

    func user(for key: Key) -> AuthenticatedUser? {
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
    func store(_ user: AuthenticatedUser, key: Key) {
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
