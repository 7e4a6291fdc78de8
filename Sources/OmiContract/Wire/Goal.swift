import Foundation

extension Wire {
    /// A goal (knowledge.md §1.3): every key present, `null` where unset.
    public struct Goal: Codable, Hashable, Sendable {
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
        public var createdAt: Date
        public var updatedAt: Date
        public var completedAt: Date?
        public var source: String?

        public init(id: String, title: String, targetValue: Double, createdAt: Date, updatedAt: Date) {
            self.id = id
            self.title = title
            self.targetValue = targetValue
            self.createdAt = createdAt
            self.updatedAt = updatedAt
        }

        enum CodingKeys: String, CodingKey {
            case id, title, description, unit, source
            case goalType = "goal_type", targetValue = "target_value", currentValue = "current_value"
            case minValue = "min_value", maxValue = "max_value", isActive = "is_active", createdAt = "created_at"
            case updatedAt = "updated_at", completedAt = "completed_at"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            title = try c.decodeIfPresent(String.self, forKey: .title) ?? ""
            description = try c.decodeIfPresent(String.self, forKey: .description)
            goalType = try c.decodeIfPresent(String.self, forKey: .goalType) ?? "boolean"
            targetValue = try c.decodeIfPresent(Double.self, forKey: .targetValue) ?? 1
            currentValue = try c.decodeIfPresent(Double.self, forKey: .currentValue) ?? 0
            minValue = try c.decodeIfPresent(Double.self, forKey: .minValue) ?? 0
            maxValue = try c.decodeIfPresent(Double.self, forKey: .maxValue) ?? 100
            unit = try c.decodeIfPresent(String.self, forKey: .unit)
            isActive = try c.decodeIfPresent(Bool.self, forKey: .isActive) ?? true
            createdAt = try c.decodeIfPresent(Date.self, forKey: .createdAt) ?? Date()
            updatedAt = try c.decodeIfPresent(Date.self, forKey: .updatedAt) ?? createdAt
            completedAt = try c.decodeIfPresent(Date.self, forKey: .completedAt)
            source = try c.decodeIfPresent(String.self, forKey: .source)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(title, forKey: .title)
            try c.encodeOrNull(description, forKey: .description)
            try c.encode(goalType, forKey: .goalType)
            try c.encode(targetValue, forKey: .targetValue)
            try c.encode(currentValue, forKey: .currentValue)
            try c.encode(minValue, forKey: .minValue)
            try c.encode(maxValue, forKey: .maxValue)
            try c.encodeOrNull(unit, forKey: .unit)
            try c.encode(isActive, forKey: .isActive)
            try c.encode(createdAt, forKey: .createdAt)
            try c.encode(updatedAt, forKey: .updatedAt)
            try c.encodeOrNull(completedAt, forKey: .completedAt)
            try c.encodeOrNull(source, forKey: .source)
        }
    }

    /// The current goal, or JSON `null` when there is none (knowledge.md §6.8).
    public struct CurrentGoal: Codable, Hashable, Sendable {
        public var goal: Goal?

        public init(_ goal: Goal?) { self.goal = goal }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            goal = c.decodeNil() ? nil : try c.decode(Goal.self)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            if let goal { try c.encode(goal) } else { try c.encodeNil() }
        }
    }
}
