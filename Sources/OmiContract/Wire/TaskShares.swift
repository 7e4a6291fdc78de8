import Foundation

extension Wire {
    /// The public preview of a task share (tasks.md §1.12): description and due date only.
    public struct SharedTasks: Codable, Hashable, Sendable {
        public struct Task: Codable, Hashable, Sendable {
            public var description: String
            public var dueAt: Date?

            public init(description: String, dueAt: Date?) {
                self.description = description
                self.dueAt = dueAt
            }

            enum CodingKeys: String, CodingKey {
                case description
                case dueAt = "due_at"
            }

            public init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                description = try c.decode(String.self, forKey: .description)
                dueAt = try c.decodeIfPresent(Date.self, forKey: .dueAt)
            }

            public func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(description, forKey: .description)
                try c.encodeOrNull(dueAt, forKey: .dueAt)
            }
        }

        public var senderName: String
        public var tasks: [Task]
        public var count: Int

        public init(senderName: String, tasks: [Task]) {
            self.senderName = senderName
            self.tasks = tasks
            self.count = tasks.count
        }

        enum CodingKeys: String, CodingKey {
            case tasks, count
            case senderName = "sender_name"
        }
    }

    /// The harmless answer of a retired migration route (tasks.md §1.14, §2.8).
    public struct RetiredMigrationResult: Codable, Hashable, Sendable {
        /// `migrated` and `deleted` are sent only by the staged-task route, whose callers require them.
        public var includesMigrationCounts: Bool

        public init(includesMigrationCounts: Bool) { self.includesMigrationCounts = includesMigrationCounts }

        enum CodingKeys: String, CodingKey {
            case status, migrated, deleted, restored
            case skippedExisting = "skipped_existing", hasMore = "has_more", nextCursor = "next_cursor"
        }

        public init(from decoder: any Decoder) throws {
            includesMigrationCounts = try decoder.container(keyedBy: CodingKeys.self).contains(.migrated)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode("ok", forKey: .status)
            if includesMigrationCounts {
                try c.encode(0, forKey: .migrated)
                try c.encode(0, forKey: .deleted)
            }
            try c.encode(0, forKey: .restored)
            try c.encode(0, forKey: .skippedExisting)
            try c.encode(false, forKey: .hasMore)
            try c.encodeNil(forKey: .nextCursor)
        }
    }
}
