import Foundation
import OmiContract

/// Reads a catalogue file against the rules of apps.md §4.2–§4.3, collecting every problem before failing.
struct AppCatalogParser {
    typealias JSON = Wire.JSONValue

    let path: String
    private(set) var problems: [String] = []
    private(set) var warnings: [String] = []

    init(path: String) { self.path = path }

    static let knownKeys: Set<String> = [
        "id", "name", "description", "image", "author", "email", "category", "capabilities", "chat_prompt",
        "memory_prompt", "external_integration", "proactive_notification", "is_popular", "is_paid", "price",
        "payment_plan", "username", "twitter", "created_at", "disabled",
    ]

    mutating func parse(_ data: Data, digest: String) throws -> AppCatalog {
        guard let root = try? JSONDecoder().decode(JSON.self, from: data), case .object(let object) = root else {
            throw AppCatalogError(problems: ["apps catalog \(path): not a JSON object"])
        }
        if let version = object["version"], version != .int(1) {
            problems.append("apps catalog \(path): version: must be 1")
        }
        guard case .array(let entries)? = object["apps"] else {
            throw AppCatalogError(problems: problems + ["apps catalog \(path): apps: must be an array"])
        }
        var apps: [CatalogApp] = []
        var ids = Set<String>()
        var usernames = Set<String>()
        for (index, entry) in entries.enumerated() {
            guard let app = parseEntry(entry, position: index + 1) else { continue }
            let at = "entry \(index + 1) (\"\(app.id)\")"
            if !ids.insert(app.id).inserted { fail(at, "id", "duplicate id \"\(app.id)\"") }
            if let username = app.username, !usernames.insert(username).inserted {
                fail(at, "username", "duplicate username \"\(username)\"")
            }
            apps.append(app)
        }
        if !problems.isEmpty { throw AppCatalogError(problems: problems) }
        return AppCatalog(apps: apps, digest: digest, warnings: warnings)
    }

    mutating func fail(_ at: String, _ field: String, _ problem: String) {
        problems.append("apps catalog \(path): \(at): \(field): \(problem)")
    }

    mutating func parseEntry(_ entry: JSON, position: Int) -> CatalogApp? {
        guard case .object(let e) = entry else {
            problems.append("apps catalog \(path): entry \(position): must be an object")
            return nil
        }
        let rawId = e["id"]?.stringValue
        let at = "entry \(position) (\"\(rawId ?? "?")\")"
        guard let id = rawId else { fail(at, "id", "required string"); return nil }
        if !AppVocabulary.isAppId(id) { fail(at, "id", "must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$") }
        if AppVocabulary.reservedIds.contains(id) { fail(at, "id", "\"\(id)\" is reserved for a route") }
        let unknown = Set(e.keys).subtracting(Self.knownKeys).sorted()
        if !unknown.isEmpty { warnings.append("apps catalog \(path): \(at): ignored keys \(unknown.joined(separator: ", "))") }

        let name = (string(e, "name", at) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.unicodeScalars.count > 100 { fail(at, "name", "required, 1-100 characters") }
        var capabilities: [String] = []
        switch e["capabilities"] {
        case .array(let values)?:
            for value in values {
                guard let capability = value.stringValue, AppVocabulary.capabilities.contains(capability) else {
                    fail(at, "capabilities", "unknown value \(value.jsonText)")
                    continue
                }
                if capabilities.contains(capability) { fail(at, "capabilities", "duplicate value \"\(capability)\"") }
                capabilities.append(capability)
            }
            if values.isEmpty { fail(at, "capabilities", "must not be empty") }
        default:
            fail(at, "capabilities", "required, a non-empty array of strings")
        }
        var app = CatalogApp(id: id, name: name, capabilities: capabilities)
        app.description = string(e, "description", at) ?? ""
        if app.description.unicodeScalars.count > 2000 { fail(at, "description", "at most 2000 characters") }
        app.image = string(e, "image", at) ?? ""
        if !app.image.isEmpty, !(HTTPURL.isValid(app.image) && app.image.count <= 2048) {
            fail(at, "image", "must be an absolute http(s) URL of at most 2048 characters")
        }
        app.author = string(e, "author", at) ?? ""
        app.email = string(e, "email", at)
        app.category = string(e, "category", at) ?? "other"
        if !AppVocabulary.categories.contains(where: { $0.id == app.category }) {
            fail(at, "category", "unknown category \"\(app.category)\"")
        }
        app.chatPrompt = string(e, "chat_prompt", at)
        if capabilities.contains("chat"), app.chatPrompt?.isEmpty ?? true { fail(at, "chat_prompt", "required for chat") }
        app.memoryPrompt = string(e, "memory_prompt", at)
        if capabilities.contains("memories"), app.memoryPrompt?.isEmpty ?? true {
            fail(at, "memory_prompt", "required for memories")
        }
        app.externalIntegration = integration(e["external_integration"], at)
        if capabilities.contains("external_integration"), app.externalIntegration == nil {
            fail(at, "external_integration", "required for external_integration")
        }
        app.notificationScopes = scopes(e["proactive_notification"], at)
        if capabilities.contains("proactive_notification"), app.notificationScopes == nil {
            fail(at, "proactive_notification", "required for proactive_notification")
        }
        app.isPopular = bool(e, "is_popular", at) ?? false
        app.isPaid = bool(e, "is_paid", at) ?? false
        app.disabled = bool(e, "disabled", at) ?? false
        switch e["price"] {
        case nil, .null?: break
        case .int(let i)? where i >= 0: app.price = Double(i)
        case .double(let d)? where d >= 0 && d.isFinite: app.price = d
        default: fail(at, "price", "must be a number of at least 0")
        }
        app.paymentPlan = string(e, "payment_plan", at)
        app.username = string(e, "username", at)
        if let username = app.username, !AppVocabulary.isUsername(username) {
            fail(at, "username", "must match ^[a-z0-9_]{3,30}$")
        }
        app.twitter = string(e, "twitter", at)
        if let created = string(e, "created_at", at) {
            if Self.hasZone(created), let micros = Timestamp.parseMicros(created) { app.createdAt = micros }
            else { fail(at, "created_at", "must be an ISO-8601 datetime with a zone") }
        }
        return app
    }

    mutating func string(_ e: [String: JSON], _ key: String, _ at: String) -> String? {
        switch e[key] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        default:
            fail(at, key, "must be a string")
            return nil
        }
    }

    mutating func bool(_ e: [String: JSON], _ key: String, _ at: String) -> Bool? {
        switch e[key] {
        case nil, .null?: return nil
        case .bool(let b)?: return b
        default:
            fail(at, key, "must be true or false")
            return nil
        }
    }

    mutating func integration(_ value: JSON?, _ at: String) -> CatalogApp.ExternalIntegration? {
        guard let value, value != .null else { return nil }
        guard case .object(let o) = value else {
            fail(at, "external_integration", "must be an object")
            return nil
        }
        let field = "external_integration"
        var result = CatalogApp.ExternalIntegration()
        switch o["auth_steps"] {
        case nil, .null?: break
        case .array(let steps)?:
            for (i, step) in steps.enumerated() {
                let name = step.field("name").stringValue ?? ""
                let url = step.field("url").stringValue ?? ""
                if name.isEmpty { fail(at, "\(field).auth_steps[\(i)].name", "required, non-empty") }
                if url.isEmpty { fail(at, "\(field).auth_steps[\(i)].url", "required, non-empty") }
                result.authSteps.append(.init(name: name, url: url))
            }
        default: fail(at, "\(field).auth_steps", "must be an array")
        }
        result.setupCompletedUrl = string(o, "setup_completed_url", "\(at): \(field)")
        result.setupInstructionsFilePath = string(o, "setup_instructions_file_path", "\(at): \(field)")
        result.appHomeUrl = string(o, "app_home_url", "\(at): \(field)")
        result.webhookUrl = string(o, "webhook_url", "\(at): \(field)")
        result.triggersOn = string(o, "triggers_on", "\(at): \(field)")
        if let trigger = result.triggersOn, !AppVocabulary.triggers.contains(trigger) {
            fail(at, "\(field).triggers_on", "unknown value \"\(trigger)\"")
        }
        result.isInstructionsUrl = bool(o, "is_instructions_url", "\(at): \(field)")
            ?? (result.setupInstructionsFilePath?.hasPrefix("http") ?? false)
        return result
    }

    mutating func scopes(_ value: JSON?, _ at: String) -> [String]? {
        guard let value, value != .null else { return nil }
        guard case .array(let values) = value.field("scopes") else {
            fail(at, "proactive_notification.scopes", "required, an array of scope ids")
            return nil
        }
        var scopes: [String] = []
        for value in values {
            guard let scope = value.stringValue, AppVocabulary.scopes.contains(scope) else {
                fail(at, "proactive_notification.scopes", "unknown value \(value.jsonText)")
                continue
            }
            scopes.append(scope)
        }
        return scopes
    }

    /// Ends in `Z` or a numeric offset: a naive datetime is refused.
    static func hasZone(_ text: String) -> Bool {
        text.hasSuffix("Z") || text.hasSuffix("z") || text.wholeMatch(of: /.*T.*[+-]\d{2}(:?\d{2})?/) != nil
    }
}

extension Wire.JSONValue {
    fileprivate var stringValue: String? { if case .string(let s) = self { s } else { nil } }

    fileprivate func field(_ key: String) -> Wire.JSONValue {
        if case .object(let o) = self { return o[key] ?? .null }
        return .null
    }
}
