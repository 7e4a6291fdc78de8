import Foundation
import OmiContract
import OmiStorage

/// apps.md §7.2–§7.3: the grouped catalogue and search. Personas never appear in either.
extension OmiAPI {
    func listAppsV2(_ input: Operations.ListAppsV2.Input) async throws -> Operations.ListAppsV2.Output {
        let user = try RequestValues.requireUser()
        let (limit, offset) = try Self.window(limit: input.query.limit, offset: input.query.offset, maxLimit: 100,
                                              defaultLimit: 20)
        let list = try await visibleApps(uid: user.uid, includePersona: false)
        if let capability = input.query.capability {
            let members = capability == "popular" ? AppMapping.byInstalls(list.filter(\.isPopular))
                : AppMapping.byScore(list.filter { catalog.app($0.id)?.primaryCapability == capability })
            return .ok(.init(body: .json(.AppsByCapability(.init(
                data: AppMapping.page(members, offset: offset, limit: limit),
                pagination: AppMapping.pagination(total: members.count, offset: offset, limit: limit),
                capability: .init(id: capability, title: AppMapping.title(of: capability)))))))
        }
        if let category = input.query.category {
            let members = AppMapping.byScore(list.filter { $0.category == category })
            let title = AppVocabulary.categories.first { $0.id == category }?.title ?? AppMapping.title(of: category)
            return .ok(.init(body: .json(.AppsByCategory(.init(
                data: AppMapping.page(members, offset: offset, limit: limit),
                pagination: AppMapping.pagination(total: members.count, offset: offset, limit: limit),
                category: .init(id: category, title: title))))))
        }
        var groups: [Components.Schemas.AppGroup] = []
        for (id, title) in AppVocabulary.groups {
            let members: [Wire.App]
            switch id {
            case "popular":
                members = AppMapping.byInstalls(list.filter(\.isPopular))
            case "proactive_notification":
                members = AppMapping.byScore(list.filter { catalog.app($0.id)?.isNotificationApp == true })
            default:
                members = AppMapping.byScore(list.filter { app in
                    guard let entry = catalog.app(app.id) else { return false }
                    return !entry.isPopular && !entry.isNotificationApp && entry.primaryCapability == id
                })
            }
            if members.isEmpty { continue }
            groups.append(.init(capability: .init(id: id, title: title),
                                data: AppMapping.page(members, offset: offset, limit: limit),
                                pagination: AppMapping.pagination(total: members.count, offset: offset, limit: limit)))
        }
        let capabilities = (AppVocabulary.groups + [("tasks", "Tasks")]).map {
            Components.Schemas.AppCapabilityItem(id: $0.0, title: $0.1)
        }
        return .ok(.init(body: .json(.AppsV2Grouped(.init(
            groups: groups, meta: .init(capabilities: capabilities, groupCount: groups.count, limit: limit, offset: offset))))))
    }

    func searchApps(_ input: Operations.SearchApps.Input) async throws -> Operations.SearchApps.Output {
        let user = try RequestValues.requireUser()
        let q = input.query
        let (limit, offset) = try Self.window(limit: q.limit, offset: q.offset, maxLimit: 100, defaultLimit: 20)
        var v = Validator()
        if let rating = q.rating, !(0...5).contains(rating) {
            v.fail(rating < 0 ? "greater_than_equal" : "less_than_equal",
                   rating < 0 ? "Input should be greater than or equal to 0" : "Input should be less than or equal to 5",
                   at: ["query", "rating"])
        }
        let myApps = v.bool(q.myApps, at: "my_apps")
        let installedApps = v.bool(q.installedApps, at: "installed_apps")
        try v.check()
        // The desktop leaves `+` unescaped in this value, so it is a literal plus, never a space.
        let literal = RequestValues.literalQueryValue("q") ?? RequestValues.literalQueryValue("query")
        let searchText = (literal ?? q.q ?? q.query)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        var list = try await visibleApps(uid: user.uid, includePersona: false)
        if !searchText.isEmpty {
            let needle = searchText.lowercased()
            list = list.filter { $0.name.lowercased().contains(needle) || $0.description.lowercased().contains(needle) }
        }
        if let category = q.category { list = list.filter { $0.category == category } }
        if let capability = q.capability { list = list.filter { $0.capabilities.contains(capability) } }
        if let rating = q.rating { list = list.filter { ($0.ratingAvg ?? 0) >= rating } }
        // Only personas are owned by users, and search never lists them.
        if myApps == true { list = [] }
        if installedApps == true { list = list.filter(\.enabled) }
        list = Self.searchOrder(list, text: searchText, sort: q.sort)
        let data = AppMapping.page(list, offset: offset, limit: limit)
        if RequestValues.legacyMount { return .ok(.init(body: .json(.case2(data)))) }
        func orNull(_ s: String?) -> Wire.JSONValue { s.map(Wire.JSONValue.string) ?? .null }
        let filters: Wire.JSONValue = .object([
            "query": searchText.isEmpty ? .null : .string(searchText), "category": orNull(q.category),
            "rating": q.rating.map(Wire.JSONValue.double) ?? .null, "capability": orNull(q.capability),
            "sort": .string(q.sort ?? "name"), "my_apps": myApps.map(Wire.JSONValue.bool) ?? .null,
            "installed_apps": installedApps.map(Wire.JSONValue.bool) ?? .null,
        ])
        return .ok(.init(body: .json(.AppSearchPage(.init(
            data: data, pagination: AppMapping.pagination(total: list.count, offset: offset, limit: limit),
            filters: filters)))))
    }

    /// Exact name, then name prefix, then the rest (installs, name, id within each) with text; by name without; or
    /// the named sort with name and id breaking ties.
    static func searchOrder(_ list: [Wire.App], text: String, sort: String?) -> [Wire.App] {
        func byName(_ a: Wire.App, _ b: Wire.App) -> Bool {
            let (x, y) = (a.name.lowercased(), b.name.lowercased())
            return x != y ? x < y : a.id < b.id
        }
        switch sort {
        case "rating_desc": return list.sorted { ($0.ratingAvg ?? 0) != ($1.ratingAvg ?? 0) ? ($0.ratingAvg ?? 0) > ($1.ratingAvg ?? 0) : byName($0, $1) }
        case "rating_asc": return list.sorted { ($0.ratingAvg ?? 0) != ($1.ratingAvg ?? 0) ? ($0.ratingAvg ?? 0) < ($1.ratingAvg ?? 0) : byName($0, $1) }
        case "name_asc": return list.sorted(by: byName)
        case "name_desc": return list.sorted { a, b in
            let (x, y) = (a.name.lowercased(), b.name.lowercased())
            return x != y ? x > y : a.id < b.id
        }
        case "installs_desc": return list.sorted { $0.installs != $1.installs ? $0.installs > $1.installs : byName($0, $1) }
        default:
            guard !text.isEmpty else { return list.sorted(by: byName) }
            let needle = text.lowercased()
            func tier(_ a: Wire.App) -> Int {
                let name = a.name.lowercased()
                return name == needle ? 0 : name.hasPrefix(needle) ? 1 : 2
            }
            return list.sorted { a, b in tier(a) != tier(b) ? tier(a) < tier(b) : AppMapping.tieBreak(a, b) }
        }
    }
}
