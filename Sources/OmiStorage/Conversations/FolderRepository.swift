import Foundation
import SQLKit

/// Storage of folders (knowledge.md §4). The first folder operation of a user creates the ten system folders.
public protocol FolderRepository: Sendable {
    /// Ordered by `order`, then creation; creates the system folders first when the user has none.
    func list(uid: String, now: Int64) async throws -> [FolderRecord]
    func get(uid: String, id: String, now: Int64) async throws -> FolderRecord?
    /// Throws `limitReached` when the user has `maxCustom` custom folders.
    func create(uid: String, folder: FolderRecord, maxCustom: Int) async throws -> FolderRecord
    func update(uid: String, id: String, now: Int64, _ change: @Sendable (inout FolderRecord) -> Void) async throws -> FolderRecord?
    /// Moves the folder's conversations to `moveTo` (or the default folder, or none) and deletes it, atomically.
    func delete(uid: String, id: String, moveTo: String?, now: Int64) async throws
    /// Sets each listed folder's order to its index; throws `unknownFolders` without changing anything.
    func reorder(uid: String, ids: [String], now: Int64) async throws
    /// Moves the listed conversations into the folder; returns how many were written.
    func moveConversations(uid: String, ids: [String], to folderId: String, now: Int64) async throws -> Int
}

public struct SQLFolderRepository: FolderRepository {
    let database: Database

    public init(database: Database) { self.database = database }

    static let columns = """
        f.id, f.name, f.description, f.color, f.icon, f.created_at, f.updated_at, f.sort_order, f.is_default,
        f.is_system, f.category_mapping
        """

    /// The ten system folders of knowledge.md §4, in order.
    static let systemFolders: [(name: String, category: String, icon: String, color: String, description: String)] = [
        ("Personal", "personal", "👤", "#3B82F6", "Personal life, family matters, self-improvement, and home-related topics"),
        ("Work", "work", "💼", "#EF4444", "Work meetings, job-related discussions, projects, and professional conversations"),
        ("Health", "health", "🏥", "#10B981", "Doctor visits, medical discussions, fitness, gym, diet, and mental wellness"),
        ("Education", "education", "📚", "#8B5CF6", "Learning, courses, studying, school, tutorials, and educational content"),
        ("Finance", "finance", "💰", "#F59E0B", "Money, budgeting, investments, banking, and financial planning"),
        ("Travel", "travel", "✈️", "#06B6D4", "Trips, vacations, flights, hotels, and travel planning"),
        ("Social", "social", "👥", "#EC4899", "Friends, social gatherings, parties, and casual hangouts"),
        ("Technology", "technology", "💻", "#6366F1", "Software, coding, tech discussions, apps, and technical topics"),
        ("Entertainment", "entertainment", "🎬", "#F97316", "Movies, music, games, shows, and fun activities"),
        ("Other", "other", "📁", "#6B7280", "Anything that doesn't fit into other folders"),
    ]

    /// Creates the system folders unless the user has some; runs inside the user's lock, so parallel first calls
    /// create them once.
    static func ensureSystemFolders(_ db: any SQLDatabase, uid: String, now: Int64) async throws {
        let existing = try await db.raw("""
            SELECT COUNT(*) AS n FROM folders WHERE uid = \(bind: uid) AND is_system = \(bind: true)
            """).first()?.decode(column: "n", as: Int.self) ?? 0
        guard existing == 0 else { return }
        for (order, spec) in systemFolders.enumerated() {
            var folder = FolderRecord(name: spec.name, createdAt: now)
            folder.description = spec.description
            folder.color = spec.color
            folder.icon = spec.icon
            folder.order = Int64(order)
            folder.isSystem = true
            folder.isDefault = spec.category == "other"
            folder.categoryMapping = spec.category
            try await insert(db, uid: uid, folder)
        }
    }

    static func insert(_ db: any SQLDatabase, uid: String, _ f: FolderRecord) async throws {
        try await db.raw("""
            INSERT INTO folders (uid, id, name, description, color, icon, created_at, updated_at, sort_order, is_default,
                is_system, category_mapping)
            VALUES (\(bind: uid), \(bind: f.id), \(bind: f.name), \(bind: f.description), \(bind: f.color), \(bind: f.icon),
                \(bind: f.createdAt), \(bind: f.updatedAt), \(bind: f.order), \(bind: f.isDefault), \(bind: f.isSystem),
                \(bind: f.categoryMapping))
            """).run()
    }

    /// Folders with their computed counts of non-discarded conversations.
    static func fetch(_ db: any SQLDatabase, uid: String, id: String? = nil) async throws -> [FolderRecord] {
        let only: SQLQueryString = id.map { " AND f.id = \(bind: $0)" } ?? ""
        return try await db.raw("""
            SELECT \(unsafeRaw: columns), (SELECT COUNT(*) FROM conversations c WHERE c.uid = f.uid
                AND c.folder_id = f.id AND c.discarded = \(bind: false)) AS conversation_count
            FROM folders f WHERE f.uid = \(bind: uid)\(only) ORDER BY f.sort_order ASC, f.created_at ASC, f.id ASC
            """).all().map(record)
    }

    /// Folder work takes the conversation lock: deletes and moves change conversations too.
    func locked<T: Sendable>(_ uid: String, now: Int64, _ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await database.transaction(lockKeys: ConversationSQL.lockKey(uid)) { db in
            try await Self.ensureSystemFolders(db, uid: uid, now: now)
            return try await body(db)
        }
    }

    public func list(uid: String, now: Int64) async throws -> [FolderRecord] {
        try await locked(uid, now: now) { db in try await Self.fetch(db, uid: uid) }
    }

    public func get(uid: String, id: String, now: Int64) async throws -> FolderRecord? {
        try await locked(uid, now: now) { db in try await Self.fetch(db, uid: uid, id: id).first }
    }

    public func create(uid: String, folder: FolderRecord, maxCustom: Int) async throws -> FolderRecord {
        try await locked(uid, now: folder.createdAt) { db in
            let custom = try await db.raw("""
                SELECT COUNT(*) AS n FROM folders WHERE uid = \(bind: uid) AND is_system = \(bind: false)
                """).first()?.decode(column: "n", as: Int.self) ?? 0
            guard custom < maxCustom else { throw FolderStoreError.limitReached }
            var folder = folder
            // Stamped after the system folders a first call may just have made, so equal orders keep them first.
            folder.createdAt = max(folder.createdAt, Clock.nowMicros())
            folder.updatedAt = folder.createdAt
            folder.order = (try await db.raw("SELECT MAX(sort_order) AS m FROM folders WHERE uid = \(bind: uid)").first()?
                .decode(column: "m", as: Int64?.self) ?? -1) + 1
            try await Self.insert(db, uid: uid, folder)
            return folder
        }
    }

    public func update(uid: String, id: String, now: Int64,
                       _ change: @Sendable (inout FolderRecord) -> Void) async throws -> FolderRecord? {
        try await locked(uid, now: now) { db in
            guard var folder = try await Self.fetch(db, uid: uid, id: id).first else { return nil }
            change(&folder)
            folder.updatedAt = now
            try await db.raw("""
                UPDATE folders SET name = \(bind: folder.name), description = \(bind: folder.description),
                    color = \(bind: folder.color), icon = \(bind: folder.icon), sort_order = \(bind: folder.order),
                    updated_at = \(bind: now)
                WHERE uid = \(bind: uid) AND id = \(bind: id)
                """).run()
            return folder
        }
    }

    public func delete(uid: String, id: String, moveTo: String?, now: Int64) async throws {
        try await locked(uid, now: now) { db in
            guard let folder = try await Self.fetch(db, uid: uid, id: id).first else { throw FolderStoreError.notFound }
            if folder.isSystem { throw FolderStoreError.systemFolder }
            var target: String?
            if let moveTo {
                guard try await Self.fetch(db, uid: uid, id: moveTo).first != nil else { throw FolderStoreError.targetNotFound }
                target = moveTo
            } else {
                target = try await db.raw("""
                    SELECT id FROM folders WHERE uid = \(bind: uid) AND is_default = \(bind: true) LIMIT 1
                    """).first()?.decode(column: "id", as: String.self)
            }
            try await db.raw("""
                UPDATE conversations SET folder_id = \(bind: target), updated_at = \(bind: now)
                WHERE uid = \(bind: uid) AND folder_id = \(bind: id)
                """).run()
            try await db.raw("DELETE FROM folders WHERE uid = \(bind: uid) AND id = \(bind: id)").run()
        }
    }

    public func reorder(uid: String, ids: [String], now: Int64) async throws {
        try await locked(uid, now: now) { db in
            let known = Set(try await Self.fetch(db, uid: uid).map(\.id))
            let unknown = ids.filter { !known.contains($0) }
            guard unknown.isEmpty else { throw FolderStoreError.unknownFolders(unknown) }
            for (index, id) in ids.enumerated() {
                try await db.raw("""
                    UPDATE folders SET sort_order = \(bind: Int64(index)), updated_at = \(bind: now)
                    WHERE uid = \(bind: uid) AND id = \(bind: id)
                    """).run()
            }
        }
    }

    public func moveConversations(uid: String, ids: [String], to folderId: String, now: Int64) async throws -> Int {
        try await locked(uid, now: now) { db in
            guard try await Self.fetch(db, uid: uid, id: folderId).first != nil else { throw FolderStoreError.notFound }
            for id in ids where try await ConversationSQL.fetch(db, uid: uid, id: id) == nil {
                throw FolderStoreError.conversationNotFound(id)
            }
            guard !ids.isEmpty else { return 0 }
            return try await db.raw("""
                UPDATE conversations SET folder_id = \(bind: folderId), updated_at = \(bind: now)
                WHERE uid = \(bind: uid) AND id IN (\(binds: ids)) RETURNING id
                """).all().count
        }
    }

    static func record(_ row: any SQLRow) throws -> FolderRecord {
        var f = FolderRecord(id: try row.decode(column: "id", as: String.self),
                             name: try row.decode(column: "name", as: String.self),
                             createdAt: try row.decode(column: "created_at", as: Int64.self))
        f.description = try row.decode(column: "description", as: String?.self)
        f.color = try row.decode(column: "color", as: String.self)
        f.icon = try row.decode(column: "icon", as: String.self)
        f.updatedAt = try row.decode(column: "updated_at", as: Int64.self)
        f.order = try row.decode(column: "sort_order", as: Int64.self)
        f.isDefault = try row.decode(column: "is_default", as: Bool.self)
        f.isSystem = try row.decode(column: "is_system", as: Bool.self)
        f.categoryMapping = try row.decode(column: "category_mapping", as: String?.self)
        f.conversationCount = try row.decode(column: "conversation_count", as: Int.self)
        return f
    }
}
