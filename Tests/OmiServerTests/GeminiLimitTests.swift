import Foundation
import HTTPTypes
import OmiContract
import OmiStorage
import Testing
@testable import OmiServer

@Suite("Gemini proxy: rate limits and BYOK (platform.md §3.2, checklist 28–29)")
struct GeminiLimitTests {
    typealias G = GeminiSupport

    static let exhausted =
        #"{"error": {"message": "Resource exhausted: rate limit exceeded. Please try again later.", "code": 429, "status": "RESOURCE_EXHAUSTED"}}"#
    static let embed = G.path("gemini-embedding-001", "embedContent")

    static func expectLimited(_ r: Reply, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == 429 && r.text == Self.exhausted, "\(r.text)", sourceLocation: sourceLocation)
        #expect(r.headers[.retryAfter] == "60" && r.headers[.contentType] == "application/json",
                sourceLocation: sourceLocation)
    }

    static func dayStart() -> Int64 {
        let now = Clock.nowMicros()
        return now - now % 86_400_000_000
    }

    @Test
    func theSoftCapMustBeBelowTheHardCap() throws {
        let defaults = try Settings.fromEnvironment(["AUTH_DEV_MODE": "true"])
        #expect(defaults.gemini.dailySoftCap == 300 && defaults.gemini.burstLimit == 30 && defaults.gemini.dailyHardCap == 1500)
        #expect(defaults.gemini.apiBase == "https://generativelanguage.googleapis.com/v1beta")
        let set = try Settings.fromEnvironment(["AUTH_DEV_MODE": "true", "GEMINI_DAILY_SOFT_CAP": "1499",
                                                "GEMINI_API_BASE": "http://127.0.0.1:9/v1beta/"])
        #expect(set.gemini.dailySoftCap == 1499 && set.gemini.apiBase == "http://127.0.0.1:9/v1beta")
        #expect(throws: SettingsError.self) {
            try Settings.fromEnvironment(["AUTH_DEV_MODE": "true", "GEMINI_DAILY_SOFT_CAP": "1500"])
        }
    }

    @Test(arguments: TestEngine.available)
    func burstOf30ThenRejectionsThatDoNotCountUntilTheWindowPasses(engine: TestEngine) async throws {
        try await G.run(engine) { h, tenant in
            // 25 admitted, stamped two minutes ahead so they stay in the 60 s window however long a loaded machine
            // takes over the calls below.
            try await G.insertMeters(h, count: 25, at: Clock.nowMicros() + 120_000_000)
            for i in 26...30 {
                let r = try await h.call(.post, Self.embed, json: G.embed)
                #expect(r.status == 200, "request \(i): \(r.text)")
            }
            Self.expectLimited(try await h.call(.post, Self.embed, json: G.embed))
            Self.expectLimited(try await h.call(.post, G.path("gemini-2.5-flash", "generateContent"), json: G.prompt))
            #expect(try await G.meterRows(h) == 30)
            #expect(FakeGemini.shared.requests(tenant).count == 5)
            // A's usage never limits B.
            let other = try await h.call(.post, Self.embed, as: "user-b", json: G.embed)
            #expect(other.status == 200)
            // The rolling window passes (rows moved back rather than sleeping a minute).
            try await G.backdateMeters(h, by: 61 + 120 + 300)
            #expect(try await h.call(.post, Self.embed, json: G.embed).status == 200)
            #expect(try await G.meterRows(h) == 31)
        }
    }

    @Test(arguments: TestEngine.available)
    func softCapDowngradesProGenerationOnly(engine: TestEngine) async throws {
        try await G.run(engine, configure: { $0.gemini.dailySoftCap = 2 }) { h, tenant in
            let pro = G.path("gemini-2.5-pro", "generateContent")
            for _ in 0..<3 {
                let r = try await h.call(.post, pro, json: G.prompt)
                #expect(r.status == 200)
            }
            let lite = try await h.call(.post, G.path("gemini-2.5-flash-lite", "generateContent"), json: G.prompt)
            let embedded = try await h.call(.post, Self.embed, json: G.embed)
            #expect(lite.status == 200 && embedded.status == 200)
            let paths = FakeGemini.shared.requests(tenant).map(\.path)
            #expect(paths == [
                "/models/gemini-2.5-pro:generateContent", "/models/gemini-2.5-pro:generateContent",
                "/models/gemini-2.5-flash:generateContent", "/models/gemini-2.5-flash-lite:generateContent",
                "/models/gemini-embedding-001:embedContent",
            ])
        }
    }

    @Test(arguments: TestEngine.available)
    func dailyHardCapAndTheUTCDayBoundary(engine: TestEngine) async throws {
        try await G.run(engine) { h, _ in
            // Yesterday's 1500 do not count today.
            try await G.insertMeters(h, count: 1500, at: Self.dayStart() - 1)
            #expect(try await h.call(.post, Self.embed, json: G.embed).status == 200)
            try await G.insertMeters(h, uid: "user-b", count: 1500, at: Self.dayStart())
            Self.expectLimited(try await h.call(.post, Self.embed, as: "user-b", json: G.embed))
            #expect(try await G.meterRows(h, uid: "user-b") == 1500)
            #expect(try await h.call(.post, Self.embed, json: G.embed).status == 200)
        }
    }

    @Test(arguments: TestEngine.available)
    func byokKeyIsUsedUnmeteredAndAWrongKeyIsRefused(engine: TestEngine) async throws {
        try await G.run(engine, configure: { s in
            s.desktopPaywallEnabled = true
            s.trialLengthSeconds = 3600
        }) { h, tenant in
            let generate = G.path("gemini-2.5-pro", "generateContent")
            try await BYOKTests.enrol(h, [("gemini", "gm-user-key"), ("openai", "sk-user-key")])
            let own = try await h.call(.post, generate, json: G.prompt,
                                       headers: BYOKTests.headers([("X-BYOK-Gemini", "  gm-user-key ")]))
            #expect(own.status == 200 && own.text == FakeGemini.generated)
            let sent = FakeGemini.shared.requests(tenant).last
            #expect(sent?.headers[HTTPField.Name("x-goog-api-key")!] == "gm-user-key")
            #expect(sent?.headers[HTTPField.Name("X-BYOK-Gemini")!] == nil)
            #expect(try await G.meterRows(h) == 0)

            let wrong = try await h.call(.post, generate, json: G.prompt,
                                         headers: BYOKTests.headers([("x-byok-gemini", "gm-other")]))
            G.expectError(wrong, 403, "PERMISSION_DENIED", "BYOK key fingerprint mismatch for provider: gemini")
            #expect(FakeGemini.shared.requests(tenant).count == 1)
            // Another provider's stale key is not this route's business: the server key serves, and is counted.
            let stale = try await h.call(.post, generate, json: G.prompt,
                                         headers: BYOKTests.headers([("X-BYOK-OpenAI", "sk-stale")]))
            #expect(stale.status == 200)
            #expect(FakeGemini.shared.requests(tenant).last?.headers[HTTPField.Name("x-goog-api-key")!] == G.serverKey)
            #expect(try await G.meterRows(h) == 1)

            // The user's key refused upstream: 401 becomes 403, and a 403 is the user's own business.
            for (upstream, relayed) in [(401, 403), (403, 403)] {
                FakeGemini.shared.setBehaviour(tenant, .answer(status: upstream, contentType: "application/json",
                                                               body: #"{"error":{"message":"key"}}"#))
                let r = try await h.call(.post, generate, json: G.prompt,
                                         headers: BYOKTests.headers([("X-BYOK-Gemini", "gm-user-key")]))
                #expect(r.status == relayed && r.text == #"{"error":{"message":"key"}}"#)
            }

            // Not enrolled: the header is ignored, the server key is used and the request counted.
            FakeGemini.shared.setBehaviour(tenant, .answer(status: 200, contentType: "application/json", body: FakeGemini.generated))
            let b = try await h.call(.post, generate, as: "user-b", json: G.prompt,
                                     headers: BYOKTests.headers([("X-BYOK-Gemini", "gm-user-key")]))
            #expect(b.status == 200)
            #expect(FakeGemini.shared.requests(tenant).last?.headers[HTTPField.Name("x-goog-api-key")!] == G.serverKey)
            #expect(try await G.meterRows(h, uid: "user-b") == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func byokSkipsTheLimiterAndTheEntitlement(engine: TestEngine) async throws {
        try await G.run(engine, configure: { s in
            s.desktopPaywallEnabled = true
            s.trialLengthSeconds = 0
        }) { h, tenant in
            try await BYOKTests.enrol(h, [("gemini", "gm-user-key")])
            try await G.insertMeters(h, count: 1500, at: Self.dayStart())
            let r = try await h.call(.post, Self.embed, json: G.embed,
                                     headers: BYOKTests.headers([("X-BYOK-Gemini", "gm-user-key")]))
            #expect(r.status == 200)
            #expect(FakeGemini.shared.requests(tenant).count == 1)
            #expect(try await G.meterRows(h) == 1500)
        }
    }
}
