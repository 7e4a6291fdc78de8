import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OmiContract
import Synchronization

/// A local stand-in for Deepgram's pre-recorded `/v1/listen`, shared by the test process; each test has its own
/// tenant base URL (`/t/{tenant}`), so answers and recorded calls never mix between tests.
final class FakeDeepgram: Sendable {
    static let shared = FakeDeepgram()

    enum Answer: Sendable {
        /// 200 with Deepgram's result shape holding this transcript.
        case transcript(String)
        /// This status with a Deepgram-style error body.
        case status(Int)
        /// 200 with a body that is not Deepgram's shape.
        case garbage
    }

    struct Recorded: Sendable {
        var authorization: String?
        var contentType: String?
        var query: [String: String]
        var headerNames: Set<String>
        var body: [UInt8]
    }

    struct Tenant: Sendable {
        var answers: [Answer]
        var requests: [Recorded] = []
    }

    private let tenants = Mutex<[String: Tenant]>([:])
    private let server = LoopbackServer()

    /// A fresh tenant answering `answers` in order (the last repeats), and the `DEEPGRAM_API_BASE` that reaches it.
    func tenant(_ answers: [Answer]) async throws -> (id: String, base: String) {
        let id = UUID().uuidString
        tenants.withLock { $0[id] = Tenant(answers: answers) }
        return (id, "http://127.0.0.1:\(try await server.port(router: makeRouter))/t/\(id)")
    }

    func requests(_ id: String) -> [Recorded] { tenants.withLock { $0[id]?.requests ?? [] } }

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/t/:tenant/v1/listen") { [self] request, context -> Response in
            let id = context.parameters.get("tenant") ?? ""
            var buffer = try await request.body.collect(upTo: 32 << 20)
            var query: [String: String] = [:]
            for item in URLComponents(string: request.uri.description)?.queryItems ?? [] { query[item.name] = item.value }
            let recorded = Recorded(
                authorization: request.headers[.authorization], contentType: request.headers[.contentType],
                query: query, headerNames: Set(request.headers.map { $0.name.canonicalName }),
                body: buffer.readBytes(length: buffer.readableBytes) ?? [])
            let answer = tenants.withLock { tenants -> Answer in
                tenants[id, default: Tenant(answers: [.status(404)])].requests.append(recorded)
                let tenant = tenants[id]!
                return tenant.answers[min(tenant.requests.count - 1, tenant.answers.count - 1)]
            }
            let json: Wire.JSONValue
            let status: HTTPResponse.Status
            switch answer {
            case .transcript(let text):
                status = .ok
                json = .object(["metadata": .object(["request_id": .string(UUID().uuidString)]),
                                "results": .object(["channels": .array([.object(["alternatives": .array([
                                    .object(["transcript": .string(text), "confidence": .double(0.98)]),
                                ])])])])])
            case .status(let code):
                status = HTTPResponse.Status(code: code)
                json = .object(["err_code": .string("FAKE"), "err_msg": .string("fake upstream \(code)")])
            case .garbage:
                status = .ok
                json = .object(["unexpected": .bool(true)])
            }
            return Response(status: status, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: json.jsonText)))
        }
        return router
    }
}
