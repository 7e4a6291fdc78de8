import Logging
import OmiStorage
import ServiceLifecycle
import Synchronization

/// Finishes conversations a stopped server left in `processing`. Processing always ends in `completed` (knowledge.md
/// §2.3, §2.5), but a `kill -9` or a crash during a background model call leaves the conversation `processing`, and
/// nothing else would ever finish it. Each one goes to the owner's background jobs, behind any job of theirs still
/// running, and is finished with the model or deterministically (`OmiAPI.resumeProcessing`).
final class StaleProcessingSweep: Service, Sendable {
    /// At most this many per pass; the next pass takes the rest.
    static let batch = 100
    /// The longest wait between two tries of one conversation whose finish keeps failing.
    static let longestWait: Int64 = 86_400_000_000

    let conversations: any ConversationRepository
    let jobs: BackgroundJobs
    let staleAfter: Duration
    let interval: Duration
    let resume: @Sendable (ConversationRef) async -> Void
    let logger: Logger
    /// A conversation still stale after it was handed over could not be saved (a model failure completes it), and
    /// trying every pass would call the model every minute for good: each try doubles the wait before the next, up to
    /// a day. Kept in memory, so a restart tries once more at once.
    private let tries = Mutex<[ConversationRef: (count: Int, next: Int64)]>([:])

    init(conversations: any ConversationRepository, jobs: BackgroundJobs, staleAfter: Duration, interval: Duration,
         resume: @escaping @Sendable (ConversationRef) async -> Void, logger: Logger) {
        (self.conversations, self.jobs, self.staleAfter, self.interval) = (conversations, jobs, staleAfter, interval)
        (self.resume, self.logger) = (resume, logger)
    }

    func run() async throws {
        await everyInterval(interval) { await sweep(now: Clock.nowMicros()) }
    }

    /// One pass; returns how many conversations it handed to the jobs.
    @discardableResult
    func sweep(now: Int64) async -> Int {
        let before = now - staleAfter.microseconds
        let waiting = tries.withLock { $0.count }
        let stale: [ConversationRef]
        do {
            // Room for every one still waiting for its next try and a full batch besides.
            stale = try await conversations.staleProcessing(before: before, limit: Self.batch + waiting)
        } catch {
            logger.warning("could not look for conversations left in processing; trying again later")
            return 0
        }
        let due = tries.withLock { tries in
            // Finished ones are no longer listed; their entries go, unless the list was cut short.
            if stale.count < Self.batch + waiting { tries = tries.filter { entry in stale.contains(entry.key) } }
            let due = stale.filter { now >= (tries[$0]?.next ?? 0) }.prefix(Self.batch)
            for ref in due {
                let count = (tries[ref]?.count ?? 0) + 1
                let wait = min(Self.longestWait, interval.microseconds << min(count - 1, 20))
                tries[ref] = (count, now + wait)
            }
            return Array(due)
        }
        if !due.isEmpty {
            logger.info("finishing conversations left in processing", metadata: ["count": "\(due.count)"])
        }
        for ref in due {
            let resume = self.resume
            await jobs.submit(uid: ref.uid) { await resume(ref) }
        }
        return due.count
    }
}
