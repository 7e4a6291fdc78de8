extension Wire {
    /// A chat message save (chat.md §3.1), the desktop's most frequent request after the screen sync. As the request
    /// body it is read before `JSONDecoder` sees it (`RequestBodyBytes`): the decoder's scan and containers were 4% of
    /// a save. Its `Codable` side decodes as the generated type did (the same keys, `decode` for what is required and
    /// `decodeIfPresent` for the rest), and `SaveMessageDecodingTests` hold the two paths to the same result.
    public struct SaveMessageRequest: Codable, Hashable, Sendable {
        public var text: String
        public enum SenderPayload: String, Codable, Hashable, Sendable, CaseIterable {
            case human
            case ai
        }
        public var sender: SenderPayload
        public var appId: String?
        public var sessionId: String?
        public var metadata: String?
        public var contentBlocks: [JSONValue]?
        public var clientMessageId: String?
        public var messageSource: String?
        public var journalRevision: Int64?

        public init(text: String, sender: SenderPayload, appId: String? = nil, sessionId: String? = nil,
                    metadata: String? = nil, contentBlocks: [JSONValue]? = nil, clientMessageId: String? = nil,
                    messageSource: String? = nil, journalRevision: Int64? = nil) {
            self.text = text
            self.sender = sender
            self.appId = appId
            self.sessionId = sessionId
            self.metadata = metadata
            self.contentBlocks = contentBlocks
            self.clientMessageId = clientMessageId
            self.messageSource = messageSource
            self.journalRevision = journalRevision
        }

        public enum CodingKeys: String, CodingKey {
            case text, sender
            case appId = "app_id"
            case sessionId = "session_id"
            case metadata
            case contentBlocks = "content_blocks"
            case clientMessageId = "client_message_id"
            case messageSource = "message_source"
            case journalRevision = "journal_revision"
        }

        public init(from decoder: any Decoder) throws {
            if let read = RequestBodyBytes.read(by: decoder, as: Self.self) {
                self = read
                return
            }
            let c = try decoder.container(keyedBy: CodingKeys.self)
            text = try c.decode(String.self, forKey: .text)
            sender = try c.decode(SenderPayload.self, forKey: .sender)
            appId = try c.decodeIfPresent(String.self, forKey: .appId)
            sessionId = try c.decodeIfPresent(String.self, forKey: .sessionId)
            metadata = try c.decodeIfPresent(String.self, forKey: .metadata)
            contentBlocks = try c.decodeIfPresent([JSONValue].self, forKey: .contentBlocks)
            clientMessageId = try c.decodeIfPresent(String.self, forKey: .clientMessageId)
            messageSource = try c.decodeIfPresent(String.self, forKey: .messageSource)
            journalRevision = try c.decodeIfPresent(Int64.self, forKey: .journalRevision)
        }

        /// The request read straight from its JSON text, or nil where only `Codable` decides (text that is not well
        /// formed, a missing or unknown field value, content blocks, anything `JSONReader` does not support).
        public static func read(_ bytes: [UInt8]) -> Self? {
            bytes.withUnsafeBytes { read($0) }
        }

        public static func read(_ bytes: UnsafeRawBufferPointer) -> Self? {
            JSONReader.whole(bytes) { reader in
                var text: String?
                var sender: SenderPayload?
                var request = Self(text: "", sender: .human)
                var seen = Fields()
                func optionalString(_ reader: inout JSONReader) throws -> String? {
                    reader.null() ? nil : try reader.string()
                }
                try reader.object { reader, key in
                    switch key {
                    case "text" where seen.first(0): text = try reader.string()
                    case "sender" where seen.first(1):
                        guard let value = SenderPayload(rawValue: try reader.string()) else {
                            throw JSONReader.Unsupported()
                        }
                        sender = value
                    case "app_id" where seen.first(2): request.appId = try optionalString(&reader)
                    case "session_id" where seen.first(3): request.sessionId = try optionalString(&reader)
                    case "metadata" where seen.first(4): request.metadata = try optionalString(&reader)
                    case "content_blocks" where seen.first(5):
                        // Blocks are arbitrary JSON; `JSONValue`'s own decoding reads them.
                        guard reader.null() else { throw JSONReader.Unsupported() }
                    case "client_message_id" where seen.first(6): request.clientMessageId = try optionalString(&reader)
                    case "message_source" where seen.first(7): request.messageSource = try optionalString(&reader)
                    case "journal_revision" where seen.first(8):
                        request.journalRevision = reader.null() ? nil : try reader.int64()
                    default: try reader.skip()
                    }
                }
                guard let text, let sender else { return nil }
                request.text = text
                request.sender = sender
                return request
            }
        }
    }
}
