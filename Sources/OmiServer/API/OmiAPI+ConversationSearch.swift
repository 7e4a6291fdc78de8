import Foundation
import OmiContract
import OmiStorage

extension OmiAPI {
    /// knowledge.md §3.7 and §9: relevance search with page paging; an empty query lists newest first.
    func searchConversations(_ input: Operations.SearchConversations.Input) async throws -> Operations.SearchConversations.Output {
        let user = try RequestValues.requireUser()
        let body: Components.Schemas.ConversationSearchRequest = if case .json(let json)? = input.body { json } else { .init() }
        let page = max(body.page ?? 1, 1)
        let requested = body.perPage ?? 10
        let perPage = requested < 1 ? 10 : min(requested, 100)
        var filter = ConversationFilter()
        filter.statuses = Self.visibleStatuses
        filter.includeDiscarded = body.includeDiscarded ?? true
        for (raw, name, path) in [(body.startDate, "start_date", \ConversationFilter.createdFrom),
                                  (body.endDate, "end_date", \ConversationFilter.createdTo)] {
            guard let raw else { continue }
            guard let micros = TaskQueryDates.parse(raw) else {
                throw APIError.badRequest("Invalid \(name); expected an ISO 8601 datetime string")
            }
            filter[keyPath: path] = micros
        }
        let query = (body.query ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let offset = (page - 1) * perPage
        var items: [ConversationRecord]
        var total: Int
        if let speaker = body.speakerId, !speaker.isEmpty {
            // Speakers other than the user are people of the users issue; none is known yet.
            guard speaker == "user" else { throw APIError.notFound("Speaker not found") }
        }
        // Only id-shaped text is looked up as an id; other text (a NUL character, say) never reaches a bind.
        if Authenticator.isPlainUid(query), let exact = try await conversations.get(uid: user.uid, id: query) {
            (items, total) = ([exact], 1)
        } else {
            let terms = SearchText.terms(query)
            if terms.isEmpty {
                total = try await conversations.count(uid: user.uid, filter: filter)
                items = try await conversations.list(uid: user.uid, filter: filter, limit: perPage, offset: offset)
            } else {
                (items, total) = try await conversations.search(uid: user.uid, terms: terms, filter: filter,
                                                                limit: perPage, offset: offset)
            }
        }
        if body.speakerId == "user" {
            // Applied to the page; the desktop never sends a speaker filter (P2).
            items = items.filter { $0.segments.contains(where: \.isUser) }
        }
        let pages = total == 0 ? 0 : (total + perPage - 1) / perPage
        return .ok(.init(body: .json(.init(items: items.map(ConversationMapping.conversation), totalPages: pages,
                                           currentPage: page, perPage: perPage))))
    }
}
