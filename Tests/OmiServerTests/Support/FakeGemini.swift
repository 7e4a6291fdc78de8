import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// A local stand-in for the Gemini API, shared by the whole test process. Each test gets its own tenant (a path
/// prefix in its `GEMINI_API_BASE`), so recorded requests and behaviours never leak between tests.
final class FakeGemini: Sendable {
    static let shared = FakeGemini()

    struct Recorded: Sendable {
        /// The path after the tenant prefix, e.g. `/models/gemini-2.5-flash:generateContent`.
        var path: String
        var query: String?
        var headers: HTTPFields
        var body: String
    }

    enum Behaviour: Sendable {
        /// Answer at once with this status, content type and body.
        case answer(status: Int, contentType: String, body: String)
        /// Wait, then answer 200 with `FakeGemini.generated`.
        case delay(Duration)
        /// `count` SSE events, `interval` apart, the first one at once.
        case sse(count: Int, interval: Duration)
    }

    struct Tenant: Sendable {
        var behaviour = Behaviour.answer(status: 200, contentType: "application/json", body: FakeGemini.generated)
        var requests: [Recorded] = []
        var streamsCompleted = 0
        var streamsAborted = 0
        /// When the fake wrote each SSE event of the last stream, for timing assertions.
        var eventsSent: [ContinuousClock.Instant] = []
    }

    /// Unusual spacing and key order on purpose: a relay that re-encodes would change it.
    static let generated = #"{"candidates": [{"content": {"parts": [{"text": "hi"}], "role": "model"}}],  "usageMetadata": {"totalTokenCount": 3}}"#

    static func event(_ index: Int) -> String {
        #"data: {"candidates": [{"content": {"parts": [{"text": "part \#(index)"}]}}]}"# + "\r\n\r\n"
    }

    private let tenants = Mutex<[String: Tenant]>([:])
    private let server = LoopbackServer()

    func tenant(_ id: String) -> Tenant { tenants.withLock { $0[id] ?? Tenant() } }
    func update(_ id: String, _ change: (inout Tenant) -> Void) { tenants.withLock { change(&$0[id, default: Tenant()]) } }
    func requests(_ id: String) -> [Recorded] { tenant(id).requests }
    func setBehaviour(_ id: String, _ behaviour: Behaviour) { update(id) { $0.behaviour = behaviour } }

    /// A new tenant's base URL, to use as `GEMINI_API_BASE`.
    func newTenant() async throws -> (id: String, base: String) {
        let id = UUID().uuidString.lowercased()
        update(id) { _ in }
        return (id, "http://127.0.0.1:\(try await ensureRunning())/t/\(id)")
    }

    func ensureRunning() async throws -> Int { try await server.port(router: makeRouter) }

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/t/:tenant/**") { [self] request, context -> Response in
            let id = context.parameters.get("tenant") ?? ""
            let path = "/" + context.parameters.getCatchAll().joined(separator: "/")
            let body = String(buffer: try await request.body.collect(upTo: 16 << 20))
            let behaviour = tenants.withLock { tenants -> Behaviour in
                tenants[id, default: Tenant()].requests.append(
                    Recorded(path: path, query: request.uri.query, headers: request.headers, body: body))
                return tenants[id, default: Tenant()].behaviour
            }
            switch behaviour {
            case .answer(let status, let contentType, let text):
                return Response(status: HTTPResponse.Status(code: status), headers: [.contentType: contentType],
                                body: .init(byteBuffer: ByteBuffer(string: text)))
            case .delay(let wait):
                try await Task.sleep(for: wait)
                return Response(status: .ok, headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(string: Self.generated)))
            case .sse(let count, let interval):
                update(id) { $0.eventsSent = [] }
                return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: ResponseBody { [self] writer in
                    do {
                        for index in 0..<count {
                            if index > 0 { try await Task.sleep(for: interval) }
                            try await writer.write(ByteBuffer(string: Self.event(index)))
                            update(id) { $0.eventsSent.append(.now) }
                        }
                        try await writer.finish(nil)
                        update(id) { $0.streamsCompleted += 1 }
                    } catch {
                        update(id) { $0.streamsAborted += 1 }
                        throw error
                    }
                })
            }
        }
        return router
    }
}
