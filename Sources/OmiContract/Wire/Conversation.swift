import Foundation

extension Wire {
    /// The desktop's ServerConversation (knowledge.md §1.1): every key present, `null` where unknown.
    public struct Conversation: Codable, Hashable, Sendable {
        public var id: String
        public var createdAt: Date
        public var startedAt: Date?
        public var finishedAt: Date?
        public var updatedAt: Date?
        public var structured = Structured()
        public var transcriptSegments: [TranscriptSegment] = []
        public var source: String?
        public var language: String?
        public var status = "completed"
        public var discarded = false
        public var starred = false
        public var visibility = "private"
        public var folderId: String?
        public var inputDeviceName: String?
        public var appsResults: [AppResult] = []
        public var geolocation: JSONValue?

        public init(id: String, createdAt: Date) {
            self.id = id
            self.createdAt = createdAt
        }

        enum CodingKeys: String, CodingKey {
            case id, structured, source, language, status, discarded, deleted, starred, visibility, geolocation
            case createdAt = "created_at", startedAt = "started_at", finishedAt = "finished_at", updatedAt = "updated_at"
            case transcriptSegments = "transcript_segments", isLocked = "is_locked", folderId = "folder_id"
            case inputDeviceName = "input_device_name", appsResults = "apps_results"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            createdAt = try c.decode(Date.self, forKey: .createdAt)
            startedAt = try c.decodeIfPresent(Date.self, forKey: .startedAt)
            finishedAt = try c.decodeIfPresent(Date.self, forKey: .finishedAt)
            updatedAt = try c.decodeIfPresent(Date.self, forKey: .updatedAt)
            structured = try c.decode(Structured.self, forKey: .structured)
            transcriptSegments = try c.decodeIfPresent([TranscriptSegment].self, forKey: .transcriptSegments) ?? []
            source = try c.decodeIfPresent(String.self, forKey: .source)
            language = try c.decodeIfPresent(String.self, forKey: .language)
            status = try c.decodeIfPresent(String.self, forKey: .status) ?? "completed"
            discarded = try c.decodeIfPresent(Bool.self, forKey: .discarded) ?? false
            starred = try c.decodeIfPresent(Bool.self, forKey: .starred) ?? false
            visibility = try c.decodeIfPresent(String.self, forKey: .visibility) ?? "private"
            folderId = try c.decodeIfPresent(String.self, forKey: .folderId)
            inputDeviceName = try c.decodeIfPresent(String.self, forKey: .inputDeviceName)
            appsResults = try c.decodeIfPresent([AppResult].self, forKey: .appsResults) ?? []
            geolocation = try c.decodeIfPresent(JSONValue.self, forKey: .geolocation)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(createdAt, forKey: .createdAt)
            try c.encodeOrNull(startedAt, forKey: .startedAt)
            try c.encodeOrNull(finishedAt, forKey: .finishedAt)
            try c.encodeOrNull(updatedAt, forKey: .updatedAt)
            try c.encode(structured, forKey: .structured)
            try c.encode(transcriptSegments, forKey: .transcriptSegments)
            try c.encodeOrNull(source, forKey: .source)
            try c.encodeOrNull(language, forKey: .language)
            try c.encode(status, forKey: .status)
            try c.encode(discarded, forKey: .discarded)
            try c.encode(false, forKey: .deleted)
            try c.encode(starred, forKey: .starred)
            try c.encode(false, forKey: .isLocked)
            try c.encode(visibility, forKey: .visibility)
            try c.encodeOrNull(folderId, forKey: .folderId)
            try c.encodeOrNull(inputDeviceName, forKey: .inputDeviceName)
            try c.encode(appsResults, forKey: .appsResults)
            try c.encodeOrNull(geolocation, forKey: .geolocation)
        }
    }

    public struct AppResult: Codable, Hashable, Sendable {
        public var appId: String
        public var content: String

        public init(appId: String, content: String) {
            self.appId = appId
            self.content = content
        }

        enum CodingKeys: String, CodingKey {
            case content
            case appId = "app_id"
        }
    }

    /// The public projection of a shared conversation (knowledge.md §3.16): no owner data.
    public struct SharedConversation: Codable, Hashable, Sendable {
        public var conversation: Conversation

        public init(_ conversation: Conversation) { self.conversation = conversation }

        public init(from decoder: any Decoder) throws { conversation = try Conversation(from: decoder) }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Conversation.CodingKeys.self)
            try c.encode(conversation.id, forKey: .id)
            try c.encode(conversation.createdAt, forKey: .createdAt)
            try c.encodeOrNull(conversation.startedAt, forKey: .startedAt)
            try c.encodeOrNull(conversation.finishedAt, forKey: .finishedAt)
            try c.encode(conversation.structured, forKey: .structured)
            try c.encode(conversation.transcriptSegments, forKey: .transcriptSegments)
            try c.encodeOrNull(conversation.source, forKey: .source)
            try c.encodeOrNull(conversation.language, forKey: .language)
        }
    }

    /// A reprocessed conversation with `success`, `message` and, when an app ran, `content` (knowledge.md §3.11).
    public struct ReprocessResult: Codable, Hashable, Sendable {
        public var conversation: Conversation
        public var success = true
        public var message: String
        public var content: String?

        public init(conversation: Conversation, message: String, content: String? = nil) {
            self.conversation = conversation
            self.message = message
            self.content = content
        }

        enum Keys: String, CodingKey { case success, message, content }

        public init(from decoder: any Decoder) throws {
            conversation = try Conversation(from: decoder)
            let c = try decoder.container(keyedBy: Keys.self)
            success = try c.decode(Bool.self, forKey: .success)
            message = try c.decode(String.self, forKey: .message)
            content = try c.decodeIfPresent(String.self, forKey: .content)
        }

        public func encode(to encoder: any Encoder) throws {
            try conversation.encode(to: encoder)
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(success, forKey: .success)
            try c.encode(message, forKey: .message)
            try c.encodeIfPresent(content, forKey: .content)
        }
    }

    /// The answer to a merge (knowledge.md §3.9); `warning` is `null` when no gap was found.
    public struct MergeResult: Codable, Hashable, Sendable {
        public var status: String
        public var message = "Merge started"
        public var warning: String?
        public var conversationIds: [String]
        public var newConversationId: String

        public init(status: String, warning: String?, conversationIds: [String], newConversationId: String) {
            self.status = status
            self.warning = warning
            self.conversationIds = conversationIds
            self.newConversationId = newConversationId
        }

        enum CodingKeys: String, CodingKey {
            case status, message, warning
            case conversationIds = "conversation_ids", newConversationId = "new_conversation_id"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            status = try c.decode(String.self, forKey: .status)
            message = try c.decode(String.self, forKey: .message)
            warning = try c.decodeIfPresent(String.self, forKey: .warning)
            conversationIds = try c.decode([String].self, forKey: .conversationIds)
            newConversationId = try c.decodeIfPresent(String.self, forKey: .newConversationId) ?? ""
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(status, forKey: .status)
            try c.encode(message, forKey: .message)
            try c.encodeOrNull(warning, forKey: .warning)
            try c.encode(conversationIds, forKey: .conversationIds)
            try c.encode(newConversationId, forKey: .newConversationId)
        }
    }
}
