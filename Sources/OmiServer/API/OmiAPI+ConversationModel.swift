import Foundation
import OmiStorage

extension OmiAPI {
    /// Finishes a conversation that `ConversationProcessor.begin` left in `processing` (knowledge.md §2.3, §2.5).
    /// The model runs as a background job of the user; the request waits for it up to the configured bound and
    /// answers with the finished conversation, or with the `processing` one while the job completes on its own.
    func completeProcessing(_ record: ConversationRecord, uid: String, zone: TimeZone,
                            mode: ConversationProcessor.Mode) async -> ConversationRecord {
        let (finished, continuation) = AsyncStream.makeStream(of: ConversationRecord.self)
        // The job runs outside the request's task, so it carries the user for the model's usage records.
        let user = RequestValues.user
        await processingJobs.submit(uid: uid) { [self] in
            let done = await RequestValues.$user.withValue(user) {
                await finishProcessing(id: record.id, uid: uid, zone: zone, mode: mode)
            }
            if let done { continuation.yield(done) }
            continuation.finish()
        }
        return await Self.first(of: finished, within: settings.conversationProcessingWait) ?? record
    }

    /// Runs the model, stores the derived memories and tasks, then the conversation. The derived records go first, so
    /// a conversation reads `completed` only once they exist; their ids and dedup make a repeat harmless. Nil when
    /// the conversation is gone or could not be saved.
    func finishProcessing(id: String, uid: String, zone: TimeZone, mode: ConversationProcessor.Mode) async -> ConversationRecord? {
        let started = Clock.nowMicros()
        guard let current = try? await conversations.get(uid: uid, id: id) else { return nil }
        // Without a model (one removed from the configuration since a crash, say), the deterministic path finishes it.
        var analysed: ConversationAnalysis?
        if let model = processor.model {
            analysed = await ConversationAnalyzer(model: model).analyze(current, zone: zone, now: Clock.nowMicros())
            if analysed == nil { logger.warning("conversation processing fell back to the deterministic summary") }
        }
        let analysis = analysed
        // The model may have run for many seconds: an account deleted meanwhile must not get rows back.
        guard await !accountDeleted(uid, since: started) else { return nil }
        if let analysis, !analysis.discarded { await storeDerived(analysis, from: current, uid: uid) }
        let processor = self.processor
        let now = Clock.nowMicros()
        do {
            return try await conversations.atomically(uid: uid) { tx -> ConversationRecord? in
                guard var record = try await tx.get(id) else { return nil }
                processor.apply(analysis, to: &record, mode: mode, now: now, zone: zone)
                try await tx.save(record)
                return record
            }
        } catch {
            logger.error("conversation processing could not be saved",
                         metadata: ["error": "\(String(reflecting: type(of: error)))"])
            return nil
        }
    }

    /// Finishes a conversation a stopped server left in `processing` (`StaleProcessingSweep`), as `.reprocess`:
    /// with the model its result is the same, and without one the summary already there is kept. It runs as the
    /// owner, so the model's usage is theirs; one finished meanwhile is left alone.
    func resumeProcessing(_ ref: ConversationRef) async {
        guard let record = try? await conversations.get(uid: ref.uid, id: ref.id), record.status == "processing" else {
            return
        }
        let user = AuthenticatedUser(uid: ref.uid)
        let zone = (try? await timeZone(of: user)) ?? TimeZone(identifier: "UTC")!
        let done = await RequestValues.$user.withValue(user) {
            await finishProcessing(id: ref.id, uid: ref.uid, zone: zone, mode: .reprocess)
        }
        if done != nil { logger.info("finished a conversation left in processing") }
    }

    /// Whether a deletion of the account was asked for at `start` or later (the tombstone, read uncached). A
    /// background job checks this after its model calls and before writing: the account wipe took every row that
    /// existed then, and anything written after it would stay behind for good. An older tombstone does not count: a
    /// token issued after a deletion brings the uid back as a new user (`UserAdmission`), whose jobs must write.
    /// What is written in the moment between this read and the write goes in the deletion's final pass
    /// (`DeletionCleanup`).
    func accountDeleted(_ uid: String, since start: Int64) async -> Bool {
        guard let tombstone = try? await accounts.tombstone(uid: uid), tombstone.status != .cancelled else { return false }
        return tombstone.requestedAt >= start
    }

    /// §2.2 items 3 and 4: memories under their content-hash ids (a fact extracted again keeps its stored row) and
    /// tasks deduplicated against the user's open tasks by description. A failure is logged and skipped; it never
    /// keeps the conversation from completing.
    func storeDerived(_ analysis: ConversationAnalysis, from record: ConversationRecord, uid: String) async {
        let now = Clock.nowMicros()
        let derived = analysis.memories.map { memory in
            var row = MemoryRecord(id: KnowledgeMapping.memoryId(memory.content), content: memory.content,
                                   category: memory.category, createdAt: now)
            row.conversationId = record.id
            row.source = record.source
            return row
        }
        do {
            if !derived.isEmpty { _ = try await memories.upsert(uid: uid, derived, merge: { stored, _ in stored }) }
            for item in analysis.structured.actionItems {
                var task = ActionItemRecord(description: item.description, createdAt: now)
                task.dueAt = item.dueAt
                task.conversationId = record.id
                task.source = "transcription:\(record.source)"
                _ = try await tasks.createIdempotent(uid: uid, item: task)
            }
        } catch {
            logger.error("derived memories or tasks could not be stored",
                         metadata: ["error": "\(String(reflecting: type(of: error)))"])
        }
    }

    /// The first element of `stream`, or nil when `bound` passes first.
    static func first<T: Sendable>(of stream: AsyncStream<T>, within bound: Duration) async -> T? {
        await withTaskGroup(of: T?.self) { group in
            group.addTask {
                for await value in stream { return value }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: bound)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
