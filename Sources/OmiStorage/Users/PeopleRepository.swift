import SQLKit

/// A named speaker (users.md §14).
public struct PersonRecord: Sendable, Equatable {
    public var id: String
    public var name: String
    public var createdAt: Int64
    public var updatedAt: Int64
    /// Storage identifiers of the voice samples.
    public var speechSamples: [String]
    public var speechSampleTranscripts: [String]?

    public init(id: String, name: String, createdAt: Int64, updatedAt: Int64, speechSamples: [String] = [],
                speechSampleTranscripts: [String]? = nil) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.speechSamples = speechSamples
        self.speechSampleTranscripts = speechSampleTranscripts
    }
}

public protocol PeopleRepository: Sendable {
    /// Every person of the user, by name case-insensitively, then id.
    func list(uid: String) async throws -> [PersonRecord]
    /// The oldest person with exactly this name, or a new one with `newId`; serialised per user.
    func getOrCreate(uid: String, name: String, newId: String, now: Int64) async throws -> PersonRecord
    func get(uid: String, id: String) async throws -> PersonRecord?
    /// Renames; false when the user has no such person.
    func rename(uid: String, id: String, name: String, now: Int64) async throws -> Bool
    func delete(uid: String, id: String) async throws
}

public struct SQLPeopleRepository: PeopleRepository {
    let database: Database

    public init(database: Database) { self.database = database }

    public func list(uid: String) async throws -> [PersonRecord] {
        let people = try await database.withConnection { db in
            try await db.raw("SELECT * FROM people WHERE uid = \(bind: uid)").all().map(Self.decode)
        }
        // Sorted here rather than in SQL: the two engines fold case differently outside ASCII.
        return people.sorted { a, b in
            let (x, y) = (a.name.lowercased(), b.name.lowercased())
            return x != y ? x < y : a.id < b.id
        }
    }

    public func getOrCreate(uid: String, name: String, newId: String, now: Int64) async throws -> PersonRecord {
        try await database.transaction(lockKeys: ["people:\(uid)"]) { db in
            if let row = try await db.raw("""
                SELECT * FROM people WHERE uid = \(bind: uid) AND name = \(bind: name) ORDER BY created_at, id LIMIT 1
                """).first() {
                return try Self.decode(row)
            }
            let person = PersonRecord(id: newId, name: name, createdAt: now, updatedAt: now)
            try await db.raw("""
                INSERT INTO people (uid, id, name, created_at, updated_at, speech_samples)
                VALUES (\(bind: uid), \(bind: newId), \(bind: name), \(bind: now), \(bind: now), '[]')
                """).run()
            return person
        }
    }

    public func get(uid: String, id: String) async throws -> PersonRecord? {
        try await database.withConnection { db in
            try await db.raw("SELECT * FROM people WHERE uid = \(bind: uid) AND id = \(bind: id)").first().map(Self.decode)
        }
    }

    public func rename(uid: String, id: String, name: String, now: Int64) async throws -> Bool {
        try await database.transaction(lockKeys: ["people:\(uid)"]) { db in
            guard try await db.raw("SELECT id FROM people WHERE uid = \(bind: uid) AND id = \(bind: id)").first() != nil
            else { return false }
            // The clock may not have moved since the last write; updated_at still advances.
            try await db.raw("""
                UPDATE people SET name = \(bind: name),
                    updated_at = CASE WHEN updated_at >= \(bind: now) THEN updated_at + 1 ELSE \(bind: now) END
                WHERE uid = \(bind: uid) AND id = \(bind: id)
                """).run()
            return true
        }
    }

    public func delete(uid: String, id: String) async throws {
        try await database.transaction(lockKeys: ["people:\(uid)"]) { db in
            try await db.raw("DELETE FROM people WHERE uid = \(bind: uid) AND id = \(bind: id)").run()
        }
    }

    static func decode(_ row: any SQLRow) throws -> PersonRecord {
        PersonRecord(
            id: try row.decode(column: "id", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            updatedAt: try row.decode(column: "updated_at", as: Int64.self),
            speechSamples: try StoredJSON.decode([String].self, row.decode(column: "speech_samples", as: String.self)) ?? [],
            speechSampleTranscripts: try StoredJSON.decode([String].self,
                                                          row.decode(column: "speech_sample_transcripts", as: String?.self)))
    }
}
