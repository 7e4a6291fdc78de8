import SQLKit

/// Release manifests, channel pointers and their history (platform.md §1.1). Channel membership is read from the
/// pointers only; nothing here scans releases to decide what is live (U2).
public protocol ReleaseRepository: Sendable {
    /// Stores a new manifest, or reports an identical one, different content under its id, or its build taken (U1).
    func register(_ record: ReleaseRecord) async throws -> RegistrationOutcome
    func release(id: String) async throws -> ReleaseRecord?
    /// Manifests by build_number then release_id, both descending, strictly after the keyset position `after`.
    func list(platform: String?, after: (build: Int64, releaseId: String)?, limit: Int) async throws -> [ReleaseRecord]
    /// The stable and beta pointers of a platform with their targets; a pointer never set reads as generation 0.
    func pointers(platform: String) async throws -> (stable: PointerRecord, beta: PointerRecord)
    /// The latest history rows of a platform, newest first.
    func history(platform: String, limit: Int) async throws -> [PointerHistoryRecord]
    /// The channels whose pointer currently targets the release.
    func channels(targeting releaseId: String) async throws -> [String]
    /// Changes one pointer under its lock: `decide` sees the locked facts and throws to refuse; on `.write` the
    /// generation moves up by one and one history row is appended, all in one transaction (U6).
    func change(_ request: PointerChangeRequest, now: Int64,
                decide: @Sendable (PointerFacts) throws -> PointerDecision) async throws -> (PointerRecord, changed: Bool)
}

public struct SQLReleaseRepository: ReleaseRepository {
    let database: Database

    public init(database: Database) { self.database = database }

    public func register(_ record: ReleaseRecord) async throws -> RegistrationOutcome {
        try await database.transaction(lockKeys: ["releases"]) { db in
            if let row = try await db.raw("SELECT * FROM release_manifests WHERE release_id = \(bind: record.releaseId)")
                .first() {
                let stored = try Self.decodeRelease(row)
                return stored.manifestSHA256 == record.manifestSHA256 ? .identical(stored) : .differentContent
            }
            if try await db.raw("""
                SELECT 1 AS one FROM release_manifests
                WHERE platform = \(bind: record.platform) AND build_number = \(bind: record.buildNumber)
                """).first() != nil {
                return .buildTaken
            }
            try await db.raw("""
                INSERT INTO release_manifests (release_id, platform, build_number, manifest, manifest_sha256, created_at)
                VALUES (\(bind: record.releaseId), \(bind: record.platform), \(bind: record.buildNumber),
                        \(bind: record.manifest), \(bind: record.manifestSHA256), \(bind: record.createdAt))
                """).run()
            return .created(record)
        }
    }

    public func release(id: String) async throws -> ReleaseRecord? {
        try await database.withConnection { db in
            try await db.raw("SELECT * FROM release_manifests WHERE release_id = \(bind: id)").first()
                .map(Self.decodeRelease)
        }
    }

    public func list(platform: String?, after: (build: Int64, releaseId: String)?, limit: Int) async throws
        -> [ReleaseRecord] {
        var query = SQLQueryString("SELECT * FROM release_manifests WHERE 1 = 1")
        if let platform { query.appendInterpolation(unsafeRaw: " AND platform = "); query.appendInterpolation(bind: platform) }
        if let after {
            query.appendInterpolation(unsafeRaw: " AND (build_number < ")
            query.appendInterpolation(bind: after.build)
            query.appendInterpolation(unsafeRaw: " OR (build_number = ")
            query.appendInterpolation(bind: after.build)
            query.appendInterpolation(unsafeRaw: " AND release_id < ")
            query.appendInterpolation(bind: after.releaseId)
            query.appendInterpolation(unsafeRaw: "))")
        }
        query.appendInterpolation(unsafeRaw: " ORDER BY build_number DESC, release_id DESC LIMIT ")
        query.appendInterpolation(bind: limit)
        let finished = query
        return try await database.withConnection { db in try await db.raw(finished).all().map(Self.decodeRelease) }
    }

    public func pointers(platform: String) async throws -> (stable: PointerRecord, beta: PointerRecord) {
        try await database.withConnection { db in
            (try await Self.pointer(db, platform: platform, channel: "stable"),
             try await Self.pointer(db, platform: platform, channel: "beta"))
        }
    }

    public func history(platform: String, limit: Int) async throws -> [PointerHistoryRecord] {
        try await database.withConnection { db in
            try await db.raw("""
                SELECT * FROM channel_history WHERE platform = \(bind: platform)
                ORDER BY at DESC, generation DESC, channel LIMIT \(bind: limit)
                """).all().map(Self.decodeHistory)
        }
    }

    public func channels(targeting releaseId: String) async throws -> [String] {
        try await database.withConnection { db in
            try await db.raw("SELECT channel FROM channel_pointers WHERE release_id = \(bind: releaseId) ORDER BY channel")
                .all().map { try $0.decode(column: "channel", as: String.self) }
        }
    }

    public func change(_ request: PointerChangeRequest, now: Int64,
                       decide: @Sendable (PointerFacts) throws -> PointerDecision) async throws
        -> (PointerRecord, changed: Bool) {
        let key = "pointer:\(request.platform):\(request.channel)"
        return try await database.transaction(lockKeys: [key]) { db in
            var pointer = try await Self.pointer(db, platform: request.platform, channel: request.channel)
            let release = try await db.raw("SELECT * FROM release_manifests WHERE release_id = \(bind: request.releaseId)")
                .first().map(Self.decodeRelease)
            let facts = PointerFacts(
                pointer: pointer, release: release,
                wasOnBeta: try await Self.wasTarget(db, request.releaseId, platform: request.platform, channel: "beta"),
                wasOnThisChannel: try await Self.wasTarget(db, request.releaseId, platform: request.platform,
                                                           channel: request.channel))
            guard case .write = try decide(facts), let release else { return (pointer, false) }
            let previous = pointer.releaseId
            pointer.releaseId = release.releaseId
            pointer.generation += 1
            pointer.updatedAt = now
            pointer.updatedBy = request.actor
            pointer.reason = request.reason
            pointer.target = release
            try await db.raw("""
                INSERT INTO channel_pointers (platform, channel, release_id, generation, updated_at, updated_by, reason)
                VALUES (\(bind: request.platform), \(bind: request.channel), \(bind: release.releaseId),
                        \(bind: pointer.generation), \(bind: now), \(bind: request.actor), \(bind: request.reason))
                ON CONFLICT (platform, channel) DO UPDATE SET release_id = excluded.release_id,
                    generation = excluded.generation, updated_at = excluded.updated_at,
                    updated_by = excluded.updated_by, reason = excluded.reason
                """).run()
            try await db.raw("""
                INSERT INTO channel_history (platform, channel, generation, release_id, previous_release_id, operation,
                                             actor, reason, at)
                VALUES (\(bind: request.platform), \(bind: request.channel), \(bind: pointer.generation),
                        \(bind: release.releaseId), \(bind: previous), \(bind: request.operation),
                        \(bind: request.actor), \(bind: request.reason), \(bind: now))
                """).run()
            return (pointer, true)
        }
    }

    static func pointer(_ db: any SQLDatabase, platform: String, channel: String) async throws -> PointerRecord {
        var pointer = PointerRecord(platform: platform, channel: channel)
        guard let row = try await db.raw("""
            SELECT * FROM channel_pointers WHERE platform = \(bind: platform) AND channel = \(bind: channel)
            """).first() else { return pointer }
        pointer.releaseId = try row.decode(column: "release_id", as: String?.self)
        pointer.generation = try row.decode(column: "generation", as: Int64.self)
        pointer.updatedAt = try row.decode(column: "updated_at", as: Int64?.self)
        pointer.updatedBy = try row.decode(column: "updated_by", as: String?.self)
        pointer.reason = try row.decode(column: "reason", as: String?.self)
        if let id = pointer.releaseId {
            pointer.target = try await db.raw("SELECT * FROM release_manifests WHERE release_id = \(bind: id)").first()
                .map(decodeRelease)
        }
        return pointer
    }

    static func wasTarget(_ db: any SQLDatabase, _ releaseId: String, platform: String, channel: String) async throws
        -> Bool {
        try await db.raw("""
            SELECT 1 AS one FROM channel_history
            WHERE platform = \(bind: platform) AND channel = \(bind: channel) AND release_id = \(bind: releaseId) LIMIT 1
            """).first() != nil
    }

    static func decodeRelease(_ row: any SQLRow) throws -> ReleaseRecord {
        ReleaseRecord(
            releaseId: try row.decode(column: "release_id", as: String.self),
            platform: try row.decode(column: "platform", as: String.self),
            buildNumber: try row.decode(column: "build_number", as: Int64.self),
            manifest: try row.decode(column: "manifest", as: String.self),
            manifestSHA256: try row.decode(column: "manifest_sha256", as: String.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self))
    }

    static func decodeHistory(_ row: any SQLRow) throws -> PointerHistoryRecord {
        PointerHistoryRecord(
            platform: try row.decode(column: "platform", as: String.self),
            channel: try row.decode(column: "channel", as: String.self),
            generation: try row.decode(column: "generation", as: Int64.self),
            releaseId: try row.decode(column: "release_id", as: String.self),
            previousReleaseId: try row.decode(column: "previous_release_id", as: String?.self),
            operation: try row.decode(column: "operation", as: String.self),
            actor: try row.decode(column: "actor", as: String?.self),
            reason: try row.decode(column: "reason", as: String?.self),
            at: try row.decode(column: "at", as: Int64.self))
    }
}
