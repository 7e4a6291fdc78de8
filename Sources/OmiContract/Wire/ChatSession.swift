import Foundation

extension Wire {
    /// A chat session (chat.md §1.1): all nine keys always present.
    public struct ChatSession: Codable, Hashable, Sendable {
        public var id: String
        public var title: String
        public var preview: String?
        public var createdAt: Date
        public var updatedAt: Date
        public var appId: String?
        public var messageCount: Int
        public var starred: Bool

        public init(id: String, title: String, preview: String?, createdAt: Date, updatedAt: Date, appId: String?,
                    messageCount: Int, starred: Bool) {
            self.id = id
            self.title = title
            self.preview = preview
            self.createdAt = createdAt
            self.updatedAt = updatedAt
            self.appId = appId
            self.messageCount = messageCount
            self.starred = starred
        }

        enum CodingKeys: String, CodingKey {
            case id, title, preview, starred
            case createdAt = "created_at"
            case updatedAt = "updated_at"
            case appId = "app_id"
            case pluginId = "plugin_id"
            case messageCount = "message_count"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            title = try c.decodeIfPresent(String.self, forKey: .title) ?? "New Chat"
            preview = try c.decodeIfPresent(String.self, forKey: .preview)
            createdAt = try c.decode(Date.self, forKey: .createdAt)
            updatedAt = try c.decode(Date.self, forKey: .updatedAt)
            appId = try c.decodeIfPresent(String.self, forKey: .appId)
            messageCount = try c.decodeIfPresent(Int.self, forKey: .messageCount) ?? 0
            starred = try c.decodeIfPresent(Bool.self, forKey: .starred) ?? false
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(title, forKey: .title)
            try c.encodeOrNull(preview, forKey: .preview)
            try c.encode(createdAt, forKey: .createdAt)
            try c.encode(updatedAt, forKey: .updatedAt)
            try c.encodeOrNull(appId, forKey: .appId)
            try c.encodeOrNull(appId, forKey: .pluginId)
            try c.encode(messageCount, forKey: .messageCount)
            try c.encode(starred, forKey: .starred)
        }
    }
}
