import SQLKit

/// Storage of goals and their daily history (knowledge.md §6). A user has at most `maxActive` active goals.
public protocol GoalRepository: Sendable {
    func active(uid: String) async throws -> [GoalRecord]
    func completed(uid: String) async throws -> [GoalRecord]
    func get(uid: String, id: String) async throws -> GoalRecord?
    /// Inserts an active goal, first deactivating the oldest active ones beyond `maxActive - 1`.
    func create(uid: String, goal: GoalRecord, maxActive: Int, now: Int64) async throws -> GoalRecord
    /// Applies `change`; when it activates the goal, the oldest other active goals make room. Records history for
    /// `historyDate` when the current value changed or `recordHistory` asks for it. nil when there is no such goal.
    func update(uid: String, id: String, maxActive: Int, now: Int64, historyDate: String, recordHistory: Bool,
                _ change: @Sendable (inout GoalRecord) -> Void) async throws -> GoalRecord?
    /// Entries on or after `sinceDate` (`YYYY-MM-DD`), newest first.
    func history(uid: String, id: String, sinceDate: String) async throws -> [GoalHistoryRecord]
    func delete(uid: String, id: String) async throws -> Bool
}

public struct SQLGoalRepository: GoalRepository {
    let database: Database

    public init(database: Database) { self.database = database }

    static let columns = """
        id, title, description, goal_type, target_value, current_value, min_value, max_value, unit, is_active,
        created_at, updated_at, completed_at, source
        """
    static func lockKey(_ uid: String) -> [String] { ["goals:\(uid)"] }

    public func active(uid: String) async throws -> [GoalRecord] {
        try await database.withConnection { db in try await Self.active(db, uid: uid) }
    }

    static func active(_ db: any SQLDatabase, uid: String) async throws -> [GoalRecord] {
        try await db.raw("""
            SELECT \(unsafeRaw: columns) FROM goals WHERE uid = \(bind: uid) AND is_active = \(bind: true)
            ORDER BY created_at ASC, id ASC
            """).all().map(record)
    }

    public func completed(uid: String) async throws -> [GoalRecord] {
        try await database.withConnection { db in
            try await db.raw("""
                SELECT \(unsafeRaw: Self.columns) FROM goals WHERE uid = \(bind: uid) AND is_active = \(bind: false)
                ORDER BY COALESCE(completed_at, updated_at) DESC, id ASC
                """).all().map(Self.record)
        }
    }

    public func get(uid: String, id: String) async throws -> GoalRecord? {
        try await database.withConnection { db in try await Self.fetch(db, uid: uid, id: id) }
    }

    static func fetch(_ db: any SQLDatabase, uid: String, id: String) async throws -> GoalRecord? {
        try await db.raw("SELECT \(unsafeRaw: columns) FROM goals WHERE uid = \(bind: uid) AND id = \(bind: id)")
            .first().map(record)
    }

    /// Deactivates the oldest active goals (other than `keeping`) until `room` more can be active.
    static func makeRoom(_ db: any SQLDatabase, uid: String, keeping: String?, maxActive: Int, now: Int64) async throws {
        let others = try await active(db, uid: uid).filter { $0.id != keeping }
        for goal in others.prefix(max(0, others.count - (maxActive - 1))) {
            try await db.raw("""
                UPDATE goals SET is_active = \(bind: false), updated_at = \(bind: now)
                WHERE uid = \(bind: uid) AND id = \(bind: goal.id)
                """).run()
        }
    }

    public func create(uid: String, goal: GoalRecord, maxActive: Int, now: Int64) async throws -> GoalRecord {
        try await database.transaction(lockKeys: Self.lockKey(uid)) { db in
            try await Self.makeRoom(db, uid: uid, keeping: nil, maxActive: maxActive, now: now)
            try await db.raw("""
                INSERT INTO goals (uid, \(unsafeRaw: Self.columns))
                VALUES (\(bind: uid), \(bind: goal.id), \(bind: goal.title), \(bind: goal.description), \(bind: goal.goalType),
                    \(bind: goal.targetValue), \(bind: goal.currentValue), \(bind: goal.minValue), \(bind: goal.maxValue),
                    \(bind: goal.unit), \(bind: goal.isActive), \(bind: goal.createdAt), \(bind: goal.updatedAt),
                    \(bind: goal.completedAt), \(bind: goal.source))
                """).run()
            return goal
        }
    }

    public func update(uid: String, id: String, maxActive: Int, now: Int64, historyDate: String, recordHistory: Bool,
                       _ change: @Sendable (inout GoalRecord) -> Void) async throws -> GoalRecord? {
        try await database.transaction(lockKeys: Self.lockKey(uid)) { db in
            guard let stored = try await Self.fetch(db, uid: uid, id: id) else { return nil }
            var goal = stored
            change(&goal)
            goal.updatedAt = now
            if goal.isActive && !stored.isActive {
                try await Self.makeRoom(db, uid: uid, keeping: id, maxActive: maxActive, now: now)
            }
            try await db.raw("""
                UPDATE goals SET title = \(bind: goal.title), description = \(bind: goal.description),
                    goal_type = \(bind: goal.goalType), target_value = \(bind: goal.targetValue),
                    current_value = \(bind: goal.currentValue), min_value = \(bind: goal.minValue),
                    max_value = \(bind: goal.maxValue), unit = \(bind: goal.unit), is_active = \(bind: goal.isActive),
                    updated_at = \(bind: now), completed_at = \(bind: goal.completedAt), source = \(bind: goal.source)
                WHERE uid = \(bind: uid) AND id = \(bind: id)
                """).run()
            if goal.currentValue != stored.currentValue || recordHistory {
                // One entry per UTC day; the last write of the day wins (knowledge.md §6.5).
                try await db.raw("""
                    INSERT INTO goal_history (uid, goal_id, date, value, recorded_at)
                    VALUES (\(bind: uid), \(bind: id), \(bind: historyDate), \(bind: goal.currentValue), \(bind: now))
                    ON CONFLICT (uid, goal_id, date) DO UPDATE SET value = excluded.value, recorded_at = excluded.recorded_at
                    """).run()
            }
            return goal
        }
    }

    public func history(uid: String, id: String, sinceDate: String) async throws -> [GoalHistoryRecord] {
        try await database.withConnection { db in
            try await db.raw("""
                SELECT date, value, recorded_at FROM goal_history
                WHERE uid = \(bind: uid) AND goal_id = \(bind: id) AND date >= \(bind: sinceDate) ORDER BY date DESC
                """).all().map {
                    GoalHistoryRecord(date: try $0.decode(column: "date", as: String.self),
                                      value: try $0.decode(column: "value", as: Double.self),
                                      recordedAt: try $0.decode(column: "recorded_at", as: Int64.self))
                }
        }
    }

    public func delete(uid: String, id: String) async throws -> Bool {
        try await database.transaction(lockKeys: Self.lockKey(uid)) { db in
            try await db.raw("DELETE FROM goal_history WHERE uid = \(bind: uid) AND goal_id = \(bind: id)").run()
            return !(try await db.raw("DELETE FROM goals WHERE uid = \(bind: uid) AND id = \(bind: id) RETURNING id").all().isEmpty)
        }
    }

    static func record(_ row: any SQLRow) throws -> GoalRecord {
        var g = GoalRecord(id: try row.decode(column: "id", as: String.self),
                           title: try row.decode(column: "title", as: String.self),
                           targetValue: try row.decode(column: "target_value", as: Double.self),
                           createdAt: try row.decode(column: "created_at", as: Int64.self))
        g.description = try row.decode(column: "description", as: String?.self)
        g.goalType = try row.decode(column: "goal_type", as: String.self)
        g.currentValue = try row.decode(column: "current_value", as: Double.self)
        g.minValue = try row.decode(column: "min_value", as: Double.self)
        g.maxValue = try row.decode(column: "max_value", as: Double.self)
        g.unit = try row.decode(column: "unit", as: String?.self)
        g.isActive = try row.decode(column: "is_active", as: Bool.self)
        g.updatedAt = try row.decode(column: "updated_at", as: Int64.self)
        g.completedAt = try row.decode(column: "completed_at", as: Int64?.self)
        g.source = try row.decode(column: "source", as: String?.self)
        return g
    }
}
