import Foundation
import OmiStorage
import Synchronization

/// Answers whether a uid has a deletion tombstone (users.md §15.2), with a short-lived cache so the hot path does not
/// query on every request. A deletion on this instance updates the cache at once; other instances see it within
/// `ttl` seconds (`Settings.tombstoneCacheTTL`).
final class AccountFence: Sendable {
    struct Entry: Sendable {
        var tombstone: TombstoneRecord?
        var fetchedAt: TimeInterval
    }

    let accounts: any AccountRepository
    let ttl: TimeInterval
    private let cache = Mutex<[String: Entry]>([:])

    init(accounts: any AccountRepository, ttl: TimeInterval) {
        self.accounts = accounts
        self.ttl = ttl
    }

    func tombstone(uid: String) async throws -> TombstoneRecord? {
        let now = Date().timeIntervalSince1970
        if let entry = cache.withLock({ $0[uid] }), now - entry.fetchedAt < ttl { return entry.tombstone }
        let tombstone = try await accounts.tombstone(uid: uid)
        remember(uid: uid, tombstone)
        return tombstone
    }

    /// The final pass of a `wiped` deletion (`AccountRepository.finishDeletion`); this instance sees it at once.
    func finishDeletion(uid: String, now: Int64) async throws {
        if let tombstone = try await accounts.finishDeletion(uid: uid, now: now) { remember(uid: uid, tombstone) }
    }

    func remember(uid: String, _ tombstone: TombstoneRecord?) {
        let now = Date().timeIntervalSince1970
        cache.withLock { cache in
            if cache.count >= 100_000 { cache.removeAll(keepingCapacity: true) }
            cache[uid] = Entry(tombstone: tombstone, fetchedAt: now)
        }
    }
}
