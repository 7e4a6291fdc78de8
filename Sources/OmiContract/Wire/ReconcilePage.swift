extension Wire {
    /// A keyset page of the desktop journal (chat.md §3.4).
    public struct ReconcilePage: Codable, Hashable, Sendable {
        public var messages: [ChatMessage]
        public var nextCursor: String?
        public var hasMore: Bool

        public init(messages: [ChatMessage], nextCursor: String?, hasMore: Bool) {
            self.messages = messages
            self.nextCursor = nextCursor
            self.hasMore = hasMore
        }

        enum CodingKeys: String, CodingKey {
            case messages
            case nextCursor = "next_cursor"
            case hasMore = "has_more"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            messages = try c.decode([ChatMessage].self, forKey: .messages)
            nextCursor = try c.decodeIfPresent(String.self, forKey: .nextCursor)
            hasMore = try c.decode(Bool.self, forKey: .hasMore)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(messages, forKey: .messages)
            try c.encodeOrNull(nextCursor, forKey: .nextCursor)
            try c.encode(hasMore, forKey: .hasMore)
        }
    }
}
