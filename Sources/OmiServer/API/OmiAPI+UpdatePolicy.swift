import Foundation
import OmiContract
import OmiStorage

/// platform.md §1.5: the update banner the desktop polls at launch without credentials.
extension OmiAPI {
    /// `{public base URL}/v2/desktop/download/latest?channel=stable`; the request's own origin without PUBLIC_BASE_URL.
    var defaultDownloadURL: String {
        let base = settings.publicBaseURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 } ?? RequestValues.origin
        return base + "/v2/desktop/download/latest?channel=stable"
    }

    func getUpdatePolicy(_ input: Operations.GetUpdatePolicy.Input) async throws -> Operations.GetUpdatePolicy.Output {
        var v = Validator()
        v.range(input.query.currentBuild, 0...Int.max, at: ["query", "current_build"])
        try v.check()
        let fallback = Wire.UpdatePolicy(downloadUrl: defaultDownloadURL)
        // A storage failure is the default policy, never a 5xx: the banner is optional, the app's launch is not.
        guard let text = try? await updatePolicy.current(), let stored = Wire.JSONValue(jsonText: text) else {
            return .ok(.init(body: .json(fallback)))
        }
        let policy = UpdatePolicyRules.normalise(stored, defaultURL: defaultDownloadURL)
        let platform = input.query.platform?.rawValue ?? "macos"
        let applies = UpdatePolicyRules.applies(policy, platform: platform, currentBuild: input.query.currentBuild)
        return .ok(.init(body: .json(applies ? policy : fallback)))
    }

    func putUpdatePolicy(_ input: Operations.PutUpdatePolicy.Input) async throws -> Operations.PutUpdatePolicy.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        var v = Validator()
        v.pattern(body.id, { $0.wholeMatch(of: /[A-Za-z0-9._-]{1,64}/) != nil }, description: "^[A-Za-z0-9._-]{1,64}$",
                  at: ["body", "id"])
        v.range(body.maximumBuildNumber, 0...Int.max, at: ["body", "maximum_build_number"])
        v.range(body.minimumBuildNumber, 0...Int.max, at: ["body", "minimum_build_number"])
        v.range(body.latestBuildNumber, 0...Int.max, at: ["body", "latest_build_number"])
        v.length(body.title, max: 120, at: ["body", "title"])
        v.length(body.message, max: 500, at: ["body", "message"])
        v.length(body.ctaText, min: 1, max: 40, at: ["body", "cta_text"])
        v.pattern(body.downloadUrl, HTTPURL.isValid, description: "an http or https URL",
                  at: ["body", "download_url"])
        try v.check()
        var record: [String: Wire.JSONValue] = [
            "id": .string(body.id ?? "current"), "active": .bool(body.active), "severity": .string(body.severity.rawValue),
            "platforms": .array((body.platforms ?? []).map { .string($0.rawValue) }),
        ]
        if let maximum = body.maximumBuildNumber ?? body.minimumBuildNumber { record["maximum_build_number"] = .int(Int64(maximum)) }
        if let latest = body.latestBuildNumber { record["latest_build_number"] = .int(Int64(latest)) }
        if let title = body.title { record["title"] = .string(title) }
        if let message = body.message { record["message"] = .string(message) }
        if let cta = body.ctaText { record["cta_text"] = .string(cta) }
        if let url = body.downloadUrl { record["download_url"] = .string(url) }
        if let dismiss = body.canDismiss { record["can_dismiss"] = .bool(dismiss) }
        let stored = Wire.JSONValue.object(record)
        try await updatePolicy.replace(stored.jsonText, now: Clock.nowMicros())
        return .ok(.init(body: .json(UpdatePolicyRules.normalise(stored, defaultURL: defaultDownloadURL))))
    }
}
