import Foundation
import OmiContract
import Testing
@testable import OmiServer

@Suite("Task scores (tasks.md §3)")
struct TaskScoreTests {
    typealias JSON = Wire.JSONValue

    /// One period of `/v1/scores`; nil fields mean the value was missing or of the wrong JSON type.
    struct Period: Equatable, CustomStringConvertible {
        var score: Double?
        var completed: Int64?
        var total: Int64?

        init(_ score: Double?, _ completed: Int64?, _ total: Int64?) {
            (self.score, self.completed, self.total) = (score, completed, total)
        }

        init(_ v: JSON) { self.init(TaskScoreTests.number(v["score"]), v["completed_tasks"].int, v["total_tasks"].int) }

        var description: String { "\(score.map { "\($0)" } ?? "nil") (\(completed.map { "\($0)" } ?? "nil")/\(total.map { "\($0)" } ?? "nil"))" }
    }

    /// A JSON number as a double, whether it was encoded as `75` or `75.0`.
    static func number(_ v: JSON) -> Double? {
        switch v {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }

    /// Days since 1970-01-01 of the `YYYY-MM-DD` prefix of a date or datetime.
    static func day(_ text: String) -> Int64? {
        Timestamp.parseMicros(String(text.prefix(10)) + "T00:00:00Z").map { $0 / 86_400_000_000 }
    }

    static func date(_ day: Int64) -> String { String(Timestamp.format(micros: day * 86_400_000_000).prefix(10)) }

    static func today() -> String { String(Timestamp.format(Date()).prefix(10)) }

    /// Creates a task with a unique description.
    @discardableResult
    func task(_ h: TestHarness, due: String? = nil, completed: Bool = false,
              as uid: String = TestHarness.defaultUser) async throws -> JSON {
        let due = due.map { #""\#($0)""# } ?? "null"
        let r = try await h.call(.post, "/v1/action-items", as: uid,
                                 json: #"{"description":"task \#(UUID().uuidString)","due_at":\#(due),"completed":\#(completed)}"#)
        #expect(r.status == 200, "\(r.text)")
        return r.json
    }

    /// Creates `count` tasks due at noon UTC on `date`, the first `done` of them completed; returns their ids.
    @discardableResult
    func tasksDue(_ h: TestHarness, _ date: String, _ count: Int, done: Int) async throws -> [String] {
        var ids: [String] = []
        for i in 0..<count { ids.append(try #require(try await task(h, due: "\(date)T12:00:00Z", completed: i < done)["id"].string)) }
        return ids
    }

    func complete(_ h: TestHarness, _ ids: some Sequence<String>) async throws {
        for id in ids { #expect(try await h.call(.patch, "/v1/action-items/\(id)", json: #"{"completed":true}"#).status == 200) }
    }

    func scores(_ h: TestHarness, _ query: String, as uid: String = TestHarness.defaultUser) async throws -> JSON {
        let r = try await h.call(.get, "/v1/scores?\(query)", as: uid)
        #expect(r.status == 200, "\(r.text)")
        #expect(r.json.keys == ["daily", "weekly", "overall", "default_tab", "date"])
        for period in ["daily", "weekly", "overall"] {
            #expect(r.json[period].keys == ["score", "completed_tasks", "total_tasks"], "\(period)")
        }
        return r.json
    }

    func dailyScore(_ h: TestHarness, _ query: String, as uid: String = TestHarness.defaultUser) async throws -> JSON {
        let r = try await h.call(.get, "/v1/daily-score?\(query)", as: uid)
        #expect(r.status == 200 && r.json.keys == ["date", "score", "completed_tasks", "total_tasks"], "\(r.text)")
        return r.json
    }

    /// Expects the daily figures of both endpoints for `date` (in `tz` when given).
    func expectDaily(_ h: TestHarness, _ date: String, tz: String? = nil, rounded: Int64, _ exact: Period,
                     sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let query = "date=\(date)" + (tz.map { "&tz=\($0)" } ?? "")
        let daily = try await dailyScore(h, query)
        #expect(daily == .object(["date": .string(date), "score": .int(rounded), "completed_tasks": .int(exact.completed ?? -1),
                                  "total_tasks": .int(exact.total ?? -1)]), "\(query)", sourceLocation: sourceLocation)
        let all = try await scores(h, query)
        #expect(Period(all["daily"]) == exact, "\(query)", sourceLocation: sourceLocation)
        #expect(all["date"].string == date, sourceLocation: sourceLocation)
    }

    @Test(arguments: TestEngine.available)
    func dailyCountsTasksDueOnTheDay(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            for (due, done) in [("2030-03-05T00:00:00Z", true), ("2030-03-05T23:59:59.999Z", true),
                                ("2030-03-05T12:00:00+02:00", true), ("2030-03-05T06:00:00Z", false),
                                ("2030-03-06T00:00:00Z", true), ("2030-03-04T23:59:59.999Z", false)] {
                try await task(h, due: due, completed: done)
            }
            try await task(h, completed: true)  // undated: never in a daily window
            try await expectDaily(h, "2030-03-05", rounded: 75, Period(75.0, 3, 4))
            let s = try await scores(h, "date=2030-03-05")
            #expect(Period(s["weekly"]) == Period(0.0, 0, 0))
            #expect(Period(s["overall"]) == Period(71.4, 5, 7))
            #expect(s["default_tab"].string == "daily")
        }
    }

    @Test(arguments: TestEngine.available)
    func roundingIsExactWithTiesToEven(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await expectDaily(h, "2030-01-09", rounded: 0, Period(0.0, 0, 0))
            let eighths = try await tasksDue(h, "2030-01-10", 8, done: 1)
            try await expectDaily(h, "2030-01-10", rounded: 12, Period(12.5, 1, 8))
            try await complete(h, eighths[1...2])
            try await expectDaily(h, "2030-01-10", rounded: 38, Period(37.5, 3, 8))
            try await complete(h, eighths[3...4])
            try await expectDaily(h, "2030-01-10", rounded: 62, Period(62.5, 5, 8))
            try await tasksDue(h, "2030-01-11", 3, done: 2)
            try await expectDaily(h, "2030-01-11", rounded: 67, Period(66.7, 2, 3))
            // Ties at the first decimal: 6.25 → 6.2 and 18.75 → 18.8.
            let sixteenths = try await tasksDue(h, "2030-01-12", 16, done: 1)
            try await expectDaily(h, "2030-01-12", rounded: 6, Period(6.2, 1, 16))
            try await complete(h, sixteenths[1...2])
            try await expectDaily(h, "2030-01-12", rounded: 19, Period(18.8, 3, 16))
        }
    }

    @Test(arguments: TestEngine.available)
    func weeklyOverallAndDefaultTab(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            // An empty account: zeros everywhere, and daily without daily tasks is never the default.
            let empty = try await scores(h, "date=2030-03-05")
            for period in ["daily", "weekly", "overall"] { #expect(Period(empty[period]) == Period(0.0, 0, 0), "\(period)") }
            #expect(empty["default_tab"].string == "weekly")
            // Stay clear of UTC midnight so that every task is created on the same calendar day C.
            let toMidnight = 86_400 - Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 86_400)
            if toMidnight < 30 { try await _Concurrency.Task.sleep(for: .seconds(toMidnight + 1)) }
            let first = try await task(h, completed: true)
            let c = try #require(first["created_at"].string.flatMap(Self.day))
            try await task(h, completed: true)
            try await task(h)
            try await task(h, due: "\(Self.date(c + 7))T12:00:00Z")
            let hidden = try #require(try await task(h, due: "\(Self.date(c + 7))T13:00:00Z", completed: true)["id"].string)
            let deleted = try await h.call(.post, "/v1/action-items/\(hidden)/soft-delete", json: #"{"deleted_by":"user"}"#)
            #expect(deleted.status == 200)
            // Weekly is [D-6, D+1): created on C, it counts for D = C … C+6 only. Soft-deleted tasks count nowhere.
            let cases: [(Int64, Period, Period, String)] = [
                (0, Period(0.0, 0, 0), Period(50.0, 2, 4), "weekly"),
                (6, Period(0.0, 0, 0), Period(50.0, 2, 4), "weekly"),
                (7, Period(0.0, 0, 1), Period(0.0, 0, 0), "overall"),
                (-1, Period(0.0, 0, 0), Period(0.0, 0, 0), "overall"),
            ]
            for (offset, daily, weekly, tab) in cases {
                let d = Self.date(c + offset)
                let s = try await scores(h, "date=\(d)")
                #expect(Period(s["daily"]) == daily, "C\(offset)")
                #expect(Period(s["weekly"]) == weekly, "C\(offset)")
                #expect(Period(s["overall"]) == Period(50.0, 2, 4), "C\(offset)")
                #expect(s["default_tab"].string == tab && s["date"].string == d, "C\(offset)")
            }
            try await expectDaily(h, Self.date(c + 7), rounded: 0, Period(0.0, 0, 1))
        }
    }

    @Test(arguments: TestEngine.available)
    func timeZoneShiftsTheDay(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            for (due, done) in [("2030-03-05T07:59:59Z", false), ("2030-03-05T08:00:00Z", true), ("2030-03-06T07:00:00Z", true),
                                ("2030-03-06T07:59:59.999Z", false), ("2030-03-11T06:59:59Z", true), ("2030-03-11T07:00:00Z", false)] {
                try await task(h, due: due, completed: done)
            }
            try await expectDaily(h, "2030-03-05", rounded: 50, Period(50.0, 1, 2))
            // Los Angeles 2030-03-05 (UTC-8) is [08:00Z, next day 08:00Z).
            try await expectDaily(h, "2030-03-05", tz: "America/Los_Angeles", rounded: 67, Period(66.7, 2, 3))
            // 2030-03-10 is the 23-hour day Los Angeles moves to daylight time: [03-10 08:00Z, 03-11 07:00Z).
            try await expectDaily(h, "2030-03-10", tz: "America/Los_Angeles", rounded: 100, Period(100.0, 1, 1))
            try await expectDaily(h, "2030-03-11", tz: "America/Los_Angeles", rounded: 0, Period(0.0, 0, 1))
            try await expectDaily(h, "2030-03-11", rounded: 50, Period(50.0, 1, 2))
            let s = try await scores(h, "date=2030-03-05&tz=America/Los_Angeles")
            #expect(Period(s["overall"]) == Period(50.0, 3, 6))
        }
    }

    @Test(arguments: TestEngine.available)
    func badDatesAndZonesAreRefused(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            for path in ["/v1/scores", "/v1/daily-score"] {
                let impossible = try await h.call(.get, "\(path)?date=2026-02-30")
                #expect(impossible.status == 422 && impossible.detail == "Invalid date: expected a real YYYY-MM-DD date", "\(path)")
                for bad in ["20260301", "2026-2-3", "2026-03-01T00:00:00Z", "today"] {
                    let r = try await h.call(.get, "\(path)?date=\(bad)")
                    #expect(r.status == 422 && r.json["detail"][0]["loc"][0].string == "query", "\(path) \(bad)")
                }
                let zone = try await h.call(.get, "\(path)?date=2026-03-01&tz=Mars/Base")
                #expect(zone.status == 422 && zone.detail == "Invalid tz: expected an IANA time zone name", "\(path)")
                #expect(try await h.call(.get, path, as: nil).status == 401)
                let before = Self.today()
                let r = try await h.call(.get, path)
                let after = Self.today()
                #expect(r.status == 200 && [before, after].contains(r.json["date"].string ?? "-"), "\(path)")
                let leap = try await h.call(.get, "\(path)?date=2028-02-29&tz=Europe/Berlin")
                #expect(leap.status == 200 && leap.json["date"].string == "2028-02-29", "\(path)")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func scoresSeeOnlyTheCallersTasks(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await task(h, due: "2030-03-05T12:00:00Z", completed: true)
            try await task(h)
            let theirs = try await scores(h, "date=2030-03-05", as: "user-b")
            for period in ["daily", "weekly", "overall"] { #expect(Period(theirs[period]) == Period(0.0, 0, 0), "\(period)") }
            let daily = try await dailyScore(h, "date=2030-03-05", as: "user-b")
            #expect(daily["score"].int == 0 && daily["total_tasks"].int == 0)
            let mine = try await scores(h, "date=2030-03-05")
            #expect(Period(mine["daily"]) == Period(100.0, 1, 1))
            #expect(Period(mine["overall"]) == Period(50.0, 1, 2))
        }
    }
}
