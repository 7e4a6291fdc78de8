import Foundation
import HTTPTypes
import OmiContract
import OmiStorage
import Testing
@testable import OmiServer

/// focus.md §2.4, §2.5 and §2.7: reading stored screen activity back, the summary, retention and isolation.
/// Rows stamped 2026-03-05 are far older than the default 30-day age limit, so those tests switch the limit off.
@Suite("Screen activity: reads, summary, retention and isolation (focus.md §2.4–2.7)")
struct ScreenActivityReadTests {
    static let rowKeys: Set<String> = [
        "id", "timestamp", "appName", "windowTitle", "ocrText", "localScreenshotId", "captureEligible",
        "accountGeneration", "deviceName", "clientDeviceId", "deviceRetentionSeconds",
    ]

    static func row(_ id: Int, at timestamp: String = "2026-03-05T12:00:00Z", _ extra: String = "") -> String {
        #"{"id":\#(id),"timestamp":"\#(timestamp)"\#(extra)}"#
    }

    /// Syncs a batch and requires the exact 200 answer.
    static func sync(_ h: TestHarness, _ rows: [String], _ top: String = "", as user: String = "user-a") async throws {
        let r = try await h.call(.post, "/v1/screen-activity/sync", as: user,
                                 json: #"{"rows":[\#(rows.joined(separator: ","))]\#(top)}"#)
        try #require(r.status == 200, "\(r.text)")
    }

    static func read(_ h: TestHarness, _ query: String = "", as user: String = "user-a") async throws -> [Wire.JSONValue] {
        let r = try await h.call(.get, "/v1/screen-activity\(query)", as: user)
        try #require(r.status == 200, "\(query): \(r.text)")
        return r.json.array
    }

    static func summary(_ h: TestHarness, _ query: String = "", as user: String = "user-a") async throws -> Wire.JSONValue {
        let r = try await h.call(.get, "/v1/screen-activity/summary\(query)", as: user)
        try #require(r.status == 200, "\(query): \(r.text)")
        return r.json
    }

    static func ids(_ rows: [Wire.JSONValue]) -> [String] {
        var out: [String] = []
        for row in rows { out.append(row["id"].string ?? "?") }
        return out
    }

    static func floats(_ v: Wire.JSONValue) -> [Float]? {
        guard case .array(let items) = v else { return nil }
        var out: [Float] = []
        for item in items {
            switch item {
            case .double(let d): out.append(Float(d))
            case .int(let i): out.append(Float(i))
            default: return nil
            }
        }
        return out
    }

    static func is422(_ r: Reply) -> Bool { r.status == 422 && !r.json["detail"].array.isEmpty }

    static func stamp(_ micros: Int64) -> String { Timestamp.format(micros: micros) }

    @Test(arguments: TestEngine.available)
    func rowsComeBackInTimestampOrderWithCamelCaseKeys(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { $0.screenActivityRetentionDays = 0 }) { h in
            let device = #","clientDeviceId":"macos_abc12345","deviceName":"David's Mac Studio""#
            try await Self.sync(h, [
                Self.row(7, at: "2026-03-05T12:00:02Z",
                         device + #","appName":"Safari","windowTitle":"Omi","ocrText":"first","captureEligible":true,"embedding":[0.1,-0.3333,1e-7]"#),
                Self.row(19, at: "2026-03-05 12:00:01.500",
                         device + #","appName":"Xcode","windowTitle":"Proj","ocrText":"second","embedding":[0.5,1,-2.25]"#),
                Self.row(11, at: "2026-03-05T12:00:03.250Z", device + #","appName":"Notes","embedding":[0.0123,-0.044]"#),
            ])
            let rows = try await Self.read(h, "?date=2026-03-05")
            #expect(Self.ids(rows) == ["macos_abc12345-19", "macos_abc12345-7", "macos_abc12345-11"])
            for row in rows { #expect(row.keys == Self.rowKeys) }
            let xcode = rows.first ?? .null
            #expect(xcode["timestamp"] == .string("2026-03-05T12:00:01.500Z"))
            #expect(xcode["appName"] == .string("Xcode") && xcode["windowTitle"] == .string("Proj"))
            #expect(xcode["ocrText"] == .string("second") && xcode["localScreenshotId"] == .string("19"))
            #expect(xcode["captureEligible"] == .bool(false) && xcode["accountGeneration"] == .int(0))
            #expect(xcode["deviceName"] == .string("David's Mac Studio"))
            #expect(xcode["clientDeviceId"] == .string("macos_abc12345"))
            #expect(xcode["deviceRetentionSeconds"] == .null)
            let list: Wire.JSONValue = .array(rows)
            #expect(list[1]["captureEligible"] == .bool(true) && list[1]["localScreenshotId"] == .string("7"))
            #expect(list[2]["appName"] == .string("Notes") && list[2]["windowTitle"] == .string(""))
            #expect(list[2]["ocrText"] == .string("") && list[2]["timestamp"] == .string("2026-03-05T12:00:03.250Z"))

            // Vectors are returned only on request, equal to what was sent once both sides are float32.
            let withVectors = try await Self.read(h, "?date=2026-03-05&include_embeddings=true")
            #expect(Self.ids(withVectors) == Self.ids(rows))
            for row in withVectors { #expect(row.keys == Self.rowKeys.union(["embedding"])) }
            let sent: [[Double]] = [[0.5, 1, -2.25], [0.1, -0.3333, 1e-7], [0.0123, -0.044]]
            let vectors: Wire.JSONValue = .array(withVectors)
            for (i, vector) in sent.enumerated() {
                var expected: [Float] = []
                for value in vector { expected.append(Float(value)) }
                #expect(Self.floats(vectors[i]["embedding"]) == expected)
            }

            // A row without an embedding reads as null when embeddings are asked for.
            try await Self.sync(h, [Self.row(50, at: "2026-03-05T12:00:04Z", device)])
            let four = try await Self.read(h, "?date=2026-03-05&include_embeddings=true")
            #expect(Self.ids(four).last == "macos_abc12345-50")
            #expect(four.last?.has("embedding") == true && four.last?["embedding"] == .null)
            let plain = try await Self.read(h, "?date=2026-03-05&include_embeddings=false")
            var leaked = false
            for row in plain where row.has("embedding") { leaked = true }
            #expect(plain.count == 4 && !leaked)
            let bad = try await h.call(.get, "/v1/screen-activity?include_embeddings=maybe")
            #expect(Self.is422(bad))
        }
    }

    @Test(arguments: TestEngine.available)
    func theDateWindowIsTheUtcDayWithBothEndsInclusive(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { $0.screenActivityRetentionDays = 0 }) { h in
            try await Self.sync(h, [
                Self.row(1, at: "2026-03-04T23:59:59.999Z"), Self.row(2, at: "2026-03-05T00:00:00.000Z"),
                Self.row(3, at: "2026-03-05T23:59:59.999Z"), Self.row(4, at: "2026-03-06T00:00:00.000Z"),
            ])
            // A Los Angeles profile changes nothing: the window is the UTC day.
            _ = try await h.call(.patch, "/v1/users/profile", json: #"{"time_zone":"America/Los_Angeles"}"#)
            #expect(Self.ids(try await Self.read(h, "?date=2026-03-05")) == ["2", "3"])
            #expect(Self.ids(try await Self.read(h, "?date=2026-03-06")) == ["4"])
            #expect(Self.ids(try await Self.read(h)) == ["1", "2", "3", "4"])
            let day = try await Self.summary(h, "?date=2026-03-05")
            #expect(day["total_screenshots"] == .int(2))
            for bad in ["2026-02-30", "03-05-2026", "2026-3-5", "today"] {
                let list = try await h.call(.get, "/v1/screen-activity?date=\(bad)")
                let sum = try await h.call(.get, "/v1/screen-activity/summary?date=\(bad)")
                #expect(Self.is422(list) && Self.is422(sum), "\(bad)")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func appFilterIsExactAndPagingFollowsTimestampThenStorageId(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { $0.screenActivityRetentionDays = 0 }) { h in
            // Three rows share 11:00 and are sent out of id order; the storage id breaks the tie.
            try await Self.sync(h, [
                Self.row(5, at: "2026-03-05T10:00:00Z", #","appName":"Safari""#),
                Self.row(23, at: "2026-03-05T11:00:00Z", #","appName":"safari""#),
                Self.row(21, at: "2026-03-05T11:00:00Z", #","appName":"Safari Technology Preview""#),
                Self.row(22, at: "2026-03-05T11:00:00Z", #","appName":"Xcode""#),
                Self.row(1, at: "2026-03-05T12:00:00Z", #","appName":"Safari""#),
            ])
            #expect(Self.ids(try await Self.read(h)) == ["5", "21", "22", "23", "1"])
            #expect(Self.ids(try await Self.read(h, "?limit=2&offset=1")) == ["21", "22"])
            #expect(Self.ids(try await Self.read(h, "?limit=2&offset=3")) == ["23", "1"])
            #expect(Self.ids(try await Self.read(h, "?offset=5")) == [])
            #expect(Self.ids(try await Self.read(h, "?limit=5000&date=2026-03-05")).count == 5)

            #expect(Self.ids(try await Self.read(h, "?app_filter=Safari")) == ["5", "1"])
            #expect(Self.ids(try await Self.read(h, "?app_filter=safari")) == ["23"])
            #expect(Self.ids(try await Self.read(h, "?app_filter=Safari%20Technology%20Preview")) == ["21"])
            #expect(Self.ids(try await Self.read(h, "?app_filter=Saf")) == [])
            #expect(Self.ids(try await Self.read(h, "?app_filter=Safari&date=2026-03-05&limit=1&offset=1")) == ["1"])

            let longFilter = String(repeating: "a", count: 501)
            for query in ["limit=0", "limit=5001", "offset=-1", "limit=abc", "app_filter=\(longFilter)"] {
                let r = try await h.call(.get, "/v1/screen-activity?\(query)")
                #expect(Self.is422(r), "\(query.prefix(20))")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func summaryCountsAppsTitlesAndCoverage(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { $0.screenActivityRetentionDays = 0 }) { h in
            var batch = [
                Self.row(1, at: "2026-03-05T10:00:00Z", #","appName":"Safari","windowTitle":"A""#),
                Self.row(2, at: "2026-03-05T09:00:00Z", #","appName":"Safari","windowTitle":"B""#),
                Self.row(3, at: "2026-03-05T11:00:00Z", #","appName":"Safari","windowTitle":"A""#),
                Self.row(4, at: "2026-03-05T11:30:00Z", #","appName":"Safari","windowTitle":"""#),
                Self.row(30, at: "2026-03-05T08:00:00Z", #","appName":"","windowTitle":"Home""#),
                Self.row(31, at: "2026-03-05T14:00:00Z"),
                Self.row(40, at: "2026-03-06T00:00:00Z", #","appName":"Safari","windowTitle":"Next day""#),
            ]
            for i in 0..<12 {
                let minute = i < 10 ? "0\(i)" : "\(i)"
                batch.append(Self.row(10 + i, at: "2026-03-05T13:\(minute):00Z", #","appName":"Xcode","windowTitle":"T\#(i)""#))
            }
            try await Self.sync(h, batch)

            let s = try await Self.summary(h, "?date=2026-03-05")
            #expect(s.keys == ["apps", "total_screenshots", "coverage"])
            #expect(s["apps"].keys == ["Safari", "Xcode", "Unknown"])
            #expect(s["apps"]["Safari"] == .object([
                "count": .int(4), "first_seen": .string("2026-03-05T09:00:00.000Z"),
                "last_seen": .string("2026-03-05T11:30:00.000Z"), "window_titles": .array([.string("B"), .string("A")]),
            ]))
            var tenTitles: [Wire.JSONValue] = []
            for i in 0..<10 { tenTitles.append(.string("T\(i)")) }
            #expect(s["apps"]["Xcode"] == .object([
                "count": .int(12), "first_seen": .string("2026-03-05T13:00:00.000Z"),
                "last_seen": .string("2026-03-05T13:11:00.000Z"), "window_titles": .array(tenTitles),
            ]))
            #expect(s["apps"]["Unknown"] == .object([
                "count": .int(2), "first_seen": .string("2026-03-05T08:00:00.000Z"),
                "last_seen": .string("2026-03-05T14:00:00.000Z"), "window_titles": .array([.string("Home")]),
            ]))
            #expect(s["total_screenshots"] == .int(18))
            #expect(s["coverage"] == .object([
                "source": .string("synced_screen_activity"), "row_limit": .int(5000), "truncated": .bool(false),
                "first_observed_at": .string("2026-03-05T08:00:00.000Z"),
                "last_observed_at": .string("2026-03-05T14:00:00.000Z"), "capture_completeness": .string("unknown"),
            ]))

            let all = try await Self.summary(h)
            #expect(all["total_screenshots"] == .int(19) && all["apps"]["Safari"]["count"] == .int(5))
            #expect(all["apps"]["Safari"]["last_seen"] == .string("2026-03-06T00:00:00.000Z"))
            #expect(all["apps"]["Safari"]["window_titles"] == .array([.string("B"), .string("A"), .string("Next day")]))
            #expect(all["coverage"]["last_observed_at"] == .string("2026-03-06T00:00:00.000Z"))

            let empty = try await Self.summary(h, "?date=2026-01-01")
            #expect(empty["apps"] == .object([:]) && empty["total_screenshots"] == .int(0))
            #expect(empty["coverage"] == .object([
                "source": .string("synced_screen_activity"), "row_limit": .int(5000), "truncated": .bool(false),
                "first_observed_at": .null, "last_observed_at": .null, "capture_completeness": .string("unknown"),
            ]))
        }
    }

    @Test(arguments: TestEngine.available)
    func expiredRowsAreNeverReturned(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { $0.screenActivityRetentionDays = 30 }) { h in
            let now = Clock.nowMicros()
            let day: Int64 = 86_400_000_000
            let old31 = Self.stamp(now - 31 * day)
            try await Self.sync(h, [
                Self.row(1, at: Self.stamp(now - 120_000_000), #","deviceRetentionSeconds":60"#),
                Self.row(2, at: Self.stamp(now - 120_000_000), #","deviceRetentionSeconds":3600"#),
                Self.row(3, at: old31),
                Self.row(4, at: Self.stamp(now - 29 * day)),
            ])
            // The top-level retention applies to rows without their own; a row's own value wins.
            try await Self.sync(h, [
                Self.row(5, at: Self.stamp(now - 110_000_000)),
                Self.row(6, at: Self.stamp(now - 100_000_000), #","deviceRetentionSeconds":3600"#),
            ], #","deviceRetentionSeconds":60"#)

            #expect(Self.ids(try await Self.read(h)) == ["4", "2", "6"])
            let s = try await Self.summary(h)
            #expect(s["total_screenshots"] == .int(3))
            let oldDay = String(old31.prefix(10))
            #expect(try await Self.read(h, "?date=\(oldDay)").isEmpty)
            let oldSummary = try await Self.summary(h, "?date=\(oldDay)")
            #expect(oldSummary["total_screenshots"] == .int(0) && oldSummary["apps"] == .object([:]))
        }
    }

    @Test(arguments: TestEngine.available)
    func usersNeverSeeEachOthersRows(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { $0.screenActivityRetentionDays = 0 }) { h in
            let key = #","clientDeviceId":"macos_x""#
            try await Self.sync(h, [Self.row(42, key + #","appName":"AlphaApp","windowTitle":"alpha-secret","embedding":[0.25]"#)],
                                as: "user-a")
            try await Self.sync(h, [Self.row(42, key + #","appName":"BetaApp","windowTitle":"beta-title""#)], as: "user-b")
            #expect(try await h.count("screen_activity", uid: "user-a") == 1)
            #expect(try await h.count("screen_activity", uid: "user-b") == 1)

            let a = try await Self.read(h, "?include_embeddings=true", as: "user-a")
            #expect(Self.ids(a) == ["macos_x-42"] && a.first?["windowTitle"] == .string("alpha-secret"))
            #expect(Self.floats(a.first?["embedding"] ?? .null) == [Float(0.25)])
            let b = try await Self.read(h, "?include_embeddings=true", as: "user-b")
            #expect(Self.ids(b) == ["macos_x-42"] && b.first?["appName"] == .string("BetaApp"))
            #expect(b.first?["embedding"] == .null)
            for query in ["", "?date=2026-03-05", "?app_filter=AlphaApp", "?include_embeddings=true"] {
                let r = try await h.call(.get, "/v1/screen-activity\(query)", as: "user-b")
                #expect(r.status == 200 && !r.text.contains("alpha") && !r.text.contains("Alpha"), "\(query)")
            }
            let summary = try await h.call(.get, "/v1/screen-activity/summary?date=2026-03-05", as: "user-b")
            #expect(summary.status == 200 && summary.json["apps"].keys == ["BetaApp"])
            #expect(summary.json["total_screenshots"] == .int(1) && !summary.text.contains("Alpha"))
            let stranger = try await Self.summary(h, as: "user-c")
            #expect(stranger["total_screenshots"] == .int(0))
        }
    }

    @Test(arguments: TestEngine.available)
    func everyRouteNeedsAToken(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h async throws in
            let body = #"{"rows":[{"id":1,"timestamp":"2026-03-05T12:00:00Z"}]}"#
            for user in [nil, "bad"] as [String?] {
                var headers: HTTPFields = [:]
                if user != nil { headers[.authorization] = "Bearer not-a-token" }
                let sync = try await h.call(.post, "/v1/screen-activity/sync", as: nil, json: body, headers: headers)
                let list = try await h.call(.get, "/v1/screen-activity", as: nil, headers: headers)
                let summary = try await h.call(.get, "/v1/screen-activity/summary", as: nil, headers: headers)
                #expect(sync.status == 401 && list.status == 401 && summary.status == 401)
            }
            #expect(try await h.count("screen_activity") == 0)
        }
    }
}
