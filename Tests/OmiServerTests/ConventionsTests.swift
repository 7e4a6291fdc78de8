import Foundation
import HTTPTypes
import OmiContract
import Testing
@testable import OmiServer

@Suite("Conventions shared by every route (conventions.md)")
struct ConventionsTests {
    @Test(arguments: TestEngine.available)
    func healthIgnoresAuthorizationAndNeverFails(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h async throws in
            for path in ["/health", "/"] {
                let r = try await h.call(.get, path, as: nil, headers: [.authorization: "Bearer garbage"])
                #expect(r.status == 200)
                #expect(r.json["service"].string == "omi-desktop-backend")
                #expect(r.json["mode"].string == "cloud")
                #expect(r.json["version"].string != nil)
                #expect(r.json["storage"].string == engine.rawValue)
                #expect(r.json["auth_mode"].string == "firebase")
                #expect(r.json.has("backend_release_sha") && r.json["backend_release_sha"].isNull)
                #expect(!r.json.has("bind_addr") && !r.json.has("data_dir") && !r.json.has("release_tag"))
            }
            #expect(try await h.call(.head, "/health", as: nil).status == 200)
        }
    }

    @Test(arguments: TestEngine.available)
    func aStorageFailureBeforeTheHandlerIsAServerErrorNotAValidationError(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h async throws in
            try await h.database.withConnection { db in try await db.raw("DROP TABLE account_tombstones").run() }
            let r = try await h.call(.get, "/v2/chat-sessions", as: "fresh-user")
            #expect(r.status == 500 && r.detail == "Internal server error", "\(r.status) \(r.text)")
        }
    }

    @Test(arguments: TestEngine.available)
    func unknownRoutesAndMethodsAnswerBeforeAuth(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h async throws in
            let missing = try await h.call(.get, "/v1/no-such-route", as: nil)
            #expect(missing.status == 404 && missing.text == #"{"detail":"Not Found"}"#)
            let wrong = try await h.call(.put, "/v2/chat-sessions", as: nil)
            #expect(wrong.status == 405 && wrong.detail == "Method Not Allowed")
            #expect(wrong.headers[.allow] == "GET, POST")
            #expect(try await h.call(.get, "/v2/chat-context", as: nil).status == 404)
            #expect(try await h.call(.post, "/v1/messages", as: nil).status == 404)
            // A literal segment wins over a parameter.
            #expect(try await h.call(.get, "/v2/desktop/messages/reconcile").status == 200)
        }
    }

    @Test(arguments: TestEngine.available)
    func pathsAreNormalisedAndPrefixesStripped(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { $0.mountPrefix = "/omi" }) { h async throws in
            #expect(try await h.call(.get, "/v2/chat-sessions/").status == 200)
            #expect(try await h.call(.get, "//v2//chat-sessions").status == 200)
            #expect(try await h.call(.get, "/omi/v2/chat-sessions?limit=5").status == 200)
            #expect(try await h.call(.get, "/omi/health", as: nil).status == 200)
            #expect(try await h.call(.get, "//omi//health/", as: nil).status == 200)
            #expect(try await h.call(.get, "/legacy/v2/chat-sessions").status == 404)
            // Handlers see the path collapsed, without its prefix or trailing slash.
            let retired = try await h.call(.post, "/omi//v1/webhooks//sentry/?x=1", as: nil)
            #expect(retired.status == 410)
            #expect(retired.detail == "This endpoint (POST /v1/webhooks/sentry) is retired and no longer served.")
        }
        try await TestHarness.run(engine, configure: { $0.legacyMountPrefix = "/legacy" }) { h async throws in
            #expect(try await h.call(.get, "/legacy/v2/chat-sessions").status == 200)
            #expect(try await h.call(.get, "/legacy/health", as: nil).json["service"].string == "omi-desktop-backend")
            #expect(try await h.call(.get, "/v2/chat-sessions").status == 200)
        }
    }

    @Test(arguments: TestEngine.available)
    func everyResponseCarriesARequestId(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h async throws in
            let fresh = try await h.call(.get, "/nowhere", as: nil)
            #expect(UUID(uuidString: fresh.headers[.xRequestId] ?? "") != nil)
            let sent = "3F2504E0-4F89-41D3-9A0C-0305E82C3301"
            let echoed = try await h.call(.get, "/v2/chat-sessions", headers: [.xDesktopRequestId: sent])
            #expect(echoed.headers[.xRequestId] == sent.lowercased())
            let garbage = try await h.call(.get, "/v2/chat-sessions", headers: [.xDesktopRequestId: "not-a-uuid"])
            #expect(garbage.headers[.xRequestId] != "not-a-uuid")
        }
    }

    @Test(arguments: TestEngine.available)
    func optionalClientHeadersChangeNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h async throws in
            let plain = try await h.call(.get, "/v1/users/stats/chat-messages")
            let decorated = try await h.call(.get, "/v1/users/stats/chat-messages", headers: [
                HTTPField.Name("X-App-Platform")!: "macos", HTTPField.Name("X-Request-Start-Time")!: "garbage",
                .userAgent: "Omi/1 CFNetwork", HTTPField.Name("Idempotency-Key")!: "abc",
            ])
            #expect(plain.status == 200 && decorated.status == 200 && plain.text == decorated.text)
        }
    }

    @Test(arguments: TestEngine.available)
    func bodyCapsAreEnforcedBeforeAnythingIsWritten(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h async throws in
            let big = String(repeating: "a", count: 2 * 1024 * 1024)
            let r = try await h.call(.post, "/v2/desktop/messages", json: #"{"text":"\#(big)","sender":"human"}"#)
            #expect(r.status == 413 && r.detail == "Request body is too large")
            #expect(try await h.count("chat_messages") == 0)
            let bad = try await h.call(.delete, "/v2/desktop/messages", headers: [.contentLength: "abc"])
            #expect(bad.status == 400 && bad.detail == "Invalid Content-Length")
            // JSON is read as JSON whatever content type was declared.
            let textPlain = try await h.call(.post, "/v2/chat-sessions", json: #"{"title":"t"}"#,
                                             headers: [.contentType: "text/plain"])
            #expect(textPlain.status == 200 && textPlain.json["title"].string == "t")
        }
    }

    /// JSON routes are handed no `Content-Type` (`RecordingTransport.nonJSONBodies`); a binary route still reads the
    /// declared type and refuses JSON, whatever type the client named, rather than taking it as audio or files.
    @Test(arguments: TestEngine.available)
    func aBinaryRouteRefusesJSONAndStoresNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h async throws in
            for type in ["application/json", "text/plain"] {
                for (path, expected) in [("/v2/voice-message/transcribe", "application/octet-stream"),
                                         ("/v2/files", "multipart/form-data")] {
                    let r = try await h.call(.post, path, json: #"{"files":"x"}"#, headers: [.contentType: type])
                    #expect(r.status == 422, "\(path) \(type): \(r.status) \(r.text)")
                    let escaped = expected.replacingOccurrences(of: "/", with: "\\/")  // as JSONEncoder writes it
                    #expect(r.text.contains("Unexpected content type, expected: \(escaped)"),
                            "\(path) \(type): \(r.text)")
                }
            }
            #expect(try await h.count("chat_files") == 0)
            // The same JSON to a JSON route is taken, under either declared type.
            for type in ["application/json", "text/plain"] {
                let r = try await h.call(.post, "/v1/action-items", json: #"{"description":"\#(type)"}"#,
                                         headers: [.contentType: type])
                #expect(r.status == 200 && r.json["description"].string == type, "\(type): \(r.status) \(r.text)")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func corsIsOffUnlessOriginsAreListed(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h async throws in
            let r = try await h.call(.get, "/health", as: nil, headers: [.origin: "https://viewer.example"])
            #expect(r.headers[.accessControlAllowOrigin] == nil)
            let preflight = try await h.call(.options, "/v2/chat-sessions", as: nil, headers: [
                .origin: "https://viewer.example", .accessControlRequestMethod: "GET"])
            #expect(preflight.status == 405 && preflight.headers[.accessControlAllowOrigin] == nil)
        }
        try await TestHarness.run(engine, configure: { $0.corsAllowedOrigins = ["https://viewer.example"] }) { h async throws in
            let preflight = try await h.call(.options, "/v2/chat-sessions", as: nil, headers: [
                .origin: "https://viewer.example", .accessControlRequestMethod: "GET"])
            #expect(preflight.status == 204)
            #expect(preflight.headers[.accessControlAllowOrigin] == "https://viewer.example")
            #expect(preflight.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
            #expect(preflight.headers[.accessControlMaxAge] == "600")
            #expect(preflight.headers[.accessControlAllowCredentials] == nil)
            let other = try await h.call(.options, "/v2/chat-sessions", as: nil, headers: [
                .origin: "https://evil.example", .accessControlRequestMethod: "GET"])
            #expect(other.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test(arguments: TestEngine.available)
    func readinessReportsTheDatabase(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h async throws in
            _ = try await h.call(.get, "/v2/chat-sessions")
            let ready = try await h.call(.get, "/ready", as: nil)
            #expect(ready.status == 200)
            #expect(ready.json["database"]["status"].string == "ready")
            #expect(ready.json["database"]["kind"].string == engine.rawValue)
            #expect(ready.json["auth_keys"]["status"].string == "ready")
            try await h.database.withConnection { db in try await db.raw("DROP TABLE schema_migrations").run() }
            // The probe gives up after 2 s and reports `transport`; under a loaded CI machine one PostgreSQL probe
            // took longer, so a timed-out answer is asked again (a few times) before the class is checked.
            var unmigrated = try await h.call(.get, "/ready", as: nil)
            for _ in 0..<3 where unmigrated.json["database"]["failure_class"].string == "transport" {
                unmigrated = try await h.call(.get, "/ready", as: nil)
            }
            #expect(unmigrated.status == 503 && unmigrated.headers[.retryAfter] == "5")
            #expect(unmigrated.json["database"]["failure_class"].string == "schema")
            await h.database.shutdown()
            let down = try await h.call(.get, "/ready", as: nil)
            #expect(down.status == 503 && down.json["status"].string == "not_ready")
            #expect(down.json["database"]["failure_class"].string == "transport")
            #expect(try await h.call(.get, "/health", as: nil).status == 200)
        }
    }

    @Test(arguments: TestEngine.available)
    func metricsAndTheContractAreServed(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h async throws in
            _ = try await h.call(.get, "/v2/chat-sessions")
            _ = try await h.call(.get, "/v2/chat-sessions", as: "user-b")
            _ = try await h.call(.get, "/v2/chat-sessions", as: nil)
            let metrics = try await h.call(.get, "/metrics", as: nil)
            #expect(metrics.status == 200)
            #expect(metrics.text.contains(#"http_requests_total{method="GET",route="/v2/chat-sessions",status="200"} 2"#))
            #expect(metrics.text.contains(#"http_requests_total{method="GET",route="/v2/chat-sessions",status="401"} 1"#))
            // Each family says what it counts, for whoever reads the scrape.
            #expect(metrics.text.contains("# HELP http_requests_total Requests answered"))
            #expect(metrics.text.contains("# HELP http_request_duration_seconds Time until the response head is ready"))
            #expect(metrics.text.contains(#"http_request_duration_seconds_count{method="GET",route="/v2/chat-sessions"} 3"#))
            let spec = try await h.call(.get, "/openapi.yaml", as: nil)
            #expect(spec.status == 200 && spec.text.hasPrefix("openapi: 3.1.0"))
        }
    }

    @Test(arguments: TestEngine.available)
    func errorsNeverLeakInternals(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h async throws in
            let sid = try #require(try await h.call(.post, "/v2/chat-sessions").json["id"].string)
            // A broken table turns into a plain 500 without SQL in the body.
            try await h.database.withConnection { db in try await db.raw("DROP TABLE chat_messages").run() }
            let r = try await h.call(.get, "/v2/desktop/messages?session_id=\(sid)")
            #expect(r.status == 500 && r.text == #"{"detail":"Internal server error"}"#)
        }
    }

    /// A date-time that does not parse is a 422 naming its field and echoing the text, as FastAPI's is, not a
    /// "JSON decode error" for a body that is valid JSON; nothing is written. Malformed JSON is still `json_invalid`.
    @Test(arguments: TestEngine.available)
    func aBadDateTimeNamesItsFieldAndWritesNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h async throws in
            for (path, body, field) in [
                ("/v1/action-items", #"{"description":"x","due_at":"tomorrow"}"#, "due_at"),
                ("/v1/action-items", #"{"description":"x","due_at":"2026-02-30T10:00:00Z"}"#, "due_at"),
                ("/v1/conversations/from-segments",
                 #"{"transcript_segments":[{"text":"hi","start":0,"end":1}],"started_at":"2026-01-01T10:00:00Z","finished_at":"tomorrow"}"#,
                 "finished_at"),
            ] {
                let r = try await h.call(.post, path, json: body)
                let item = r.json["detail"][0]
                #expect(r.status == 422 && item["loc"] == .array([.string("body"), .string(field)]), "\(path): \(r.text)")
                #expect(item["type"].string == "datetime_from_date_parsing" && item["msg"].string == "Input should be a valid datetime")
                #expect(item["input"].string == Wire.JSONValue(jsonText: body)?[field].string)
            }
            #expect(try await h.count("action_items") == 0)
            #expect(try await h.count("conversations") == 0)
            let malformed = try await h.call(.post, "/v1/action-items", json: #"{"description":"#)
            #expect(malformed.status == 422 && malformed.json["detail"][0]["type"].string == "json_invalid")
        }
    }

    /// Malformed JSON is 422 `json_invalid` at the character offset where Python's parser stops, with its message in
    /// `ctx.error` (conventions.md §5.2), on routes whose body has its own reader and on those decoded by the generated
    /// code alike; nothing is written.
    @Test(arguments: TestEngine.available)
    func malformedJSONNamesWherePythonStopsAndWritesNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h async throws in
            for (path, body, offset, message) in [
                ("/v2/desktop/messages", #"{"text":"héllo wörld", "sender":"human",}"#, 40,
                 "Expecting property name enclosed in double quotes"),
                ("/v1/action-items", #"{"description":"日本語" "due_at":null}"#, 21, "Expecting ',' delimiter"),
                ("/v1/screen-activity/sync", #"{"rows":[{"id":1,}]}"#, 17, "Expecting property name enclosed in double quotes"),
                ("/v3/memories", #"{"content":"a\qb"}"#, 13, "Invalid \\escape"),
                ("/v1/action-items", #"{"description":"x"} trailing"#, 20, "Extra data"),
            ] {
                let r = try await h.call(.post, path, json: body)
                let item = r.json["detail"][0]
                #expect(r.status == 422 && item["type"].string == "json_invalid" && item["msg"].string == "JSON decode error",
                        "\(path): \(r.status) \(r.text)")
                #expect(item["loc"] == .array([.string("body"), .int(Int64(offset))]), "\(path): \(r.text)")
                #expect(item["ctx"]["error"].string == message, "\(path): \(r.text)")
            }
            for table in ["chat_messages", "action_items", "screen_activity", "memories"] {
                #expect(try await h.count(table) == 0, "\(table)")
            }
            // Authentication comes first (conventions.md §2.5), and an operation that reads no body ignores one.
            let anonymous = try await h.call(.post, "/v1/action-items", as: nil, json: #"{"description":"x",}"#)
            #expect(anonymous.status == 401, "\(anonymous.text)")
            let id = try await h.addActionItemID("Ignores a body")
            let done = try await h.call(.patch, "/v1/action-items/\(id)/completed?completed=true", json: "{,}")
            #expect(done.status == 200 && done.json["completed"] == .bool(true), "\(done.text)")
        }
    }

    /// conventions.md §6.6: where every body field is optional, an empty body reads as `{}`. The document says so too
    /// (`required: false`), so a client generated from it may send none and a fuzzer expects it to be taken.
    @Test(arguments: TestEngine.available)
    func anEmptyBodyIsAnEmptyObjectWhereEveryFieldIsOptional(engine: TestEngine) async throws {
        let routes = ["updateProfile": "/v1/users/profile",
                      "updateTranscriptionPreferences": "/v1/users/transcription-preferences",
                      "updateDailySummarySettings": "/v1/users/daily-summary-settings",
                      "updateNotificationSettings": "/v1/users/notification-settings",
                      "updateAssistantSettings": "/v1/users/assistant-settings"]
        let document = OpenAPIDocument.yaml
        for operation in routes.keys.sorted() + ["updateAIProfile", "recordLLMUsage", "updateAdvice", "updatePersona"] {
            let start = try #require(document.range(of: "operationId: \(operation)\n"), "\(operation)")
            let body = try #require(document[start.upperBound...].range(of: "requestBody:\n"))
            #expect(document[body.upperBound...].hasPrefix("        required: false\n"), "\(operation)")
        }
        try await TestHarness.run(engine) { h async throws in
            _ = try await h.call(.patch, "/v1/users/profile", json: #"{"time_zone":"Europe/Paris"}"#)
            for (operation, path) in routes {
                let before = try await h.call(.get, path)
                let reply = try await h.call(.patch, path, headers: [.contentType: "application/json"])
                #expect(reply.status == 200, "\(operation): \(reply.status) \(reply.text)")
                let after = try await h.call(.get, path)
                #expect(after.json == before.json, "\(operation) changed: \(before.text) -> \(after.text)")
            }
            // users.md §10.2: the answer is the merged profile with every key, defaults for what was never sent.
            let profile = try await h.call(.patch, "/v1/users/ai-profile", headers: [.contentType: "application/json"])
            #expect(profile.status == 200 && profile.json["profile_text"].string == "")
            #expect(profile.json["data_sources_used"] == .int(0) && profile.json["generated_at"].string != nil)
        }
    }
}
