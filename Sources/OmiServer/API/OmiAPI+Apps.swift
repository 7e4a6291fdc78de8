import Foundation
import OmiContract
import OmiStorage

/// apps.md §7.1, §7.4–§7.13: the catalogue as one caller sees it, with derived installs and ratings.
extension OmiAPI {
    static let appNotFound = APIError(.notFound, "App not found")

    /// An app that resolves for the caller (apps.md §1): a catalogue entry, or the caller's own persona.
    enum ResolvedApp {
        case catalog(CatalogApp)
        case persona(PersonaRecord)
    }

    func resolveApp(_ id: String, uid: String) async throws -> ResolvedApp? {
        if let app = catalog.app(id) { return .catalog(app) }
        if let persona = try await apps.persona(id: id), persona.uid == uid { return .persona(persona) }
        return nil
    }

    /// The listed catalogue apps (and, when asked, the caller's persona) with the caller's enabled flags.
    func visibleApps(uid: String, includePersona: Bool) async throws -> [Wire.App] {
        let stats = try await apps.stats()
        let enabled = Set(try await apps.enablements(uid: uid).map(\.appId))
        var list = catalog.listed.map {
            AppMapping.app($0, stats: stats[$0.id] ?? AppStats(), enabled: enabled.contains($0.id))
        }
        if includePersona, let persona = try await apps.persona(uid: uid) {
            list.append(AppMapping.app(persona, stats: stats[persona.id] ?? AppStats(), enabled: enabled.contains(persona.id)))
        }
        return list
    }

    func listApps(_ input: Operations.ListApps.Input) async throws -> Operations.ListApps.Output {
        let user = try RequestValues.requireUser()
        let (limit, offset) = try Self.window(limit: input.query.limit, offset: input.query.offset, maxLimit: 500,
                                              defaultLimit: 50)
        var list = try await visibleApps(uid: user.uid, includePersona: true)
        if let capability = input.query.capability { list = list.filter { $0.capabilities.contains(capability) } }
        if let category = input.query.category { list = list.filter { $0.category == category } }
        return .ok(.init(body: .json(AppMapping.page(AppMapping.byWeightedRating(list), offset: offset, limit: limit))))
    }

    func listApprovedApps(_ input: Operations.ListApprovedApps.Input) async throws -> Operations.ListApprovedApps.Output {
        let user = try RequestValues.requireUser()
        let (limit, offset) = try Self.window(limit: input.query.limit, offset: input.query.offset, maxLimit: 500,
                                              defaultLimit: 50)
        let list = try await visibleApps(uid: user.uid, includePersona: false)
        return .ok(.init(body: .json(AppMapping.page(AppMapping.byWeightedRating(list), offset: offset, limit: limit))))
    }

    func listPopularApps(_ input: Operations.ListPopularApps.Input) async throws -> Operations.ListPopularApps.Output {
        let user = try RequestValues.requireUser()
        let list = try await visibleApps(uid: user.uid, includePersona: false).filter(\.isPopular)
        return .ok(.init(body: .json(AppMapping.byInstalls(list))))
    }

    func getApp(_ input: Operations.GetApp.Input) async throws -> Operations.GetApp.Output {
        let user = try RequestValues.requireUser()
        guard let resolved = try await resolveApp(input.path.appId, uid: user.uid) else { throw Self.appNotFound }
        let stats = try await apps.stats()
        let enabled = Set(try await apps.enablements(uid: user.uid).map(\.appId))
        let app: Wire.App = switch resolved {
        case .catalog(let a): AppMapping.app(a, stats: stats[a.id] ?? AppStats(), enabled: enabled.contains(a.id), details: true)
        case .persona(let p): AppMapping.app(p, stats: stats[p.id] ?? AppStats(), enabled: enabled.contains(p.id), details: true)
        }
        return .ok(.init(body: .json(app)))
    }

    /// Another user's persona does not resolve, so its reviews read as none.
    func listAppReviews(_ input: Operations.ListAppReviews.Input) async throws -> Operations.ListAppReviews.Output {
        let user = try RequestValues.requireUser()
        guard try await resolveApp(input.path.appId, uid: user.uid) != nil else { return .ok(.init(body: .json([]))) }
        return .ok(.init(body: .json(try await apps.reviews(appId: input.path.appId).map(Self.wireReview))))
    }

    func listEnabledApps(_ input: Operations.ListEnabledApps.Input) async throws -> Operations.ListEnabledApps.Output {
        let user = try RequestValues.requireUser()
        let stats = try await apps.stats()
        var list: [Wire.App] = []
        for (id, _) in try await apps.enablements(uid: user.uid) {
            switch try await resolveApp(id, uid: user.uid) {
            case .catalog(let a)? where !a.disabled: list.append(AppMapping.app(a, stats: stats[id] ?? AppStats(), enabled: true))
            case .persona(let p)?: list.append(AppMapping.app(p, stats: stats[id] ?? AppStats(), enabled: true))
            default: continue
            }
        }
        return .ok(.init(body: .json(list)))
    }

    func enableApp(_ input: Operations.EnableApp.Input) async throws -> Operations.EnableApp.Output {
        let user = try RequestValues.requireUser()
        let id = try Self.appId(query: input.query.appId, body: input.body.flatMap { if case .json(let b) = $0 { b.appId } else { nil } })
        switch try await resolveApp(id, uid: user.uid) {
        case nil: throw Self.appNotFound
        case .catalog(let a)? where a.disabled:
            throw APIError.badRequest("This app has been disabled by the server operator.")
        default: break
        }
        try await apps.enable(uid: user.uid, appId: id, now: Clock.nowMicros())
        return .ok(.init(body: .json(.init(status: "ok", success: true, message: "App enabled successfully"))))
    }

    func disableApp(_ input: Operations.DisableApp.Input) async throws -> Operations.DisableApp.Output {
        let user = try RequestValues.requireUser()
        let id = try Self.appId(query: input.query.appId, body: input.body.flatMap { if case .json(let b) = $0 { b.appId } else { nil } })
        let removed = try await apps.disable(uid: user.uid, appId: id)
        if !removed, try await resolveApp(id, uid: user.uid) == nil { throw Self.appNotFound }
        return .ok(.init(body: .json(.init(status: "ok", success: true, message: "App disabled successfully"))))
    }

    func reviewApp(_ input: Operations.ReviewApp.Input) async throws -> Operations.ReviewApp.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        var v = Validator()
        let id = [input.query.appId, body.appId].compactMap { $0 }.first { !$0.isEmpty }
        if id == nil { v.fail("missing", "Field required", at: ["body", "app_id"]) }
        let score = body.score
        if score.rounded() != score || !(1...5).contains(score) {
            v.fail("value_error", "Value error, score must be an integer from 1 to 5", at: ["body", "score"])
        }
        v.length(body.review, max: 5000, at: ["body", "review"])
        try v.check()
        guard let id, let resolved = try await resolveApp(id, uid: user.uid) else { throw Self.appNotFound }
        if case .persona = resolved { throw APIError(.forbidden, "You are not authorized to review your own app") }
        let stored = try await apps.review(uid: user.uid, appId: id, score: Int(score), text: body.review ?? "",
                                           now: Clock.nowMicros())
        var review = Self.wireReview(stored)
        review.status = "ok"
        return .ok(.init(body: .json(review)))
    }

    func listAppCategories(_ input: Operations.ListAppCategories.Input) async throws -> Operations.ListAppCategories.Output {
        _ = try RequestValues.requireUser()
        return .ok(.init(body: .json(AppVocabulary.categories.map { .init(id: $0.id, title: $0.title) })))
    }

    func listAppCapabilities(_ input: Operations.ListAppCapabilities.Input) async throws
        -> Operations.ListAppCapabilities.Output {
        _ = try RequestValues.requireUser()
        return .ok(.init(body: .json(AppCapabilities.all)))
    }

    static func wireReview(_ r: AppReviewRecord) -> Wire.AppReview {
        Wire.AppReview(uid: r.uid, score: r.score, review: r.review, response: r.response,
                       ratedAt: Timestamp.date(micros: r.ratedAt), editedAt: r.editedAt.map(Timestamp.date(micros:)))
    }

    /// The query form (current builds) wins over the body form (older builds); neither is 422 on the query.
    static func appId(query: String?, body: String?) throws -> String {
        if let id = [query, body].compactMap({ $0 }).first(where: { !$0.isEmpty }) { return id }
        var v = Validator()
        v.fail("missing", "Field required", at: ["query", "app_id"])
        try v.check()
        return ""
    }

    static func window(limit: Int?, offset: Int?, maxLimit: Int, defaultLimit: Int) throws -> (Int, Int) {
        var v = Validator()
        v.range(limit, 1...maxLimit, at: ["query", "limit"])
        v.range(offset, 0...Int.max, at: ["query", "offset"])
        try v.check()
        return (limit ?? defaultLimit, offset ?? 0)
    }
}
