import Foundation
import OmiContract
import OmiStorage

extension OmiAPI {
    /// knowledge.md §3.12: every requested id must resolve, or nothing changes.
    func assignConversationSegments(
        _ input: Operations.AssignConversationSegments.Input
    ) async throws -> Operations.AssignConversationSegments.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        let value = body.value == "null" ? nil : body.value
        let assignType = body.assignType
        let record = try await changeConversation(input.path.conversationId) { record in
            guard assignType == "is_user" || assignType == "person_id" else { throw APIError.badRequest("Invalid assign type") }
            var targets: [Int] = []
            var unresolved: [String] = []
            var seen = Set<String>()
            for id in body.segmentIds where seen.insert(id).inserted {
                if let index = Self.segmentIndex(id, in: record) { targets.append(index) } else { unresolved.append(id) }
            }
            guard unresolved.isEmpty else {
                throw APIError(.conflict, "Unable to resolve transcript segment assignment target(s): "
                               + unresolved.joined(separator: ", "))
            }
            for index in targets {
                if assignType == "is_user" {
                    record.segments[index].isUser = value?.lowercased() == "true"
                    record.segments[index].personId = nil
                } else {
                    record.segments[index].isUser = false
                    record.segments[index].personId = value
                }
            }
        }
        return .ok(.init(body: .json(ConversationMapping.conversation(record))))
    }

    /// An exact segment id; on completed conversations also `#index:N` and, for older builds, a bare position.
    static func segmentIndex(_ id: String, in record: ConversationRecord) -> Int? {
        if let index = record.segments.firstIndex(where: { $0.id == id }) { return index }
        guard record.status == "completed" else { return nil }
        let digits = id.hasPrefix("#index:") ? String(id.dropFirst("#index:".count)) : id
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
              let index = Int(digits), index < record.segments.count else { return nil }
        return index
    }

    func moveConversationToFolder(
        _ input: Operations.MoveConversationToFolder.Input
    ) async throws -> Operations.MoveConversationToFolder.Output {
        let user = try RequestValues.requireUser()
        let requested: String? = if case .json(let json)? = input.body { json.folderId } else { nil }
        let folderId = requested.flatMap { $0.isEmpty ? nil : $0 }
        let id = input.path.conversationId
        let now = Clock.nowMicros()
        try await conversations.atomically(uid: user.uid) { tx in
            guard var record = try await tx.get(id) else { throw Self.conversationNotFound }
            if let folderId, !(try await tx.folderExists(folderId)) { throw APIError.notFound("Folder not found") }
            record.folderId = folderId
            record.updatedAt = now
            try await tx.save(record)
        }
        return .ok(.init(body: .json(.init(status: "ok"))))
    }
}
