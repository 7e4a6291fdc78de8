import Foundation

extension Wire {
    /// A conversation folder (knowledge.md §1.2).
    public struct Folder: Codable, Hashable, Sendable {
        public var id: String
        public var name: String
        public var description: String?
        public var color = "#6B7280"
        public var icon = "📁"
        public var createdAt: Date
        public var updatedAt: Date
        public var order = 0
        public var isDefault = false
        public var isSystem = false
        public var categoryMapping: String?
        public var conversationCount = 0

        public init(id: String, name: String, createdAt: Date, updatedAt: Date) {
            self.id = id
            self.name = name
            self.createdAt = createdAt
            self.updatedAt = updatedAt
        }

        enum CodingKeys: String, CodingKey {
            case id, name, description, color, icon, order
            case createdAt = "created_at", updatedAt = "updated_at", isDefault = "is_default", isSystem = "is_system"
            case categoryMapping = "category_mapping", conversationCount = "conversation_count"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            name = try c.decode(String.self, forKey: .name)
            description = try c.decodeIfPresent(String.self, forKey: .description)
            color = try c.decodeIfPresent(String.self, forKey: .color) ?? "#6B7280"
            icon = try c.decodeIfPresent(String.self, forKey: .icon) ?? "📁"
            createdAt = try c.decodeIfPresent(Date.self, forKey: .createdAt) ?? Date()
            updatedAt = try c.decodeIfPresent(Date.self, forKey: .updatedAt) ?? createdAt
            order = try c.decodeIfPresent(Int.self, forKey: .order) ?? 0
            isDefault = try c.decodeIfPresent(Bool.self, forKey: .isDefault) ?? false
            isSystem = try c.decodeIfPresent(Bool.self, forKey: .isSystem) ?? false
            categoryMapping = try c.decodeIfPresent(String.self, forKey: .categoryMapping)
            conversationCount = try c.decodeIfPresent(Int.self, forKey: .conversationCount) ?? 0
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(name, forKey: .name)
            try c.encodeOrNull(description, forKey: .description)
            try c.encode(color, forKey: .color)
            try c.encode(icon, forKey: .icon)
            try c.encode(createdAt, forKey: .createdAt)
            try c.encode(updatedAt, forKey: .updatedAt)
            try c.encode(order, forKey: .order)
            try c.encode(isDefault, forKey: .isDefault)
            try c.encode(isSystem, forKey: .isSystem)
            try c.encodeOrNull(categoryMapping, forKey: .categoryMapping)
            try c.encode(conversationCount, forKey: .conversationCount)
        }
    }

    /// A partial folder update: only keys present change; `description: null` clears, `name: null` is refused.
    public struct FolderUpdate: Codable, Hashable, Sendable {
        public var name: String?
        /// nil: unchanged; `.some(nil)`: cleared.
        public var description: String??
        public var color: String?
        public var icon: String?
        public var order: Int?

        public init() {}

        enum CodingKeys: String, CodingKey { case name, description, color, icon, order }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            if c.contains(.name), try c.decodeNil(forKey: .name) {
                throw DecodingError.valueNotFound(String.self, .init(codingPath: [CodingKeys.name],
                                                                      debugDescription: "name cannot be null"))
            }
            name = try c.decodeIfPresent(String.self, forKey: .name)
            if c.contains(.description) {
                description = .some(try c.decodeNil(forKey: .description) ? nil : try c.decode(String.self, forKey: .description))
            }
            color = try c.decodeIfPresent(String.self, forKey: .color)
            icon = try c.decodeIfPresent(String.self, forKey: .icon)
            order = try c.decodeIfPresent(Int.self, forKey: .order)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeIfPresent(name, forKey: .name)
            if let description { try c.encodeOrNull(description, forKey: .description) }
            try c.encodeIfPresent(color, forKey: .color)
            try c.encodeIfPresent(icon, forKey: .icon)
            try c.encodeIfPresent(order, forKey: .order)
        }
    }
}
