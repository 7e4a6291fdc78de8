import Foundation
import OmiContract
import OmiStorage

/// focus.md §1: focus sessions and their daily statistics, with day windows in the user's time zone.
extension OmiAPI {
    func createFocusSession(_ input: Operations.CreateFocusSession.Input) async throws -> Operations.CreateFocusSession.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        var v = Validator()
        v.length(body.appOrSite, min: 1, max: 500, at: ["body", "app_or_site"])
        v.length(body.description, min: 1, max: 5000, at: ["body", "description"])
        v.length(body.message, max: 5000, at: ["body", "message"])
        v.range(body.durationSeconds, 0...86_400, at: ["body", "duration_seconds"])
        try v.check()
        let session = FocusSessionRecord(
            id: RandomUUID.lowercased(), status: body.status.rawValue, appOrSite: body.appOrSite,
            description: body.description, message: body.message, createdAt: Clock.nowMicros(),
            durationSeconds: body.durationSeconds.map(Int64.init))
        do {
            try await focus.create(uid: user.uid, session)
        } catch {
            throw APIError(.internalServerError, "Failed to create focus session")
        }
        return .ok(.init(body: .json(FocusMapping.session(session))))
    }

    func listFocusSessions(_ input: Operations.ListFocusSessions.Input) async throws -> Operations.ListFocusSessions.Output {
        let user = try RequestValues.requireUser()
        var v = Validator()
        v.range(input.query.limit, 1...1000, at: ["query", "limit"])
        v.range(input.query.offset, 0...Int.max, at: ["query", "offset"])
        try v.check()
        let day = try FocusMapping.day(input.query.date, zone: try await timeZone(of: user))
        let sessions: [FocusSessionRecord]
        do {
            sessions = try await focus.list(uid: user.uid, from: day?.midnight(plus: 0), to: day?.midnight(plus: 1),
                                            limit: input.query.limit ?? 100, offset: input.query.offset ?? 0)
        } catch {
            throw APIError(.internalServerError, "Failed to load focus sessions")
        }
        return .ok(.init(body: .json(sessions.map(FocusMapping.session))))
    }

    func deleteFocusSession(_ input: Operations.DeleteFocusSession.Input) async throws -> Operations.DeleteFocusSession.Output {
        let user = try RequestValues.requireUser()
        do {
            try await focus.delete(uid: user.uid, id: input.path.sessionId)
        } catch {
            throw APIError(.internalServerError, "Failed to delete focus session")
        }
        return .ok(.init(body: .json(.init(status: "ok"))))
    }

    func getFocusStats(_ input: Operations.GetFocusStats.Input) async throws -> Operations.GetFocusStats.Output {
        let user = try RequestValues.requireUser()
        let zone = try await timeZone(of: user)
        let day = try FocusMapping.day(input.query.date, zone: zone) ?? ScoreMath.day(date: nil, zone: zone)
        let sessions: [FocusSessionRecord]
        do {
            sessions = try await focus.list(uid: user.uid, from: day.midnight(plus: 0), to: day.midnight(plus: 1),
                                            limit: nil, offset: 0)
        } catch {
            throw APIError(.internalServerError, "Failed to load focus stats")
        }
        let stats = FocusStatistics(sessions)
        return .ok(.init(body: .json(.init(
            date: day.text, focusedMinutes: Int(stats.focusedSeconds / 60),
            distractedMinutes: Int(stats.distractedSeconds / 60), sessionCount: stats.focusedCount + stats.distractedCount,
            focusedCount: stats.focusedCount, distractedCount: stats.distractedCount,
            topDistractions: stats.distractions.prefix(5).map {
                .init(appOrSite: $0.name, totalSeconds: Int($0.seconds), count: $0.count)
            }))))
    }
}
