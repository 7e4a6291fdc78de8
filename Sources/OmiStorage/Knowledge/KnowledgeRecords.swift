import Foundation

/// A stored memory (knowledge.md §1.4). Instants are microseconds since the epoch.
public struct MemoryRecord: Sendable, Equatable {
    public var id: String
    public var content: String
    public var category: String
    public var createdAt: Int64
    public var updatedAt: Int64
    public var conversationId: String?
    public var reviewed = false
    public var userReview: Bool?
    public var visibility = "private"
    public var manuallyAdded = false
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

    public init(id: String, content: String, category: String, createdAt: Int64) {
        self.id = id
        self.content = content
        self.category = category
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    /// `{m:02d}_{c:03d}_{t:010d}` (knowledge.md §5.1): manual first, then by category boost, then newest.
    public var scoring: String {
        let boost = category == "interesting" || category == "manual" ? 1 : 0
        let seconds = createdAt / 1_000_000
        return String(format: "%02d_%03d_%010lld", manuallyAdded ? 1 : 0, 999 - boost, seconds)
    }
}

public struct MemoryFilter: Sendable {
    public var category: String?
    /// Every listed tag must be present.
    public var tags: [String] = []
    public var includeDismissed = false
    /// Memories the user rejected are hidden everywhere but the account export.
    public var includeRejected = false
    /// Only memories with this visibility (`public` feeds a persona, apps.md §8).
    public var visibility: String?
    public var createdFrom: Int64?
    public var createdTo: Int64?

    public init() {}
}

/// A stored goal (knowledge.md §1.3).
public struct GoalRecord: Sendable, Equatable {
    public var id: String
    public var title: String
    public var description: String?
    public var goalType = "scale"
    public var targetValue: Double
    public var currentValue = 0.0
    public var minValue = 0.0
    public var maxValue = 10.0
    public var unit: String?
    public var isActive = true
    public var createdAt: Int64
    public var updatedAt: Int64
    public var completedAt: Int64?
    public var source: String?

    public init(id: String, title: String, targetValue: Double, createdAt: Int64) {
        self.id = id
        self.title = title
        self.targetValue = targetValue
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }
}

public struct GoalHistoryRecord: Sendable, Equatable {
    public var date: String
    public var value: Double
    public var recordedAt: Int64
}

public struct GraphNodeRecord: Sendable, Equatable {
    public var id: String
    public var label: String
    public var nodeType: String
    public var aliases: [String]
    public var memoryIds: [String]
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(id: String, label: String, nodeType: String, aliases: [String], memoryIds: [String], createdAt: Int64) {
        self.id = id
        self.label = label
        self.nodeType = nodeType
        self.aliases = aliases
        self.memoryIds = memoryIds
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }
}

public struct GraphEdgeRecord: Sendable, Equatable {
    public var id: String
    public var sourceId: String
    public var targetId: String
    public var label: String
    public var memoryIds: [String]
    public var createdAt: Int64

    public init(id: String, sourceId: String, targetId: String, label: String, memoryIds: [String], createdAt: Int64) {
        self.id = id
        self.sourceId = sourceId
        self.targetId = targetId
        self.label = label
        self.memoryIds = memoryIds
        self.createdAt = createdAt
    }
}
