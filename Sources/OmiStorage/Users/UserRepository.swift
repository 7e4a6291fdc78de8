import Foundation
import SQLKit

/// The account record of one uid (users.md §1): the profile and every setting. A nil setting was never written;
/// readers apply the documented default.
public struct AccountSettings: Sendable, Equatable {
    public var uid: String
    public var createdAt: Int64
    public var email: String?
    public var name: String?
    public var timeZone: String?
    public var motivation: String?
    public var useCase: String?
    public var job: String?
    public var company: String?
    public var language: String?
    public var singleLanguageMode: Bool?
    public var vocabulary: [String]?
    public var dailySummaryEnabled: Bool?
    public var dailySummaryHour: Int?
    public var storeRecordingPermission: Bool?
    public var privateCloudSyncEnabled: Bool?
    public var notificationsEnabled: Bool?
    public var notificationFrequency: Int?
    /// The stored sections as JSON object text.
    public var assistantSettings: String?
    public var updateChannel: String?
    public var aiProfileText: String?
    public var aiProfileGeneratedAt: Int64?
    public var aiProfileSources: Int?
    public var byokActive: Bool?
    /// Provider to stored fingerprint (peppered or plain, users.md §13.1).
    public var byokFingerprints: [String: String]?
    public var byokLastSeenAt: Int64?

    public init(uid: String, createdAt: Int64) {
        self.uid = uid
        self.createdAt = createdAt
    }
}

/// Users come into existence on first use (conventions.md §3.4); their settings live on the same record.
public protocol UserRepository: Sendable {
    /// Creates the user's record if it does not exist yet, and fills `email` and `name` only while they are null.
    func ensureUser(uid: String, email: String?, name: String?, now: Int64) async throws
    func displayName(uid: String) async throws -> String?
    /// Records the platform header of a request as the user's last-seen platform.
    func recordPlatform(uid: String, platform: String, now: Int64) async throws
    /// The account record; a uid without one reads as a new record with every default.
    func settings(uid: String, now: Int64) async throws -> AccountSettings
    /// Read-modify-write under the user's lock, so concurrent writes to different settings both survive. An error
    /// thrown by `change` writes nothing.
    func modify(uid: String, now: Int64, _ change: @Sendable (inout AccountSettings) throws -> Void) async throws
        -> AccountSettings
    /// Claims the user's export slot; false while another export started less than `staleAfter` micros ago runs.
    func beginExport(uid: String, now: Int64, staleAfter: Int64) async throws -> Bool
    func endExport(uid: String) async throws
}

public struct SQLUserRepository: UserRepository {
    let database: Database

    public init(database: Database) { self.database = database }

    public func ensureUser(uid: String, email: String?, name: String?, now: Int64) async throws {
        try await database.transaction { db in
            try await db.raw("""
                INSERT INTO users (uid, created_at, email, name) VALUES (\(bind: uid), \(bind: now), \(bind: email), \(bind: name))
                ON CONFLICT (uid) DO UPDATE SET email = COALESCE(users.email, excluded.email),
                    name = COALESCE(users.name, excluded.name)
                """).run()
        }
    }

    public func displayName(uid: String) async throws -> String? {
        try await database.withConnection { db in
            try await db.raw("SELECT name FROM users WHERE uid = \(bind: uid)").first()?.decode(column: "name", as: String?.self)
        }
    }

    public func recordPlatform(uid: String, platform: String, now: Int64) async throws {
        try await database.withConnection { db in
            try await db.raw("""
                UPDATE users SET last_platform = \(bind: platform), last_seen_at = \(bind: now) WHERE uid = \(bind: uid)
                """).run()
        }
    }

    public func settings(uid: String, now: Int64) async throws -> AccountSettings {
        try await database.withConnection { db in
            try await Self.fetch(db, uid: uid) ?? AccountSettings(uid: uid, createdAt: now)
        }
    }

    public func modify(uid: String, now: Int64, _ change: @Sendable (inout AccountSettings) throws -> Void) async throws
        -> AccountSettings {
        try await database.transaction(lockKeys: ["user:\(uid)"]) { db in
            try await db.raw("""
                INSERT INTO users (uid, created_at) VALUES (\(bind: uid), \(bind: now)) ON CONFLICT (uid) DO NOTHING
                """).run()
            var record = try await Self.fetch(db, uid: uid) ?? AccountSettings(uid: uid, createdAt: now)
            try change(&record)
            try await Self.store(db, record)
            return record
        }
    }

    public func beginExport(uid: String, now: Int64, staleAfter: Int64) async throws -> Bool {
        try await database.transaction(lockKeys: ["export:\(uid)"]) { db in
            // A slot older than `staleAfter` belongs to an instance that died mid-export.
            if let started = try await db.raw("SELECT started_at FROM export_runs WHERE uid = \(bind: uid)").first()?
                .decode(column: "started_at", as: Int64.self), now - started < staleAfter {
                return false
            }
            try await db.raw("""
                INSERT INTO export_runs (uid, started_at) VALUES (\(bind: uid), \(bind: now))
                ON CONFLICT (uid) DO UPDATE SET started_at = excluded.started_at
                """).run()
            return true
        }
    }

    public func endExport(uid: String) async throws {
        try await database.withConnection { db in
            try await db.raw("DELETE FROM export_runs WHERE uid = \(bind: uid)").run()
        }
    }

    static func fetch(_ db: any SQLDatabase, uid: String) async throws -> AccountSettings? {
        guard let row = try await db.raw("SELECT * FROM users WHERE uid = \(bind: uid)").first() else { return nil }
        var s = AccountSettings(uid: uid, createdAt: try row.decode(column: "created_at", as: Int64.self))
        s.email = try row.decode(column: "email", as: String?.self)
        s.name = try row.decode(column: "name", as: String?.self)
        s.timeZone = try row.decode(column: "time_zone", as: String?.self)
        s.motivation = try row.decode(column: "motivation", as: String?.self)
        s.useCase = try row.decode(column: "use_case", as: String?.self)
        s.job = try row.decode(column: "job", as: String?.self)
        s.company = try row.decode(column: "company", as: String?.self)
        s.language = try row.decode(column: "language", as: String?.self)
        s.singleLanguageMode = try row.decode(column: "single_language_mode", as: Bool?.self)
        s.vocabulary = try StoredJSON.decode([String].self, row.decode(column: "vocabulary", as: String?.self))
        s.dailySummaryEnabled = try row.decode(column: "daily_summary_enabled", as: Bool?.self)
        s.dailySummaryHour = try row.decode(column: "daily_summary_hour", as: Int?.self)
        s.storeRecordingPermission = try row.decode(column: "store_recording_permission", as: Bool?.self)
        s.privateCloudSyncEnabled = try row.decode(column: "private_cloud_sync_enabled", as: Bool?.self)
        s.notificationsEnabled = try row.decode(column: "notifications_enabled", as: Bool?.self)
        s.notificationFrequency = try row.decode(column: "notification_frequency", as: Int?.self)
        s.assistantSettings = try row.decode(column: "assistant_settings", as: String?.self)
        s.updateChannel = try row.decode(column: "update_channel", as: String?.self)
        s.aiProfileText = try row.decode(column: "ai_profile_text", as: String?.self)
        s.aiProfileGeneratedAt = try row.decode(column: "ai_profile_generated_at", as: Int64?.self)
        s.aiProfileSources = try row.decode(column: "ai_profile_sources", as: Int?.self)
        s.byokActive = try row.decode(column: "byok_active", as: Bool?.self)
        s.byokFingerprints = try StoredJSON.decode([String: String].self,
                                                   row.decode(column: "byok_fingerprints", as: String?.self))
        s.byokLastSeenAt = try row.decode(column: "byok_last_seen_at", as: Int64?.self)
        return s
    }

    static func store(_ db: any SQLDatabase, _ s: AccountSettings) async throws {
        try await db.raw("""
            UPDATE users SET email = \(bind: s.email), name = \(bind: s.name), time_zone = \(bind: s.timeZone),
                motivation = \(bind: s.motivation), use_case = \(bind: s.useCase), job = \(bind: s.job),
                company = \(bind: s.company), language = \(bind: s.language),
                single_language_mode = \(bind: s.singleLanguageMode),
                vocabulary = \(bind: StoredJSON.encode(s.vocabulary)),
                daily_summary_enabled = \(bind: s.dailySummaryEnabled), daily_summary_hour = \(bind: s.dailySummaryHour),
                store_recording_permission = \(bind: s.storeRecordingPermission),
                private_cloud_sync_enabled = \(bind: s.privateCloudSyncEnabled),
                notifications_enabled = \(bind: s.notificationsEnabled),
                notification_frequency = \(bind: s.notificationFrequency),
                assistant_settings = \(bind: s.assistantSettings), update_channel = \(bind: s.updateChannel),
                ai_profile_text = \(bind: s.aiProfileText), ai_profile_generated_at = \(bind: s.aiProfileGeneratedAt),
                ai_profile_sources = \(bind: s.aiProfileSources), byok_active = \(bind: s.byokActive),
                byok_fingerprints = \(bind: StoredJSON.encode(s.byokFingerprints)),
                byok_last_seen_at = \(bind: s.byokLastSeenAt)
            WHERE uid = \(bind: s.uid)
            """).run()
    }
}

/// Values kept as JSON text in one column, the same on both engines.
public enum StoredJSON {
    public static func encode<T: Encodable>(_ value: T?) -> String? {
        let encoder = JSONEncoder()
        // Sorted keys keep stored JSON stable, so equal values compare equal as text.
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let value, let data = try? encoder.encode(value) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    public static func decode<T: Decodable>(_ type: T.Type, _ text: String?) throws -> T? {
        guard let text else { return nil }
        return try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
