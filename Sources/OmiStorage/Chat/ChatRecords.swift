/// A stored chat session. `appScope` is the app id, or "" for the main chat.
public struct ChatSessionRecord: Sendable, Equatable {
    public var id: String
    public var title: String
    public var preview: String?
    public var createdAt: Int64
    public var updatedAt: Int64
    public var appScope: String
    public var messageCount: Int
    public var starred: Bool
}

/// A stored chat message. `contentBlocks` is the JSON text of the array as saved, or nil when none was saved.
public struct ChatMessageRecord: Sendable, Equatable {
    public var id: String
    public var sessionId: String?
    public var appScope: String
    public var text: String
    public var sender: String
    public var type: String
    public var createdAt: Int64
    public var rating: Int?
    public var reported: Bool
    public var metadata: String?
    public var contentBlocks: String?
    public var clientMessageId: String?
    public var messageSource: String?
    public var journalRevision: Int64?

    public init(id: String, sessionId: String?, appScope: String, text: String, sender: String, type: String = "text",
                createdAt: Int64, rating: Int? = nil, reported: Bool = false, metadata: String?,
                contentBlocks: String?, clientMessageId: String?, messageSource: String?, journalRevision: Int64?) {
        self.id = id
        self.sessionId = sessionId
        self.appScope = appScope
        self.text = text
        self.sender = sender
        self.type = type
        self.createdAt = createdAt
        self.rating = rating
        self.reported = reported
        self.metadata = metadata
        self.contentBlocks = contentBlocks
        self.clientMessageId = clientMessageId
        self.messageSource = messageSource
        self.journalRevision = journalRevision
    }
}

/// Which messages a listing or a deletion covers: one session (any app), or one app scope ("" = main chat).
public enum MessageScope: Sendable, Equatable {
    case session(String)
    case app(String)
}

/// A message to save. `id` is the client's `client_message_id` when one was sent.
public struct MessageDraft: Sendable {
    public var id: String
    public var isClientId: Bool
    public var sessionId: String?
    public var appScope: String
    public var text: String
    public var sender: String
    public var metadata: String?
    public var contentBlocks: String?
    public var messageSource: String
    public var journalRevision: Int64?

    public init(id: String, isClientId: Bool, sessionId: String?, appScope: String, text: String, sender: String,
                metadata: String?, contentBlocks: String?, messageSource: String, journalRevision: Int64?) {
        self.id = id
        self.isClientId = isClientId
        self.sessionId = sessionId
        self.appScope = appScope
        self.text = text
        self.sender = sender
        self.metadata = metadata
        self.contentBlocks = contentBlocks
        self.messageSource = messageSource
        self.journalRevision = journalRevision
    }
}

/// What a save did.
public struct SaveOutcome: Sendable, Equatable {
    public var message: ChatMessageRecord
    public var created: Bool
    public var updated: Bool
}

public struct ReconcileResult: Sendable {
    public var messages: [ChatMessageRecord]
    public var hasMore: Bool
}

public struct ChatShareRecord: Sendable {
    public var senderName: String
    public var messages: [ChatMessageRecord]
}

public enum ChatStoreError: Error, Equatable {
    /// A replayed `client_message_id` whose identity or payload differs from the stored message.
    case payloadConflict
    /// A reconcile cursor that is not a message of the caller in the requested scope.
    case invalidCursor
    /// A message id to share that is not the caller's.
    case messageNotFound(String)
}
