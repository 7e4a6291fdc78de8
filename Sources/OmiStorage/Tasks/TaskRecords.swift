import Foundation

/// A stored task (tasks.md §0.4). Instants are microseconds since the epoch.
public struct ActionItemRecord: Sendable, Equatable {
    public var id: String
    public var description: String
    public var completed = false
    public var createdAt: Int64
    public var updatedAt: Int64
    public var dueAt: Int64?
    public var completedAt: Int64?
    public var conversationId: String?
    public var source: String?
    public var priority: String?
    public var metadata: String?
    public var category: String?
    public var relevanceScore: Int64?
    public var sortOrder: Int64 = 0
    public var indentLevel = 0
    public var goalId: String?
    public var fromStaged = false
    public var recurrenceRule: String?
    public var recurrenceParentId: String?
    public var deleted = false
    public var deletedBy: String?
    public var deletedAt: Int64?
    public var deletedReason: String?
    public var keptTaskId: String?
    public var exported = false
    public var exportDate: Int64?
    public var exportPlatform: String?
    public var appleReminderId: String?

    public init(id: String = RandomUUID.lowercased(), description: String, createdAt: Int64) {
        self.id = id
        self.description = description
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    /// Not completed and not soft-deleted.
    public var isActive: Bool { !completed && !deleted }
}

/// A stored AI suggestion (tasks.md §0.5).
public struct StagedTaskRecord: Sendable, Equatable {
    public var id: String
    public var description: String
    public var createdAt: Int64
    public var updatedAt: Int64
    public var dueAt: Int64?
    public var source: String?
    public var priority: String?
    public var metadata: String?
    public var category: String?
    public var relevanceScore: Int64?

    public init(id: String = RandomUUID.lowercased(), description: String, createdAt: Int64, dueAt: Int64? = nil,
                source: String? = nil, priority: String? = nil, metadata: String? = nil, category: String? = nil,
                relevanceScore: Int64? = nil) {
        self.id = id
        self.description = description
        self.createdAt = createdAt
        self.updatedAt = createdAt
        self.dueAt = dueAt
        self.source = source
        self.priority = priority
        self.metadata = metadata
        self.category = category
        self.relevanceScore = relevanceScore
    }
}

/// The filters of a task list (tasks.md §1.1); all combine with AND. Instants are inclusive bounds.
public struct ActionItemFilter: Sendable {
    public var completed: Bool?
    public var conversationId: String?
    public var createdFrom: Int64?
    public var createdTo: Int64?
    public var dueFrom: Int64?
    public var dueTo: Int64?
    /// true: only soft-deleted tasks; false: soft-deleted tasks excluded.
    public var deleted = false
    /// Case-insensitive substring of the description.
    public var text: String?

    public init() {}
}

public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var hasMore: Bool

    public init(items: [Item], hasMore: Bool) {
        self.items = items
        self.hasMore = hasMore
    }
}

/// What a batch of layout changes did (tasks.md §1.9).
public struct LayoutOutcome: Sendable, Equatable {
    public var updated: [String] = []
    public var missing: [String] = []
    public var noop: [String] = []

    public init() {}
}

public struct LayoutEntry: Sendable {
    public var id: String
    public var sortOrder: Int64?
    public var indentLevel: Int?

    public init(id: String, sortOrder: Int64?, indentLevel: Int?) {
        self.id = id
        self.sortOrder = sortOrder
        self.indentLevel = indentLevel
    }
}

/// Task counts for the three score windows (tasks.md §3.2); soft-deleted tasks never count.
public struct ScoreCounts: Sendable, Equatable {
    public var dueCompleted = 0, dueTotal = 0
    public var createdCompleted = 0, createdTotal = 0
    public var allCompleted = 0, allTotal = 0

    public init() {}
}

/// A task share with the shared tasks that still exist and are not soft-deleted, in the shared order.
public struct TaskShareRecord: Sendable {
    public var token: String
    public var ownerUid: String
    public var senderName: String
    public var tasks: [ActionItemRecord]
}

public enum TaskStoreError: Error, Equatable {
    /// The first shared id that is not an active-or-completed, non-deleted task of the caller.
    case taskNotFound(String)
    case shareNotFound
    case ownShare
    case sharedTasksGone
    case alreadyAccepted
}

/// How a promotion ended (tasks.md §2.6).
public enum PromotionOutcome: Sendable, Equatable {
    case promoted(ActionItemRecord)
    case capReached(active: Int)
    case nothingStaged
    case allDuplicates
}

/// Description normalisation N(d) of tasks.md §0.3, the one rule for idempotency, dedup and promotion.
public enum TaskText {
    public static func normalized(_ description: String) -> String {
        var text = description.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("[screen] ") { text.removeFirst("[screen] ".count) }
        if text.hasSuffix(" [screen]") { text.removeLast(" [screen]".count) }
        return text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }
}
