import OmiContract

/// Routes of the Python backend's release flow that this server does not serve (platform.md §1.6 "Not served"):
/// declared so the contract names every route, answered 404 like any unknown path.
extension OmiAPI {
    static var notServed: APIError { APIError.notFound("Not Found") }

    func reserveBetaCandidate(_ input: Operations.ReserveBetaCandidate.Input) async throws
        -> Operations.ReserveBetaCandidate.Output { throw Self.notServed }

    func promoteQualifiedBeta(_ input: Operations.PromoteQualifiedBeta.Input) async throws
        -> Operations.PromoteQualifiedBeta.Output { throw Self.notServed }

    func setBetaAdmission(_ input: Operations.SetBetaAdmission.Input) async throws
        -> Operations.SetBetaAdmission.Output { throw Self.notServed }

    func betaBreakglass(_ input: Operations.BetaBreakglass.Input) async throws -> Operations.BetaBreakglass.Output {
        throw Self.notServed
    }

    func publishPreview(_ input: Operations.PublishPreview.Input) async throws -> Operations.PublishPreview.Output {
        throw Self.notServed
    }

    func getPreview(_ input: Operations.GetPreview.Input) async throws -> Operations.GetPreview.Output {
        throw Self.notServed
    }

    func delistPreview(_ input: Operations.DelistPreview.Input) async throws -> Operations.DelistPreview.Output {
        throw Self.notServed
    }

    func getPreviewAtSource(_ input: Operations.GetPreviewAtSource.Input) async throws
        -> Operations.GetPreviewAtSource.Output { throw Self.notServed }

    /// No local speech model is published, so the app keeps to server transcription.
    func getLocalASRManifest(_ input: Operations.GetLocalASRManifest.Input) async throws
        -> Operations.GetLocalASRManifest.Output {
        throw APIError.notFound("No local speech model is published on this server")
    }

    /// platform.md §3.5: the dropped support chat answers the empty shape, the app's quiet success path.
    func getCrispUnread(_ input: Operations.GetCrispUnread.Input) async throws -> Operations.GetCrispUnread.Output {
        .ok(.init(headers: .init(cacheControl: "no-store"), body: .json(.init(unreadCount: 0, messages: []))))
    }

    func appleDomainAssociation(_ input: Operations.AppleDomainAssociation.Input) async throws
        -> Operations.AppleDomainAssociation.Output {
        .ok(.init(body: .plainText(.init(settings.appleDomainAssociation ?? ""))))
    }
}
