import Foundation
import HTTPTypes
import Logging
import NIOCore
import OmiContract
import OmiStorage
import Testing
@testable import OmiServer

@Suite("Push-to-talk transcription (POST /v2/voice-message/transcribe) and the streaming sockets")
struct TranscriptionTests {
    typealias JSON = Wire.JSONValue

    static let path = "/v2/voice-message/transcribe"
    static let serverKey = "dg-server-key-0123456789abcdef"
    static let userKey = "dg-user-key-1"
    static let fake = FakeDeepgram.shared
    /// Little-endian 16-bit samples including bytes text handling would mangle: NUL, 0xFF, CR LF.
    static let pcm: [UInt8] = [0x00, 0x00, 0xFF, 0x7F, 0x0D, 0x0A, 0x00, 0x80, 0x10, 0xFF]

    static func run(_ engine: TestEngine, answers: [FakeDeepgram.Answer] = [.transcript("  Hello there.  ")],
                    key: String? = serverKey, configure: @escaping @Sendable (inout Settings) -> Void = { _ in },
                    logger: Logger? = nil,
                    _ body: @Sendable (TestHarness, String) async throws -> Void) async throws {
        let (tenant, base) = try await fake.tenant(answers)
        try await TestHarness.run(engine, configure: { s in
            s.deepgramAPIKey = key
            s.transcription.apiBase = base
            // Generous: on a loaded two-core CI machine the 25 MiB case once passed 20 s, and the retry that followed
            // made the provider see the audio twice. No fake here ever hangs, so this bounds nothing else.
            s.transcription.attemptTimeout = .seconds(120)
            configure(&s)
        }, logger: logger) { h in try await body(h, tenant) }
    }

    static func post(_ h: TestHarness, _ bytes: [UInt8] = pcm, query: String = "", as user: String? = TestHarness.defaultUser,
                     headers: HTTPFields = [:]) async throws -> Reply {
        var fields = headers
        if let user { fields[.authorization] = "Bearer \(h.token(user))" }
        fields[.contentType] = "application/octet-stream"
        let response = try await h.client.execute(uri: path + query, method: .post, headers: fields,
                                                  body: ByteBuffer(bytes: bytes))
        return Reply(status: response.status.code, headers: response.headers, text: String(buffer: response.body))
    }

    static func detail(_ text: String) -> JSON { .object(["detail": .string(text)]) }

    @Test(arguments: TestEngine.available)
    func theRecordingGoesToDeepgramAsIsAndTheTranscriptComesBackTrimmed(engine: TestEngine) async throws {
        try await Self.run(engine) { h, tenant in
            let r = try await Self.post(h)
            #expect(r.status == 200 && r.json == .object(["transcript": .string("Hello there.")]))
            let seen = Self.fake.requests(tenant)
            #expect(seen.count == 1)
            let call = try #require(seen.first)
            #expect(call.body == Self.pcm && call.authorization == "Token \(Self.serverKey)")
            #expect(call.contentType == "application/octet-stream")
            #expect(call.query == ["model": "nova-3", "smart_format": "true", "punctuate": "true", "encoding": "linear16",
                                   "sample_rate": "16000", "channels": "1", "language": "en"])
            // Nothing of the user's request but the audio reaches the provider.
            #expect(!call.headerNames.contains("X-Byok-Deepgram") && !call.headerNames.contains("Cookie"))
            let other = try await Self.post(h, query: "?sample_rate=48000&language=pt-BR")
            #expect(other.status == 200)
            let second = Self.fake.requests(tenant).last
            #expect(second?.query["sample_rate"] == "48000" && second?.query["language"] == "pt-BR")
            let multi = try await Self.post(h, query: "?language=multi")
            #expect(multi.status == 200)
        }
    }

    @Test(arguments: TestEngine.available)
    func boundsAndBadInputAreRefusedBeforeTheProvider(engine: TestEngine) async throws {
        try await Self.run(engine) { h, tenant in
            for query in ["?sample_rate=7999", "?sample_rate=48001", "?sample_rate=abc", "?language=e",
                          "?language=en_US", "?language=english-language-x"] {
                let r = try await Self.post(h, query: query)
                #expect(r.status == 422 && !r.json["detail"].array.isEmpty, "\(query): \(r.text)")
            }
            let tooLong = try await Self.post(h, [UInt8](repeating: 1, count: 25 * 1024 * 1024 + 1))
            #expect(tooLong.status == 413 && tooLong.json == Self.detail("Recording too long"))
            // An accidental tap: an empty transcript, and no provider call.
            let empty = try await Self.post(h, [])
            #expect(empty.status == 200 && empty.json == .object(["transcript": .string("")]))
            let oneByte = try await Self.post(h, [7])
            #expect(oneByte.status == 200 && oneByte.json["transcript"].string == "")
            let anonymous = try await Self.post(h, as: nil)
            #expect(anonymous.status == 401)
            #expect(Self.fake.requests(tenant).isEmpty)
            // Exactly 25 MiB is accepted.
            let edge = try await Self.post(h, [UInt8](repeating: 1, count: 25 * 1024 * 1024))
            #expect(edge.status == 200 && Self.fake.requests(tenant).count == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func providerFailuresNeverSurfaceAsTheirOwnStatus(engine: TestEngine) async throws {
        try await Self.run(engine, answers: [.status(401)]) { h, tenant in
            let r = try await Self.post(h)
            #expect(r.status == 502 && r.json == Self.detail("Transcription provider request failed"))
            #expect(Self.fake.requests(tenant).count == 1)
        }
        try await Self.run(engine, answers: [.status(400)]) { h, _ in
            let r = try await Self.post(h)
            #expect(r.status == 400 && r.json == Self.detail("Transcription provider rejected the audio"))
        }
        try await Self.run(engine, answers: [.status(503), .transcript("second time")]) { h, tenant in
            let r = try await Self.post(h)
            #expect(r.status == 200 && r.json["transcript"].string == "second time")
            #expect(Self.fake.requests(tenant).count == 2)
        }
        try await Self.run(engine, answers: [.status(500)]) { h, tenant in
            let r = try await Self.post(h)
            #expect(r.status == 502 && Self.fake.requests(tenant).count == 2)
        }
        try await Self.run(engine, answers: [.garbage]) { h, _ in
            let r = try await Self.post(h)
            #expect(r.status == 502)
        }
        try await Self.run(engine, key: nil) { h, tenant in
            let r = try await Self.post(h)
            #expect(r.status == 503 && r.json == Self.detail("Transcription is not configured"))
            #expect(Self.fake.requests(tenant).isEmpty)
        }
    }

    @Test(arguments: TestEngine.available)
    func theKeyAndTheTranscriptNeverReachTheLogs(engine: TestEngine) async throws {
        let logs = CapturedLog()
        let logger = Logger(label: "captured") { _ in logs }
        try await Self.run(engine, answers: [.status(401), .transcript("private words")], logger: logger) { h, _ in
            let failed = try await Self.post(h)
            #expect(failed.status == 502 && !failed.text.contains(Self.serverKey))
            try await BYOKTests.enrol(h, [("openai", "sk-user-openai"), ("deepgram", Self.userKey)])
            let ok = try await Self.post(h, headers: BYOKTests.headers([("X-BYOK-Deepgram", Self.userKey)]))
            #expect(ok.status == 200)
        }
        let text = logs.text
        #expect(!text.contains(Self.serverKey) && !text.contains(Self.userKey) && !text.contains("private words"))
    }

    @Test(arguments: TestEngine.available)
    func aBYOKKeyIsUsedAndSkipsEntitlementAndTheLimit(engine: TestEngine) async throws {
        try await Self.run(engine, key: nil, configure: { s in
            s.desktopPaywallEnabled = true
            s.trialLengthSeconds = 0
            s.rateLimitMultiplier = 1
        }) { h, tenant in
            let refused = try await Self.post(h)
            #expect(refused.status == 403 && refused.json == Self.detail("A paid subscription is required"))
            try await BYOKTests.enrol(h, [("openai", "sk-user-openai"), ("deepgram", Self.userKey)])
            for _ in 0..<61 {
                let r = try await Self.post(h, headers: BYOKTests.headers([("X-BYOK-Deepgram", Self.userKey)]))
                #expect(r.status == 200)
            }
            let seen = Self.fake.requests(tenant)
            #expect(seen.count == 61 && seen.allSatisfy { $0.authorization == "Token \(Self.userKey)" })
            let mismatch = try await Self.post(h, headers: BYOKTests.headers([("X-BYOK-Deepgram", "dg-other")]))
            #expect(mismatch.status == 403 && mismatch.json == Self.detail(BYOKTests.mismatch("deepgram")))
        }
    }

    @Test(arguments: TestEngine.available)
    func theSixtyFirstRecordingInAnHourIs429AndOtherUsersAreUnaffected(engine: TestEngine) async throws {
        try await Self.run(engine, configure: { $0.rateLimitMultiplier = 1 }) { h, tenant in
            for _ in 0..<60 {
                let r = try await Self.post(h)
                #expect(r.status == 200)
            }
            let refused = try await Self.post(h)
            #expect(refused.status == 429 && Int(refused.headers[.retryAfter] ?? "") ?? 0 > 0)
            #expect(Self.fake.requests(tenant).count == 60)
            let b = try await Self.post(h, as: "user-b")
            #expect(b.status == 200 && Self.fake.requests(tenant).count == 61)
        }
    }

    @Test(arguments: TestEngine.available)
    func theStreamingSocketsAnswer501BeforeAnyUpgrade(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let upgrade: HTTPFields = [.connection: "Upgrade", .upgrade: "websocket",
                                       .secWebSocketVersion: "13", .secWebSocketKey: "dGhlIHNhbXBsZSBub25jZQ=="]
            for (path, detail) in [("/v4/listen?language=en&sample_rate=16000", "Live transcription is not served by this server"),
                                   ("/v2/voice-message/transcribe-stream", "Streaming transcription is not served by this server")] {
                let r = try await h.call(.get, path, headers: upgrade)
                #expect(r.status == 501 && r.json == Self.detail(detail), "\(path)")
                let anonymous = try await h.call(.get, path, as: nil, headers: upgrade)
                #expect(anonymous.status == 401, "\(path)")
            }
        }
    }
}
