import Foundation
import OmiContract
import OmiStorage

extension OmiAPI {
    /// The eligible conversations of the tools: processing or completed, not discarded, within the dates.
    static func toolFilter(start: String?, end: String?) -> Result<ConversationFilter, ToolFailure> {
        var filter = ConversationFilter()
        filter.statuses = visibleStatuses
        filter.includeDiscarded = false
        switch (ConversationToolText.date(start, field: "start_date"), ConversationToolText.date(end, field: "end_date")) {
        case (.failure(let failure), _), (_, .failure(let failure)): return .failure(failure)
        case (.success(let from), .success(let to)):
            filter.createdFrom = from
            filter.createdTo = to
            return .success(filter)
        }
    }

    func toolListConversations(_ input: Operations.ToolListConversations.Input) async throws -> Operations.ToolListConversations.Output {
        let user = try RequestValues.requireUser()
        let q = input.query
        var v = Validator()
        let limit = q.limit ?? 20
        let offset = q.offset ?? 0
        v.range(limit, 1...5000, at: ["query", "limit"])
        v.range(offset, 0...Int.max, at: ["query", "offset"])
        let includeTranscript = v.strictBool(q.includeTranscript, at: "include_transcript") ?? true
        try v.check()
        let name = "get_conversations"
        let filter: ConversationFilter
        switch Self.toolFilter(start: q.startDate, end: q.endDate) {
        case .failure(let failure): return .ok(.init(body: .json(Self.tool(name, failure.text))))
        case .success(let f): filter = f
        }
        let records = try await conversations.list(uid: user.uid, filter: filter, limit: limit, offset: offset)
        let text = records.isEmpty
            ? "No conversations found" + ToolText.range("", filter.createdFrom, filter.createdTo) + "."
            : ConversationToolText.blocks(records, includeTranscript: includeTranscript)
        return .ok(.init(body: .json(Self.tool(name, text))))
    }

    func toolSearchConversations(
        _ input: Operations.ToolSearchConversations.Input
    ) async throws -> Operations.ToolSearchConversations.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        var v = Validator()
        let limit = body.limit ?? 5
        v.range(limit, 1...20, at: ["body", "limit"])
        try v.check()
        let name = "search_conversations"
        let query = body.query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !query.isEmpty else { return .ok(.init(body: .json(Self.tool(name, "Error: query must not be empty")))) }
        let filter: ConversationFilter
        switch Self.toolFilter(start: body.startDate, end: body.endDate) {
        case .failure(let failure): return .ok(.init(body: .json(Self.tool(name, failure.text))))
        case .success(let f): filter = f
        }
        let terms = SearchText.terms(query)
        let records = terms.isEmpty ? [] : try await conversations.search(uid: user.uid, terms: terms, filter: filter,
                                                                            limit: limit, offset: 0).items
        let text = records.isEmpty
            ? "No conversations found matching '\(body.query)'."
            : "Found \(records.count) conversations semantically matching '\(body.query)':\n\n"
                + ConversationToolText.blocks(records, includeTranscript: body.includeTranscript ?? true)
        return .ok(.init(body: .json(Self.tool(name, text))))
    }
}
