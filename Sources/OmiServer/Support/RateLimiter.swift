import Foundation
import Logging
import OmiStorage

/// Per-user rolling-window limits (conventions.md §12), counted in the shared meter table.
///
/// The table rather than process memory, so that several instances on one PostgreSQL count together, and a rolling
/// window rather than fixed clock hours, so that a caller cannot spend the limit twice across the top of an hour.
/// A store failure fails open: these limits protect capacity, and refusing every user because the counter is
/// unreachable would turn a storage hiccup into an outage of chat, uploads and push-to-talk.
public struct RateLimiter: Sendable {
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
    let meters: any MeterRepository
    let logger: Logger

    public init(enabled: Bool, multiplier: Int, meters: any MeterRepository, logger: Logger) {
        self.enabled = enabled
        self.multiplier = multiplier
        self.meters = meters
        self.logger = logger
    }

    public func check(_ policy: Policy, uid: String, now: Int64 = Clock.nowMicros()) async -> Decision {
        guard enabled else { return .allowed }
        let limit = max(1, policy.limit * multiplier)
        let window = Int64(policy.window * 1_000_000)
        do {
            let result = try await meters.admit(
                scope: "limit:" + policy.name, uid: uid, now: now, windowStart: now - window,
                dayStart: now - window, units: 1, decide: { $0.windowCount < limit })
            if result.admitted { return .allowed }
            // The window frees a slot when its oldest admitted call leaves it.
            let frees = (result.usage.windowOldest ?? now) + window
            return .refused(retryAfter: max(1, Int((frees - now + 999_999) / 1_000_000)), limit: limit)
        } catch {
            logger.warning("rate limiting unavailable; admitting the call",
                           metadata: ["policy": "\(policy.name)", "error": "\(String(reflecting: type(of: error)))"])
            return .allowed
        }
    }

    /// Throws the 429 when the caller is over the policy.
    func enforce(_ policy: Policy, uid: String) async throws {
        if case .refused(let retryAfter, let limit) = await check(policy, uid: uid) {
            var error = APIError.rateLimited(retryAfter: retryAfter, limit: limit)
            if policy.shortDetail { error.detail = "Rate limit exceeded" }
            throw error
        }
    }
}
