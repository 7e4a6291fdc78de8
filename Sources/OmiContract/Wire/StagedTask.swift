import Foundation

extension Wire {
    /// An AI suggestion waiting for promotion (tasks.md §0.5); the desktop decodes it as a `TaskActionItem`.
    public struct StagedTask: Codable, Hashable, Sendable {
        public var id: String
        public var description: String
        public var createdAt: Date
        public var updatedAt: Date
        public var dueAt: Date?
        public var source: String?
        public var priority: String?
        public var metadata: String?
        public var category: String?
        public var relevanceScore: Int64?

        public init(id: String, description: String, createdAt: Date, updatedAt: Date, dueAt: Date?, source: String?,
                    priority: String?, metadata: String?, category: String?, relevanceScore: Int64?) {
            self.id = id
            self.description = description
            self.createdAt = createdAt
            self.updatedAt = updatedAt
            self.dueAt = dueAt
            self.source = source
            self.priority = priority
            self.metadata = metadata
            self.category = category
            self.relevanceScore = relevanceScore
        }

        enum CodingKeys: String, CodingKey {
            case id, description, completed, source, priority, metadata, category
            case createdAt = "created_at", updatedAt = "updated_at", dueAt = "due_at", relevanceScore = "relevance_score"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
            createdAt = try c.decodeIfPresent(Date.self, forKey: .createdAt) ?? Date()
            updatedAt = try c.decodeIfPresent(Date.self, forKey: .updatedAt) ?? createdAt
            dueAt = try c.decodeIfPresent(Date.self, forKey: .dueAt)
            source = try c.decodeIfPresent(String.self, forKey: .source)
            priority = try c.decodeIfPresent(String.self, forKey: .priority)
            metadata = try c.decodeIfPresent(String.self, forKey: .metadata)
            category = try c.decodeIfPresent(String.self, forKey: .category)
            relevanceScore = try c.decodeIfPresent(Int64.self, forKey: .relevanceScore)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(description, forKey: .description)
            try c.encode(false, forKey: .completed)
            try c.encode(createdAt, forKey: .createdAt)
            try c.encode(updatedAt, forKey: .updatedAt)
            try c.encodeOrNull(dueAt, forKey: .dueAt)
            try c.encodeOrNull(source, forKey: .source)
            try c.encodeOrNull(priority, forKey: .priority)
            try c.encodeOrNull(metadata, forKey: .metadata)
            try c.encodeOrNull(category, forKey: .category)
            try c.encodeOrNull(relevanceScore, forKey: .relevanceScore)
        }
    }

    /// The answer to a promotion (tasks.md §2.6): always all three keys.
    public struct PromotionResult: Codable, Hashable, Sendable {
        public var promoted: Bool
        public var reason: String?
        public var promotedTask: ActionItem?

        public init(promoted: Bool, reason: String?, promotedTask: ActionItem?) {
            self.promoted = promoted
            self.reason = reason
            self.promotedTask = promotedTask
        }

        enum CodingKeys: String, CodingKey {
            case promoted, reason
            case promotedTask = "promoted_task"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            promoted = try c.decode(Bool.self, forKey: .promoted)
            reason = try c.decodeIfPresent(String.self, forKey: .reason)
            promotedTask = try c.decodeIfPresent(ActionItem.self, forKey: .promotedTask)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(promoted, forKey: .promoted)
            try c.encodeOrNull(reason, forKey: .reason)
            try c.encodeOrNull(promotedTask, forKey: .promotedTask)
        }
    }
}
