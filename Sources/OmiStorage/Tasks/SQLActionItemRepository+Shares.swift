import Foundation
import SQLKit

extension SQLActionItemRepository {
    public func createShare(uid: String, token: String, senderName: String, taskIds: [String], now: Int64,
                            expiresAt: Int64) async throws {
        try await database.transaction(lockKeys: ActionItemSQL.lockKey(uid)) { db in
            for id in taskIds {
                guard let task = try await ActionItemSQL.fetch(db, uid: uid, id: id), !task.deleted else {
                    throw TaskStoreError.taskNotFound(id)
                }
            }
            try await db.raw("""
                INSERT INTO task_shares (token, uid, sender_name, task_ids, created_at, expires_at)
                VALUES (\(bind: token), \(bind: uid), \(bind: senderName), \(bind: Self.encodeIds(taskIds)), \(bind: now),
                        \(bind: expiresAt))
                """).run()
        }
    }

    public func share(token: String, now: Int64) async throws -> TaskShareRecord? {
        try await database.withConnection { db in try await Self.fetchShare(db, token: token, now: now) }
    }

    static func fetchShare(_ db: any SQLDatabase, token: String, now: Int64) async throws -> TaskShareRecord? {
        guard let row = try await db.raw("""
            SELECT uid, sender_name, task_ids FROM task_shares WHERE token = \(bind: token) AND expires_at > \(bind: now)
            """).first() else { return nil }
        let owner = try row.decode(column: "uid", as: String.self)
        var tasks: [ActionItemRecord] = []
        for id in decodeIds(try row.decode(column: "task_ids", as: String.self)) {
            if let task = try await ActionItemSQL.fetch(db, uid: owner, id: id), !task.deleted { tasks.append(task) }
        }
        return TaskShareRecord(token: token, ownerUid: owner,
                               senderName: try row.decode(column: "sender_name", as: String.self), tasks: tasks)
    }

    public func acceptShare(uid: String, token: String, now: Int64) async throws -> [ActionItemRecord] {
        try await database.transaction(lockKeys: ActionItemSQL.lockKey(uid)) { db in
            guard let share = try await Self.fetchShare(db, token: token, now: now) else { throw TaskStoreError.shareNotFound }
            guard share.ownerUid != uid else { throw TaskStoreError.ownShare }
            guard !share.tasks.isEmpty else { throw TaskStoreError.sharedTasksGone }
            let accepted = try await db.raw("""
                SELECT token FROM task_share_acceptances WHERE token = \(bind: token) AND uid = \(bind: uid)
                """).first()
            guard accepted == nil else { throw TaskStoreError.alreadyAccepted }
            try await db.raw("""
                INSERT INTO task_share_acceptances (token, uid, accepted_at) VALUES (\(bind: token), \(bind: uid), \(bind: now))
                """).run()
            let metadata = #"{"shared_from":\#(Self.jsonString(share.ownerUid)),"share_token":\#(Self.jsonString(token))}"#
            var copies: [ActionItemRecord] = []
            for task in share.tasks {
                var copy = ActionItemRecord(description: task.description, createdAt: now)
                copy.dueAt = task.dueAt
                copy.priority = task.priority
                copy.category = task.category
                copy.relevanceScore = task.relevanceScore
                copy.source = "shared"
                copy.metadata = metadata
                try await ActionItemSQL.insert(db, uid: uid, copy)
                copies.append(copy)
            }
            return copies
        }
    }

    static func encodeIds(_ ids: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(ids)) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func decodeIds(_ text: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }

    static func jsonString(_ value: String) -> String {
        String(decoding: (try? JSONEncoder().encode(value)) ?? Data(#""""#.utf8), as: UTF8.self)
    }
}
