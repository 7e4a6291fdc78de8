import Foundation
import OmiContract
import OmiStorage

extension OmiAPI {
    static let memoryNotFound = APIError.notFound("Memory not found")
    static let missingMutationValue = APIError(.unprocessableContent, "Missing memory mutation value")

    func listMemories(_ input: Operations.ListMemories.Input) async throws -> Operations.ListMemories.Output {
        let user = try RequestValues.requireUser()
        let q = input.query
        var v = Validator()
        var filter = MemoryFilter()
        filter.category = q.category?.rawValue
        filter.tags = Self.commaList(q.tags)
        filter.includeDismissed = v.strictBool(q.includeDismissed, at: "include_dismissed") ?? false
        try v.check()
        let limit = min(max(q.limit ?? 100, 1), 5000)
        let records = try await memories.list(uid: user.uid, filter: filter, limit: limit, offset: max(q.offset ?? 0, 0))
        return .ok(.init(body: .json(records.map { KnowledgeMapping.memory($0, uid: user.uid) })))
    }

    func createMemory(_ input: Operations.CreateMemory.Input) async throws -> Operations.CreateMemory.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        let stored = try await storeMemories([body], at: ["body"], uid: user.uid)
        return .ok(.init(body: .json(Wire.CreatedMemory(KnowledgeMapping.memory(stored[0], uid: user.uid)))))
    }

    func createMemoriesBatch(_ input: Operations.CreateMemoriesBatch.Input) async throws -> Operations.CreateMemoriesBatch.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        var v = Validator()
        v.count(body.memories, max: 100, at: ["body", "memories"])
        try v.check()
        let stored = try await storeMemories(body.memories, at: ["body", "memories"], uid: user.uid, indexed: true)
        return .ok(.init(body: .json(.init(memories: stored.map { KnowledgeMapping.memory($0, uid: user.uid) },
                                           createdCount: stored.count))))
    }

    /// knowledge.md §5.2: validates every item first, then upserts them all by content hash in one transaction.
    /// Returns one record per distinct id, in first-seen order, with its final state.
    func storeMemories(_ requests: [Components.Schemas.CreateMemoryRequest], at loc: [ValidationError.LocationPart],
                       uid: String, indexed: Bool = false) async throws -> [MemoryRecord] {
        var v = Validator()
        for (index, request) in requests.enumerated() {
            let at = indexed ? loc + [.index(index), "content"] : loc + ["content"]
            if request.content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                v.fail("value_error", "Value error, content must not be blank", at: at, input: Validator.echo(request.content))
            }
        }
        try v.check()
        let now = Clock.nowMicros()
        var tagsGiven: [String: Bool] = [:]
        let incoming = requests.map { request -> MemoryRecord in
            let category = KnowledgeMapping.category(request.category ?? "manual")
            var m = MemoryRecord(id: KnowledgeMapping.memoryId(request.content), content: request.content,
                                 category: category, createdAt: now)
            m.visibility = request.visibility?.rawValue ?? "private"
            m.manuallyAdded = category == "manual"
            m.reviewed = m.manuallyAdded
            m.userReview = m.manuallyAdded ? true : nil
            m.confidence = request.confidence
            m.sourceApp = request.sourceApp
            m.contextSummary = request.contextSummary
            m.tags = request.tags ?? []
            m.reasoning = request.reasoning
            m.currentActivity = request.currentActivity
            m.source = request.source
            m.windowTitle = request.windowTitle
            m.headline = request.headline
            m.conversationId = request.conversationId
            tagsGiven[m.id] = (tagsGiven[m.id] ?? false) || request.tags != nil
            return m
        }
        let given = tagsGiven
        let written = try await memories.upsert(uid: uid, incoming) { stored, new in
            var merged = stored
            merged.content = new.content
            merged.category = new.category
            merged.visibility = new.visibility
            if given[new.id] == true { merged.tags = new.tags }
            merged.confidence = new.confidence ?? stored.confidence
            merged.sourceApp = new.sourceApp ?? stored.sourceApp
            merged.contextSummary = new.contextSummary ?? stored.contextSummary
            merged.reasoning = new.reasoning ?? stored.reasoning
            merged.currentActivity = new.currentActivity ?? stored.currentActivity
            merged.source = new.source ?? stored.source
            merged.windowTitle = new.windowTitle ?? stored.windowTitle
            merged.headline = new.headline ?? stored.headline
            merged.conversationId = new.conversationId ?? stored.conversationId
            merged.updatedAt = new.updatedAt
            return merged
        }
        var order: [String] = []
        var last: [String: MemoryRecord] = [:]
        for record in written {
            if last[record.id] == nil { order.append(record.id) }
            last[record.id] = record
        }
        return order.compactMap { last[$0] }
    }

    func deleteMemory(_ input: Operations.DeleteMemory.Input) async throws -> Operations.DeleteMemory.Output {
        let user = try RequestValues.requireUser()
        do {
            try await memories.delete(uid: user.uid, ids: [input.path.memoryId])
        } catch MemoryStoreError.notFound {
            throw Self.memoryNotFound
        }
        return .ok(.init(body: .json(.init(status: "ok"))))
    }

    func deleteMemoriesBatch(_ input: Operations.DeleteMemoriesBatch.Input) async throws -> Operations.DeleteMemoriesBatch.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        var v = Validator()
        v.count(body.memoryIds, max: 100, at: ["body", "memory_ids"])
        try v.check()
        var seen = Set<String>()
        do {
            try await memories.delete(uid: user.uid, ids: body.memoryIds.filter { seen.insert($0).inserted })
        } catch MemoryStoreError.notFound {
            throw Self.memoryNotFound
        }
        return .ok(.init(body: .json(.init(status: "ok"))))
    }

    func deleteAllMemories(_ input: Operations.DeleteAllMemories.Input) async throws -> Operations.DeleteAllMemories.Output {
        let user = try RequestValues.requireUser()
        try await memories.deleteAll(uid: user.uid)
        return .ok(.init(body: .json(.init(status: "ok"))))
    }

    /// The `{"value": …}` body or the deprecated `?value=`; the body wins.
    static func mutationValue(_ body: Components.Schemas.MemoryValueRequest?, query: String?) throws -> String {
        guard let value = body?.value ?? query, !value.isEmpty else { throw missingMutationValue }
        return value
    }

    func editMemory(_ input: Operations.EditMemory.Input) async throws -> Operations.EditMemory.Output {
        let user = try RequestValues.requireUser()
        let body: Components.Schemas.MemoryValueRequest? = if case .json(let json)? = input.body { json } else { nil }
        let value = try Self.mutationValue(body, query: input.query.value)
        let now = Clock.nowMicros()
        guard try await memories.update(uid: user.uid, id: input.path.memoryId, {
            $0.content = value
            $0.edited = true
            $0.updatedAt = now
        }) != nil else { throw Self.memoryNotFound }
        return .ok(.init(body: .json(.init(status: "ok"))))
    }

    static func visibility(_ value: String) throws -> String {
        guard value == "public" || value == "private" else { throw APIError.badRequest("Invalid visibility value") }
        return value
    }

    func setMemoryVisibility(_ input: Operations.SetMemoryVisibility.Input) async throws -> Operations.SetMemoryVisibility.Output {
        let user = try RequestValues.requireUser()
        let body: Components.Schemas.MemoryValueRequest? = if case .json(let json)? = input.body { json } else { nil }
        let value = try Self.visibility(try Self.mutationValue(body, query: input.query.value))
        let now = Clock.nowMicros()
        guard try await memories.update(uid: user.uid, id: input.path.memoryId, {
            $0.visibility = value
            $0.updatedAt = now
        }) != nil else { throw Self.memoryNotFound }
        return .ok(.init(body: .json(.init(status: "ok"))))
    }

    func setAllMemoriesVisibility(
        _ input: Operations.SetAllMemoriesVisibility.Input
    ) async throws -> Operations.SetAllMemoriesVisibility.Output {
        let user = try RequestValues.requireUser()
        let body: Components.Schemas.MemoryValueRequest? = if case .json(let json)? = input.body { json } else { nil }
        let value = try Self.visibility(try Self.mutationValue(body, query: nil))
        let now = Clock.nowMicros()
        let count = try await memories.updateAll(uid: user.uid, matching: { _ in true }) {
            $0.visibility = value
            $0.updatedAt = now
        }
        return .ok(.init(body: .json(.init(status: "ok", updatedCount: count))))
    }

    func markMemoryRead(_ input: Operations.MarkMemoryRead.Input) async throws -> Operations.MarkMemoryRead.Output {
        let user = try RequestValues.requireUser()
        let body: Components.Schemas.MemoryReadRequest? = if case .json(let json)? = input.body { json } else { nil }
        guard body?.isRead != nil || body?.isDismissed != nil else {
            throw APIError(.unprocessableContent, "Missing memory read mutation value")
        }
        let now = Clock.nowMicros()
        guard let record = try await memories.update(uid: user.uid, id: input.path.memoryId, {
            if let read = body?.isRead { $0.isRead = read }
            if let dismissed = body?.isDismissed { $0.isDismissed = dismissed }
            $0.updatedAt = now
        }) else { throw Self.memoryNotFound }
        return .ok(.init(body: .json(KnowledgeMapping.memory(record, uid: user.uid))))
    }

    func markAllMemoriesRead(_ input: Operations.MarkAllMemoriesRead.Input) async throws -> Operations.MarkAllMemoriesRead.Output {
        let user = try RequestValues.requireUser()
        let now = Clock.nowMicros()
        let count = try await memories.updateAll(uid: user.uid, matching: { !$0.isRead }) {
            $0.isRead = true
            $0.updatedAt = now
        }
        return .ok(.init(body: .json(.init(status: "ok", updatedCount: count))))
    }

    func reviewMemory(_ input: Operations.ReviewMemory.Input) async throws -> Operations.ReviewMemory.Output {
        let user = try RequestValues.requireUser()
        let bodyValue: Bool? = if case .json(let json)? = input.body { json.value } else { nil }
        var v = Validator()
        let queryValue = v.strictBool(input.query.value, at: "value")
        try v.check()
        guard let value = bodyValue ?? queryValue else {
            throw ValidationError(type: "missing", loc: ["query", "value"], msg: "Field required")
        }
        let now = Clock.nowMicros()
        guard try await memories.update(uid: user.uid, id: input.path.memoryId, {
            $0.reviewed = true
            $0.userReview = value
            $0.updatedAt = now
        }) != nil else { throw Self.memoryNotFound }
        return .ok(.init(body: .json(.init(status: "ok"))))
    }
}
