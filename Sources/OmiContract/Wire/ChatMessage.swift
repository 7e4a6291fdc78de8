import Foundation

extension Wire {
    /// A stored chat message as the desktop decodes it (`ChatMessageDB`, chat.md §1.2).
    public struct ChatMessage: Codable, Hashable, Sendable {
        public var id: String
        public var text: String
        public var createdAt: Date
        public var sender: String
        public var type: String
        public var appId: String?
        public var sessionId: String?
        public var rating: Int?
        public var reported: Bool
        /// Opaque JSON text chosen by the client; never re-encoded.
        public var metadata: String?
        public var contentBlocks: [JSONValue]
        public var clientMessageId: String?
        public var messageSource: String?
        public var journalRevision: Int64?
        public var fromExternalIntegration: Bool
        public var memoriesId: [String]
        public var filesId: [String]

        public init(id: String, text: String, createdAt: Date, sender: String, type: String = "text",
                    appId: String?, sessionId: String?, rating: Int?, reported: Bool = false, metadata: String?,
                    contentBlocks: [JSONValue], clientMessageId: String?, messageSource: String?,
                    journalRevision: Int64?, fromExternalIntegration: Bool = false, memoriesId: [String] = [],
                    filesId: [String] = []) {
            self.id = id
            self.text = text
            self.createdAt = createdAt
            self.sender = sender
            self.type = type
            self.appId = appId
            self.sessionId = sessionId
            self.rating = rating
            self.reported = reported
            self.metadata = metadata
            self.contentBlocks = contentBlocks
            self.clientMessageId = clientMessageId
            self.messageSource = messageSource
            self.journalRevision = journalRevision
            self.fromExternalIntegration = fromExternalIntegration
            self.memoriesId = memoriesId
            self.filesId = filesId
        }

        enum CodingKeys: String, CodingKey {
            case id, text, sender, type, rating, reported, metadata
            case createdAt = "created_at"
            case appId = "app_id"
            case pluginId = "plugin_id"
            case sessionId = "session_id"
            case chatSessionId = "chat_session_id"
            case contentBlocks = "content_blocks"
            case clientMessageId = "client_message_id"
            case messageSource = "message_source"
            case journalRevision = "journal_revision"
            case fromExternalIntegration = "from_external_integration"
            case memoriesId = "memories_id"
            case filesId = "files_id"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            text = try c.decodeIfPresent(String.self, forKey: .text) ?? ""
            createdAt = try c.decode(Date.self, forKey: .createdAt)
            sender = try c.decodeIfPresent(String.self, forKey: .sender) ?? "human"
            type = try c.decodeIfPresent(String.self, forKey: .type) ?? "text"
            appId = try c.decodeIfPresent(String.self, forKey: .appId)
            sessionId = try c.decodeIfPresent(String.self, forKey: .sessionId)
            rating = try c.decodeIfPresent(Int.self, forKey: .rating)
            reported = try c.decodeIfPresent(Bool.self, forKey: .reported) ?? false
            metadata = try c.decodeIfPresent(String.self, forKey: .metadata)
            contentBlocks = try c.decodeIfPresent([JSONValue].self, forKey: .contentBlocks) ?? []
            clientMessageId = try c.decodeIfPresent(String.self, forKey: .clientMessageId)
            messageSource = try c.decodeIfPresent(String.self, forKey: .messageSource)
            journalRevision = try c.decodeIfPresent(Int64.self, forKey: .journalRevision)
            fromExternalIntegration = try c.decodeIfPresent(Bool.self, forKey: .fromExternalIntegration) ?? false
            memoriesId = try c.decodeIfPresent([String].self, forKey: .memoriesId) ?? []
            filesId = try c.decodeIfPresent([String].self, forKey: .filesId) ?? []
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(text, forKey: .text)
            try c.encode(createdAt, forKey: .createdAt)
            try c.encode(sender, forKey: .sender)
            try c.encode(type, forKey: .type)
            try c.encodeOrNull(appId, forKey: .appId)
            try c.encodeOrNull(appId, forKey: .pluginId)
            try c.encodeOrNull(sessionId, forKey: .sessionId)
            try c.encodeOrNull(sessionId, forKey: .chatSessionId)
            try c.encodeOrNull(rating, forKey: .rating)
            try c.encode(reported, forKey: .reported)
            try c.encodeOrNull(metadata, forKey: .metadata)
            try c.encode(contentBlocks, forKey: .contentBlocks)
            try c.encodeOrNull(clientMessageId, forKey: .clientMessageId)
            try c.encodeOrNull(messageSource, forKey: .messageSource)
            try c.encodeOrNull(journalRevision, forKey: .journalRevision)
            try c.encode(fromExternalIntegration, forKey: .fromExternalIntegration)
            try c.encode(memoriesId, forKey: .memoriesId)
            try c.encode(filesId, forKey: .filesId)
        }
    }
}
