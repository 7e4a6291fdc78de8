import Foundation
import HTTPTypes
import Logging
import NIOCore
import OmiContract
import OmiStorage
import Testing
@testable import OmiServer

@Suite("Text to speech (platform.md §3.4)")
struct SpeechTests {
    typealias JSON = Wire.JSONValue

    static let path = "/v1/tts/synthesize"
    static let serverKey = "sk-server-tts-0123456789abcdef"
    static let userKey = "sk-user-openai-1"
    static let fake = FakeSpeechAPI.shared

    /// The spec's rules with waits short enough for tests.
    static var fastTimings: SpeechTimings {
        var t = SpeechTimings()
        t.backoffs = [.milliseconds(10), .milliseconds(20)]
        return t
    }

    struct Answer: Sendable {
        var status: Int
        var headers: HTTPFields
        var bytes: [UInt8]
        var json: JSON { JSON(jsonText: String(decoding: bytes, as: UTF8.self)) ?? .null }
    }

    /// A server whose `OPENAI_API_BASE` is a fresh fake tenant answering `answers`.
    static func run(_ engine: TestEngine, answers: [FakeSpeechAPI.Answer] = [.audio(FakeSpeechAPI.defaultAudio)],
                    key: String? = serverKey, configure: @escaping @Sendable (inout Settings) -> Void = { _ in },
                    _ body: @Sendable (TestHarness, String) async throws -> Void) async throws {
        let (tenant, base) = try await fake.tenant(answers)
        try await TestHarness.run(engine, configure: { s in
            s.openAIAPIKey = key
            s.openAIAPIBase = base
            s.speechTimings = Self.fastTimings
            configure(&s)
        }) { h in try await body(h, tenant) }
    }

    /// POSTs `json` and keeps the body as bytes, since audio is not text.
    static func post(_ h: TestHarness, _ json: String, as user: String = TestHarness.defaultUser,
                     headers: HTTPFields = [:]) async throws -> Answer {
        var fields = headers
        fields[.authorization] = "Bearer \(h.token(user))"
        fields[.contentType] = "application/json"
        let response = try await h.client.execute(uri: path, method: .post, headers: fields,
                                                  body: ByteBuffer(string: json))
        var buffer = response.body
        return Answer(status: response.status.code, headers: response.headers,
                      bytes: buffer.readBytes(length: buffer.readableBytes) ?? [])
    }

    static func body(_ text: String, voice: String = "nova", extra: String = "") -> String {
        let encoded = String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
        return #"{"text":\#(encoded),"voice_id":"\#(voice)"\#(extra)}"#
    }

    static func detail(_ text: String) -> JSON { .object(["detail": .string(text)]) }

    /// Adds `count` admitted TTS calls of `units` characters each for `uid`, `secondsAgo` in the past.
    static func seedMeter(_ h: TestHarness, uid: String = TestHarness.defaultUser, count: Int, units: Int64,
                          secondsAgo: Int64 = 1) async throws {
        let at = Clock.nowMicros() - secondsAgo * 1_000_000
        try await h.database.withConnection { db in
            for _ in 0..<count {
                try await db.raw("""
                    INSERT INTO meter_events (scope, uid, at, units) VALUES ('tts', \(bind: uid), \(bind: at), \(bind: units))
                    """).run()
            }
        }
    }

    static func headers(_ pairs: [(String, String)]) -> HTTPFields { BYOKTests.headers(pairs) }

    // MARK: checklist 32

    @Test(arguments: TestEngine.available)
    func aValidBodyAnswersTheExactUpstreamMP3(engine: TestEngine) async throws {
        try await Self.run(engine) { h, tenant in
            let r = try await Self.post(h, Self.body("  Hello there.  ", voice: " coral ",
                                                    extra: #","instructions":"  Speak warmly.  ""#))
            #expect(r.status == 200, "\(r.json)")
            #expect(r.bytes == FakeSpeechAPI.defaultAudio)
            #expect(r.headers[.contentType] == "audio/mpeg")
            #expect(r.headers[.contentLength] == String(FakeSpeechAPI.defaultAudio.count))
            let seen = Self.fake.requests(tenant)
            try #require(seen.count == 1)
            #expect(seen[0].body == .object([
                "model": .string("gpt-4o-mini-tts"), "input": .string("Hello there."), "voice": .string("coral"),
                "instructions": .string("Speak warmly."), "response_format": .string("mp3"),
            ]))
            #expect(seen[0].authorization == "Bearer \(Self.serverKey)")
            #expect(seen[0].contentType == "application/json")
            // The client's credentials are not forwarded.
            #expect(!seen[0].headerNames.contains("X-BYOK-OpenAI") && !seen[0].headerNames.contains("Cookie"))
            let metered = try await h.count("meter_events")
            #expect(metered == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func blankInstructionsAreDroppedAndMissingKeysAre422(engine: TestEngine) async throws {
        try await Self.run(engine) { h, tenant in
            let blank = try await Self.post(h, Self.body("Hi", extra: #","instructions":"   ""#))
            #expect(blank.status == 200)
            let seen = Self.fake.requests(tenant)
            #expect(seen.count == 1 && !seen[0].body.has("instructions"))
            for bad in [#"{"voice_id":"nova"}"#, #"{"text":"Hi"}"#, #"{"text":5,"voice_id":"nova"}"#,
                        #"{"text":"Hi","voice_id":"nova","instructions":7}"#] {
                let r = try await Self.post(h, bad)
                #expect(r.status == 422 && !r.json["detail"].array.isEmpty, "\(bad): \(r.json)")
            }
            let long = try await Self.post(h, Self.body("Hi", extra: #","instructions":"\#(String(repeating: "x", count: 4097))""#))
            #expect(long.status == 422 && long.json["detail"][0]["loc"] == .array([.string("body"), .string("instructions")]))
            let metered = try await h.count("meter_events")
            #expect(metered == 1 && Self.fake.requests(tenant).count == 1)
        }
    }

    // MARK: checklist 33

    @Test(arguments: TestEngine.available)
    func invalidTextOrVoiceIs400AndNothingIsMetered(engine: TestEngine) async throws {
        try await Self.run(engine) { h, tenant in
            let cases: [(String, String)] = [
                (Self.body(" \n\t "), "text is required"),
                (Self.body(String(repeating: "é", count: 4097)), "text is too long"),
                (Self.body("Hello", voice: "21m00Tcm4TlvDq8ikWAM"), "voice_id is not supported"),
                (Self.body("Hello", voice: "Alloy"), "voice_id is not supported"),
                // Blank text comes before the voice.
                (Self.body("", voice: "nope"), "text is required"),
            ]
            for (json, message) in cases {
                let r = try await Self.post(h, json)
                #expect(r.status == 400 && r.json == Self.detail(message), "\(message): \(r.json)")
            }
            // 4096 scalars after trimming is the limit itself.
            let atLimit = try await Self.post(h, Self.body(" " + String(repeating: "é", count: 4096) + " "))
            #expect(atLimit.status == 200)
            let metered = try await h.count("meter_events")
            #expect(metered == 1 && Self.fake.requests(tenant).count == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func theOlderBodyGetsTheFallbackVoice(engine: TestEngine) async throws {
        try await Self.run(engine, configure: { s in s.ttsFallbackVoice = "sage" }) { h, tenant in
            let older = #","model_id":"eleven_turbo_v2_5","output_format":"mp3_44100_128","#
                + #""voice_settings":{"stability":0.5,"similarity_boost":0.75,"style":0,"use_speaker_boost":true}"#
            let r = try await Self.post(h, Self.body("Hello", voice: "21m00Tcm4TlvDq8ikWAM", extra: older))
            #expect(r.status == 200 && r.bytes == FakeSpeechAPI.defaultAudio)
            // One of the older fields is enough; a supported voice is kept.
            let kept = try await Self.post(h, Self.body("Hello", voice: "echo", extra: #","model_id":"x""#))
            #expect(kept.status == 200)
            let seen = Self.fake.requests(tenant)
            try #require(seen.count == 2)
            #expect(seen[0].body == .object([
                "model": .string("gpt-4o-mini-tts"), "input": .string("Hello"), "voice": .string("sage"),
                "response_format": .string("mp3"),
            ]))
            #expect(seen[1].body["voice"] == .string("echo"))
        }
    }

    @Test
    func theFallbackVoiceSettingIsValidated() throws {
        let base = ["AUTH_DEV_MODE": "true"]
        #expect(try Settings.fromEnvironment(base).ttsFallbackVoice == "alloy")
        #expect(try Settings.fromEnvironment(base).openAIAPIBase == "https://api.openai.com/v1")
        let set = try Settings.fromEnvironment(base.merging([
            "TTS_FALLBACK_VOICE": "Marin", "OPENAI_API_KEY": " sk-1 ", "OPENAI_API_BASE": "http://127.0.0.1:9/v1/",
        ]) { $1 })
        #expect(set.ttsFallbackVoice == "marin" && set.openAIAPIKey == "sk-1" && set.openAIAPIBase == "http://127.0.0.1:9/v1")
        #expect(throws: SettingsError.self) { try Settings.fromEnvironment(base.merging(["TTS_FALLBACK_VOICE": "rachel"]) { $1 }) }
        #expect(throws: SettingsError.self) { try Settings.fromEnvironment(base.merging(["OPENAI_API_BASE": "ftp://x"]) { $1 }) }
    }

    // MARK: checklist 34

    @Test(arguments: TestEngine.available)
    func aUserWithoutEntitlementGets403(engine: TestEngine) async throws {
        try await Self.run(engine, configure: { s in
            s.desktopPaywallEnabled = true
            s.trialLengthSeconds = 0
        }) { h, tenant in
            let r = try await Self.post(h, Self.body("Hello"))
            #expect(r.status == 403 && r.json == Self.detail("A paid subscription is required"))
            // An OpenAI header of a user who never enrolled is ignored: still the server path.
            let ignored = try await Self.post(h, Self.body("Hello"), headers: Self.headers([("X-BYOK-OpenAI", Self.userKey)]))
            #expect(ignored.status == 403 && ignored.json == Self.detail("A paid subscription is required"))
            let metered = try await h.count("meter_events")
            #expect(metered == 0 && Self.fake.requests(tenant).isEmpty)
        }
    }

    @Test(arguments: TestEngine.available)
    func aBYOKOpenAIKeyIsUsedUpstreamAndNotMetered(engine: TestEngine) async throws {
        // No server key and no entitlement: neither matters on the user's own key.
        try await Self.run(engine, key: nil, configure: { s in
            s.desktopPaywallEnabled = true
            s.trialLengthSeconds = 0
        }) { h, tenant in
            try await BYOKTests.enrol(h, [("openai", Self.userKey), ("gemini", "gm-key-1")])
            // Over both limits already: the user's own key is never metered.
            try await Self.seedMeter(h, count: 50, units: 200)
            let r = try await Self.post(h, Self.body("Hello"), headers: Self.headers([("X-BYOK-OpenAI", "  \(Self.userKey) ")]))
            #expect(r.status == 200 && r.bytes == FakeSpeechAPI.defaultAudio, "\(r.json)")
            let seen = Self.fake.requests(tenant)
            #expect(seen.count == 1 && seen[0].authorization == "Bearer \(Self.userKey)")
            let metered = try await h.count("meter_events")
            #expect(metered == 50)
            let mismatch = try await Self.post(h, Self.body("Hello"), headers: Self.headers([("X-BYOK-OpenAI", "sk-other")]))
            #expect(mismatch.status == 403 && mismatch.json == Self.detail(BYOKTests.mismatch("openai")))
            // Only the OpenAI key counts: a Gemini key alone is the server path (entitled by the active
            // enrolment), which has no server key here.
            let geminiOnly = try await Self.post(h, Self.body("Hello"), headers: Self.headers([("X-BYOK-Gemini", "gm-key-1")]))
            #expect(geminiOnly.status == 503 && geminiOnly.json == Self.detail("TTS is not configured"))
            #expect(Self.fake.requests(tenant).count == 1)
        }
    }

    // MARK: checklist 35

    @Test(arguments: TestEngine.available)
    func the51stRequestWithin60sIs429(engine: TestEngine) async throws {
        try await Self.run(engine) { h, tenant in
            // 49 admitted, stamped two minutes ahead so a slow machine cannot let them leave the 60 s window
            // mid-test; one refused call leaves no trace.
            try await Self.seedMeter(h, count: 49, units: 1, secondsAgo: -120)
            // An older call is outside the window.
            try await Self.seedMeter(h, count: 3, units: 1, secondsAgo: 61)
            let fiftieth = try await Self.post(h, Self.body("a"))
            #expect(fiftieth.status == 200)
            let r = try await Self.post(h, Self.body("a"))
            #expect(r.status == 429 && r.json == Self.detail("TTS burst rate limit exceeded"))
            #expect(r.headers[.retryAfter] == "60")
            let again = try await Self.post(h, Self.body("a"))
            #expect(again.status == 429)
            let metered = try await h.count("meter_events")
            #expect(metered == 53 && Self.fake.requests(tenant).count == 1)
            // Another user is unaffected.
            let b = try await Self.post(h, Self.body("a"), as: "user-b")
            #expect(b.status == 200)
        }
    }

    @Test(arguments: TestEngine.available)
    func theDailyCharacterLimitRetriesAtMidnightUTC(engine: TestEngine) async throws {
        try await Self.run(engine) { h, tenant in
            try await Self.seedMeter(h, count: 1, units: 9_990, secondsAgo: 0)
            // The server reads its clock somewhere between these two instants, however slow the machine is.
            let untilMidnight = { 86_400 - Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 86_400) }
            let latest = untilMidnight()
            let r = try await Self.post(h, Self.body("  abcdefghijk  "))
            let earliest = untilMidnight()
            #expect(r.status == 429 && r.json == Self.detail("TTS daily character limit exceeded"))
            let retry = Double(r.headers[.retryAfter] ?? "") ?? -1
            if earliest < latest {  // no midnight in between
                #expect(retry >= earliest.rounded(.down) && retry <= latest.rounded(.up), "\(retry) not in \(earliest)...\(latest)")
            }
            let before = try await h.count("meter_events")
            #expect(before == 1)
            // Exactly reaching 10,000 is allowed, and counts in characters (scalars), not bytes.
            let ten = try await Self.post(h, Self.body("éééééééééé "))
            #expect(ten.status == 200)
            let one = try await Self.post(h, Self.body("x"))
            #expect(one.status == 429 && one.json == Self.detail("TTS daily character limit exceeded"))
            // Another user's usage does not count.
            let b = try await Self.post(h, Self.body("  abcdefghijk  "), as: "user-b")
            #expect(b.status == 200)
            let metered = try await h.count("meter_events")
            let meteredB = try await h.count("meter_events", uid: "user-b")
            #expect(metered == 2 && meteredB == 1 && Self.fake.requests(tenant).count == 2)
        }
    }

    @Test(arguments: TestEngine.available)
    func yesterdaysCharactersDoNotCount(engine: TestEngine) async throws {
        try await Self.run(engine) { h, _ in
            let now = Clock.nowMicros()
            let secondsIntoDay = (now % 86_400_000_000) / 1_000_000
            try await Self.seedMeter(h, count: 1, units: 10_000, secondsAgo: secondsIntoDay + 2)
            let r = try await Self.post(h, Self.body("Hello"))
            #expect(r.status == 200)
        }
    }

    @Test(arguments: TestEngine.available)
    func aMeteringFailureFailsClosed(engine: TestEngine) async throws {
        try await Self.run(engine) { h, tenant in
            try await h.database.withConnection { db in try await db.raw("DROP TABLE meter_events").run() }
            let r = try await Self.post(h, Self.body("Hello"))
            #expect(r.status == 503 && r.json == Self.detail("TTS rate limiting is unavailable"))
            #expect(Self.fake.requests(tenant).isEmpty)
        }
    }

    // MARK: checklist 36

    @Test(arguments: TestEngine.available)
    func transientFailuresAreRetriedUpToThreeAttempts(engine: TestEngine) async throws {
        try await Self.run(engine, answers: [.status(503), .status(503), .audio([1, 2, 3])]) { h, tenant in
            let r = try await Self.post(h, Self.body("Hello"))
            #expect(r.status == 200 && r.bytes == [1, 2, 3])
            let seen = Self.fake.requests(tenant)
            #expect(seen.count == 3 && seen.allSatisfy { $0.body == seen[0].body })
        }
        try await Self.run(engine, answers: [.status(429), .status(500), .status(529)]) { h, tenant in
            let r = try await Self.post(h, Self.body("Hello"))
            #expect(r.status == 502 && r.json == Self.detail("TTS provider request failed"))
            #expect(Self.fake.requests(tenant).count == 3)
            // The characters stay counted.
            let metered = try await h.count("meter_events")
            #expect(metered == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func anUpstream401IsA502AndA400IsRelayedAsRejected(engine: TestEngine) async throws {
        try await Self.run(engine, answers: [.status(401)]) { h, tenant in
            let r = try await Self.post(h, Self.body("Hello"))
            #expect(r.status == 502 && r.json == Self.detail("TTS provider request failed"))
            #expect(Self.fake.requests(tenant).count == 1)
        }
        try await Self.run(engine, answers: [.status(400)]) { h, tenant in
            let r = try await Self.post(h, Self.body("Hello"))
            #expect(r.status == 400 && r.json == Self.detail("TTS provider rejected the request"))
            #expect(Self.fake.requests(tenant).count == 1)
        }
        try await Self.run(engine, answers: [.status(503), .status(400)]) { h, tenant in
            let r = try await Self.post(h, Self.body("Hello"))
            #expect(r.status == 400 && r.json == Self.detail("TTS provider rejected the request"))
            #expect(Self.fake.requests(tenant).count == 2)
        }
    }

    @Test(arguments: TestEngine.available)
    func anUnreachableProviderIsA502AfterThreeAttempts(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { s in
            s.openAIAPIKey = Self.serverKey
            s.openAIAPIBase = "http://127.0.0.1:1/v1"
            // The HTTP client retries a refused connection until the attempt's deadline, so keep attempts short.
            var timings = Self.fastTimings
            timings.attemptTimeout = .seconds(1)
            timings.minimumAttemptTime = .milliseconds(500)
            s.speechTimings = timings
        }) { h in
            let r = try await Self.post(h, Self.body("Hello"))
            #expect(r.status == 502 && r.json == Self.detail("TTS provider request failed"))
        }
    }

    @Test
    func noAttemptStartsWithLessThanTheMinimumLeft() async throws {
        let (tenant, base) = try await Self.fake.tenant([.status(503)])
        var timings = SpeechTimings()
        // After the first 503 and its backoff, less than the minimum is left whatever the first attempt took.
        timings.budget = .seconds(3)
        timings.minimumAttemptTime = .seconds(2)
        timings.backoffs = [.milliseconds(1500), .milliseconds(1500)]
        let outcome = try await SpeechSynthesizer(apiBase: base, timings: timings)
            .synthesize(text: "Hello", voice: "alloy", instructions: nil, key: "k")
        #expect(outcome == .failed)
        #expect(Self.fake.requests(tenant).count == 1)
    }

    @Test(arguments: TestEngine.available)
    func withoutAServerKeyTheServerPathIs503(engine: TestEngine) async throws {
        try await Self.run(engine, key: nil) { h, tenant in
            let r = try await Self.post(h, Self.body("Hello"))
            #expect(r.status == 503 && r.json == Self.detail("TTS is not configured"))
            let metered = try await h.count("meter_events")
            #expect(metered == 0 && Self.fake.requests(tenant).isEmpty)
        }
    }

    @Test(arguments: TestEngine.available)
    func theKeyAndTextNeverReachTheResponseOrTheLogs(engine: TestEngine) async throws {
        let (tenant, base) = try await Self.fake.tenant([.status(401)])
        try await withTestDatabase(engine) { database async throws in
            let (url, _) = try await TestKeyServer.shared.publish()
            var settings = Settings()
            settings.firebaseProjectId = TestIdentityProvider.projectId
            settings.authKeysURL = url
            settings.openAIAPIKey = Self.serverKey
            settings.openAIAPIBase = base
            settings.speechTimings = Self.fastTimings
            let captured = CapturedLog()
            let logger = Logger(label: "captured") { _ in captured }
            let app = try buildApplication(
                settings: settings,
                dependencies: AppDependencies(database: database,
                                              keyStore: SigningKeyStore(url: url, logger: logger, fetchTimeout: .seconds(120))),
                logger: logger)
            let token = TestIdentityProvider.primary.token(uid: "logged-user")
            let secretText = "my private spoken diary 4711"
            try await app.test(.router) { client async throws in
                let headers: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
                let response = try await client.execute(uri: Self.path, method: .post, headers: headers,
                                                        body: ByteBuffer(string: Self.body(secretText)))
                let text = String(buffer: response.body)
                #expect(response.status.code == 502)
                #expect(!text.contains(Self.serverKey) && !text.contains(secretText))
                #expect(!"\(response.headers)".contains(Self.serverKey))
            }
            #expect(Self.fake.requests(tenant).count == 1)
            let log = captured.text
            #expect(log.contains("request"))
            #expect(!log.contains(Self.serverKey) && !log.contains(secretText))
        }
    }
}
