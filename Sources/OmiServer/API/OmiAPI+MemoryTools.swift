import Foundation
import OmiContract
import OmiStorage

extension OmiAPI {
    func toolListMemories(_ input: Operations.ToolListMemories.Input) async throws -> Operations.ToolListMemories.Output {
        let user = try RequestValues.requireUser()
        let q = input.query
        var v = Validator()
        let limit = q.limit ?? 50
        let offset = q.offset ?? 0
        v.range(limit, 1...5000, at: ["query", "limit"])
        v.range(offset, 0...Int.max, at: ["query", "offset"])
        try v.check()
        let name = "get_memories"
        var filter = MemoryFilter()
        switch (ConversationToolText.date(q.startDate, field: "start_date"), ConversationToolText.date(q.endDate, field: "end_date")) {
        case (.failure(let failure), _), (_, .failure(let failure)):
            return .ok(.init(body: .json(Self.tool(name, failure.text))))
        case (.success(let from), .success(let to)):
            filter.createdFrom = from
            filter.createdTo = to
        }
        let records = try await memories.list(uid: user.uid, filter: filter, limit: limit, offset: offset)
        guard !records.isEmpty else { return .ok(.init(body: .json(Self.tool(name, "No memories found.")))) }
        let groups = ["manual", "interesting", "system"].compactMap { category -> String? in
            let lines = records.filter { KnowledgeMapping.category($0.category) == category }.map { "- \($0.content)" }
            return lines.isEmpty ? nil : ([ConversationToolText.capitalised(category) + ":"] + lines).joined(separator: "\n")
        }
        return .ok(.init(body: .json(Self.tool(name, groups.joined(separator: "\n\n")))))
    }

    func toolSearchMemories(_ input: Operations.ToolSearchMemories.Input) async throws -> Operations.ToolSearchMemories.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        var v = Validator()
        let limit = body.limit ?? 5
        v.range(limit, 1...20, at: ["body", "limit"])
        try v.check()
        let name = "search_memories"
        guard !body.query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return .ok(.init(body: .json(Self.tool(name, "Error: query must not be empty"))))
        }
        let terms = SearchText.terms(body.query)
        let records = terms.isEmpty ? [] : try await memories.search(uid: user.uid, terms: terms, limit: limit)
        let text = records.isEmpty
            ? "No memories found matching '\(body.query)'."
            : "Found \(records.count) memories matching '\(body.query)':\n" + records.map { "- \($0.content)" }.joined(separator: "\n")
        return .ok(.init(body: .json(Self.tool(name, text))))
    }
}
