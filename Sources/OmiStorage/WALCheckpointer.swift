import Dispatch
import Synchronization
import VaporCSQLite

/// Copies SQLite's write-ahead log back into the database file on a connection and a thread of its own.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses the threshold, on the writer, and ends with an
/// `fsync`: every save waiting for the writer lock waited for that disk flush too. Measured at the save benchmark, it
/// cost a fifth of the throughput (issue 12). Here the writer's commit only notices that the log has grown past
/// `threshold` pages and asks for a checkpoint; a passive checkpoint then runs beside the writer, which WAL mode
/// allows, and never waits for a reader or a writer. Durability is unchanged: a commit is in the log before it is
/// acknowledged, whoever copies it later.
final class WALCheckpointer: Sendable {
    /// Pages of log before a checkpoint is asked for: four times SQLite's own default. A page a batch changes again
    /// before the next checkpoint is copied once, so at the save benchmark this wrote a quarter less per save than
    /// 1,000 pages did, with the same p99; the log stays under about 25 MB there (issue 12).
    static let defaultThreshold: Int32 = 4000

    let threshold: Int32
    /// Where the writer checkpoints itself (see `walCommitHook`).
    var writerCatchUp: Int32 { threshold * 4 }
    private let connection: SQLiteDirectConnection
    /// Serial, outside Swift's cooperative pool: a checkpoint blocks in `fsync`, and must not hold up request tasks.
    private let queue = DispatchQueue(label: "omi-backend.sqlite-checkpoint")
    /// Set from a request until its checkpoint starts, so a burst of commits queues one checkpoint, not one each.
    private let requested = Atomic(false)
    private let stopped = Atomic(false)
    private let completed = Atomic(0)

    init(path: String, threshold: Int32 = defaultThreshold) throws {
        self.threshold = threshold
        connection = try SQLiteDirectConnection(path: path)
    }

    /// How many checkpoints have run (tests observe that the writer's commits lead to one).
    var checkpointsRun: Int { completed.load(ordering: .acquiring) }

    /// Called after a commit that left `frames` pages in the log.
    func logGrew(to frames: Int32) {
        guard frames >= threshold, !stopped.load(ordering: .relaxed),
              requested.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        queue.async { [self] in
            requested.store(false, ordering: .releasing)
            guard !stopped.load(ordering: .acquiring) else { return }
            // A failure (the file gone, say) is left to the next request; the writer's commits are unaffected.
            try? connection.checkpointPassive()
            completed.add(1, ordering: .releasing)
        }
    }

    /// Returns once the checkpoints asked for so far have run.
    func waitForIdle() { queue.sync {} }

    /// For tests: a checkpoint asked for while paused waits for `resume`, as one stuck on a slow disk would.
    func pause() { queue.suspend() }
    func resume() { queue.resume() }

    /// Waits for a running checkpoint, then closes the connection; no checkpoint starts after this returns.
    func stop() {
        stopped.store(true, ordering: .releasing)
        queue.sync { connection.close() }
    }
}

/// The C callback SQLite calls after each commit of a connection that `SQLiteDirectConnection.checkpointAfterCommits`
/// set up; `context` is the unretained checkpointer, which the store keeps alive longer than the connection.
///
/// Under sustained writes a checkpoint beside the writer never catches up with the log's end, and SQLite starts the
/// log over only once all of it is copied: the log would grow without bound. So past `writerCatchUp` pages the writer
/// checkpoints itself, as SQLite's automatic checkpoint would, while it still holds the write lock; by then the
/// background has copied and flushed nearly everything, so this is short, and the next transaction starts the log
/// over.
let walCommitHook: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32 = {
    context, db, _, frames in
    guard let context else { return SQLITE_OK }
    let checkpointer = Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue()
    if frames >= checkpointer.writerCatchUp {
        // Busy (the background is mid-checkpoint) is fine: the next commit tries again.
        _ = SQLiteDirectConnection.checkpointPassive(db)
    } else {
        checkpointer.logGrew(to: frames)
    }
    return SQLITE_OK
}
