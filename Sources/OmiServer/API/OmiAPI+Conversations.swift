import Foundation
import OmiContract
import OmiStorage

extension OmiAPI {
    static let conversationNotFound = APIError.notFound("Conversation not found")
    /// Statuses listed and searched by default (knowledge.md §3.1).
    static let visibleStatuses = ["processing", "completed"]

    /// The filters shared by the list and the count (knowledge.md §3.1, §3.8).
    func conversationFilter(
        statuses: String?, defaultStatuses: [String]?, includeDiscarded: String?, defaultIncludeDiscarded: Bool,
        startDate: String?, endDate: String?, folderId: String?, starred: String?, sources: String?
    ) throws -> ConversationFilter {
        var v = Validator()
        var filter = ConversationFilter()
        let listed = Self.commaList(statuses)
        filter.statuses = listed.isEmpty ? defaultStatuses : listed
        filter.includeDiscarded = v.strictBool(includeDiscarded, at: "include_discarded") ?? defaultIncludeDiscarded
        filter.starred = v.strictBool(starred, at: "starred")
        filter.createdFrom = v.queryInstant(startDate, at: "start_date")
        filter.createdTo = v.queryInstant(endDate, at: "end_date")
        filter.folderId = folderId
        let sourceList = Self.commaList(sources)
        if !sourceList.isEmpty { filter.sources = sourceList }
        try v.check()
        if let from = filter.createdFrom, let to = filter.createdTo, from > to {
            throw APIError.badRequest("start_date must be earlier than or equal to end_date")
        }
        return filter
    }

    /// `a, b,,c` → `["a", "b", "c"]` (knowledge.md §0.6).
    static func commaList(_ raw: String?) -> [String] {
        (raw ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func listConversations(_ input: Operations.ListConversations.Input) async throws -> Operations.ListConversations.Output {
        let user = try RequestValues.requireUser()
        let q = input.query
        var v = Validator()
        let limit = q.limit ?? 100
        let offset = q.offset ?? 0
        v.range(limit, 1...Int.max, at: ["query", "limit"])
        v.range(offset, 0...Int.max, at: ["query", "offset"])
        try v.check()
        let filter = try conversationFilter(
            statuses: q.statuses, defaultStatuses: Self.visibleStatuses, includeDiscarded: q.includeDiscarded,
            defaultIncludeDiscarded: true, startDate: q.startDate, endDate: q.endDate, folderId: q.folderId,
            starred: q.starred, sources: q.sources)
        let records = try await conversations.list(uid: user.uid, filter: filter, limit: min(limit, 1000), offset: offset)
        return .ok(.init(body: .json(records.map(ConversationMapping.conversation))))
    }

    func countConversations(_ input: Operations.CountConversations.Input) async throws -> Operations.CountConversations.Output {
        let user = try RequestValues.requireUser()
        let q = input.query
        let filter = try conversationFilter(
            statuses: q.statuses, defaultStatuses: nil, includeDiscarded: q.includeDiscarded,
            defaultIncludeDiscarded: false, startDate: q.startDate, endDate: q.endDate, folderId: q.folderId,
            starred: q.starred, sources: q.sources)
        let count = try await conversations.count(uid: user.uid, filter: filter)
        return .ok(.init(body: .json(.init(count: count, sources: filter.sources))))
    }

    func getConversation(_ input: Operations.GetConversation.Input) async throws -> Operations.GetConversation.Output {
        let user = try RequestValues.requireUser()
        var v = Validator()
        let includeDiscarded = v.strictBool(input.query.includeDiscarded, at: "include_discarded") ?? true
        try v.check()
        guard let record = try await conversations.get(uid: user.uid, id: input.path.conversationId),
              includeDiscarded || !record.discarded else { throw Self.conversationNotFound }
        return .ok(.init(body: .json(ConversationMapping.conversation(record))))
    }

    func deleteConversation(_ input: Operations.DeleteConversation.Input) async throws -> Operations.DeleteConversation.Output {
        let user = try RequestValues.requireUser()
        var v = Validator()
        let cascade = v.strictBool(input.query.cascade, at: "cascade") ?? false
        try v.check()
        try await conversations.delete(uid: user.uid, id: input.path.conversationId, cascade: cascade)
        return .ok(.init(body: .json(.init(status: "Ok"))))
    }

    /// Applies `change` to the caller's conversation in one transaction; 404 when there is none.
    func changeConversation(_ id: String, _ change: @escaping @Sendable (inout ConversationRecord) throws -> Void)
        async throws -> ConversationRecord {
        let user = try RequestValues.requireUser()
        let now = Clock.nowMicros()
        return try await conversations.atomically(uid: user.uid) { tx in
            guard var record = try await tx.get(id) else { throw Self.conversationNotFound }
            try change(&record)
            record.updatedAt = now
            try await tx.save(record)
            return record
        }
    }

    func starConversation(_ input: Operations.StarConversation.Input) async throws -> Operations.StarConversation.Output {
        var v = Validator()
        let starred = v.strictBool(input.query.starred, at: "starred")
        try v.check()
        guard let starred else { throw ValidationError(type: "missing", loc: ["query", "starred"], msg: "Field required") }
        let record = try await changeConversation(input.path.conversationId) { $0.starred = starred }
        return .ok(.init(body: .json(.init(status: "Ok", conversation: ConversationMapping.conversation(record)))))
    }

    func setConversationVisibility(
        _ input: Operations.SetConversationVisibility.Input
    ) async throws -> Operations.SetConversationVisibility.Output {
        var v = Validator()
        let name = input.query.visibility != nil ? "visibility" : "value"
        guard let value = input.query.visibility ?? input.query.value else {
            throw ValidationError(type: "missing", loc: ["query", "value"], msg: "Field required")
        }
        v.oneOf(value, ["private", "shared", "public"], at: ["query", .key(name)])
        try v.check()
        _ = try await changeConversation(input.path.conversationId) { $0.visibility = value }
        return .ok(.init(body: .json(.init(status: "Ok"))))
    }

    func renameConversation(_ input: Operations.RenameConversation.Input) async throws -> Operations.RenameConversation.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        let record = try await rename(input.path.conversationId, title: body.title, overview: body.overview, at: ["body", "title"])
        return .ok(.init(body: .json(.init(status: "Ok", conversation: ConversationMapping.conversation(record)))))
    }

    func retitleConversation(_ input: Operations.RetitleConversation.Input) async throws -> Operations.RetitleConversation.Output {
        let record = try await rename(input.path.conversationId, title: input.query.title, overview: nil, at: ["query", "title"])
        return .ok(.init(body: .json(.init(status: "Ok", conversation: ConversationMapping.conversation(record)))))
    }

    /// knowledge.md §3.6: the title is trimmed and must keep 1–500 characters.
    func rename(_ id: String, title: String, overview: String?, at loc: [ValidationError.LocationPart]) async throws
        -> ConversationRecord {
        let trimmed = title.trimmingCharacters(in: .whitespacesAndNewlines)
        var v = Validator()
        v.length(trimmed, min: 1, max: 500, at: loc)
        try v.check()
        return try await changeConversation(id) { record in
            record.structured.title = trimmed
            if let overview { record.structured.overview = overview }
        }
    }

    func getSharedConversation(_ input: Operations.GetSharedConversation.Input) async throws -> Operations.GetSharedConversation.Output {
        guard let record = try await conversations.shared(id: input.path.conversationId) else {
            throw APIError.notFound("Conversation is private")
        }
        return .ok(.init(body: .json(Wire.SharedConversation(ConversationMapping.conversation(record)))))
    }
}
