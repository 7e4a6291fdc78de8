import Logging
import OmiStorage
import ServiceLifecycle

/// Finishes conversations a stopped server left in `processing`. Processing always ends in `completed` (knowledge.md
/// §2.3, §2.5), but a `kill -9` or a crash during a background model call leaves the conversation `processing`, and
/// nothing else would ever finish it. Each one goes to the owner's background jobs, behind any job of theirs still
/// running, and is finished with the model or deterministically (`OmiAPI.resumeProcessing`).
struct StaleProcessingSweep: Service {
    /// At most this many per pass; the next pass takes the rest.
    static let batch = 100

    let conversations: any ConversationRepository
    let jobs: BackgroundJobs
    let staleAfter: Duration
    let interval: Duration
    let resume: @Sendable (ConversationRef) async -> Void
    let logger: Logger

    func run() async throws {
        await everyInterval(interval) { await sweep(now: Clock.nowMicros()) }
    }

    /// One pass; returns how many conversations it handed to the jobs.
    @discardableResult
    func sweep(now: Int64) async -> Int {
        let before = now - Int64(staleAfter.nanoseconds / 1_000)
        let stale: [ConversationRef]
        do {
            stale = try await conversations.staleProcessing(before: before, limit: Self.batch)
        } catch {
            logger.warning("could not look for conversations left in processing; trying again later")
            return 0
        }
        if !stale.isEmpty {
            logger.info("finishing conversations left in processing", metadata: ["count": "\(stale.count)"])
        }
        for ref in stale {
            let resume = self.resume
            await jobs.submit(uid: ref.uid) { await resume(ref) }
        }
        return stale.count
    }
}
