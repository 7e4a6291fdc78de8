import SQLKit
import Synchronization
import VaporCSQLite

/// Group commit for SQLite's one writer: transactions that arrive while another batch runs are run back to back by
/// one task, each inside its own savepoint, and committed together; none of them returns before that commit.
///
/// Handing the writer lock from request to request left it idle while the next holder waited for a thread, and each
/// commit wrote the same index pages again; at the save benchmark the writer, not the CPU, was the limit (issue 12).
/// A transaction that throws is rolled back alone: the batch then runs again with a savepoint around each member. If
/// the commit fails, every transaction of the batch fails with it, so nothing is acknowledged that was not written.
///
/// The task that finds no batch running leads: it takes every waiting transaction (up to `batchLimit`), runs the
/// batch under the writer lock, and wakes each owner. Once its own transaction is committed it hands the lead to the
/// first one still waiting, so no request keeps working for others. Bodies therefore run in the leading request's
/// task: they must only use the database, as they always had to while holding the writer.
final class GroupCommit: Sendable {
    /// Enough to cover every connection the benchmark opens; bounds how long the last member waits for its commit.
    static let batchLimit = 64

    enum Turn { case done, lead }

    /// One transaction on its way through a batch. The leader writes `run` and `commitFailure` before it resumes
    /// `continuation`, and the owner reads them only after, so the resume orders every access.
    final class Job: @unchecked Sendable {
        var run: (@Sendable (any SQLDatabase) async -> Bool)?
        var continuation: CheckedContinuation<Turn, Never>?
        var commitFailure: (any Error)?
    }

    private struct State {
        var waiting: [Job] = []
        var leading = false
    }

    private let state = Mutex(State())

    /// Transactions queued behind the running batch (for tests that need a batch to form).
    var waitingCount: Int { state.withLock { $0.waiting.count } }

    /// Runs `body` in the next batch's transaction and returns once that batch is committed.
    func transaction<T: Sendable>(
        store: SQLiteStore, _ body: @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        try await withoutActuallyEscaping(body) { body in
            let outcome = Outcome<T>()
            let job = Job()
            job.run = { db in
                do {
                    outcome.result = .success(try await body(db))
                    return true
                } catch {
                    outcome.result = .failure(error)
                    return false
                }
            }
            var turn = await withCheckedContinuation { (continuation: CheckedContinuation<Turn, Never>) in
                job.continuation = continuation
                let lead = state.withLock { state -> Bool in
                    state.waiting.append(job)
                    if state.leading { return false }
                    state.leading = true
                    return true
                }
                if lead { continuation.resume(returning: .lead) }
            }
            while turn == .lead { turn = await lead(store: store, own: job) }
            // A body's own error comes first: nothing of it was written either way.
            if case .failure(let error) = outcome.result { throw error }
            if let failure = job.commitFailure { throw failure }
            guard let result = outcome.result else { throw SQLiteFailure(code: SQLITE_INTERNAL, message: "not run") }
            return try result.get()
        }
    }

    /// Runs batches until the one holding `own` is committed, then passes the lead on; returns `.done`.
    private func lead(store: SQLiteStore, own: Job) async -> Turn {
        while true {
            let batch = state.withLock { state -> [Job] in
                let taken = Array(state.waiting.prefix(Self.batchLimit))
                state.waiting.removeFirst(taken.count)
                return taken
            }
            await run(batch, store: store)
            for job in batch where job !== own {
                job.continuation?.resume(returning: .done)
            }
            guard batch.contains(where: { $0 === own }) else { continue }
            let next = state.withLock { state -> Job? in
                if let first = state.waiting.first { return first }
                state.leading = false
                return nil
            }
            next?.continuation?.resume(returning: .lead)
            return .done
        }
    }

    /// A member threw during the batch's first pass, which has no savepoints to roll it back alone.
    private struct MemberFailed: Error {}

    /// Runs the batch in one transaction. A savepoint around each member costs two statements and a copy of every page
    /// the member changes into SQLite's sub-journal, about a tenth of a save's SQLite work; members rarely throw, so
    /// the batch first runs without them. Only when a member throws is all of it rolled back and run again with a
    /// savepoint around each member. Bodies only use the database, so the first pass leaves nothing behind.
    private func run(_ batch: [Job], store: SQLiteStore) async {
        do {
            try await store.withWriter { db in
                do {
                    try await Self.transaction(of: batch, on: db, savepoints: false)
                } catch is MemberFailed {
                    try await Self.transaction(of: batch, on: db, savepoints: true)
                }
            }
            for job in batch { job.run = nil }
        } catch {
            // A failed savepoint or commit: the whole batch was rolled back, so every member learns it.
            for job in batch {
                job.run = nil
                job.commitFailure = error
            }
        }
    }

    /// One transaction running every member in turn. Without savepoints, a member that throws fails all of it
    /// (`MemberFailed`); with them, it is rolled back alone.
    private static func transaction(of batch: [Job], on db: any SQLDatabase, savepoints: Bool) async throws {
        try await Database.inTransaction(db, kind: .sqlite) { db in
            for job in batch {
                guard let run = job.run else { continue }
                guard savepoints else {
                    if await !run(db) { throw MemberFailed() }
                    continue
                }
                try await db.raw("SAVEPOINT member").run()
                if await !run(db) { try await db.raw("ROLLBACK TO member").run() }
                try await db.raw("RELEASE member").run()
            }
        }
    }
}

/// What one body returned or threw; written by the leader before the owner is resumed.
private final class Outcome<T: Sendable>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
