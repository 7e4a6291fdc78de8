import Foundation

extension Wire {
    /// A task as the desktop's `TaskActionItem` decodes it (tasks.md §0.4): every key always present, `null` where
    /// unset, `metadata` a string of JSON text.
    public struct ActionItem: Codable, Hashable, Sendable {
        public var id: String
        public var description: String
        public var completed = false
        public var createdAt: Date
        public var updatedAt: Date
        public var dueAt: Date?
        public var completedAt: Date?
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
        public var deletedAt: Date?
        public var deletedReason: String?
        public var keptTaskId: String?
        public var exported = false
        public var exportDate: Date?
        public var exportPlatform: String?
        public var appleReminderId: String?

        public init(id: String, description: String, createdAt: Date, updatedAt: Date) {
            self.id = id
            self.description = description
            self.createdAt = createdAt
            self.updatedAt = updatedAt
        }

        enum CodingKeys: String, CodingKey {
            case id, description, completed, source, priority, metadata, category, deleted, exported
            case createdAt = "created_at", updatedAt = "updated_at", dueAt = "due_at", completedAt = "completed_at"
            case conversationId = "conversation_id", relevanceScore = "relevance_score", sortOrder = "sort_order"
            case indentLevel = "indent_level", goalId = "goal_id", fromStaged = "from_staged"
            case recurrenceRule = "recurrence_rule", recurrenceParentId = "recurrence_parent_id"
            case deletedBy = "deleted_by", deletedAt = "deleted_at", deletedReason = "deleted_reason"
            case keptTaskId = "kept_task_id", isLocked = "is_locked", exportDate = "export_date"
            case exportPlatform = "export_platform", appleReminderId = "apple_reminder_id"
        }

        /// Lenient like the desktop: only `id` is required; a missing `created_at` becomes "now".
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
            completed = try c.decodeIfPresent(Bool.self, forKey: .completed) ?? false
            createdAt = try c.decodeIfPresent(Date.self, forKey: .createdAt) ?? Date()
            updatedAt = try c.decodeIfPresent(Date.self, forKey: .updatedAt) ?? createdAt
            dueAt = try c.decodeIfPresent(Date.self, forKey: .dueAt)
            completedAt = try c.decodeIfPresent(Date.self, forKey: .completedAt)
            conversationId = try c.decodeIfPresent(String.self, forKey: .conversationId)
            source = try c.decodeIfPresent(String.self, forKey: .source)
            priority = try c.decodeIfPresent(String.self, forKey: .priority)
            metadata = try c.decodeIfPresent(String.self, forKey: .metadata)
            category = try c.decodeIfPresent(String.self, forKey: .category)
            relevanceScore = try c.decodeIfPresent(Int64.self, forKey: .relevanceScore)
            sortOrder = try c.decodeIfPresent(Int64.self, forKey: .sortOrder) ?? 0
            indentLevel = try c.decodeIfPresent(Int.self, forKey: .indentLevel) ?? 0
            goalId = try c.decodeIfPresent(String.self, forKey: .goalId)
            fromStaged = try c.decodeIfPresent(Bool.self, forKey: .fromStaged) ?? false
            recurrenceRule = try c.decodeIfPresent(String.self, forKey: .recurrenceRule)
            recurrenceParentId = try c.decodeIfPresent(String.self, forKey: .recurrenceParentId)
            deleted = try c.decodeIfPresent(Bool.self, forKey: .deleted) ?? false
            deletedBy = try c.decodeIfPresent(String.self, forKey: .deletedBy)
            deletedAt = try c.decodeIfPresent(Date.self, forKey: .deletedAt)
            deletedReason = try c.decodeIfPresent(String.self, forKey: .deletedReason)
            keptTaskId = try c.decodeIfPresent(String.self, forKey: .keptTaskId)
            exported = try c.decodeIfPresent(Bool.self, forKey: .exported) ?? false
            exportDate = try c.decodeIfPresent(Date.self, forKey: .exportDate)
            exportPlatform = try c.decodeIfPresent(String.self, forKey: .exportPlatform)
            appleReminderId = try c.decodeIfPresent(String.self, forKey: .appleReminderId)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(description, forKey: .description)
            try c.encode(completed, forKey: .completed)
            try c.encode(createdAt, forKey: .createdAt)
            try c.encode(updatedAt, forKey: .updatedAt)
            try c.encodeOrNull(dueAt, forKey: .dueAt)
            try c.encodeOrNull(completedAt, forKey: .completedAt)
            try c.encodeOrNull(conversationId, forKey: .conversationId)
            try c.encodeOrNull(source, forKey: .source)
            try c.encodeOrNull(priority, forKey: .priority)
            try c.encodeOrNull(metadata, forKey: .metadata)
            try c.encodeOrNull(category, forKey: .category)
            try c.encodeOrNull(relevanceScore, forKey: .relevanceScore)
            try c.encode(sortOrder, forKey: .sortOrder)
            try c.encode(indentLevel, forKey: .indentLevel)
            try c.encodeOrNull(goalId, forKey: .goalId)
            try c.encode(fromStaged, forKey: .fromStaged)
            try c.encodeOrNull(recurrenceRule, forKey: .recurrenceRule)
            try c.encodeOrNull(recurrenceParentId, forKey: .recurrenceParentId)
            try c.encode(deleted, forKey: .deleted)
            try c.encodeOrNull(deletedBy, forKey: .deletedBy)
            try c.encodeOrNull(deletedAt, forKey: .deletedAt)
            try c.encodeOrNull(deletedReason, forKey: .deletedReason)
            try c.encodeOrNull(keptTaskId, forKey: .keptTaskId)
            try c.encode(false, forKey: .isLocked)
            try c.encode(exported, forKey: .exported)
            try c.encodeOrNull(exportDate, forKey: .exportDate)
            try c.encodeOrNull(exportPlatform, forKey: .exportPlatform)
            try c.encodeOrNull(appleReminderId, forKey: .appleReminderId)
        }
    }
}
