import Foundation

extension Wire {
    /// A list of chat messages (chat.md §3.2), a JSON array. Its JSON is written by `JSONBytes` when it is a response
    /// body (`PrewrittenJSON`): through `JSONEncoder`, 20 messages of 19 keys were 45% of a list's CPU (issue 12).
    public struct ChatMessageList: Codable, Hashable, Sendable, RandomAccessCollection, Prewritable {
        public var messages: [ChatMessage]

        public init(_ messages: [ChatMessage]) { self.messages = messages }

        public var startIndex: Int { messages.startIndex }
        public var endIndex: Int { messages.endIndex }
        public subscript(position: Int) -> ChatMessage { messages[position] }

        public init(from decoder: any Decoder) throws {
            messages = try decoder.singleValueContainer().decode([ChatMessage].self)
        }

        public func encode(to encoder: any Encoder) throws {
            if try PrewrittenJSON.divert(encoder, self) { return }
            var c = encoder.singleValueContainer()
            try c.encode(messages)
        }

        public var jsonCapacity: Int { 600 * messages.count + 2 }

        public func writeJSON(into json: inout JSONBytes) { json.array(messages) { $0.write(into: &$1) } }
    }
}

extension Wire.ChatMessage {
    /// This message as JSON, with the keys and values of `encode(to:)`. Content blocks are opaque JSON the client
    /// chose; the few messages that carry them have those written by `JSONEncoder`, which cannot fail on a value that
    /// was itself decoded from JSON.
    func write(into json: inout JSONBytes) {
        json.beginObject()
        json.key("id"); json.string(id)
        json.key("text"); json.string(text)
        json.key("created_at"); json.date(createdAt)
        json.key("sender"); json.string(sender)
        json.key("type"); json.string(type)
        json.key("app_id"); json.string(appId)
        json.key("plugin_id"); json.string(appId)
        json.key("session_id"); json.string(sessionId)
        json.key("chat_session_id"); json.string(sessionId)
        json.key("rating"); json.int(rating.map(Int64.init))
        json.key("reported"); json.bool(reported)
        json.key("metadata"); json.string(metadata)
        json.key("content_blocks")
        if contentBlocks.isEmpty {
            json.beginArray()
            json.endArray()
        } else {
            json.raw((try? JSONEncoder().encode(contentBlocks)).map(Array.init) ?? Array("[]".utf8))
        }
        json.key("client_message_id"); json.string(clientMessageId)
        json.key("message_source"); json.string(messageSource)
        json.key("journal_revision"); json.int(journalRevision)
        json.key("from_external_integration"); json.bool(fromExternalIntegration)
        json.key("memories_id"); json.strings(memoriesId)
        json.key("files_id"); json.strings(filesId)
        json.endObject()
    }
}
