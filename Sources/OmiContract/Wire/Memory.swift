import Foundation

extension Wire {
    /// The desktop's ServerMemory (knowledge.md §1.4): every key present, `null` where unset.
    public struct Memory: Codable, Hashable, Sendable {
        public var id: String
        public var uid: String
        public var content: String
        public var category = "system"
        public var createdAt: Date
        public var updatedAt: Date
        public var conversationId: String?
        public var reviewed = false
        public var userReview: Bool?
        public var visibility = "private"
        public var manuallyAdded = false
        public var scoring: String?
        public var source: String?
        public var confidence: Double?
        public var sourceApp: String?
        public var contextSummary: String?
        public var reasoning: String?
        public var currentActivity: String?
        public var windowTitle: String?
        public var headline: String?
        public var inputDeviceName: String?
        public var isRead = false
        public var isDismissed = false
        public var tags: [String] = []
        public var edited = false

        public init(id: String, uid: String, content: String, createdAt: Date, updatedAt: Date) {
            self.id = id
            self.uid = uid
            self.content = content
            self.createdAt = createdAt
            self.updatedAt = updatedAt
        }

        enum CodingKeys: String, CodingKey {
            case id, uid, content, category, reviewed, visibility, scoring, source, confidence, reasoning, headline, tags
            case edited
            case createdAt = "created_at", updatedAt = "updated_at", conversationId = "conversation_id"
            case userReview = "user_review", manuallyAdded = "manually_added", sourceApp = "source_app"
            case contextSummary = "context_summary", currentActivity = "current_activity", windowTitle = "window_title"
            case inputDeviceName = "input_device_name", isRead = "is_read", isDismissed = "is_dismissed"
            case isLocked = "is_locked"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            uid = try c.decodeIfPresent(String.self, forKey: .uid) ?? ""
            content = try c.decode(String.self, forKey: .content)
            category = try c.decodeIfPresent(String.self, forKey: .category) ?? "system"
            createdAt = try c.decode(Date.self, forKey: .createdAt)
            updatedAt = try c.decode(Date.self, forKey: .updatedAt)
            conversationId = try c.decodeIfPresent(String.self, forKey: .conversationId)
            reviewed = try c.decodeIfPresent(Bool.self, forKey: .reviewed) ?? false
            userReview = try c.decodeIfPresent(Bool.self, forKey: .userReview)
            visibility = try c.decodeIfPresent(String.self, forKey: .visibility) ?? "private"
            manuallyAdded = try c.decodeIfPresent(Bool.self, forKey: .manuallyAdded) ?? false
            scoring = try c.decodeIfPresent(String.self, forKey: .scoring)
            source = try c.decodeIfPresent(String.self, forKey: .source)
            confidence = try c.decodeIfPresent(Double.self, forKey: .confidence)
            sourceApp = try c.decodeIfPresent(String.self, forKey: .sourceApp)
            contextSummary = try c.decodeIfPresent(String.self, forKey: .contextSummary)
            reasoning = try c.decodeIfPresent(String.self, forKey: .reasoning)
            currentActivity = try c.decodeIfPresent(String.self, forKey: .currentActivity)
            windowTitle = try c.decodeIfPresent(String.self, forKey: .windowTitle)
            headline = try c.decodeIfPresent(String.self, forKey: .headline)
            inputDeviceName = try c.decodeIfPresent(String.self, forKey: .inputDeviceName)
            isRead = try c.decodeIfPresent(Bool.self, forKey: .isRead) ?? false
            isDismissed = try c.decodeIfPresent(Bool.self, forKey: .isDismissed) ?? false
            tags = try c.decodeIfPresent([String].self, forKey: .tags) ?? []
            edited = try c.decodeIfPresent(Bool.self, forKey: .edited) ?? false
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(uid, forKey: .uid)
            try c.encode(content, forKey: .content)
            try c.encode(category, forKey: .category)
            try c.encode(createdAt, forKey: .createdAt)
            try c.encode(updatedAt, forKey: .updatedAt)
            try c.encodeOrNull(conversationId, forKey: .conversationId)
            try c.encode(reviewed, forKey: .reviewed)
            try c.encodeOrNull(userReview, forKey: .userReview)
            try c.encode(visibility, forKey: .visibility)
            try c.encode(manuallyAdded, forKey: .manuallyAdded)
            try c.encodeOrNull(scoring, forKey: .scoring)
            try c.encodeOrNull(source, forKey: .source)
            try c.encodeOrNull(confidence, forKey: .confidence)
            try c.encodeOrNull(sourceApp, forKey: .sourceApp)
            try c.encodeOrNull(contextSummary, forKey: .contextSummary)
            try c.encodeOrNull(reasoning, forKey: .reasoning)
            try c.encodeOrNull(currentActivity, forKey: .currentActivity)
            try c.encodeOrNull(windowTitle, forKey: .windowTitle)
            try c.encodeOrNull(headline, forKey: .headline)
            try c.encodeOrNull(inputDeviceName, forKey: .inputDeviceName)
            try c.encode(isRead, forKey: .isRead)
            try c.encode(isDismissed, forKey: .isDismissed)
            try c.encode(tags, forKey: .tags)
            try c.encode(edited, forKey: .edited)
            try c.encode(false, forKey: .isLocked)
        }
    }

    /// A created memory with `message`, which older desktop builds require (knowledge.md §5.2).
    public struct CreatedMemory: Codable, Hashable, Sendable {
        public var memory: Memory
        public var message = "Memory created successfully"

        public init(_ memory: Memory) { self.memory = memory }

        enum Keys: String, CodingKey { case message }

        public init(from decoder: any Decoder) throws {
            memory = try Memory(from: decoder)
            message = try decoder.container(keyedBy: Keys.self).decodeIfPresent(String.self, forKey: .message) ?? ""
        }

        public func encode(to encoder: any Encoder) throws {
            try memory.encode(to: encoder)
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(message, forKey: .message)
        }
    }
}
