import HTTPTypes
import OmiContract

/// users.md §17: only the keys the operator configured and may hand out; provider secrets carry spending power and
/// are served only for desktop builds from before the provider proxy, when the operator opts in.
extension OmiAPI {
    func getClientAPIKeys(_ input: Operations.GetClientAPIKeys.Input) async throws -> Operations.GetClientAPIKeys.Output {
        _ = try RequestValues.requireUser()
        var keys = Components.Schemas.ClientAPIKeys(firebaseApiKey: settings.firebaseAPIKey,
                                                    googleCalendarApiKey: settings.googleCalendarAPIKey)
        if settings.serveLegacyProviderKeys {
            keys.geminiApiKey = settings.geminiAPIKey
            keys.deepgramApiKey = settings.deepgramAPIKey
            keys.anthropicApiKey = settings.anthropicAPIKey
        }
        return .ok(.init(headers: .init(cacheControl: "no-store"), body: .json(keys)))
    }
}
