import OmiStorage
import Synchronization

/// The live targets of a platform's two pointers, as the feed and downloads read them.
struct LiveTargets: Sendable {
    var stable: ReleaseRecord?
    var beta: ReleaseRecord?
}

/// Pointer targets kept in process for at most 60 s (platform.md §1.2), dropped by every pointer change made through
/// this instance and by `/v2/desktop/clear-cache`. Another instance's change shows within the 60 s.
final class ReleaseCache: Sendable {
    private struct Entry {
        var targets: LiveTargets
        var expires: ContinuousClock.Instant
    }

    private let entries = Mutex<[String: Entry]>([:])
    let lifetime: Duration

    init(lifetime: Duration = .seconds(60)) { self.lifetime = lifetime }

    func targets(platform: String, load: () async throws -> LiveTargets) async throws -> LiveTargets {
        let now = ContinuousClock.now
        if let entry = entries.withLock({ $0[platform] }), entry.expires > now { return entry.targets }
        let targets = try await load()
        entries.withLock { $0[platform] = Entry(targets: targets, expires: now + lifetime) }
        return targets
    }

    func clear() { entries.withLock { $0.removeAll() } }
}
