import Foundation
import HTTPTypes
import OmiContract
import OmiStorage
import Testing
@testable import OmiServer

@Suite("Focus sessions and focus stats (focus.md §0, §1, §4)")
struct FocusSessionTests {
    static let keys: Set<String> = ["id", "status", "app_or_site", "description", "message", "created_at", "duration_seconds"]

    /// POSTs a session (`extra` is spliced into the JSON object) and returns it.
    @discardableResult
    static func create(_ h: TestHarness, _ status: String = "focused", app: String = "Xcode", extra: String = "",
                       as user: String = TestHarness.defaultUser) async throws -> Wire.JSONValue {
        let r = try await h.call(.post, "/v1/focus-sessions", as: user,
                                 json: #"{"status":"\#(status)","app_or_site":"\#(app)","description":"Working"\#(extra)}"#)
        try #require(r.status == 200, "\(r.text)")
        return r.json
    }

    /// Creates a session through the API, then moves its `created_at` to the instant `iso`; returns its id.
    @discardableResult
    static func seed(_ h: TestHarness, _ status: String, app: String = "Xcode", duration: Int? = nil, at iso: String,
                     as user: String = TestHarness.defaultUser) async throws -> String {
        let extra = duration.map { #","duration_seconds":\#($0)"# } ?? ""
        let id = try #require(try await Self.create(h, status, app: app, extra: extra, as: user)["id"].string)
        let micros = try #require(Timestamp.parseMicros(iso), "\(iso)")
        try await h.database.withConnection { db in
            try await db.raw("UPDATE focus_sessions SET created_at = \(bind: micros) WHERE uid = \(bind: user) AND id = \(bind: id)")
                .run()
        }
        return id
    }

    /// Ids of the list, in the order served.
    static func ids(_ h: TestHarness, _ query: String = "", as user: String = TestHarness.defaultUser) async throws -> [String] {
        let r = try await h.call(.get, "/v1/focus-sessions\(query)", as: user)
        try #require(r.status == 200, "\(query): \(r.text)")
        var ids: [String] = []
        for item in r.json.array { ids.append(item["id"].string ?? "<no id>") }
        return ids
    }

    static func stats(_ h: TestHarness, _ query: String, as user: String = TestHarness.defaultUser) async throws -> Wire.JSONValue {
        let r = try await h.call(.get, "/v1/focus-stats\(query)", as: user)
        try #require(r.status == 200, "\(query): \(r.text)")
        return r.json
    }

    /// The exact stats body expected (numbers as JSON integers): date, focused and distracted minutes, focused and
    /// distracted counts, then the top distractions as (app_or_site, total_seconds, count).
    static func statsValue(_ date: String, _ focusedMinutes: Int64, _ distractedMinutes: Int64, _ focused: Int64,
                           _ distracted: Int64, _ top: [(String, Int64, Int64)] = []) -> Wire.JSONValue {
        var entries: [Wire.JSONValue] = []
        for (name, seconds, count) in top {
            entries.append(.object(["app_or_site": .string(name), "total_seconds": .int(seconds), "count": .int(count)]))
        }
        return .object([
            "date": .string(date), "focused_minutes": .int(focusedMinutes), "distracted_minutes": .int(distractedMinutes),
            "session_count": .int(focused + distracted), "focused_count": .int(focused),
            "distracted_count": .int(distracted), "top_distractions": .array(entries),
        ])
    }

    static func expectIntegers(_ stats: Wire.JSONValue) {
        var numbers = [stats["focused_minutes"], stats["distracted_minutes"], stats["session_count"],
                       stats["focused_count"], stats["distracted_count"]]
        for entry in stats["top_distractions"].array { numbers += [entry["total_seconds"], entry["count"]] }
        for n in numbers { #expect(n.int != nil, "\(n) in \(stats)") }
    }

    static func setZone(_ h: TestHarness, _ zone: String, as user: String = TestHarness.defaultUser) async throws {
        let r = try await h.call(.patch, "/v1/users/profile", as: user, json: #"{"time_zone":"\#(zone)"}"#)
        try #require(r.status == 200, "\(r.text)")
    }

    /// A FastAPI-shaped validation error.
    static func isValidation(_ r: Reply) -> Bool {
        r.status == 422 && !r.json["detail"].array.isEmpty && r.json["detail"][0].has("loc") && r.json["detail"][0].has("msg")
    }

    /// `YYYY-MM-DD` of `date` in `zone`.
    static func dayText(_ date: Date, in zone: String) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: zone)!
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return [(c.year ?? 0, 4), (c.month ?? 0, 2), (c.day ?? 0, 2)].map { value, width in
            String(repeating: "0", count: max(0, width - String(value).count)) + String(value)
        }.joined(separator: "-")
    }

    @Test(arguments: TestEngine.available)
    func createReturnsTheSessionWithExplicitNulls(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h async throws in
            let before = Clock.nowMicros()
            let r = try await h.call(.post, "/v1/focus-sessions",
                                     json: #"{"status":"focused","app_or_site":"Xcode","description":"Writing tests"}"#)
            let after = Clock.nowMicros()
            #expect(r.status == 200, "\(r.text)")
            let bare = r.json
            #expect(bare.keys == Self.keys && bare["message"].isNull && bare["duration_seconds"].isNull)
            #expect(bare["status"].string == "focused" && bare["app_or_site"].string == "Xcode")
            #expect(bare["description"].string == "Writing tests")
            let id = try #require(bare["id"].string)
            #expect(id.range(of: #"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"#,
                             options: .regularExpression) != nil, "\(id)")
            let created = try #require(bare["created_at"].string)
            #expect(created.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$"#, options: .regularExpression) != nil,
                    "\(created)")
            let micros = try #require(Timestamp.parseMicros(created))
            #expect(before <= micros && micros <= after, "created_at is the server clock")

            let full = try await Self.create(h, "distracted", app: "YouTube",
                                             extra: #","message":"Back to work?","duration_seconds":300"#)
            #expect(full["message"].string == "Back to work?" && full["duration_seconds"] == .int(300))
            #expect(full["status"].string == "distracted" && full["app_or_site"].string == "YouTube")
            let nulls = try await Self.create(h, extra: #","message":null,"duration_seconds":null,"unknown":1"#)
            #expect(nulls.keys == Self.keys && nulls["message"].isNull && nulls["duration_seconds"].isNull)

            // Lengths are Unicode scalars: 500 emoji (1000 UTF-16 units) and 5000 "é" (10000 UTF-8 bytes) fit.
            let app500 = String(repeating: "\u{1F600}", count: 500)
            let text5000 = String(repeating: "\u{E9}", count: 5000)
            let long = try await h.call(.post, "/v1/focus-sessions", json: #"""
                {"status":"focused","app_or_site":"\#(app500)","description":"\#(text5000)","message":"\#(text5000)","duration_seconds":86400}
                """#)
            #expect(long.status == 200, "\(long.text)")
            #expect(long.json["app_or_site"].string == app500 && long.json["description"].string == text5000)
            #expect(long.json["message"].string == text5000 && long.json["duration_seconds"] == .int(86400))
            let zero = try await Self.create(h, app: String(repeating: "a", count: 500), extra: #","duration_seconds":0"#)
            #expect(zero["duration_seconds"] == .int(0))

            #expect(try await h.count("focus_sessions") == 5)
            let listed = try await h.call(.get, "/v1/focus-sessions").json.array
            #expect(listed.count == 5)
            #expect(listed.contains(bare) && listed.contains(full) && listed.contains(long.json))
        }
    }

    @Test(arguments: TestEngine.available)
    func invalidCreatesAre422AndWriteNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h async throws in
            let ok = #""app_or_site":"Xcode","description":"Working""#
            let bodies = [
                #"{"status":"idle",\#(ok)}"#, #"{"status":"Focused",\#(ok)}"#, #"{\#(ok)}"#, #"{"status":null,\#(ok)}"#,
                #"{"status":"focused","app_or_site":"","description":"Working"}"#,
                #"{"status":"focused","app_or_site":"\#(String(repeating: "a", count: 501))","description":"Working"}"#,
                #"{"status":"focused","app_or_site":"Xcode","description":""}"#,
                #"{"status":"focused","app_or_site":"Xcode","description":"\#(String(repeating: "d", count: 5001))"}"#,
                #"{"status":"focused",\#(ok),"message":"\#(String(repeating: "m", count: 5001))"}"#,
                #"{"status":"focused","description":"Working"}"#, #"{"status":"focused","app_or_site":"Xcode"}"#,
                #"{"status":"focused",\#(ok),"duration_seconds":-1}"#,
                #"{"status":"focused",\#(ok),"duration_seconds":86401}"#,
                #"{"status":"focused",\#(ok),"duration_seconds":12.5}"#,
                #"{"status":"focused",\#(ok),"duration_seconds":"300"}"#,
                #"{"status":"focused",\#(ok)"#,
            ]
            for body in bodies {
                let r = try await h.call(.post, "/v1/focus-sessions", json: body)
                #expect(Self.isValidation(r), "\(body.prefix(80)): \(r.status) \(r.text.prefix(200))")
            }
            #expect(try await h.count("focus_sessions") == 0)
        }
    }

    @Test(arguments: TestEngine.available)
    func listIsNewestFirstPagesAndValidatesItsQuery(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h async throws in
            // Seeded out of creation order, so only the created_at order can produce the expected list.
            let a = try await Self.seed(h, "focused", at: "2026-03-05T12:00:00Z")
            let b = try await Self.seed(h, "distracted", app: "YouTube", at: "2026-03-05T09:00:00Z")
            let c = try await Self.seed(h, "focused", at: "2026-03-06T01:00:00Z")
            #expect(try await Self.ids(h) == [c, a, b])
            #expect(try await Self.ids(h, "?limit=1&offset=1") == [a])
            #expect(try await Self.ids(h, "?limit=2") == [c, a])
            #expect(try await Self.ids(h, "?limit=1000&offset=2") == [b])
            #expect(try await Self.ids(h, "?offset=3") == [])
            #expect(try await Self.ids(h, "?date=2026-03-05") == [a, b])
            #expect(try await Self.ids(h, "?date=2026-03-05&limit=1&offset=1&unknown=x") == [b])
            // Equal created_at: id descending.
            let d = try await Self.seed(h, "focused", at: "2026-03-01T00:00:00Z")
            let e = try await Self.seed(h, "focused", at: "2026-03-01T00:00:00Z")
            #expect(try await Self.ids(h) == [c, a, b, max(d, e), min(d, e)])

            for query in ["limit=0", "limit=1001", "offset=-1", "limit=abc", "date=2026-02-30", "date=03-05-2026",
                          "date=2026-3-5", "date=yesterday"] {
                let r = try await h.call(.get, "/v1/focus-sessions?\(query)")
                #expect(Self.isValidation(r), "\(query): \(r.status) \(r.text)")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func dateWindowIsTheCalendarDayInTheProfileZone(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h async throws in
            try await Self.setZone(h, "America/Los_Angeles")
            // 2026-03-05T07:30Z is 23:30 on March 4 in Los Angeles (UTC-8).
            let evening = try await Self.seed(h, "distracted", app: "Reddit", duration: 120, at: "2026-03-05T07:30:00Z")
            let midnight = try await Self.seed(h, "focused", duration: 60, at: "2026-03-05T08:00:00Z")
            let first = try await Self.seed(h, "focused", at: "2026-03-04T08:00:00Z")
            let earlier = try await Self.seed(h, "focused", at: "2026-03-04T07:59:59.999999Z")
            #expect(try await Self.ids(h, "?date=2026-03-04") == [evening, first])
            #expect(try await Self.ids(h, "?date=2026-03-05") == [midnight])
            #expect(try await Self.ids(h, "?date=2026-03-03") == [earlier])
            #expect(try await Self.stats(h, "?date=2026-03-04") == Self.statsValue("2026-03-04", 0, 2, 1, 1, [("Reddit", 120, 1)]))
            #expect(try await Self.stats(h, "?date=2026-03-05") == Self.statsValue("2026-03-05", 1, 0, 1, 0))

            // user-b stores no zone: the UTC day.
            let utc = try await Self.seed(h, "distracted", app: "Reddit", duration: 120, at: "2026-03-05T07:30:00Z", as: "user-b")
            #expect(try await Self.ids(h, "?date=2026-03-05", as: "user-b") == [utc])
            #expect(try await Self.ids(h, "?date=2026-03-04", as: "user-b") == [])
            #expect(try await Self.stats(h, "?date=2026-03-05", as: "user-b")
                == Self.statsValue("2026-03-05", 0, 2, 0, 1, [("Reddit", 120, 1)]))
            #expect(try await Self.stats(h, "?date=2026-03-04", as: "user-b") == Self.statsValue("2026-03-04", 0, 0, 0, 0))
        }
    }

    @Test(arguments: TestEngine.available)
    func dstDaysAre23And25HoursLong(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h async throws in
            try await Self.setZone(h, "America/Los_Angeles")
            // 2026-03-08 runs from 08:00Z (PST midnight) to 07:00Z next day (PDT midnight): 23 hours.
            let previous = try await Self.seed(h, "focused", duration: 600, at: "2026-03-08T07:59:59Z")
            let start = try await Self.seed(h, "focused", duration: 60, at: "2026-03-08T08:00:00Z")
            let end = try await Self.seed(h, "distracted", app: "News", duration: 30, at: "2026-03-09T06:59:59Z")
            let next = try await Self.seed(h, "focused", duration: 600, at: "2026-03-09T07:00:00Z")
            #expect(try await Self.ids(h, "?date=2026-03-08") == [end, start])
            #expect(try await Self.ids(h, "?date=2026-03-07") == [previous])
            #expect(try await Self.ids(h, "?date=2026-03-09") == [next])
            #expect(try await Self.stats(h, "?date=2026-03-08") == Self.statsValue("2026-03-08", 1, 0, 1, 1, [("News", 30, 1)]))
            // 2026-11-01 runs from 07:00Z (PDT midnight) to 08:00Z next day (PST midnight): 25 hours.
            let late = try await Self.seed(h, "focused", at: "2026-11-02T07:30:00Z")
            let after = try await Self.seed(h, "focused", at: "2026-11-02T08:00:00Z")
            #expect(try await Self.ids(h, "?date=2026-11-01") == [late])
            #expect(try await Self.ids(h, "?date=2026-11-02") == [after])
        }
    }

    @Test(arguments: TestEngine.available)
    func deleteIsHardIdempotentAndAlwaysOk(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h async throws in
            let keep = try #require(try await Self.create(h)["id"].string)
            let gone = try #require(try await Self.create(h, "distracted", app: "YouTube")["id"].string)
            let ok: Wire.JSONValue = .object(["status": .string("ok")])
            let first = try await h.call(.delete, "/v1/focus-sessions/\(gone)")
            #expect(first.status == 200 && first.json == ok, "\(first.text)")
            #expect(try await Self.ids(h) == [keep])
            #expect(try await h.count("focus_sessions") == 1)
            let again = try await h.call(.delete, "/v1/focus-sessions/\(gone)")
            #expect(again.status == 200 && again.json == ok, "\(again.text)")
            let unknown = try await h.call(.delete, "/v1/focus-sessions/no-such-session")
            #expect(unknown.status == 200 && unknown.json == ok, "\(unknown.text)")
            #expect(try await Self.ids(h) == [keep])
        }
    }

    @Test(arguments: TestEngine.available)
    func statsOfTheWorkedExample(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h async throws in
            let day: [(String, String, Int?)] = [
                ("focused", "Xcode", 120), ("focused", "Xcode", nil), ("distracted", "Twitter", 60),
                ("distracted", "Twitter", 90), ("distracted", "Reddit", 30), ("distracted", "YouTube", nil),
            ]
            for (i, s) in day.enumerated() {
                try await Self.seed(h, s.0, app: s.1, duration: s.2, at: "2026-03-05T1\(i):00:00Z")
            }
            // Just outside the UTC day on both sides.
            try await Self.seed(h, "distracted", app: "Twitter", duration: 600, at: "2026-03-04T23:59:59.999999Z")
            try await Self.seed(h, "focused", duration: 600, at: "2026-03-06T00:00:00Z")
            let stats = try await Self.stats(h, "?date=2026-03-05")
            #expect(stats == Self.statsValue("2026-03-05", 2, 4, 2, 4, [("Twitter", 150, 2), ("YouTube", 60, 1), ("Reddit", 30, 1)]))
            Self.expectIntegers(stats)
        }
    }

    @Test(arguments: TestEngine.available)
    func zeroAndMissingDurationsAndFloorMinutes(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h async throws in
            // A null focused duration counts 0 (else 179 s = 2 min); an explicit distracted 0 counts 0 (else 119 s = 1 min).
            try await Self.seed(h, "focused", duration: 119, at: "2026-03-10T09:00:00Z")
            try await Self.seed(h, "focused", at: "2026-03-10T10:00:00Z")
            try await Self.seed(h, "distracted", app: "Slack", duration: 0, at: "2026-03-10T11:00:00Z")
            try await Self.seed(h, "distracted", app: "Slack", duration: 59, at: "2026-03-10T12:00:00Z")
            let mixed = try await Self.stats(h, "?date=2026-03-10")
            #expect(mixed == Self.statsValue("2026-03-10", 1, 0, 2, 2, [("Slack", 59, 2)]))
            Self.expectIntegers(mixed)
            try await Self.seed(h, "distracted", app: "Slack", duration: 0, at: "2026-03-11T09:00:00Z")
            #expect(try await Self.stats(h, "?date=2026-03-11") == Self.statsValue("2026-03-11", 0, 0, 0, 1, [("Slack", 0, 1)]))
            let empty = try await Self.stats(h, "?date=2026-03-12")
            #expect(empty == Self.statsValue("2026-03-12", 0, 0, 0, 0))
            #expect(empty["top_distractions"] == .array([]))
            for query in ["?date=2026-02-30", "?date=03-05-2026", "?date=2026-13-01"] {
                let r = try await h.call(.get, "/v1/focus-stats\(query)")
                #expect(Self.isValidation(r), "\(query): \(r.status) \(r.text)")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func topDistractionsAreFiveSortedWithNewestBreakingTies(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h async throws in
            for (i, seconds) in [10, 80, 30, 70, 50, 20, 60, 40].enumerated() {
                try await Self.seed(h, "distracted", app: "App\(i + 1)", duration: seconds, at: "2026-03-15T1\(i):00:00Z")
            }
            let eight = try await Self.stats(h, "?date=2026-03-15")
            #expect(eight == Self.statsValue("2026-03-15", 0, 6, 0, 8, [("App2", 80, 1), ("App4", 70, 1), ("App7", 60, 1),
                                                                        ("App5", 50, 1), ("App8", 40, 1)]))

            // Equal totals: newest session first (neither name order nor count order gives Zed, Acme, Mid).
            try await Self.seed(h, "distracted", app: "Mid", duration: 100, at: "2026-03-16T08:00:00Z")
            try await Self.seed(h, "distracted", app: "Acme", duration: 50, at: "2026-03-16T09:00:00Z")
            try await Self.seed(h, "distracted", app: "Acme", duration: 50, at: "2026-03-16T10:00:00Z")
            try await Self.seed(h, "distracted", app: "Zed", duration: 100, at: "2026-03-16T11:00:00Z")
            #expect(try await Self.stats(h, "?date=2026-03-16")
                == Self.statsValue("2026-03-16", 0, 5, 0, 4, [("Zed", 100, 1), ("Acme", 100, 2), ("Mid", 100, 1)]))

            // Blank names group and show as Unknown; other names are kept as sent.
            try await Self.seed(h, "distracted", app: "   ", duration: 30, at: "2026-03-17T09:00:00Z")
            try await Self.seed(h, "distracted", app: #" \t "#, duration: 30, at: "2026-03-17T10:00:00Z")
            try await Self.seed(h, "distracted", app: " Mail ", duration: 45, at: "2026-03-17T11:00:00Z")
            #expect(try await Self.stats(h, "?date=2026-03-17")
                == Self.statsValue("2026-03-17", 0, 1, 0, 3, [("Unknown", 60, 2), (" Mail ", 45, 1)]))
            var names: [String] = []
            for item in try await h.call(.get, "/v1/focus-sessions?date=2026-03-17").json.array {
                names.append(item["app_or_site"].string ?? "<none>")
            }
            #expect(names == [" Mail ", "Unknown", "Unknown"])
        }
    }

    @Test(arguments: TestEngine.available)
    func statsWithoutDateUseTodayInTheUsersZone(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h async throws in
            // UTC+14 and UTC-11 are 25 hours apart: their dates always differ, so at least one differs from UTC.
            var served: [String] = []
            for (user, zone) in [("user-a", "Pacific/Kiritimati"), ("user-b", "Pacific/Pago_Pago")] {
                try await Self.setZone(h, zone, as: user)
                let before = Date()
                try await Self.create(h, "distracted", app: "YouTube", as: user)
                let stats = try await Self.stats(h, "", as: user)
                let after = Date()
                let date = try #require(stats["date"].string)
                let today = Set([Self.dayText(before, in: zone), Self.dayText(after, in: zone)])
                #expect(today.contains(date), "\(zone): \(date) not in \(today)")
                if today.count == 1 {
                    #expect(stats == Self.statsValue(date, 0, 1, 0, 1, [("YouTube", 60, 1)]))
                }
                Self.expectIntegers(stats)
                served.append(date)
            }
            #expect(served.count == 2 && served[0] != served[1], "\(served)")
        }
    }

    @Test(arguments: TestEngine.available)
    func usersSeeOnlyTheirOwnSessionsAndTokensAreRequired(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h async throws in
            let a = try await Self.seed(h, "distracted", app: "Twitter", duration: 120, at: "2026-03-05T10:00:00Z")
            let b = try await Self.seed(h, "focused", duration: 180, at: "2026-03-05T11:00:00Z", as: "user-b")
            #expect(try await Self.ids(h, as: "user-b") == [b])
            #expect(try await Self.ids(h, "?date=2026-03-05", as: "user-b") == [b])
            #expect(try await Self.ids(h) == [a])
            #expect(try await Self.stats(h, "?date=2026-03-05", as: "user-b") == Self.statsValue("2026-03-05", 3, 0, 1, 0))
            #expect(try await Self.stats(h, "?date=2026-03-05") == Self.statsValue("2026-03-05", 0, 2, 0, 1, [("Twitter", 120, 1)]))

            let foreign = try await h.call(.delete, "/v1/focus-sessions/\(a)", as: "user-b")
            #expect(foreign.status == 200 && foreign.json == .object(["status": .string("ok")]), "\(foreign.text)")
            #expect(try await h.count("focus_sessions", uid: "user-a") == 1)
            #expect(try await Self.ids(h) == [a])

            let headerSets: [HTTPFields] = [[:], [.authorization: "Bearer not-a-token"]]
            for headers in headerSets {
                let post = try await h.call(.post, "/v1/focus-sessions", as: nil,
                                            json: #"{"status":"focused","app_or_site":"Xcode","description":"Working"}"#,
                                            headers: headers)
                let list = try await h.call(.get, "/v1/focus-sessions", as: nil, headers: headers)
                let stats = try await h.call(.get, "/v1/focus-stats?date=2026-03-05", as: nil, headers: headers)
                let delete = try await h.call(.delete, "/v1/focus-sessions/\(a)", as: nil, headers: headers)
                for r in [post, list, stats, delete] {
                    #expect(r.status == 401 && r.detail != nil, "\(r.status) \(r.text)")
                }
            }
            #expect(try await h.count("focus_sessions", uid: "user-a") == 1)
            #expect(try await h.count("focus_sessions", uid: "user-b") == 1)
        }
    }
}
