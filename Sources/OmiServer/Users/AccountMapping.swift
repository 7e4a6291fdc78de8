import Foundation
import OmiContract
import OmiStorage

/// The documented defaults of users.md §1 applied to a stored record, and its wire projections.
enum AccountMapping {
    /// Codes that keep multi-language transcription (users.md §3.2); compared exactly, case-sensitively.
    static let multiLanguageCodes: Set<String> = [
        "multi", "en", "en-US", "en-AU", "en-GB", "en-IN", "en-NZ", "es", "es-419", "fr", "fr-CA", "de", "hi", "ru",
        "pt", "pt-BR", "pt-PT", "ja", "it", "nl",
    ]

    /// IANA names only: Foundation also parses offsets such as `GMT+0530`, which are not zone names. (Its list of
    /// known identifiers is older than the zone database and lacks names such as `Asia/Kolkata`.)
    static func isZoneName(_ name: String) -> Bool {
        let upper = name.uppercased()
        let offset = ["GMT+", "GMT-", "UTC+", "UTC-"].contains { upper.hasPrefix($0) }
        return !offset && TimeZone(identifier: name) != nil
    }

    static func profile(_ s: AccountSettings) -> Wire.UserProfile {
        Wire.UserProfile(uid: s.uid, email: s.email, name: s.name, timeZone: s.timeZone,
                         createdAt: Timestamp.date(micros: s.createdAt), motivation: s.motivation, useCase: s.useCase,
                         job: s.job, company: s.company)
    }

    static func transcription(_ s: AccountSettings, status: String? = nil) -> Wire.TranscriptionPreferences {
        Wire.TranscriptionPreferences(status: status, singleLanguageMode: s.singleLanguageMode ?? false,
                                      vocabulary: s.vocabulary ?? [], language: s.language ?? "")
    }

    static func dailySummaryEnabled(_ s: AccountSettings) -> Bool { s.dailySummaryEnabled ?? true }
    static func dailySummaryHour(_ s: AccountSettings) -> Int { s.dailySummaryHour ?? 22 }
    static func recordingPermission(_ s: AccountSettings) -> Bool { s.storeRecordingPermission ?? false }
    static func privateCloudSync(_ s: AccountSettings) -> Bool { s.privateCloudSyncEnabled ?? true }
    static func notificationsEnabled(_ s: AccountSettings) -> Bool { s.notificationsEnabled ?? true }
    static func notificationFrequency(_ s: AccountSettings) -> Int { s.notificationFrequency ?? 0 }

    /// The stored sections plus the top-level `update_channel` (users.md §9.2).
    static func assistantSettings(_ s: AccountSettings) -> Wire.JSONValue {
        var object = storedSections(s)
        if let channel = s.updateChannel { object["update_channel"] = .string(channel) }
        return .object(object)
    }

    static func storedSections(_ s: AccountSettings) -> [String: Wire.JSONValue] {
        guard let text = s.assistantSettings, case .object(let object)? = Wire.JSONValue(jsonText: text) else { return [:] }
        return object
    }

    /// nil when no profile text was ever stored (users.md §10.1).
    static func aiProfile(_ s: AccountSettings) -> Wire.AIProfile? {
        guard let text = s.aiProfileText else { return nil }
        return Wire.AIProfile(profileText: text, generatedAt: Timestamp.formatMilliseconds(micros: s.aiProfileGeneratedAt ?? s.createdAt),
                              dataSourcesUsed: s.aiProfileSources ?? 0)
    }

    /// No route of this server stores voice samples, so `speech_samples` is empty in both of its forms (download
    /// URLs or storage identifiers, users.md §14.1).
    static func person(_ p: PersonRecord) -> Wire.Person {
        Wire.Person(id: p.id, name: p.name, createdAt: Timestamp.date(micros: p.createdAt),
                    updatedAt: Timestamp.date(micros: p.updatedAt), speechSamples: p.speechSamples,
                    speechSampleTranscripts: p.speechSampleTranscripts)
    }
}
