import SQLKit

/// A user's persona (apps.md §2.8); `category` and `capabilities` are constants and not stored.
public struct PersonaRecord: Sendable, Equatable {
    public var id: String
    public var uid: String
    public var name: String
    public var username: String?
    public var description: String
    public var image = ""
    public var personaPrompt: String?
    public var author: String
    public var email: String?
    public var approved = false
    public var status = "under-review"
    public var isPrivate = false
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(id: String, uid: String, name: String, username: String?, description: String, personaPrompt: String?,
                author: String, email: String?, createdAt: Int64) {
        self.id = id
        self.uid = uid
        self.name = name
        self.username = username
        self.description = description
        self.personaPrompt = personaPrompt
        self.author = author
        self.email = email
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }
}

public struct AppReviewRecord: Sendable, Equatable {
    public var appId: String
    public var uid: String
    public var score: Int
    public var review: String
    public var response: String?
    public var ratedAt: Int64
    public var editedAt: Int64?
}

/// Derived counts of one app (apps.md §3.1–§3.2).
public struct AppStats: Sendable, Equatable {
    public var installs = 0
    public var ratingCount = 0
    public var ratingAvg: Double?

    public init() {}
}

public enum PersonaStoreError: Error, Equatable {
    case alreadyHasPersona
    case usernameTaken
}

public enum AppsStoreError: Error, Equatable {
    case reviewNotStored
}

public protocol AppsRepository: Sendable {
    /// The caller's enablements, newest first.
    func enablements(uid: String) async throws -> [(appId: String, enabledAt: Int64)]
    /// Adds the row unless it exists; `enabled_at` of an existing row stays.
    func enable(uid: String, appId: String, now: Int64) async throws
    /// False when the caller had no such row.
    func disable(uid: String, appId: String) async throws -> Bool
    /// Installs (owners of personas not counted) and ratings of every app with any row.
    func stats() async throws -> [String: AppStats]
    func reviews(appId: String) async throws -> [AppReviewRecord]
    /// Stores the caller's review, or replaces its score and text keeping `rated_at` and `response`.
    func review(uid: String, appId: String, score: Int, text: String, now: Int64) async throws -> AppReviewRecord
    func persona(uid: String) async throws -> PersonaRecord?
    func persona(id: String) async throws -> PersonaRecord?
    func usernameInUse(_ username: String) async throws -> Bool
    /// Creates the persona; fails when the user has one or the username is taken, decided under one lock.
    func createPersona(_ persona: PersonaRecord, reservedUsernames: Set<String>) async throws -> PersonaRecord
    func updatePersona(_ persona: PersonaRecord) async throws
    /// Deletes the user's persona with every enablement and review of it; false when there was none.
    func deletePersona(uid: String) async throws -> Bool
}

public struct SQLAppsRepository: AppsRepository {
    let database: Database

    public init(database: Database) { self.database = database }

    public func enablements(uid: String) async throws -> [(appId: String, enabledAt: Int64)] {
        try await database.withConnection { db in
            try await db.raw("""
                SELECT app_id, enabled_at FROM app_enablements WHERE uid = \(bind: uid) ORDER BY enabled_at DESC, app_id
                """).all().map { (try $0.decode(column: "app_id", as: String.self), try $0.decode(column: "enabled_at", as: Int64.self)) }
        }
    }

    public func enable(uid: String, appId: String, now: Int64) async throws {
        try await database.withConnection { db in
            try await db.raw("""
                INSERT INTO app_enablements (uid, app_id, enabled_at) VALUES (\(bind: uid), \(bind: appId), \(bind: now))
                ON CONFLICT (uid, app_id) DO NOTHING
                """).run()
        }
    }

    public func disable(uid: String, appId: String) async throws -> Bool {
        try await database.withConnection { db in
            !(try await db.raw("""
                DELETE FROM app_enablements WHERE uid = \(bind: uid) AND app_id = \(bind: appId) RETURNING app_id
                """).all().isEmpty)
        }
    }

    public func stats() async throws -> [String: AppStats] {
        try await database.withConnection { db in
            var stats: [String: AppStats] = [:]
            for row in try await db.raw("""
                SELECT e.app_id, COUNT(*) AS n FROM app_enablements e LEFT JOIN personas p ON p.id = e.app_id
                WHERE p.uid IS NULL OR p.uid <> e.uid GROUP BY e.app_id
                """).all() {
                stats[try row.decode(column: "app_id", as: String.self), default: AppStats()].installs =
                    try row.decode(column: "n", as: Int.self)
            }
            for row in try await db.raw("""
                SELECT app_id, COUNT(*) AS n, CAST(SUM(score) AS BIGINT) AS total FROM app_reviews GROUP BY app_id
                """).all() {
                let count = try row.decode(column: "n", as: Int.self)
                let total = try row.decode(column: "total", as: Int.self)
                var s = stats[try row.decode(column: "app_id", as: String.self), default: AppStats()]
                s.ratingCount = count
                s.ratingAvg = count > 0 ? Double(total) / Double(count) : nil
                stats[try row.decode(column: "app_id", as: String.self)] = s
            }
            return stats
        }
    }

    public func reviews(appId: String) async throws -> [AppReviewRecord] {
        try await database.withConnection { db in
            try await db.raw("""
                SELECT * FROM app_reviews WHERE app_id = \(bind: appId) AND review <> ''
                ORDER BY rated_at DESC, uid
                """).all().map(Self.review)
        }
    }

    public func review(uid: String, appId: String, score: Int, text: String, now: Int64) async throws -> AppReviewRecord {
        try await database.transaction(lockKeys: ["reviews:\(appId)"]) { db in
            try await db.raw("""
                INSERT INTO app_reviews (app_id, uid, score, review, rated_at)
                VALUES (\(bind: appId), \(bind: uid), \(bind: score), \(bind: text), \(bind: now))
                ON CONFLICT (app_id, uid) DO UPDATE SET score = excluded.score, review = excluded.review,
                    edited_at = \(bind: now)
                """).run()
            guard let row = try await db.raw("""
                SELECT * FROM app_reviews WHERE app_id = \(bind: appId) AND uid = \(bind: uid)
                """).first() else { throw AppsStoreError.reviewNotStored }
            return try Self.review(row)
        }
    }

    public func persona(uid: String) async throws -> PersonaRecord? {
        try await database.withConnection { db in
            try await db.raw("SELECT * FROM personas WHERE uid = \(bind: uid)").first().map(Self.persona)
        }
    }

    public func persona(id: String) async throws -> PersonaRecord? {
        try await database.withConnection { db in
            try await db.raw("SELECT * FROM personas WHERE id = \(bind: id)").first().map(Self.persona)
        }
    }

    public func usernameInUse(_ username: String) async throws -> Bool {
        try await database.withConnection { db in
            try await db.raw("SELECT id FROM personas WHERE username = \(bind: username)").first() != nil
        }
    }

    public func createPersona(_ p: PersonaRecord, reservedUsernames: Set<String>) async throws -> PersonaRecord {
        // One lock for every persona create: the checks and the insert cannot interleave, so the unique indexes
        // never surface as a 500.
        try await database.transaction(lockKeys: ["personas"]) { db in
            if try await db.raw("SELECT id FROM personas WHERE uid = \(bind: p.uid)").first() != nil {
                throw PersonaStoreError.alreadyHasPersona
            }
            if let username = p.username {
                let held = try await db.raw("SELECT id FROM personas WHERE username = \(bind: username)").first() != nil
                if held || reservedUsernames.contains(username) { throw PersonaStoreError.usernameTaken }
            }
            try await db.raw("""
                INSERT INTO personas (id, uid, name, username, description, image, persona_prompt, author, email,
                    approved, status, private, created_at, updated_at)
                VALUES (\(bind: p.id), \(bind: p.uid), \(bind: p.name), \(bind: p.username), \(bind: p.description),
                    \(bind: p.image), \(bind: p.personaPrompt), \(bind: p.author), \(bind: p.email), \(bind: p.approved),
                    \(bind: p.status), \(bind: p.isPrivate), \(bind: p.createdAt), \(bind: p.updatedAt))
                """).run()
            return p
        }
    }

    public func updatePersona(_ p: PersonaRecord) async throws {
        try await database.withConnection { db in
            try await db.raw("""
                UPDATE personas SET name = \(bind: p.name), description = \(bind: p.description), image = \(bind: p.image),
                    persona_prompt = \(bind: p.personaPrompt), updated_at = \(bind: p.updatedAt)
                WHERE id = \(bind: p.id) AND uid = \(bind: p.uid)
                """).run()
        }
    }

    public func deletePersona(uid: String) async throws -> Bool {
        try await database.transaction(lockKeys: ["personas"]) { db in
            guard let id = try await db.raw("SELECT id FROM personas WHERE uid = \(bind: uid)").first()?
                .decode(column: "id", as: String.self) else { return false }
            try await Self.removeUses(db, personaId: id)
            try await db.raw("DELETE FROM personas WHERE id = \(bind: id)").run()
            return true
        }
    }

    /// Every user's enablements and reviews of a persona go with it.
    static func removeUses(_ db: any SQLDatabase, personaId: String) async throws {
        try await db.raw("DELETE FROM app_enablements WHERE app_id = \(bind: personaId)").run()
        try await db.raw("DELETE FROM app_reviews WHERE app_id = \(bind: personaId)").run()
    }

    static func review(_ row: any SQLRow) throws -> AppReviewRecord {
        AppReviewRecord(
            appId: try row.decode(column: "app_id", as: String.self), uid: try row.decode(column: "uid", as: String.self),
            score: try row.decode(column: "score", as: Int.self), review: try row.decode(column: "review", as: String.self),
            response: try row.decode(column: "response", as: String?.self),
            ratedAt: try row.decode(column: "rated_at", as: Int64.self),
            editedAt: try row.decode(column: "edited_at", as: Int64?.self))
    }

    static func persona(_ row: any SQLRow) throws -> PersonaRecord {
        var p = PersonaRecord(
            id: try row.decode(column: "id", as: String.self), uid: try row.decode(column: "uid", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            username: try row.decode(column: "username", as: String?.self),
            description: try row.decode(column: "description", as: String.self),
            personaPrompt: try row.decode(column: "persona_prompt", as: String?.self),
            author: try row.decode(column: "author", as: String.self),
            email: try row.decode(column: "email", as: String?.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self))
        p.image = try row.decode(column: "image", as: String.self)
        p.approved = try row.decode(column: "approved", as: Bool.self)
        p.status = try row.decode(column: "status", as: String.self)
        p.isPrivate = try row.decode(column: "private", as: Bool.self)
        p.updatedAt = try row.decode(column: "updated_at", as: Int64.self)
        return p
    }
}
