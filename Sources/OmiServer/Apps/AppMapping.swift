import Foundation
import OmiContract
import OmiStorage

/// Wire shapes and orderings of apps.md §2–§3.
enum AppMapping {
    static func app(_ a: CatalogApp, stats: AppStats, enabled: Bool, details: Bool = false) -> Wire.App {
        var w = Wire.App(id: a.id)
        w.name = a.name
        w.description = a.description
        w.image = a.image
        w.category = a.category
        w.author = a.author
        w.capabilities = a.capabilities
        w.installs = stats.installs
        w.ratingAvg = stats.ratingAvg
        w.ratingCount = stats.ratingCount
        w.isPaid = a.isPaid
        w.price = a.price
        w.enabled = enabled
        w.username = a.username
        w.isPopular = a.isPopular
        w.createdAt = a.createdAt.map(Timestamp.date(micros:))
        w.externalIntegration = a.externalIntegration.map(integration)
        w.proactiveNotification = a.notificationScopes.map { .object(["scopes": .array($0.map(Wire.JSONValue.string))]) }
        w.details = details
        w.email = a.email
        w.chatPrompt = a.chatPrompt
        w.memoryPrompt = a.memoryPrompt
        w.paymentPlan = a.paymentPlan
        w.twitter = a.twitter
        w.disabled = a.disabled
        return w
    }

    /// A persona as an app; only its owner ever sees it, prompt included.
    static func app(_ p: PersonaRecord, stats: AppStats, enabled: Bool, details: Bool = false) -> Wire.App {
        var w = Wire.App(id: p.id)
        w.name = p.name
        w.description = p.description
        w.image = p.image
        w.category = "personality-emulation"
        w.author = p.author
        w.capabilities = ["persona"]
        w.approved = p.approved
        w.private = p.isPrivate
        w.installs = stats.installs
        w.ratingAvg = stats.ratingAvg
        w.ratingCount = stats.ratingCount
        w.enabled = enabled
        w.status = p.status
        w.uid = p.uid
        w.username = p.username
        w.createdAt = Timestamp.date(micros: p.createdAt)
        w.details = details
        w.email = p.email
        w.personaPrompt = p.personaPrompt
        return w
    }

    /// Every key of apps.md §2.3; the webhook URL never leaves the server.
    static func integration(_ i: CatalogApp.ExternalIntegration) -> Wire.JSONValue {
        func text(_ s: String?) -> Wire.JSONValue { s.map(Wire.JSONValue.string) ?? .null }
        return .object([
            "auth_steps": .array(i.authSteps.map { .object(["name": .string($0.name), "url": .string($0.url)]) }),
            "setup_completed_url": text(i.setupCompletedUrl),
            "setup_instructions_file_path": text(i.setupInstructionsFilePath),
            "app_home_url": text(i.appHomeUrl),
            "is_instructions_url": i.isInstructionsUrl.map(Wire.JSONValue.bool) ?? .null,
            "triggers_on": text(i.triggersOn),
        ])
    }

    /// `v/(v+5)·R + 5/(v+5)·3.0` (§3.4).
    static func weightedRating(_ a: Wire.App) -> Double {
        let v = Double(a.ratingCount)
        return v / (v + 5) * (a.ratingAvg ?? 0) + 5 / (v + 5) * 3.0
    }

    /// `round((R/5)² · ln(1 + v) · √(ln(1 + installs)), 4)` (§3.5).
    static func score(_ a: Wire.App) -> Double {
        let r = (a.ratingAvg ?? 0) / 5
        let raw = r * r * log(1 + Double(a.ratingCount)) * sqrt(log(1 + Double(max(0, a.installs))))
        return (raw * 10_000).rounded() / 10_000
    }

    /// Installs descending, then name case-insensitively, then id: the tie-break of every ordering.
    static func tieBreak(_ a: Wire.App, _ b: Wire.App) -> Bool {
        if a.installs != b.installs { return a.installs > b.installs }
        let (x, y) = (a.name.lowercased(), b.name.lowercased())
        if x != y { return x < y }
        return a.id < b.id
    }

    static func byWeightedRating(_ apps: [Wire.App]) -> [Wire.App] {
        apps.sorted { a, b in
            let (x, y) = (weightedRating(a), weightedRating(b))
            return x != y ? x > y : tieBreak(a, b)
        }
    }

    static func byScore(_ apps: [Wire.App]) -> [Wire.App] {
        apps.sorted { a, b in
            let (x, y) = (score(a), score(b))
            return x != y ? x > y : tieBreak(a, b)
        }
    }

    static func byInstalls(_ apps: [Wire.App]) -> [Wire.App] { apps.sorted(by: tieBreak) }

    static func pagination(total: Int, offset: Int, limit: Int) -> Components.Schemas.AppPagination {
        .init(total: total, count: max(0, min(limit, total - offset)), offset: offset, limit: limit,
              hasNext: offset + limit < total, hasPrevious: offset > 0)
    }

    static func page<T>(_ items: [T], offset: Int, limit: Int) -> [T] {
        guard offset < items.count else { return [] }
        return Array(items[offset..<min(items.count, offset + limit)])
    }

    /// An unknown capability's title: underscores to spaces, words capitalised.
    static func title(of capability: String) -> String {
        AppVocabulary.groups.first { $0.id == capability }?.title
            ?? capability.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
    }
}
