import Foundation
import OmiContract
import OmiStorage

extension OmiAPI {
    func getScores(_ input: Operations.GetScores.Input) async throws -> Operations.GetScores.Output {
        let user = try RequestValues.requireUser()
        let day = try Self.scoreDay(date: input.query.date, tz: input.query.tz)
        let counts = try await scoreCounts(uid: user.uid, day: day)
        func period(_ done: Int, _ total: Int) -> Components.Schemas.ScorePeriod {
            .init(score: ScoreMath.percentOneDecimal(done, of: total), completedTasks: done, totalTasks: total)
        }
        let daily = period(counts.dueCompleted, counts.dueTotal)
        let weekly = period(counts.createdCompleted, counts.createdTotal)
        let overall = period(counts.allCompleted, counts.allTotal)
        let tab: Components.Schemas.Scores.DefaultTabPayload =
            if daily.totalTasks > 0 && daily.score >= weekly.score && daily.score >= overall.score { .daily }
            else if weekly.score >= overall.score { .weekly }
            else { .overall }
        return .ok(.init(body: .json(.init(daily: daily, weekly: weekly, overall: overall, defaultTab: tab, date: day.text))))
    }

    func getDailyScore(_ input: Operations.GetDailyScore.Input) async throws -> Operations.GetDailyScore.Output {
        let user = try RequestValues.requireUser()
        let day = try Self.scoreDay(date: input.query.date, tz: input.query.tz)
        let counts = try await scoreCounts(uid: user.uid, day: day)
        return .ok(.init(body: .json(.init(
            date: day.text, score: ScoreMath.percentInteger(counts.dueCompleted, of: counts.dueTotal),
            completedTasks: counts.dueCompleted, totalTasks: counts.dueTotal))))
    }

    /// Daily: due on D; weekly: created D−6 through D (seven calendar days); overall: everything.
    func scoreCounts(uid: String, day: ScoreMath.Day) async throws -> ScoreCounts {
        let start = day.midnight(plus: 0)
        let end = day.midnight(plus: 1)
        return try await tasks.scoreCounts(uid: uid, due: start..<end, created: day.midnight(plus: -6)..<end)
    }

    /// The `date` and `tz` query of tasks.md §3.1: a malformed date is a validation 422, an impossible one or an
    /// unknown zone a 422 with a plain detail.
    static func scoreDay(date: String?, tz: String?) throws -> ScoreMath.Day {
        var v = Validator()
        v.pattern(date, { $0.wholeMatch(of: /\d{4}-\d{2}-\d{2}/) != nil }, description: #"^\d{4}-\d{2}-\d{2}$"#,
                  at: ["query", "date"])
        try v.check()
        do {
            return try ScoreMath.day(date: date, tz: tz)
        } catch ScoreMath.DayError.invalidDate {
            throw APIError(.unprocessableContent, "Invalid date: expected a real YYYY-MM-DD date")
        } catch {
            throw APIError(.unprocessableContent, "Invalid tz: expected an IANA time zone name")
        }
    }
}
