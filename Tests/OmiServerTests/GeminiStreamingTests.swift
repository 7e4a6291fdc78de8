import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import OmiContract
import Testing
@testable import OmiServer

@Suite("Gemini proxy: streaming on a real socket (platform.md §3.2, §3.3, checklist 30)")
struct GeminiStreamingTests {
    typealias G = GeminiSupport

    /// Runs `body` with the server on a live loopback port, its upstream pointed at a fresh tenant of the fake.
    static func live(_ engine: TestEngine, _ body: @Sendable (String, String) async throws -> Void) async throws {
        let (tenant, base) = try await FakeGemini.shared.newTenant()
        try await withLiveServer(engine, configure: { settings in
            settings.geminiAPIKey = G.serverKey
            settings.gemini.apiBase = base
        }) { url in
            try await body(url.absoluteString, tenant)
        }
    }

    static func request(_ base: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: base + G.path("gemini-2.5-flash", "streamGenerateContent", stream: true))
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(TestIdentityProvider.primary.token(uid: "stream-user"))")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: G.prompt))
        return request
    }

    @Test(arguments: TestEngine.available)
    func eventsArriveAsSeparateChunksBeforeTheUpstreamFinishes(engine: TestEngine) async throws {
        try await Self.live(engine) { base, tenant in
            FakeGemini.shared.setBehaviour(tenant, .sse(count: 3, interval: .milliseconds(500)))
            let response = try await HTTPClient.shared.execute(Self.request(base), timeout: .seconds(30))
            #expect(response.status.code == 200)
            #expect(response.headers.first(name: "Content-Type") == "text/event-stream")
            #expect(response.headers.first(name: "Cache-Control") == "no-cache")
            #expect(response.headers.first(name: "X-Accel-Buffering") == "no")
            var chunks: [(String, ContinuousClock.Instant)] = []
            for try await chunk in response.body { chunks.append((String(buffer: chunk), .now)) }
            #expect(chunks.map(\.0) == (0..<3).map(FakeGemini.event))
            let sent = FakeGemini.shared.tenant(tenant).eventsSent
            try #require(sent.count == 3 && chunks.count == 3)
            // The first event reached the client before the upstream had even written its last one.
            #expect(chunks[0].1 < sent[2])
            #expect(FakeGemini.shared.tenant(tenant).streamsCompleted == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func aClientDisconnectCancelsTheUpstream(engine: TestEngine) async throws {
        try await Self.live(engine) { base, tenant in
            FakeGemini.shared.setBehaviour(tenant, .sse(count: 20, interval: .milliseconds(200)))
            // A client of its own, shut down after the first chunk so its connection really closes. The timeout only
            // bounds a server that never answers; the suite shares two cores.
            try await withOwnHTTPClient { client in
                let response = try await client.execute(Self.request(base), timeout: .seconds(120))
                var iterator = response.body.makeAsyncIterator()
                let first = try await iterator.next()
                #expect(first.map { String(buffer: $0) } == FakeGemini.event(0))
            }
            var aborted = 0
            for _ in 0..<50 where aborted == 0 {
                try await Task.sleep(for: .milliseconds(100))
                aborted = FakeGemini.shared.tenant(tenant).streamsAborted
            }
            #expect(aborted == 1)
            #expect(FakeGemini.shared.tenant(tenant).streamsCompleted == 0)
            #expect(FakeGemini.shared.tenant(tenant).eventsSent.count < 20)
        }
    }
}
