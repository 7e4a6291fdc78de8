import Foundation

/// A stored conversation (knowledge.md §1.1). Instants are microseconds since the epoch; `structured`, segments and
/// app results are stored as JSON text.
public struct ConversationRecord: Sendable, Equatable {
    public var id: String
    public var createdAt: Int64
    public var updatedAt: Int64
    public var startedAt: Int64?
    public var finishedAt: Int64?
    public var source = "desktop"
    public var language = "en"
    public var status = "completed"
    public var discarded = false
    public var starred = false
    public var visibility = "private"
    public var folderId: String?
    public var inputDeviceName: String?
    public var structured = StructuredRecord()
    public var segments: [SegmentRecord] = []
    public var appsResults: [AppResultRecord] = []
    /// The geolocation object as JSON text, or nil.
    public var geolocation: String?
    public var clientPlatform: String?
    public var clientDeviceId: String?

    public init(id: String, createdAt: Int64) {
        self.id = id
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    /// The transcript as one text, segments joined with single spaces.
    public var transcript: String { segments.map(\.text).filter { !$0.isEmpty }.joined(separator: " ") }
}

public struct StructuredRecord: Codable, Sendable, Equatable {
    public var title = ""
    public var overview = ""
    public var emoji = "🧠"
    public var category = "other"
    public var actionItems: [EmbeddedActionItemRecord] = []
    public var events: [EventRecord] = []

    public init() {}
}

public struct EmbeddedActionItemRecord: Codable, Sendable, Equatable {
    public var description: String
    public var completed = false
    public var dueAt: Int64?

    public init(description: String, completed: Bool = false, dueAt: Int64? = nil) {
        self.description = description
        self.completed = completed
        self.dueAt = dueAt
    }
}

public struct EventRecord: Codable, Sendable, Equatable {
    public var title: String
    public var description = ""
    public var start: Int64
    public var duration = 30
    public var created = false

    public init(title: String, description: String = "", start: Int64, duration: Int = 30, created: Bool = false) {
        self.title = title
        self.description = description
        self.start = start
        self.duration = duration
        self.created = created
    }
}

public struct SegmentRecord: Codable, Sendable, Equatable {
    public var id: String
    public var text: String
    public var speaker = "SPEAKER_00"
    public var speakerId = 0
    public var isUser = false
    public var personId: String?
    public var start: Double
    public var end: Double

    public init(id: String, text: String, speaker: String = "SPEAKER_00", speakerId: Int? = nil, isUser: Bool = false,
                personId: String? = nil, start: Double, end: Double) {
        self.id = id
        self.text = text
        self.speaker = speaker
        self.speakerId = speakerId ?? Int(speaker.split(separator: "_").last ?? "") ?? 0
        self.isUser = isUser
        self.personId = personId
        self.start = start
        self.end = end
    }
}

public struct AppResultRecord: Codable, Sendable, Equatable {
    public var appId: String
    public var content: String

    public init(appId: String, content: String) {
        self.appId = appId
        self.content = content
    }
}

/// The filters of a conversation list or count (knowledge.md §3.1, §3.8); all combine with AND.
public struct ConversationFilter: Sendable {
    /// nil: any status.
    public var statuses: [String]?
    public var includeDiscarded = true
    public var createdFrom: Int64?
    public var createdTo: Int64?
    public var folderId: String?
    public var starred: Bool?
    public var sources: [String]?

    public init() {}
}

/// A stored folder (knowledge.md §1.2) with its computed conversation count.
public struct FolderRecord: Sendable, Equatable {
    public var id: String
    public var name: String
    public var description: String?
    public var color = "#6B7280"
    public var icon = "📁"
    public var createdAt: Int64
    public var updatedAt: Int64
    public var order: Int64 = 0
    public var isDefault = false
    public var isSystem = false
    public var categoryMapping: String?
    public var conversationCount = 0

    public init(id: String = RandomUUID.lowercased(), name: String, createdAt: Int64) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }
}

public enum FolderStoreError: Error, Equatable {
    case limitReached
    case notFound
    case systemFolder
    case targetNotFound
    case unknownFolders([String])
    case conversationNotFound(String)
}
