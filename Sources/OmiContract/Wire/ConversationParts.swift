import Foundation

extension Wire {
    /// A conversation's summary (knowledge.md §1.1.1).
    public struct Structured: Codable, Hashable, Sendable {
        public var title = ""
        public var overview = ""
        public var emoji = "🧠"
        public var category = "other"
        public var actionItems: [EmbeddedActionItem] = []
        public var events: [Event] = []

        public init() {}

        enum CodingKeys: String, CodingKey {
            case title, overview, emoji, category, events
            case actionItems = "action_items"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            title = try c.decodeIfPresent(String.self, forKey: .title) ?? ""
            overview = try c.decodeIfPresent(String.self, forKey: .overview) ?? ""
            emoji = try c.decodeIfPresent(String.self, forKey: .emoji) ?? ""
            category = try c.decodeIfPresent(String.self, forKey: .category) ?? "other"
            actionItems = try c.decodeIfPresent([EmbeddedActionItem].self, forKey: .actionItems) ?? []
            events = try c.decodeIfPresent([Event].self, forKey: .events) ?? []
        }
    }

    public struct EmbeddedActionItem: Codable, Hashable, Sendable {
        public var description: String
        public var completed = false
        public var dueAt: Date?

        public init(description: String, completed: Bool = false, dueAt: Date? = nil) {
            self.description = description
            self.completed = completed
            self.dueAt = dueAt
        }

        enum CodingKeys: String, CodingKey {
            case description, completed, deleted
            case dueAt = "due_at"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            description = try c.decode(String.self, forKey: .description)
            completed = try c.decodeIfPresent(Bool.self, forKey: .completed) ?? false
            dueAt = try c.decodeIfPresent(Date.self, forKey: .dueAt)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(description, forKey: .description)
            try c.encode(completed, forKey: .completed)
            try c.encode(false, forKey: .deleted)
            try c.encodeOrNull(dueAt, forKey: .dueAt)
        }
    }

    /// A calendar event; the start goes out under both `start` and `starts_at` (knowledge.md §1.1.3).
    public struct Event: Codable, Hashable, Sendable {
        public var title: String
        public var description = ""
        public var start: Date
        public var duration = 30
        public var created = false

        public init(title: String, description: String = "", start: Date, duration: Int = 30, created: Bool = false) {
            self.title = title
            self.description = description
            self.start = start
            self.duration = duration
            self.created = created
        }

        enum CodingKeys: String, CodingKey {
            case title, description, start, duration, created
            case startsAt = "starts_at"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            title = try c.decodeIfPresent(String.self, forKey: .title) ?? ""
            description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
            start = try c.decodeIfPresent(Date.self, forKey: .startsAt) ?? c.decode(Date.self, forKey: .start)
            duration = try c.decodeIfPresent(Int.self, forKey: .duration) ?? 30
            created = try c.decodeIfPresent(Bool.self, forKey: .created) ?? false
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(title, forKey: .title)
            try c.encode(description, forKey: .description)
            try c.encode(start, forKey: .start)
            try c.encode(start, forKey: .startsAt)
            try c.encode(duration, forKey: .duration)
            try c.encode(created, forKey: .created)
        }
    }

    /// One transcript segment with its stable id (knowledge.md §1.1.4).
    public struct TranscriptSegment: Codable, Hashable, Sendable {
        public var id: String
        public var text: String
        public var speaker = "SPEAKER_00"
        public var speakerId = 0
        public var isUser = false
        public var personId: String?
        public var start: Double
        public var end: Double

        public init(id: String, text: String, speaker: String, speakerId: Int, isUser: Bool, personId: String?,
                    start: Double, end: Double) {
            self.id = id
            self.text = text
            self.speaker = speaker
            self.speakerId = speakerId
            self.isUser = isUser
            self.personId = personId
            self.start = start
            self.end = end
        }

        enum CodingKeys: String, CodingKey {
            case id, text, speaker, start, end
            case speakerId = "speaker_id", isUser = "is_user", personId = "person_id"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decodeIfPresent(String.self, forKey: .id) ?? UUID().uuidString.lowercased()
            text = try c.decodeIfPresent(String.self, forKey: .text) ?? ""
            speaker = try c.decodeIfPresent(String.self, forKey: .speaker) ?? "SPEAKER_00"
            speakerId = try c.decodeIfPresent(Int.self, forKey: .speakerId) ?? 0
            isUser = try c.decodeIfPresent(Bool.self, forKey: .isUser) ?? false
            personId = try c.decodeIfPresent(String.self, forKey: .personId)
            start = try c.decodeIfPresent(Double.self, forKey: .start) ?? 0
            end = try c.decodeIfPresent(Double.self, forKey: .end) ?? 0
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(text, forKey: .text)
            try c.encode(speaker, forKey: .speaker)
            try c.encode(speakerId, forKey: .speakerId)
            try c.encode(isUser, forKey: .isUser)
            try c.encodeOrNull(personId, forKey: .personId)
            try c.encode(start, forKey: .start)
            try c.encode(end, forKey: .end)
        }
    }
}
