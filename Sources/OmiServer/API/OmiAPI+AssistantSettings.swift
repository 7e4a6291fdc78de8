import Foundation
import OmiContract
import OmiStorage

/// users.md §9 (assistant settings) and §10 (AI profile): structured settings merged under the user's lock.
extension OmiAPI {
    func getAssistantSettings(_ input: Operations.GetAssistantSettings.Input) async throws
        -> Operations.GetAssistantSettings.Output {
        let user = try RequestValues.requireUser()
        return .ok(.init(body: .json(AccountMapping.assistantSettings(try await settings(user)))))
    }

    func updateAssistantSettings(_ input: Operations.UpdateAssistantSettings.Input) async throws
        -> Operations.UpdateAssistantSettings.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        // Checked once before the lock so a bad body costs no write; merged again inside it against the stored state.
        _ = try AssistantSettingsMerge.merge(body, into: [:])
        let record = try await modifySettings(user) { s in
            let merged = try AssistantSettingsMerge.merge(body, into: AccountMapping.storedSections(s))
            s.assistantSettings = Wire.JSONValue.object(merged.sections).jsonText
            s.updateChannel = merged.updateChannel ?? s.updateChannel
        }
        return .ok(.init(body: .json(AccountMapping.assistantSettings(record))))
    }

    func getAIProfile(_ input: Operations.GetAIProfile.Input) async throws -> Operations.GetAIProfile.Output {
        let user = try RequestValues.requireUser()
        return .ok(.init(body: .json(Wire.OptionalAIProfile(AccountMapping.aiProfile(try await settings(user))))))
    }

    func updateAIProfile(_ input: Operations.UpdateAIProfile.Input) async throws -> Operations.UpdateAIProfile.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        var v = Validator()
        v.length(body.profileText, max: 50_000, at: ["body", "profile_text"])
        v.range(body.dataSourcesUsed, 0...Int.max, at: ["body", "data_sources_used"])
        let generatedAt = body.generatedAt.flatMap(Timestamp.parseMicros)
        if let raw = body.generatedAt, generatedAt == nil {
                v.fail("datetime_from_date_parsing", "Input should be a valid datetime", at: ["body", "generated_at"],
                       input: Validator.echo(raw))
        }
        try v.check()
        let now = Clock.nowMicros()
        // Millisecond precision is what the desktop writes and what it is answered with.
        let stamp = Timestamp.truncatedToMilliseconds(generatedAt ?? now)
        let record = try await modifySettings(user) { s in
            s.aiProfileText = body.profileText ?? s.aiProfileText ?? ""
            s.aiProfileGeneratedAt = generatedAt == nil ? (s.aiProfileGeneratedAt ?? stamp) : stamp
            s.aiProfileSources = body.dataSourcesUsed ?? s.aiProfileSources ?? 0
        }
        guard let profile = AccountMapping.aiProfile(record) else { throw APIError(.internalServerError, "Profile not stored") }
        return .ok(.init(body: .json(profile)))
    }
}
