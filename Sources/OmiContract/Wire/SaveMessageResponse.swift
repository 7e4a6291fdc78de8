import Foundation

extension Wire {
    /// The answer to a message save (chat.md §1.3).
    public struct SaveMessageResponse: Codable, Hashable, Sendable, Prewritable {
        public var id: String
        public var createdAt: Date
        public var sessionId: String?
        public var created: Bool
        public var updated: Bool
        public var journalRevision: Int64?

        public init(id: String, createdAt: Date, sessionId: String?, created: Bool, updated: Bool,
                    journalRevision: Int64?) {
            self.id = id
            self.createdAt = createdAt
            self.sessionId = sessionId
            self.created = created
            self.updated = updated
            self.journalRevision = journalRevision
        }

        enum CodingKeys: String, CodingKey {
            case id, created, updated
            case createdAt = "created_at"
            case sessionId = "session_id"
            case journalRevision = "journal_revision"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            createdAt = try c.decode(Date.self, forKey: .createdAt)
            sessionId = try c.decodeIfPresent(String.self, forKey: .sessionId)
            created = try c.decodeIfPresent(Bool.self, forKey: .created) ?? true
            updated = try c.decodeIfPresent(Bool.self, forKey: .updated) ?? false
            journalRevision = try c.decodeIfPresent(Int64.self, forKey: .journalRevision)
        }

        public func encode(to encoder: any Encoder) throws {
            // Every chat message the desktop saves answers with this; `JSONEncoder` was 4% of a save (issue 12).
            if try PrewrittenJSON.divert(encoder, self) { return }
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(createdAt, forKey: .createdAt)
            try c.encodeOrNull(sessionId, forKey: .sessionId)
            try c.encode(created, forKey: .created)
            try c.encode(updated, forKey: .updated)
            try c.encodeOrNull(journalRevision, forKey: .journalRevision)
        }

        public var jsonCapacity: Int { 192 }

        /// This answer as JSON, with the keys and values of `encode(to:)`.
        public func writeJSON(into json: inout JSONBytes) {
            json.beginObject()
            json.key("id"); json.string(id)
            json.key("created_at"); json.date(createdAt)
            json.key("session_id"); json.string(sessionId)
            json.key("created"); json.bool(created)
            json.key("updated"); json.bool(updated)
            json.key("journal_revision"); json.int(journalRevision)
            json.endObject()
        }
    }
}
