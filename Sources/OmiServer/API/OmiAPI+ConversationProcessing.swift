import Foundation
import OmiContract
import OmiStorage

extension OmiAPI {
    /// knowledge.md §3.10: 404 means there is nothing to process. Processing runs inside the user's lock, so a
    /// concurrent second call finds nothing left in progress.
    func forceProcessConversation(
        _ input: Operations.ForceProcessConversation.Input
    ) async throws -> Operations.ForceProcessConversation.Output {
        let user = try RequestValues.requireUser()
        let processor = self.processor
        let zone = try await timeZone(of: user)
        let now = Clock.nowMicros()
        let (begun, pending) = try await conversations.atomically(uid: user.uid) { tx -> (ConversationRecord, Bool) in
            guard var record = try await tx.newestInProgress() else {
                throw APIError.notFound("Conversation in progress not found")
            }
            let pending = processor.begin(&record, mode: .fresh, now: now, zone: zone)
            try await tx.save(record)
            return (record, pending)
        }
        let record = pending ? await completeProcessing(begun, uid: user.uid, zone: zone, mode: .fresh) : begun
        return .ok(.init(body: .json(.init(conversation: ConversationMapping.conversation(record), messages: []))))
    }

    func finalizeConversation(_ input: Operations.FinalizeConversation.Input) async throws -> Operations.FinalizeConversation.Output {
        let user = try RequestValues.requireUser()
        let processor = self.processor
        let zone = try await timeZone(of: user)
        let now = Clock.nowMicros()
        let id = input.path.conversationId
        let (begun, pending) = try await conversations.atomically(uid: user.uid) { tx -> (ConversationRecord, Bool) in
            guard var record = try await tx.get(id) else { throw Self.conversationNotFound }
            guard record.status == "in_progress" else { return (record, false) }
            let pending = processor.begin(&record, mode: .fresh, now: now, zone: zone)
            try await tx.save(record)
            return (record, pending)
        }
        let record = pending ? await completeProcessing(begun, uid: user.uid, zone: zone, mode: .fresh) : begun
        return .ok(.init(body: .json(.init(conversation: ConversationMapping.conversation(record), messages: []))))
    }

    func reprocessConversation(_ input: Operations.ReprocessConversation.Input) async throws -> Operations.ReprocessConversation.Output {
        let user = try RequestValues.requireUser()
        let bodyAppId: String? = if case .json(let json)? = input.body { json.appId } else { nil }
        let appId = [bodyAppId, input.query.appId].compactMap { $0 }.first { !$0.isEmpty }
        let processor = self.processor
        let zone = try await timeZone(of: user)
        let now = Clock.nowMicros()
        let id = input.path.conversationId
        // The app resolves through the catalogue and the caller's persona (apps.md §4.4).
        let appKnown = try await appId.asyncMap { try await resolveApp($0, uid: user.uid) != nil } ?? true
        let (begun, pending) = try await conversations.atomically(uid: user.uid) { tx -> (ConversationRecord, Bool) in
            guard var record = try await tx.get(id) else { throw Self.conversationNotFound }
            if !appKnown { throw Self.appNotFound }
            let pending = processor.begin(&record, mode: .reprocess, now: now, zone: zone)
            try await tx.save(record)
            return (record, pending)
        }
        let record = pending ? await completeProcessing(begun, uid: user.uid, zone: zone, mode: .reprocess) : begun
        return .ok(.init(body: .json(Wire.ReprocessResult(conversation: ConversationMapping.conversation(record),
                                                          message: "Conversation reprocessed"))))
    }

    func createConversationFromSegments(
        _ input: Operations.CreateConversationFromSegments.Input
    ) async throws -> Operations.CreateConversationFromSegments.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        let now = Clock.nowMicros()
        var record = try Self.conversation(fromSegments: body, uid: user.uid, now: now)
        if let platform = input.headers.xAppPlatform {
            record.clientPlatform = platform
            if let hash = input.headers.xDeviceIdHash { record.clientDeviceId = "\(platform)_\(hash)" }
        }
        let processor = self.processor
        let zone = try await timeZone(of: user)
        let draft = record
        let (begun, pending) = try await conversations.atomically(uid: user.uid) { tx -> (ConversationRecord, Bool) in
            // A retry of the same client session answers with what is stored, unchanged (§3.14).
            if let existing = try await tx.get(draft.id) { return (existing, false) }
            var record = draft
            let pending = processor.begin(&record, mode: .fresh, now: now, zone: zone)
            try await tx.insert(record)
            return (record, pending)
        }
        let stored = pending ? await completeProcessing(begun, uid: user.uid, zone: zone, mode: .fresh) : begun
        return .ok(.init(body: .json(.init(id: stored.id, status: stored.status, discarded: stored.discarded))))
    }

    static let maximumSegmentSeconds: Double = 1_000_000_000

    /// Checks a from-segments body with the Python backend's string details and builds the unprocessed record.
    static func conversation(fromSegments body: Components.Schemas.FromSegmentsRequest, uid: String,
                             now: Int64) throws -> ConversationRecord {
        func refuse(_ detail: String) -> APIError { APIError(.unprocessableContent, detail) }
        var v = Validator()
        v.length(body.clientSessionId, min: 1, max: 200, at: ["body", "client_session_id"])
        v.length(body.clientConversationId, min: 1, max: 200, at: ["body", "client_conversation_id"])
        v.length(body.sessionId, min: 1, max: 200, at: ["body", "session_id"])
        v.length(body.clientId, min: 1, max: 200, at: ["body", "client_id"])
        try v.check()
        let segments = body.transcriptSegments
        if segments.isEmpty { throw refuse("transcript_segments cannot be empty") }
        if segments.count > 500 { throw refuse("Maximum 500 transcript segments allowed") }
        for (i, segment) in segments.enumerated() {
            if segment.end <= segment.start { throw refuse("Segment \(i): end time must be after start time") }
            if segment.start < 0 { throw refuse("Segment \(i): start time cannot be negative") }
            // The contract sets no upper bound; the last end becomes microseconds added to started_at, so a value
            // past about 9.2e12 s stopped the process. A billion seconds is 31 years of recording.
            if segment.end > Self.maximumSegmentSeconds {
                throw refuse("Segment \(i): end time cannot exceed \(Int(Self.maximumSegmentSeconds)) seconds")
            }
            if segment.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw refuse("Segment \(i): text cannot be empty")
            }
        }
        let startedAt = body.startedAt.map(Timestamp.micros) ?? now
        let lastEnd = segments.last.map { Int64(($0.end * 1_000_000).rounded()) } ?? 0
        let finishedAt = body.finishedAt.map(Timestamp.micros) ?? startedAt + lastEnd
        if body.finishedAt != nil && finishedAt <= startedAt { throw refuse("finished_at must be after started_at") }
        let session = [body.clientSessionId, body.clientConversationId, body.sessionId, body.clientId]
            .compactMap { $0 }.first { !$0.isEmpty }
        let id = session.map { ConversationIds.fromSegments(uid: uid, sessionId: $0) } ?? RandomUUID.lowercased()
        var record = ConversationRecord(id: id, createdAt: startedAt)
        record.updatedAt = now
        record.startedAt = startedAt
        record.finishedAt = finishedAt
        record.source = ConversationMapping.source(body.source, default: "phone")
        record.language = body.language.flatMap { $0.isEmpty ? nil : $0 } ?? "en"
        record.status = "processing"
        record.inputDeviceName = body.inputDeviceName
        record.geolocation = body.geolocation.map(\.jsonText)
        record.segments = segments.enumerated().map { index, s in
            SegmentRecord(id: ConversationIds.segment(conversationId: id, index: index),
                          text: s.text.trimmingCharacters(in: .whitespacesAndNewlines), speaker: s.speaker ?? "SPEAKER_00",
                          speakerId: s.speakerId, isUser: s.isUser ?? false, personId: s.personId, start: s.start, end: s.end)
        }
        return record
    }
}
