import Foundation
import Synchronization

/// Per-user fixed-window limits held in memory (conventions.md §12).
///
/// One instance keeps its own counters. Several instances behind one balancer each allow the full limit; the
/// multi-instance plan is a counter table in the shared PostgreSQL database keyed by (policy, uid, window), written
/// with `INSERT ... ON CONFLICT DO UPDATE SET count = count + 1 RETURNING count`, and failing open (README).
public final class RateLimiter: Sendable {
    public struct Policy: Sendable, Hashable {
        public var name: String
        public var limit: Int
        public var window: TimeInterval
        /// chat.md narrows the 429 text to "Rate limit exceeded"; other groups use the conventions' wording.
        public var shortDetail = false

        public static let chatInitial = Policy(name: "chat:initial", limit: 60, window: 3600, shortDetail: true)
        public static let chatFiles = Policy(name: "chat:files", limit: 40, window: 3600, shortDetail: true)
        public static let voiceTranscribe = Policy(name: "voice:transcribe", limit: 60, window: 3600)
    }

    public enum Decision: Equatable {
        case allowed
        case refused(retryAfter: Int, limit: Int)
    }

    let enabled: Bool
    let multiplier: Int
    let now: @Sendable () -> Date
    let counters = Mutex<[String: (windowStart: TimeInterval, count: Int)]>([:])

    public init(enabled: Bool, multiplier: Int, now: @escaping @Sendable () -> Date = { Date() }) {
        self.enabled = enabled
        self.multiplier = multiplier
        self.now = now
    }

    public func check(_ policy: Policy, uid: String) -> Decision {
        guard enabled else { return .allowed }
        let limit = max(1, policy.limit * multiplier)
        let t = now().timeIntervalSince1970
        let windowStart = (t / policy.window).rounded(.down) * policy.window
        let key = policy.name + "\u{0}" + uid
        return counters.withLock { counters in
            if counters.count > 100_000 { counters = counters.filter { $0.value.windowStart >= windowStart } }
            var entry = counters[key] ?? (windowStart, 0)
            if entry.windowStart != windowStart { entry = (windowStart, 0) }
            guard entry.count < limit else {
                return .refused(retryAfter: max(1, Int((windowStart + policy.window - t).rounded(.up))), limit: limit)
            }
            entry.count += 1
            counters[key] = entry
            return .allowed
        }
    }

    /// Throws the 429 when the caller is over the policy.
    func enforce(_ policy: Policy, uid: String) throws {
        if case .refused(let retryAfter, let limit) = check(policy, uid: uid) {
            var error = APIError.rateLimited(retryAfter: retryAfter, limit: limit)
            if policy.shortDetail { error.detail = "Rate limit exceeded" }
            throw error
        }
    }
}
