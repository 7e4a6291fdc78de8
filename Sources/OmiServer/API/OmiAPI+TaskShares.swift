import Foundation
import OmiContract
import OmiStorage

extension OmiAPI {
    static let taskShareLifetime: Int64 = 30 * 86_400 * 1_000_000
    static let shareNotFound = APIError.notFound("Share link expired or not found")

    func shareActionItems(_ input: Operations.ShareActionItems.Input) async throws -> Operations.ShareActionItems.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        var seen = Set<String>()
        let ids = body.taskIds.filter { seen.insert($0).inserted }
        var v = Validator()
        if ids.isEmpty {
            v.fail("too_short", "List should have at least 1 item after validation, not 0", at: ["body", "task_ids"])
        }
        v.count(ids, max: 20, at: ["body", "task_ids"])
        try v.check()
        let stored = try await users.displayName(uid: user.uid)
        let senderName = [stored, user.name].compactMap { $0 }.first { !$0.isEmpty } ?? "Someone"
        let token = RandomUUID.make().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let now = Clock.nowMicros()
        do {
            try await tasks.createShare(uid: user.uid, token: token, senderName: senderName, taskIds: ids, now: now,
                                        expiresAt: now + Self.taskShareLifetime)
        } catch TaskStoreError.taskNotFound(let id) {
            throw APIError.notFound("Action item \(id) not found")
        }
        return .ok(.init(body: .json(.init(url: "\(settings.taskShareBaseURL)/tasks/\(token)", token: token))))
    }

    func getSharedActionItems(_ input: Operations.GetSharedActionItems.Input) async throws -> Operations.GetSharedActionItems.Output {
        guard let share = try await tasks.share(token: input.path.token, now: Clock.nowMicros()) else { throw Self.shareNotFound }
        let items = share.tasks.map { Wire.SharedTasks.Task(description: $0.description, dueAt: $0.dueAt.map(TaskMapping.date)) }
        return .ok(.init(body: .json(Wire.SharedTasks(senderName: share.senderName, tasks: items))))
    }

    func acceptSharedActionItems(_ input: Operations.AcceptSharedActionItems.Input) async throws -> Operations.AcceptSharedActionItems.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        do {
            let copies = try await tasks.acceptShare(uid: user.uid, token: body.token, now: Clock.nowMicros())
            return .ok(.init(body: .json(.init(created: copies.map(\.id), count: copies.count))))
        } catch let error as TaskStoreError {
            switch error {
            case .shareNotFound, .taskNotFound: throw Self.shareNotFound
            case .ownShare: throw APIError.badRequest("Cannot accept your own shared tasks")
            case .sharedTasksGone: throw APIError.notFound("Shared tasks are no longer available")
            case .alreadyAccepted: throw APIError(.conflict, "You have already accepted this share")
            }
        }
    }
}
