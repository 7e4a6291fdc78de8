import Logging
import OmiStorage
import ServiceLifecycle

/// The final pass of account deletions (users.md §15.1 steps 5–6). A request or background job admitted before the
/// tombstone can still write after the first wipe: a chat completion recording its usage, a job saving its result
/// between its tombstone check and its write, a request on an instance whose fence cache has not seen the deletion.
/// Once `finishAfter` has passed, no such writer is left, and a second wipe leaves the uid with no row (§15.3's
/// invariant), then sets the tombstone `completed`. The `wiped` tombstones are the durable queue: the pass at start
/// resumes what a stopped server left.
struct DeletionCleanup: Service {
    /// At most this many per pass; the next pass takes the rest.
    static let batch = 100

    let fence: AccountFence
    let finishAfter: Duration
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await everyInterval(interval) { await finishDue(now: Clock.nowMicros()) }
    }

    /// One pass; returns how many deletions it finished.
    @discardableResult
    func finishDue(now: Int64) async -> Int {
        let due: [String]
        do {
            due = try await fence.accounts.deletionsToFinish(requestedBefore: now - finishAfter.microseconds,
                                                             limit: Self.batch)
        } catch {
            logger.warning("could not look for account deletions to finish; trying again later")
            return 0
        }
        var finished = 0
        for uid in due {
            do {
                try await fence.finishDeletion(uid: uid, now: Clock.nowMicros())
                finished += 1
            } catch {
                logger.warning("could not finish an account deletion; trying again later")
            }
        }
        if finished > 0 { logger.info("finished account deletions", metadata: ["count": "\(finished)"]) }
        return finished
    }
}
