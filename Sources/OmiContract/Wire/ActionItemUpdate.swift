import Foundation

extension Wire {
    /// A partial task update (tasks.md §1.4). `null` means "unchanged" for every field except `due_at`, where an
    /// explicit `null` clears the due date, so `due_at` keeps the difference between absent and null.
    public struct ActionItemUpdate: Codable, Hashable, Sendable {
        public enum DueDate: Hashable, Sendable {
            case unchanged
            case clear
            case set(Date)
        }

        public var description: String?
        public var completed: Bool?
        public var dueAt: DueDate = .unchanged
        public var clearDueAt: Bool?
        public var priority: String?
        public var category: String?
        public var source: String?
        public var metadata: JSONValue?
        public var goalId: String?
        public var relevanceScore: Int64?
        public var recurrenceRule: String?
        public var sortOrder: Int64?
        public var indentLevel: Int?
        public var exported: Bool?
        public var exportDate: Date?
        public var exportPlatform: String?
        public var appleReminderId: String?

        public init() {}

        enum CodingKeys: String, CodingKey {
            case description, completed, priority, category, source, metadata, exported
            case dueAt = "due_at", clearDueAt = "clear_due_at", goalId = "goal_id", relevanceScore = "relevance_score"
            case recurrenceRule = "recurrence_rule", sortOrder = "sort_order", indentLevel = "indent_level"
            case exportDate = "export_date", exportPlatform = "export_platform", appleReminderId = "apple_reminder_id"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            description = try c.decodeIfPresent(String.self, forKey: .description)
            completed = try c.decodeIfPresent(Bool.self, forKey: .completed)
            if c.contains(.dueAt) {
                dueAt = try c.decodeNil(forKey: .dueAt) ? .clear : .set(try c.decode(Date.self, forKey: .dueAt))
            }
            clearDueAt = try c.decodeIfPresent(Bool.self, forKey: .clearDueAt)
            priority = try c.decodeIfPresent(String.self, forKey: .priority)
            category = try c.decodeIfPresent(String.self, forKey: .category)
            source = try c.decodeIfPresent(String.self, forKey: .source)
            metadata = try c.decodeIfPresent(JSONValue.self, forKey: .metadata)
            if metadata == .null { metadata = nil }
            goalId = try c.decodeIfPresent(String.self, forKey: .goalId)
            relevanceScore = try c.decodeIfPresent(Int64.self, forKey: .relevanceScore)
            recurrenceRule = try c.decodeIfPresent(String.self, forKey: .recurrenceRule)
            sortOrder = try c.decodeIfPresent(Int64.self, forKey: .sortOrder)
            indentLevel = try c.decodeIfPresent(Int.self, forKey: .indentLevel)
            exported = try c.decodeIfPresent(Bool.self, forKey: .exported)
            exportDate = try c.decodeIfPresent(Date.self, forKey: .exportDate)
            exportPlatform = try c.decodeIfPresent(String.self, forKey: .exportPlatform)
            appleReminderId = try c.decodeIfPresent(String.self, forKey: .appleReminderId)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeIfPresent(description, forKey: .description)
            try c.encodeIfPresent(completed, forKey: .completed)
            switch dueAt {
            case .unchanged: break
            case .clear: try c.encodeNil(forKey: .dueAt)
            case .set(let date): try c.encode(date, forKey: .dueAt)
            }
            try c.encodeIfPresent(clearDueAt, forKey: .clearDueAt)
            try c.encodeIfPresent(priority, forKey: .priority)
            try c.encodeIfPresent(category, forKey: .category)
            try c.encodeIfPresent(source, forKey: .source)
            try c.encodeIfPresent(metadata, forKey: .metadata)
            try c.encodeIfPresent(goalId, forKey: .goalId)
            try c.encodeIfPresent(relevanceScore, forKey: .relevanceScore)
            try c.encodeIfPresent(recurrenceRule, forKey: .recurrenceRule)
            try c.encodeIfPresent(sortOrder, forKey: .sortOrder)
            try c.encodeIfPresent(indentLevel, forKey: .indentLevel)
            try c.encodeIfPresent(exported, forKey: .exported)
            try c.encodeIfPresent(exportDate, forKey: .exportDate)
            try c.encodeIfPresent(exportPlatform, forKey: .exportPlatform)
            try c.encodeIfPresent(appleReminderId, forKey: .appleReminderId)
        }
    }
}
