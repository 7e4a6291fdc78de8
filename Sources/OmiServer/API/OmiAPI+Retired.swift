import OmiContract

/// The 410 shells of platform.md §4.4 and conventions.md §5.4. The two documents disagree on the message text;
/// platform.md is the later and more specific one and adds `detail` (the global error convention), so every shell
/// answers its four keys. No shell reads a token or a body, so none can answer 401.
extension OmiAPI {
    func gone(method: String, path: String) -> Components.Schemas.GoneBody {
        let migration = settings.publicBaseURL ?? RequestValues.origin
        let text = "This endpoint (\(method) \(path)) is retired and no longer served."
        return .init(detail: text, error: .gone, message: text, migration: migration)
    }

    func deepgramListen(_ input: Operations.DeepgramListen.Input) async throws -> Operations.DeepgramListen.Output {
        .gone(.init(body: .json(gone(method: "POST", path: RequestValues.path))))
    }

    func deepgramStreamGet(_ input: Operations.DeepgramStreamGet.Input) async throws -> Operations.DeepgramStreamGet.Output {
        .gone(.init(body: .json(gone(method: "GET", path: RequestValues.path))))
    }

    func deepgramStreamPost(_ input: Operations.DeepgramStreamPost.Input) async throws -> Operations.DeepgramStreamPost.Output {
        .gone(.init(body: .json(gone(method: "POST", path: RequestValues.path))))
    }

    func retiredReleaseRegistry(_ input: Operations.RetiredReleaseRegistry.Input) async throws
        -> Operations.RetiredReleaseRegistry.Output {
        .gone(.init(body: .json(gone(method: "POST", path: RequestValues.path))))
    }

    func retiredReleasePromote(_ input: Operations.RetiredReleasePromote.Input) async throws
        -> Operations.RetiredReleasePromote.Output {
        .gone(.init(body: .json(gone(method: "PATCH", path: RequestValues.path))))
    }

    func retiredSentryWebhook(_ input: Operations.RetiredSentryWebhook.Input) async throws
        -> Operations.RetiredSentryWebhook.Output {
        .gone(.init(body: .json(gone(method: "POST", path: RequestValues.path))))
    }

    func retiredSentryPoll(_ input: Operations.RetiredSentryPoll.Input) async throws -> Operations.RetiredSentryPoll.Output {
        .gone(.init(body: .json(gone(method: "POST", path: RequestValues.path))))
    }
}
