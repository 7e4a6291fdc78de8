import OmiContract

extension OmiAPI {
    /// The 410 body of conventions.md §5.4: same with or without a token, never a 401.
    func gone(method: String, path: String) -> Components.Schemas.GoneBody {
        let migration = settings.publicBaseURL ?? RequestValues.origin
        return .init(
            error: .gone,
            message: "This endpoint (\(method) \(path)) is deprecated and no longer served by the desktop backend. "
                + "See \(migration) for supported endpoints.",
            migration: migration)
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
}
