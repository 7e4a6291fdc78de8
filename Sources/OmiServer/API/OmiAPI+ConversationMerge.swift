import Foundation
import OmiContract
import OmiStorage

extension OmiAPI {
    /// knowledge.md §3.9: sources are checked before any change, merged in start order, and deleted in the same
    /// transaction that stores the merged conversation.
    func mergeConversations(_ input: Operations.MergeConversations.Input) async throws -> Operations.MergeConversations.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        var v = Validator()
        if body.conversationIds.count < 2 {
            v.fail("too_short", "List should have at least 2 items after validation, not \(body.conversationIds.count)",
                   at: ["body", "conversation_ids"])
        }
        try v.check()
        var seen = Set<String>()
        let ids = body.conversationIds.filter { seen.insert($0).inserted }
        guard ids.count >= 2 else { throw APIError.badRequest("At least 2 conversations required to merge") }
        let reprocess = body.reprocess ?? true
        let processor = self.processor
        let zone = try await timeZone(of: user)
        let now = Clock.nowMicros()
        let (begun, warning, pending) = try await conversations.atomically(uid: user.uid) { tx -> (ConversationRecord, String?, Bool) in
            var sources: [ConversationRecord] = []
            for id in ids {
                guard let record = try await tx.get(id) else { throw APIError.notFound("Conversation \(id) not found") }
                guard record.status == "completed" else {
                    throw APIError.badRequest(
                        "Conversation \(id) is not ready (status: \(record.status)). Wait for it to complete.")
                }
                sources.append(record)
            }
            var (merged, warning) = Self.merge(sources, id: RandomUUID.lowercased(), now: now)
            // reprocess=false is the deterministic minimum by contract (§3.9 step 5), so it never goes to the model.
            let pending = processor.begin(&merged, mode: reprocess ? .reprocess : .fresh, useModel: reprocess, now: now,
                                          zone: zone)
            for source in sources { try await tx.delete(source.id) }
            try await tx.insert(merged)
            try await tx.relink(from: ids, to: merged.id)
            return (merged, warning, pending)
        }
        let merged = pending ? await completeProcessing(begun, uid: user.uid, zone: zone, mode: .reprocess) : begun
        return .ok(.init(body: .json(Wire.MergeResult(status: merged.status == "completed" ? "completed" : "merging",
                                                      warning: warning, conversationIds: ids,
                                                      newConversationId: merged.id))))
    }

    /// Steps 1–3 of §3.9: the sources' segments on one timeline and the merged conversation's fields.
    static func merge(_ sources: [ConversationRecord], id: String, now: Int64) -> (ConversationRecord, String?) {
        let ordered = sources.enumerated().sorted {
            ($0.element.startedAt ?? .min, $0.offset) < ($1.element.startedAt ?? .min, $1.offset)
        }.map(\.element)
        let first = ordered[0]
        var merged = ConversationRecord(id: id, createdAt: ordered.map(\.createdAt).min() ?? now)
        merged.updatedAt = now
        merged.startedAt = first.startedAt
        merged.finishedAt = ordered.compactMap(\.finishedAt).max()
        merged.language = first.language
        merged.source = first.source
        merged.geolocation = first.geolocation
        merged.folderId = first.folderId
        merged.inputDeviceName = first.inputDeviceName
        let rank = ["private": 0, "shared": 1, "public": 2]
        merged.visibility = ordered.map(\.visibility).min { rank[$0, default: 0] < rank[$1, default: 0] } ?? "private"
        merged.discarded = ordered.allSatisfy(\.discarded)
        merged.starred = ordered.contains(where: \.starred)
        merged.structured = first.structured

        var warnings: [String] = []
        var usedIds = Set<String>()
        var cumulative = 0.0
        for (index, source) in ordered.enumerated() {
            var offset = 0.0
            if index > 0 {
                let previous = ordered[index - 1]
                var gap = 0.0
                if let start = source.startedAt, let end = previous.finishedAt {
                    gap = Double(start - end) / 1_000_000
                    if gap > 3600 { warnings.append(String(format: "%.1fh gap detected", gap / 3600)) }
                }
                offset = cumulative + max(gap, 0)
            }
            for var segment in source.segments {
                segment.start += offset
                segment.end += offset
                if !usedIds.insert(segment.id).inserted {
                    segment.id = RandomUUID.lowercased()
                    usedIds.insert(segment.id)
                }
                merged.segments.append(segment)
            }
            cumulative = offset + (source.segments.map(\.end).max() ?? duration(source))
        }
        return (merged, warnings.isEmpty ? nil : warnings.joined(separator: "; "))
    }

    static func duration(_ r: ConversationRecord) -> Double {
        guard let start = r.startedAt, let end = r.finishedAt else { return 0 }
        return max(0, Double(end - start) / 1_000_000)
    }
}
