import Foundation
import OmiContract
import OmiStorage
@testable import OmiServer

struct SeedSegment: Sendable {
    var text: String
    var start: Double
    var end: Double
    var isUser = false
    var personId: String?
    var speaker = "SPEAKER_00"
}

struct SeedEvent: Sendable {
    var title: String
    var start: Date
    var duration = 30
}

extension TestHarness {
    /// Stores a conversation directly, as live transcription would (it is not one of this server's routes), with
    /// segment ids and a search entry made the way the server makes them.
    @discardableResult
    func seedConversation(
        uid: String = defaultUser, status: String = "completed", title: String = "", overview: String = "",
        category: String = "other", segments: [SeedSegment] = [], createdAt: Date = Date(), startedAt: Date? = nil,
        finishedAt: Date? = nil, discarded: Bool = false, folderId: String? = nil, starred: Bool = false,
        source: String = "desktop", events: [SeedEvent] = [], actionItems: [String] = []
    ) async throws -> String {
        let id = UUID().uuidString.lowercased()
        var record = ConversationRecord(id: id, createdAt: Timestamp.micros(createdAt))
        let started = Timestamp.micros(startedAt ?? createdAt)
        record.startedAt = started
        record.finishedAt = finishedAt.map(Timestamp.micros)
            ?? started + Int64(((segments.last?.end ?? 0) * 1_000_000).rounded())
        record.status = status
        record.discarded = discarded
        record.folderId = folderId
        record.starred = starred
        record.source = source
        record.structured.title = title
        record.structured.overview = overview
        record.structured.category = category
        record.structured.events = events.map { EventRecord(title: $0.title, start: Timestamp.micros($0.start), duration: $0.duration) }
        record.structured.actionItems = actionItems.map { EmbeddedActionItemRecord(description: $0) }
        record.segments = segments.enumerated().map { index, s in
            SegmentRecord(id: ConversationIds.segment(conversationId: id, index: index), text: s.text, speaker: s.speaker,
                          isUser: s.isUser, personId: s.personId, start: s.start, end: s.end)
        }
        let stored = record
        try await SQLConversationRepository(database: database).atomically(uid: uid) { tx in try await tx.insert(stored) }
        return id
    }
}
