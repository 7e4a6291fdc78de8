import ServiceLifecycle

/// Work that outlives its request: agent VM creates and starts, and conversation processing that a model did not
/// finish within the request. Within this process at most one job per uid runs at a time; a job submitted while
/// another runs for the same uid waits its turn. Jobs run in the task group of `run()`, so they never outlive the
/// server: graceful shutdown cancels them. An agent VM record left in `provisioning` is picked up again by the
/// 10-minute stale rule; a cancelled processing job falls back to the deterministic summary.
public actor BackgroundJobs: Service {
    typealias Work = @Sendable () async -> Void

    private struct Job: Sendable {
        var uid: String
        var work: Work
    }

    private let stream: AsyncStream<Job>
    private let continuation: AsyncStream<Job>.Continuation
    /// The uids with a job queued or running, and the jobs waiting behind it.
    private var waiting: [String: [Work]] = [:]
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []

    public init() {
        (stream, continuation) = AsyncStream.makeStream(of: Job.self)
    }

    func submit(uid: String, _ work: @escaping Work) {
        if waiting[uid] != nil {
            waiting[uid]!.append(work)
            return
        }
        waiting[uid] = []
        enqueue(Job(uid: uid, work: work))
    }

    private func enqueue(_ job: Job) {
        if case .terminated = continuation.yield(job) { finished(job.uid, dropAll: true) }
    }

    private func finished(_ uid: String, dropAll: Bool = false) {
        if !dropAll, var next = waiting[uid], !next.isEmpty {
            let work = next.removeFirst()
            waiting[uid] = next
            enqueue(Job(uid: uid, work: work))
            return
        }
        waiting[uid] = nil
        if waiting.isEmpty {
            for waiter in idleWaiters { waiter.resume() }
            idleWaiters.removeAll()
        }
    }

    /// Returns once no job is queued or running; tests use it to observe a finished create or start.
    public func waitForIdle() async {
        if waiting.isEmpty { return }
        await withCheckedContinuation { idleWaiters.append($0) }
    }

    public func run() async throws {
        let continuation = self.continuation
        await withDiscardingTaskGroup { group in
            // Graceful shutdown ends the stream; running jobs are then cancelled and awaited, not abandoned.
            group.addTask {
                try? await gracefulShutdown()
                continuation.finish()
            }
            for await job in stream {
                group.addTask {
                    await job.work()
                    await self.finished(job.uid)
                }
            }
            group.cancelAll()
        }
        // Anything submitted after the stream ended will never run; release whoever waits for it.
        for uid in waiting.keys { finished(uid, dropAll: true) }
    }
}
