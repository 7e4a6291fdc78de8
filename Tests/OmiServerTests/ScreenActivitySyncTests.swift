import Foundation
import HTTPTypes
import OmiContract
import OmiStorage
import Testing
@testable import OmiServer

/// focus.md §2.1–2.3 and §2.7: POST /v1/screen-activity/sync, what it stores and what it refuses.
/// Rows stamped 2026-03-05 are far older than the default 30-day age limit, so those tests switch the limit off.
@Suite("Screen activity: sync (focus.md §2.2)")
struct ScreenActivitySyncTests {
    static let path = "/v1/screen-activity/sync"

    static func row(_ id: Int, at timestamp: String = "2026-03-05T12:00:00Z", _ extra: String = "") -> String {
        #"{"id":\#(id),"timestamp":"\#(timestamp)"\#(extra)}"#
    }

    static func sync(_ h: TestHarness, _ rows: [String], _ top: String = "", as user: String = "user-a") async throws -> Reply {
        try await h.call(.post, path, as: user, json: #"{"rows":[\#(rows.joined(separator: ","))]\#(top)}"#)
    }

    static func result(_ synced: Int64, _ lastId: Int64) -> Wire.JSONValue {
        .object(["synced": .int(synced), "last_id": .int(lastId)])
    }

    /// Rows of the read endpoint keyed by storage id.
    static func rows(_ h: TestHarness, _ query: String = "?include_embeddings=true") async throws -> [String: Wire.JSONValue] {
        let r = try await h.call(.get, "/v1/screen-activity\(query)")
        try #require(r.status == 200, "\(r.text)")
        var out: [String: Wire.JSONValue] = [:]
        for item in r.json.array { if let id = item["id"].string { out[id] = item } }
        return out
    }

    static func number(_ v: Wire.JSONValue) -> Double? {
        switch v {
        case .double(let d): return d
        case .int(let i): return Double(i)
        default: return nil
        }
    }

    static func floats(_ v: Wire.JSONValue) -> [Float]? {
        guard case .array(let items) = v else { return nil }
        var out: [Float] = []
        for item in items {
            guard let d = number(item) else { return nil }
            out.append(Float(d))
        }
        return out
    }

    static func is422(_ r: Reply) -> Bool { r.status == 422 && !r.json["detail"].array.isEmpty }

    /// Found by schemathesis: a retention of 2^63 - 2 seconds overflowed the expiry and stopped the whole server.
    @Test(arguments: TestEngine.available)
    func anEnormousRetentionNeverExpiresInsteadOfCrashing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let huge = Int64.max - 1
            let now = Timestamp.format(micros: Clock.nowMicros())
            let perRow = try await Self.sync(h, [Self.row(1, at: now, #","deviceRetentionSeconds":\#(huge)"#)])
            #expect(perRow.status == 200 && perRow.json == Self.result(1, 1), "\(perRow.text)")
            let topLevel = try await Self.sync(h, [Self.row(2, at: now)], #","deviceRetentionSeconds":\#(huge)"#)
            #expect(topLevel.status == 200 && topLevel.json == Self.result(1, 2), "\(topLevel.text)")
            let stored = try await Self.rows(h, "")
            #expect(stored.count == 2)
            #expect(stored.values.allSatisfy { $0["deviceRetentionSeconds"] == .int(huge) })
        }
    }

    @Test(arguments: TestEngine.available)
    func syncAnswersExactlyTheCountAndTheLargestId(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { $0.screenActivityRetentionDays = 0 }) { h in
            let r = try await Self.sync(h, [
                Self.row(7, at: "2026-03-05T12:00:02Z", #","appName":"Safari","embedding":[0.1,-0.3333,1e-7]"#),
                Self.row(19, at: "2026-03-05T12:00:01Z", #","appName":"Xcode","embedding":[0.5,1,-2.25]"#),
                Self.row(11, at: "2026-03-05T12:00:03Z", #","appName":"Notes","embedding":[0.0123,-0.044]"#),
            ])
            #expect(r.status == 200)
            // Exactly two integer keys: no frame_requests, and last_id is the largest id, not the last one sent.
            #expect(r.json == Self.result(3, 19))
            #expect(r.json.keys == ["synced", "last_id"])
            #expect(try await h.count("screen_activity") == 3)

            let empty = try await Self.sync(h, [])
            #expect(empty.status == 200 && empty.json == Self.result(0, 0))
            #expect(try await h.count("screen_activity") == 3)
        }
    }

    @Test(arguments: TestEngine.available)
    func batchesAreCappedAtHundredRowsAndFullBatchesFit(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { $0.screenActivityRetentionDays = 0 }) { h in
            var small: [String] = []
            for id in 1...101 { small.append(Self.row(id)) }
            let tooMany = try await Self.sync(h, small)
            #expect(tooMany.status == 400 && tooMany.json == .object(["detail": .string("Maximum 100 rows per batch")]))
            #expect(try await h.count("screen_activity") == 0)
            // The body is validated first: 101 rows with one bad timestamp is a 422.
            small[50] = Self.row(51, at: "yesterday")
            let mixed = try await Self.sync(h, small)
            #expect(Self.is422(mixed))
            #expect(try await h.count("screen_activity") == 0)

            // 100 rows of 3072 floats as the client serialises them (float32 widened to double): several MB of JSON.
            var values: [Float] = []
            var vector = "["
            for k in 0..<3072 {
                let f = Float(k) / 3072 - 0.4871
                values.append(f)
                if k > 0 { vector += "," }
                vector += "\(Double(f))"
            }
            vector += "]"
            var body = #"{"rows":["#
            for id in 1...100 {
                if id > 1 { body += "," }
                body += #"{"id":\#(id),"timestamp":"2026-03-05T10:00:00Z","appName":"Xcode","embedding":\#(vector)}"#
            }
            body += "]}"
            #expect(body.utf8.count > 5_000_000)  // above the 4 MiB default cap
            let full = try await h.call(.post, Self.path, json: body)
            #expect(full.status == 200 && full.json == Self.result(100, 100))
            #expect(try await h.count("screen_activity") == 100)
            let first = try await h.call(.get, "/v1/screen-activity?limit=1&include_embeddings=true")
            #expect(first.status == 200 && first.json.array.count == 1)
            #expect(first.json[0]["id"].string == "1")
            #expect(Self.floats(first.json[0]["embedding"]) == values)
        }
    }

    @Test(arguments: TestEngine.available)
    func bodiesOver32MiBGet413AndStoreNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h async throws in
            let text = String(repeating: "a", count: 33 * 1024 * 1024)
            let r = try await h.call(.post, Self.path, json: #"{"rows":[{"id":1,"timestamp":"2026-03-05T12:00:00Z","ocrText":"\#(text)"}]}"#)
            #expect(r.status == 413 && r.json == .object(["detail": .string("Request body too large")]))
            #expect(try await h.count("screen_activity") == 0)
        }
    }

    @Test(arguments: TestEngine.available)
    func timestampsAreReadBackAsUtcMillisecondsTruncated(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { $0.screenActivityRetentionDays = 0 }) { h in
            let cases: [(sent: String, read: String)] = [
                ("2026-03-05 12:00:00.123", "2026-03-05T12:00:00.123Z"),
                ("2026-03-05T12:00:00Z", "2026-03-05T12:00:00.000Z"),
                ("2026-03-05T14:00:00.123456+02:00", "2026-03-05T12:00:00.123Z"),
                ("2026-03-05T12:00:00.9999Z", "2026-03-05T12:00:00.999Z"),
                ("2026-03-05T12:00:00.5z", "2026-03-05T12:00:00.500Z"),
                ("2026-03-05T12:00:00.123456789", "2026-03-05T12:00:00.123Z"),
                ("2026-03-05T07:00:00.0019-05:00", "2026-03-05T12:00:00.001Z"),
                ("2026-01-25 22:51:07.159", "2026-01-25T22:51:07.159Z"),
            ]
            var batch: [String] = []
            for (i, c) in cases.enumerated() { batch.append(Self.row(i + 1, at: c.sent)) }
            let r = try await Self.sync(h, batch)
            #expect(r.status == 200 && r.json == Self.result(Int64(cases.count), Int64(cases.count)))
            let stored = try await Self.rows(h, "")
            #expect(stored.count == cases.count)
            for (i, c) in cases.enumerated() {
                #expect(stored["\(i + 1)"]?["timestamp"].string == c.read, "\(c.sent)")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func anUnparseableTimestampRejectsTheWholeBatch(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            for bad in ["yesterday", "1709647402", "2026-03-05", "2026-02-30T12:00:00Z", "2026-03-05T25:00:00Z", ""] {
                let r = try await Self.sync(h, [Self.row(1), Self.row(2, at: bad), Self.row(3)])
                #expect(Self.is422(r), "\(bad): \(r.text)")
            }
            let epochNumber = try await Self.sync(h, [Self.row(1), #"{"id":2,"timestamp":1709647402}"#])
            #expect(Self.is422(epochNumber))
            #expect(try await h.count("screen_activity") == 0)
        }
    }

    @Test(arguments: TestEngine.available)
    func invalidInputGets422AndStoresNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { $0.screenActivityRetentionDays = 0 }) { h in
            let good = Self.row(1)
            var tooLong = "["
            for k in 0..<8193 { tooLong += k == 0 ? "0.5" : ",0.5" }
            tooLong += "]"
            let badRows: [String] = [
                #"{"timestamp":"2026-03-05T12:00:00Z"}"#,
                #"{"id":2}"#,
                Self.row(2, #","appName":5"#),
                Self.row(2, #","embedding":"abc""#),
                Self.row(2, #","embedding":\#(tooLong)"#),
                #"{"id":2.5,"timestamp":"2026-03-05T12:00:00Z"}"#,
            ]
            for bad in badRows {
                let r = try await Self.sync(h, [good, bad])
                #expect(Self.is422(r), "\(bad.prefix(80)): \(r.text.prefix(300))")
            }
            for body in [#"{}"#, #"{"rows":{}}"#, #"{"rows":null}"#, "not json", #"{"rows":[1]}"#] {
                let r = try await h.call(.post, Self.path, json: body)
                #expect(Self.is422(r), "\(body): \(r.text)")
            }
            let negative = try await Self.sync(h, [good], #","account_generation":-1"#)
            #expect(Self.is422(negative))
            #expect(try await h.count("screen_activity") == 0)

            // 8192 numbers is the largest embedding accepted.
            let maxVector = "[" + String(tooLong.dropFirst(5))
            let ok = try await Self.sync(h, [Self.row(9, #","embedding":\#(maxVector)"#)])
            #expect(ok.status == 200 && ok.json == Self.result(1, 9))
            let widest = try await Self.rows(h)
            #expect(Self.floats(widest["9"]?["embedding"] ?? .null)?.count == 8192)
        }
    }

    @Test(arguments: TestEngine.available)
    func ocrTextIsCutToItsFirstThousandCharacters(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { $0.screenActivityRetentionDays = 0 }) { h in
            let long = String(repeating: "a\u{E9}", count: 750)
            let exact = String(repeating: "\u{E9}", count: 1000)
            let r = try await Self.sync(h, [Self.row(1, #","ocrText":"\#(long)""#), Self.row(2, #","ocrText":"\#(exact)""#)])
            #expect(r.status == 200 && r.json == Self.result(2, 2))
            let stored = try await Self.rows(h, "")
            let cut = try #require(stored["1"]?["ocrText"].string)
            #expect(cut.unicodeScalars.count == 1000)
            #expect(cut == String(repeating: "a\u{E9}", count: 500))
            #expect(stored["2"]?["ocrText"].string == exact)
        }
    }

    @Test(arguments: TestEngine.available)
    func resendingIsIdempotentAndMergesEmbeddings(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { $0.screenActivityRetentionDays = 0 }) { h in
            let device = #","clientDeviceId":"macos_a""#
            let batch = [
                Self.row(1, device + #","appName":"Safari","windowTitle":"Old","embedding":[0.1,0.2]"#),
                Self.row(2, device + #","appName":"Mail","windowTitle":"Inbox","embedding":[0.3]"#),
            ]
            let first = try await Self.sync(h, batch)
            let again = try await Self.sync(h, batch)
            #expect(first.status == 200 && first.json == Self.result(2, 2))
            #expect(again.status == 200 && again.json == first.json, "\(first.text) vs \(again.text)")
            #expect(try await h.count("screen_activity") == 2)

            // A new title replaces the old one; no embedding keeps the stored one (absent, null or []).
            for keep in ["", #","embedding":null"#, #","embedding":[]"#] {
                let r = try await Self.sync(h, [Self.row(1, device + #","appName":"Safari","windowTitle":"New""# + keep)])
                #expect(r.status == 200 && r.json == Self.result(1, 1))
                let row = try #require(try await Self.rows(h)["macos_a-1"])
                #expect(row["windowTitle"].string == "New")
                #expect(Self.floats(row["embedding"]) == [Float(0.1), Float(0.2)], "\(keep)")
            }
            let replaced = try await Self.sync(h, [Self.row(1, device + #","appName":"Safari","embedding":[0.7,-0.5,0.25]"#)])
            #expect(replaced.status == 200)
            let stored = try await Self.rows(h)
            #expect(Self.floats(stored["macos_a-1"]?["embedding"] ?? .null) == [Float(0.7), Float(-0.5), Float(0.25)])
            #expect(Self.floats(stored["macos_a-2"]?["embedding"] ?? .null) == [Float(0.3)])
            #expect(try await h.count("screen_activity") == 2)

            // A key repeated inside one batch still counts; the last occurrence is what is stored, once.
            let repeated = try await Self.sync(h, [
                Self.row(3, device + #","windowTitle":"first""#), Self.row(3, device + #","windowTitle":"second""#),
            ])
            #expect(repeated.status == 200 && repeated.json == Self.result(2, 3))
            #expect(try await h.count("screen_activity") == 3)
            let merged = try await Self.rows(h)
            #expect(merged["macos_a-3"]?["windowTitle"].string == "second")

            // A repeat after ascending ids, and one after the order has already broken, are found as well.
            for (ids, total) in [([8, 9, 8], 5), ([5, 4, 5], 7)] {
                let batch = try await Self.sync(h, ids.enumerated().map { index, id in
                    Self.row(id, device + #","windowTitle":"take \#(index)""#)
                })
                #expect(batch.status == 200 && batch.json == Self.result(3, Int64(ids.max()!)), "\(ids)")
                #expect(try await h.count("screen_activity") == total, "\(ids)")
                let stored = try await Self.rows(h)
                #expect(stored["macos_a-\(ids[0])"]?["windowTitle"].string == "take 2", "\(ids)")
                #expect(stored["macos_a-\(ids[1])"]?["windowTitle"].string == "take 1", "\(ids)")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func rowsAreKeyedByDeviceAndId(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { $0.screenActivityRetentionDays = 0 }) { h in
            let r = try await Self.sync(h, [
                Self.row(42, #","clientDeviceId":"macos_a","deviceName":"David's Mac Studio","windowTitle":"a""#),
                Self.row(42, #","clientDeviceId":"macos_b","deviceName":"","windowTitle":"b""#),
                Self.row(42, #","windowTitle":"none""#),
                Self.row(43, #","clientDeviceId":"","windowTitle":"empty""#),
            ])
            #expect(r.status == 200 && r.json == Self.result(4, 43))
            var stored = try await Self.rows(h, "")
            #expect(Set(stored.keys) == ["macos_a-42", "macos_b-42", "42", "43"])
            #expect(stored["macos_a-42"]?["clientDeviceId"] == .string("macos_a"))
            #expect(stored["macos_a-42"]?["deviceName"] == .string("David's Mac Studio"))
            #expect(stored["macos_b-42"]?["clientDeviceId"] == .string("macos_b"))
            #expect(stored["macos_b-42"]?["deviceName"] == .null)
            #expect(stored["42"]?["clientDeviceId"] == .null && stored["43"]?["clientDeviceId"] == .null)
            for id in ["macos_a-42", "macos_b-42", "42"] { #expect(stored[id]?["localScreenshotId"] == .string("42")) }
            #expect(stored["43"]?["windowTitle"].string == "empty")

            // An empty clientDeviceId is the same key as none.
            _ = try await Self.sync(h, [Self.row(42, #","clientDeviceId":"","windowTitle":"again""#)])
            #expect(try await h.count("screen_activity") == 4)
            stored = try await Self.rows(h, "")
            #expect(stored["42"]?["windowTitle"].string == "again")
            #expect(stored["macos_a-42"]?["windowTitle"].string == "a" && stored["macos_b-42"]?["windowTitle"].string == "b")
        }
    }

    @Test(arguments: TestEngine.available)
    func generationRetentionAndEligibilityAreStoredPerRow(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            // Recent rows, so that neither the age limit nor the retentions below hide them.
            let recent = Timestamp.format(micros: Clock.nowMicros() - 60_000_000)
            let first = try await Self.sync(h, [
                Self.row(1, at: recent, #","captureEligible":true"#),
                Self.row(2, at: recent, #","captureEligible":false,"deviceRetentionSeconds":3600"#),
                Self.row(3, at: recent, #","captureEligible":null,"deviceRetentionSeconds":0"#),
            ], #","account_generation":3,"deviceRetentionSeconds":518400"#)
            #expect(first.status == 200 && first.json == Self.result(3, 3))
            let second = try await Self.sync(h, [
                Self.row(4, at: recent), Self.row(5, at: recent, #","deviceRetentionSeconds":-5"#),
            ], #","deviceRetentionSeconds":0"#)
            #expect(second.status == 200 && second.json == Self.result(2, 5))

            let stored = try await Self.rows(h, "")
            #expect(stored.count == 5)
            let expected: [(id: String, generation: Int64, retention: Wire.JSONValue, eligible: Bool)] = [
                ("1", 3, .int(518400), true), ("2", 3, .int(3600), false), ("3", 3, .int(518400), false),
                ("4", 0, .null, false), ("5", 0, .null, false),
            ]
            for e in expected {
                let row = stored[e.id] ?? .null
                #expect(row["accountGeneration"] == .int(e.generation), "\(e.id)")
                #expect(row.has("deviceRetentionSeconds") && row["deviceRetentionSeconds"] == e.retention, "\(e.id)")
                #expect(row["captureEligible"] == .bool(e.eligible), "\(e.id)")
            }

            let negative = try await Self.sync(h, [Self.row(6, at: recent)], #","account_generation":-1"#)
            #expect(Self.is422(negative))
            #expect(try await h.count("screen_activity") == 5)
        }
    }

    @Test(arguments: TestEngine.available)
    func storageOffValidatesButStoresNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { $0.screenActivityStorage = false }) { h in
            let recent = Timestamp.format(micros: Clock.nowMicros() - 60_000_000)
            let r = try await Self.sync(h, [
                Self.row(5, at: recent, #","appName":"Safari","embedding":[0.1]"#), Self.row(9, at: recent),
            ])
            #expect(r.status == 200 && r.json == Self.result(0, 0))
            #expect(try await h.count("screen_activity") == 0)
            var many: [String] = []
            for id in 1...101 { many.append(Self.row(id, at: recent)) }
            let tooMany = try await Self.sync(h, many)
            #expect(tooMany.status == 400 && tooMany.detail == "Maximum 100 rows per batch")
            let badTime = try await Self.sync(h, [Self.row(1, at: "yesterday")])
            let badGeneration = try await Self.sync(h, [Self.row(1, at: recent)], #","account_generation":-1"#)
            #expect(Self.is422(badTime) && Self.is422(badGeneration))
            let list = try await h.call(.get, "/v1/screen-activity")
            #expect(list.status == 200 && list.json == .array([]))
            #expect(try await h.count("screen_activity") == 0)
        }
    }
}
