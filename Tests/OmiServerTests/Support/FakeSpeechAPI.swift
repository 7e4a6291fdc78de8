import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OmiContract
import Synchronization

/// A local stand-in for OpenAI's `/audio/speech`, shared by the whole test process. Each test gets its own base URL
/// (`/t/{tenant}`), so its answers and recorded calls never mix with another test's.
final class FakeSpeechAPI: Sendable {
    static let shared = FakeSpeechAPI()

    enum Answer: Sendable {
        /// 200 `audio/mpeg` with these bytes.
        case audio([UInt8])
        /// This status with an OpenAI-style JSON error body.
        case status(Int)
    }

    struct Recorded: Sendable {
        var authorization: String?
        var contentType: String?
        var headerNames: Set<String>
        var body: Wire.JSONValue
    }

    struct Tenant: Sendable {
        /// Answered in order; the last one repeats once the list is used up.
        var answers: [Answer] = [.audio(FakeSpeechAPI.defaultAudio)]
        var requests: [Recorded] = []
    }

    /// Not valid MP3, but bytes no text conversion would keep intact: NUL, high bytes, CR LF.
    static let defaultAudio: [UInt8] = [0x49, 0x44, 0x33, 0x04, 0x00, 0xFF, 0xFB, 0x90, 0x0D, 0x0A, 0x80, 0x7F, 0xC3]

    private let tenants = Mutex<[String: Tenant]>([:])
    private let server = LoopbackServer()

    /// A fresh tenant answering `answers`, and the `OPENAI_API_BASE` that reaches it.
    func tenant(_ answers: [Answer] = [.audio(FakeSpeechAPI.defaultAudio)]) async throws -> (id: String, base: String) {
        let id = UUID().uuidString
        tenants.withLock { $0[id] = Tenant(answers: answers) }
        return (id, "http://127.0.0.1:\(try await ensureRunning())/t/\(id)")
    }

    func requests(_ id: String) -> [Recorded] { tenants.withLock { $0[id]?.requests ?? [] } }

    func ensureRunning() async throws -> Int { try await server.port(router: makeRouter) }

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/t/:tenant/audio/speech") { [self] request, context -> Response in
            let id = context.parameters.get("tenant") ?? ""
            let buffer = try await request.body.collect(upTo: 1 << 20)
            let recorded = Recorded(
                authorization: request.headers[.authorization], contentType: request.headers[.contentType],
                headerNames: Set(request.headers.map { $0.name.canonicalName }),
                body: Wire.JSONValue(jsonText: String(buffer: buffer)) ?? .null)
            let answer = tenants.withLock { tenants -> Answer in
                tenants[id, default: Tenant()].requests.append(recorded)
                let tenant = tenants[id]!
                let index = min(tenant.requests.count - 1, tenant.answers.count - 1)
                return tenant.answers[index]
            }
            switch answer {
            case .audio(let bytes):
                return Response(status: .ok, headers: [.contentType: "audio/mpeg"],
                                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
            case .status(let code):
                let error = Wire.JSONValue.object(["error": .object([
                    "message": .string("fake upstream \(code)"), "type": .string("fake"),
                ])])
                return Response(status: HTTPResponse.Status(code: code), headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(string: error.jsonText)))
            }
        }
        return router
    }
}
