import Foundation
import OmiContract
import OmiStorage

extension OmiAPI {
    static let folderNotFound = APIError.notFound("Folder not found")
    static let maxCustomFolders = 50

    func listFolders(_ input: Operations.ListFolders.Input) async throws -> Operations.ListFolders.Output {
        let user = try RequestValues.requireUser()
        return .ok(.init(body: .json(try await folders.list(uid: user.uid, now: Clock.nowMicros()).map(ConversationMapping.folder))))
    }

    func getFolder(_ input: Operations.GetFolder.Input) async throws -> Operations.GetFolder.Output {
        let user = try RequestValues.requireUser()
        guard let folder = try await folders.get(uid: user.uid, id: input.path.folderId, now: Clock.nowMicros()) else {
            throw Self.folderNotFound
        }
        return .ok(.init(body: .json(ConversationMapping.folder(folder))))
    }

    func createFolder(_ input: Operations.CreateFolder.Input) async throws -> Operations.CreateFolder.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        var v = Validator()
        v.length(body.name, min: 1, max: 100, at: ["body", "name"])
        v.length(body.description, max: 500, at: ["body", "description"])
        v.length(body.color, max: 50, at: ["body", "color"])
        v.length(body.icon, max: 50, at: ["body", "icon"])
        try v.check()
        var folder = FolderRecord(name: body.name, createdAt: Clock.nowMicros())
        folder.description = body.description
        if let color = body.color { folder.color = color }
        if let icon = body.icon { folder.icon = icon }
        do {
            folder = try await folders.create(uid: user.uid, folder: folder, maxCustom: Self.maxCustomFolders)
        } catch FolderStoreError.limitReached {
            throw APIError.badRequest("Maximum folder limit reached (\(Self.maxCustomFolders) custom folders)")
        }
        return .ok(.init(body: .json(ConversationMapping.folder(folder))))
    }

    func updateFolder(_ input: Operations.UpdateFolder.Input) async throws -> Operations.UpdateFolder.Output {
        let user = try RequestValues.requireUser()
        let body: Wire.FolderUpdate = if case .json(let json)? = input.body { json } else { .init() }
        var v = Validator()
        v.length(body.name, min: 1, max: 100, at: ["body", "name"])
        v.length(body.description ?? nil, max: 500, at: ["body", "description"])
        v.length(body.color, max: 50, at: ["body", "color"])
        v.length(body.icon, max: 50, at: ["body", "icon"])
        try v.check()
        guard let folder = try await folders.update(uid: user.uid, id: input.path.folderId, now: Clock.nowMicros(), { f in
            if let name = body.name { f.name = name }
            if let description = body.description { f.description = description }
            if let color = body.color { f.color = color }
            if let icon = body.icon { f.icon = icon }
            if let order = body.order { f.order = Int64(order) }
        }) else { throw Self.folderNotFound }
        return .ok(.init(body: .json(ConversationMapping.folder(folder))))
    }

    func deleteFolder(_ input: Operations.DeleteFolder.Input) async throws -> Operations.DeleteFolder.Output {
        let user = try RequestValues.requireUser()
        let id = input.path.folderId
        let target = input.query.moveToFolderId.flatMap { $0.isEmpty ? nil : $0 }
        do {
            if target == id {
                guard try await folders.get(uid: user.uid, id: id, now: Clock.nowMicros()) != nil else { throw Self.folderNotFound }
                throw APIError.badRequest("Cannot move conversations to the folder being deleted")
            }
            try await folders.delete(uid: user.uid, id: id, moveTo: target, now: Clock.nowMicros())
        } catch let error as FolderStoreError {
            switch error {
            case .systemFolder: throw APIError.badRequest("Cannot delete system folder")
            case .targetNotFound: throw APIError.notFound("Target folder not found")
            default: throw Self.folderNotFound
            }
        }
        return .noContent(.init())
    }

    func reorderFolders(_ input: Operations.ReorderFolders.Input) async throws -> Operations.ReorderFolders.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        var v = Validator()
        if body.folderIds.isEmpty {
            v.fail("too_short", "List should have at least 1 item after validation, not 0", at: ["body", "folder_ids"])
        }
        v.count(body.folderIds, max: 100, at: ["body", "folder_ids"])
        if Set(body.folderIds).count != body.folderIds.count {
            v.fail("value_error", "Value error, folder_ids must not contain duplicates", at: ["body", "folder_ids"])
        }
        try v.check()
        do {
            try await folders.reorder(uid: user.uid, ids: body.folderIds, now: Clock.nowMicros())
        } catch FolderStoreError.unknownFolders(let unknown) {
            throw APIError(.unprocessableContent, detailObject: .object([
                "message": .string("Unknown folder IDs"), "folder_ids": .array(unknown.map { .string($0) }),
            ]))
        }
        return .ok(.init(body: .json(.init(status: "ok"))))
    }

    func listFolderConversations(
        _ input: Operations.ListFolderConversations.Input
    ) async throws -> Operations.ListFolderConversations.Output {
        let user = try RequestValues.requireUser()
        var v = Validator()
        let limit = input.query.limit ?? 100
        let offset = input.query.offset ?? 0
        v.range(limit, 1...1000, at: ["query", "limit"])
        v.range(offset, 0...Int.max, at: ["query", "offset"])
        let includeDiscarded = v.strictBool(input.query.includeDiscarded, at: "include_discarded") ?? false
        try v.check()
        guard try await folders.get(uid: user.uid, id: input.path.folderId, now: Clock.nowMicros()) != nil else {
            throw Self.folderNotFound
        }
        var filter = ConversationFilter()
        filter.folderId = input.path.folderId
        filter.includeDiscarded = includeDiscarded
        let records = try await conversations.list(uid: user.uid, filter: filter, limit: limit, offset: offset)
        return .ok(.init(body: .json(records.map(ConversationMapping.conversation))))
    }

    func bulkMoveConversations(_ input: Operations.BulkMoveConversations.Input) async throws -> Operations.BulkMoveConversations.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        var seen = Set<String>()
        let ids = body.conversationIds.filter { seen.insert($0).inserted }
        var v = Validator()
        v.count(ids, max: 100, at: ["body", "conversation_ids"])
        try v.check()
        do {
            let moved = try await folders.moveConversations(uid: user.uid, ids: ids, to: input.path.folderId,
                                                            now: Clock.nowMicros())
            return .ok(.init(body: .json(.init(status: "ok", movedCount: moved))))
        } catch FolderStoreError.conversationNotFound(let id) {
            throw APIError.notFound("Conversation \(id) not found")
        } catch FolderStoreError.notFound {
            throw Self.folderNotFound
        }
    }
}
