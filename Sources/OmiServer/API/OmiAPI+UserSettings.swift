import Foundation
import OmiContract
import OmiStorage

/// users.md §2–§8: the profile and the simple settings. Every GET answers the defaults for a user never seen before,
/// because the desktop's settings screen fails as a whole when one of its six reads fails.
extension OmiAPI {
    func settings(_ user: AuthenticatedUser) async throws -> AccountSettings {
        try await users.settings(uid: user.uid, now: Clock.nowMicros())
    }

    func modifySettings(_ user: AuthenticatedUser, _ change: @Sendable (inout AccountSettings) throws -> Void)
        async throws -> AccountSettings {
        try await users.modify(uid: user.uid, now: Clock.nowMicros(), change)
    }

    /// The user's stored IANA zone, UTC when none is stored.
    func timeZone(of user: AuthenticatedUser) async throws -> TimeZone {
        try await settings(user).timeZone.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "UTC")!
    }

    func getProfile(_ input: Operations.GetProfile.Input) async throws -> Operations.GetProfile.Output {
        let user = try RequestValues.requireUser()
        return .ok(.init(body: .json(AccountMapping.profile(try await settings(user)))))
    }

    func updateProfile(_ input: Operations.UpdateProfile.Input) async throws -> Operations.UpdateProfile.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        var v = Validator()
        for (value, key) in [(body.name, "name"), (body.motivation, "motivation"), (body.useCase, "use_case"),
                             (body.job, "job"), (body.company, "company")] {
            v.length(value, max: 500, at: ["body", .key(key)])
        }
        if let zone = body.timeZone, !AccountMapping.isZoneName(zone) {
            v.fail("value_error", "Value error, unknown time zone", at: ["body", "time_zone"], input: Validator.echo(zone))
        }
        try v.check()
        let record = try await modifySettings(user) { s in
            s.name = body.name ?? s.name
            s.motivation = body.motivation ?? s.motivation
            s.useCase = body.useCase ?? s.useCase
            s.job = body.job ?? s.job
            s.company = body.company ?? s.company
            s.timeZone = body.timeZone ?? s.timeZone
        }
        return .ok(.init(body: .json(AccountMapping.profile(record))))
    }

    func getLanguage(_ input: Operations.GetLanguage.Input) async throws -> Operations.GetLanguage.Output {
        let user = try RequestValues.requireUser()
        return .ok(.init(body: .json(.init(language: try await settings(user).language ?? ""))))
    }

    func updateLanguage(_ input: Operations.UpdateLanguage.Input) async throws -> Operations.UpdateLanguage.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        var v = Validator()
        v.length(body.language, max: 35, at: ["body", "language"])
        try v.check()
        let language = body.language
        if language.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw APIError.badRequest("Language is required")
        }
        let single = !AccountMapping.multiLanguageCodes.contains(language)
        _ = try await modifySettings(user) { s in
            s.language = language
            s.singleLanguageMode = single
        }
        return .ok(.init(body: .json(.init(status: "ok", language: language, singleLanguageMode: single))))
    }

    func getTranscriptionPreferences(_ input: Operations.GetTranscriptionPreferences.Input) async throws
        -> Operations.GetTranscriptionPreferences.Output {
        let user = try RequestValues.requireUser()
        return .ok(.init(body: .json(AccountMapping.transcription(try await settings(user)))))
    }

    func updateTranscriptionPreferences(_ input: Operations.UpdateTranscriptionPreferences.Input) async throws
        -> Operations.UpdateTranscriptionPreferences.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        // Past 100 terms the rest are dropped silently, as the Python backend does (users.md §4.2).
        let vocabulary = body.vocabulary.map { Array($0.prefix(100)) }
        let record = try await modifySettings(user) { s in
            s.singleLanguageMode = body.singleLanguageMode ?? s.singleLanguageMode
            s.vocabulary = vocabulary ?? s.vocabulary
        }
        return .ok(.init(body: .json(AccountMapping.transcription(record, status: "ok"))))
    }

    func getDailySummarySettings(_ input: Operations.GetDailySummarySettings.Input) async throws
        -> Operations.GetDailySummarySettings.Output {
        let s = try await settings(try RequestValues.requireUser())
        return .ok(.init(body: .json(.init(enabled: AccountMapping.dailySummaryEnabled(s),
                                           hour: AccountMapping.dailySummaryHour(s)))))
    }

    func updateDailySummarySettings(_ input: Operations.UpdateDailySummarySettings.Input) async throws
        -> Operations.UpdateDailySummarySettings.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        if let hour = body.hour, !(0...23).contains(hour) { throw APIError.badRequest("Hour must be between 0 and 23") }
        let s = try await modifySettings(user) { s in
            s.dailySummaryEnabled = body.enabled ?? s.dailySummaryEnabled
            s.dailySummaryHour = body.hour ?? s.dailySummaryHour
        }
        return .ok(.init(body: .json(.init(status: "ok", enabled: AccountMapping.dailySummaryEnabled(s),
                                           hour: AccountMapping.dailySummaryHour(s)))))
    }

    func getRecordingPermission(_ input: Operations.GetRecordingPermission.Input) async throws
        -> Operations.GetRecordingPermission.Output {
        let flag = AccountMapping.recordingPermission(try await settings(try RequestValues.requireUser()))
        return .ok(.init(body: .json(.init(storeRecordingPermission: flag, enabled: flag))))
    }

    func setRecordingPermission(_ input: Operations.SetRecordingPermission.Input) async throws
        -> Operations.SetRecordingPermission.Output {
        let user = try RequestValues.requireUser()
        let flag = try Self.flag(input.query.value)
        _ = try await modifySettings(user) { $0.storeRecordingPermission = flag }
        return .ok(.init(body: .json(.init(status: "ok"))))
    }

    /// users.md §6.3: this server keeps no conversation audio, so turning the flag off is the whole of it.
    func deleteRecordings(_ input: Operations.DeleteRecordings.Input) async throws -> Operations.DeleteRecordings.Output {
        let user = try RequestValues.requireUser()
        _ = try await modifySettings(user) { $0.storeRecordingPermission = false }
        return .ok(.init(body: .json(.init(status: "ok"))))
    }

    func getPrivateCloudSync(_ input: Operations.GetPrivateCloudSync.Input) async throws
        -> Operations.GetPrivateCloudSync.Output {
        let flag = AccountMapping.privateCloudSync(try await settings(try RequestValues.requireUser()))
        return .ok(.init(body: .json(.init(privateCloudSyncEnabled: flag, enabled: flag))))
    }

    func setPrivateCloudSync(_ input: Operations.SetPrivateCloudSync.Input) async throws
        -> Operations.SetPrivateCloudSync.Output {
        let user = try RequestValues.requireUser()
        let flag = try Self.flag(input.query.value)
        _ = try await modifySettings(user) { $0.privateCloudSyncEnabled = flag }
        return .ok(.init(body: .json(.init(status: "ok"))))
    }

    func getNotificationSettings(_ input: Operations.GetNotificationSettings.Input) async throws
        -> Operations.GetNotificationSettings.Output {
        let s = try await settings(try RequestValues.requireUser())
        return .ok(.init(body: .json(.init(enabled: AccountMapping.notificationsEnabled(s),
                                           frequency: AccountMapping.notificationFrequency(s)))))
    }

    func updateNotificationSettings(_ input: Operations.UpdateNotificationSettings.Input) async throws
        -> Operations.UpdateNotificationSettings.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        var v = Validator()
        v.range(body.frequency, 0...5, at: ["body", "frequency"])
        try v.check()
        let s = try await modifySettings(user) { s in
            s.notificationsEnabled = body.enabled ?? s.notificationsEnabled
            s.notificationFrequency = body.frequency ?? s.notificationFrequency
        }
        return .ok(.init(body: .json(.init(enabled: AccountMapping.notificationsEnabled(s),
                                           frequency: AccountMapping.notificationFrequency(s)))))
    }

    /// The required `?value=` boolean of the two flag routes, in any accepted spelling (users.md §0).
    static func flag(_ raw: String) throws -> Bool {
        var v = Validator()
        let value = v.bool(raw, at: "value")
        try v.check()
        return value ?? false
    }
}
