import Foundation
import HTTPTypes
import Logging
import OmiContract
import OmiStorage
import Testing
@testable import OmiServer

/// Shared helpers of the Gemini proxy tests: a harness pointed at its own fake tenant, paths and envelope checks.
enum GeminiSupport {
    static let serverKey = "server-gemini-key-Zx81-not-a-real-key"
    static let prompt = #"{"contents":[{"parts":[{"text":"hello"}]}]}"#
    static let embed = #"{"content":{"parts":[{"text":"hello"}]}}"#

    /// Runs `body` with the server key set and the upstream pointed at a fresh tenant of the fake.
    static func run(_ engine: TestEngine, configure: @escaping @Sendable (inout Settings) -> Void = { _ in },
                    logger: Logger? = nil, _ body: @Sendable (TestHarness, String) async throws -> Void) async throws {
        let (id, base) = try await FakeGemini.shared.newTenant()
        try await TestHarness.run(engine, configure: { s in
            s.geminiAPIKey = serverKey
            s.gemini.apiBase = base
            configure(&s)
        }, logger: logger) { h in try await body(h, id) }
    }

    static func path(_ model: String, _ action: String, stream: Bool = false) -> String {
        "/v1/proxy/\(stream ? "gemini-stream" : "gemini")/models/\(model):\(action)"
    }

    /// Parsed, so key order and spacing do not matter where bytes need not be identical.
    static func envelope(_ code: Int, _ status: String, _ message: String) -> Wire.JSONValue {
        .object(["error": .object(["code": .int(Int64(code)), "status": .string(status), "message": .string(message)])])
    }

    static func expectError(_ r: Reply, _ code: Int, _ status: String, _ message: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == code, "\(r.text)", sourceLocation: sourceLocation)
        #expect(r.json == envelope(code, status, message), "\(r.text)", sourceLocation: sourceLocation)
        #expect(r.headers[.contentType] == "application/json", sourceLocation: sourceLocation)
    }

    static let notAllowed = "Gemini model or action is not allowed"

    /// The meter rows of a user, every scope.
    static func meterRows(_ h: TestHarness, uid: String = TestHarness.defaultUser) async throws -> Int {
        try await h.count("meter_events", uid: uid)
    }

    /// Moves every meter row of the user `seconds` into the past.
    static func backdateMeters(_ h: TestHarness, uid: String = TestHarness.defaultUser, by seconds: Int64) async throws {
        try await h.database.withConnection { db in
            try await db.raw("UPDATE meter_events SET at = at - \(bind: seconds * 1_000_000) WHERE uid = \(bind: uid)").run()
        }
    }

    /// Inserts `count` admitted Gemini requests at `at` (microseconds) in one statement.
    static func insertMeters(_ h: TestHarness, uid: String = TestHarness.defaultUser, count: Int, at: Int64) async throws {
        try await h.database.withConnection { db in
            try await db.raw("""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(bind: count))
                INSERT INTO meter_events (scope, uid, at, units) SELECT 'gemini', \(bind: uid), \(bind: at), 1 FROM n
                """).run()
        }
    }
}
