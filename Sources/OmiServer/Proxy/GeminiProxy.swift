import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OmiStorage

/// The Gemini proxy (platform.md §3.2, §3.3), served by raw catch-all routes: the path's last segment holds a literal
/// colon, and streamed bytes must reach the client as they arrive.
///
/// Pipeline: user → path and query → body → key selection (BYOK, entitlement, server key) → limiter → upstream.
/// Nothing from the request or response body, and no key or token, is ever logged.
struct GeminiProxy: Sendable {
    static let route = "/v1/proxy/gemini/**"
    static let streamRoute = "/v1/proxy/gemini-stream/**"
    /// The contract's documented paths for these routes, which the generated server must not register.
    static let contractPaths: Set<String> = [
        "/v1/proxy/gemini/models/{model}:generateContent", "/v1/proxy/gemini/models/{model}:embedContent",
        "/v1/proxy/gemini/models/{model}:batchEmbedContents", "/v1/proxy/gemini/models/{model}:streamGenerateContent",
        "/v1/proxy/gemini-stream/models/{model}:streamGenerateContent",
    ]
    static let byokHeader = HTTPField.Name("X-BYOK-Gemini")!
    /// Far above any real answer (100 embeddings of 3072 values are about 6 MB), so a runaway upstream is bounded.
    static let maxResponseBytes = 64 * 1024 * 1024

    let settings: GeminiProxySettings
    let serverKey: String?
    let admission: UserAdmission
    let byok: BYOKGate
    let entitlements: Entitlements
    let limiter: GeminiLimiter
    let logger: Logger

    init(settings: Settings, admission: UserAdmission, byok: BYOKGate, entitlements: Entitlements,
         meters: any MeterRepository, logger: Logger) {
        self.settings = settings.gemini
        serverKey = settings.geminiAPIKey
        self.admission = admission
        self.byok = byok
        self.entitlements = entitlements
        limiter = GeminiLimiter(meters: meters, settings: settings.gemini)
        self.logger = logger
    }

    func register(on router: Router<AppRequestContext>, table: RouteTable) {
        for (path, streamRoute) in [(Self.route, false), (Self.streamRoute, true)] {
            table.add(method: .post, path: path)
            router.post(RouterPath(path)) { request, context in
                try await handle(request, context: context, streamRoute: streamRoute)
            }
        }
    }

    /// Which key pays for the call, and whether the limiter asked for the cheaper model.
    struct Credential: Sendable {
        var key: String
        var userKey: Bool
    }

    func handle(_ request: Request, context: AppRequestContext, streamRoute: Bool) async throws -> Response {
        // A missing or invalid token is the global 401 `{"detail"}`, thrown past the envelope on purpose.
        guard case .admitted(let user) = try await admission.admit(
            request.headers, method: request.method, operationID: streamRoute ? "geminiStream" : "gemini")
        else { throw APIError(.unauthorized, "Invalid authorization token") }
        do {
            let remainder = context.parameters.getCatchAll().joined(separator: "/")
            var target = try GeminiTarget.parse(remainder, streamRoute: streamRoute)
            let query = try GeminiTarget.forwardedQuery(request.uri.query ?? "", streamRoute: streamRoute)
            var request = request
            let received = try await request.collectBody(upTo: BodyLimits.geminiCap.bytes)
            let sanitised = try GeminiBodyRules.sanitise(Data(received.readableBytesView), action: target.action)
            let credential = try await credential(user: user, headers: request.headers)
            if !credential.userKey {
                let admitted = try await limiter.admit(uid: user.uid, now: Clock.nowMicros())
                if admitted.downgrade && target.action.isGeneration && target.model == GeminiTarget.proModel {
                    target.model = GeminiTarget.downgradedModel
                }
            }
            let body = sanitised.map { ByteBuffer(bytes: $0) } ?? received
            let upstream = GeminiUpstream.request(base: settings.apiBase, target: target, query: query,
                                                  key: credential.key, body: body)
            if target.action.isStreaming { return try await stream(upstream, credential: credential) }
            return try await relay(upstream, credential: credential)
        } catch let error as GeminiError {
            return error.response
        }
    }

    /// The BYOK header rule (platform.md §0) for `X-BYOK-Gemini` only, then entitlement and the server key.
    func credential(user: AuthenticatedUser, headers: HTTPFields) async throws(GeminiError) -> Credential {
        var own = HTTPFields()
        if let value = headers[Self.byokHeader] { own[Self.byokHeader] = value }
        do {
            // Only this provider's header is passed, so another provider's stale key cannot refuse a Gemini call.
            let keys = try await byok.validate(user: user, own, now: Clock.nowMicros(), refuse: true)
            if let key = keys.keys["gemini"] { return Credential(key: key, userKey: true) }
            guard try await entitlements.isEntitled(user: user, now: Clock.nowMicros()) else {
                throw GeminiError.notEntitled
            }
        } catch let error as GeminiError {
            throw error
        } catch let error as APIError where error.status == .forbidden {
            throw .byokMismatch
        } catch {
            logger.error("gemini proxy: user state unavailable", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            throw .internalError
        }
        guard let serverKey, !serverKey.isEmpty else { throw .notConfigured }
        return Credential(key: serverKey, userKey: false)
    }

    /// An upstream 401 is never relayed: on the server key our own credential was refused (as was a 403), which is
    /// the provider failing us (502); on the user's key it is the user's key refused (403).
    func mappedStatus(_ status: Int, credential: Credential) throws(GeminiError) -> HTTPResponse.Status {
        if !credential.userKey && (status == 401 || status == 403) {
            logger.error("gemini proxy: the server key was refused upstream", metadata: ["status": "\(status)"])
            throw .unavailable
        }
        if credential.userKey && status == 401 { return .forbidden }
        return HTTPResponse.Status(code: status)
    }

    func client() -> HTTPClient {
        GeminiUpstream.client(connect: settings.connectTimeout, silence: settings.streamSilenceTimeout)
    }

    /// Non-streaming: status, `Content-Type` and body relayed unchanged, within the total timeout.
    func relay(_ upstream: HTTPClientRequest, credential: Credential) async throws(GeminiError) -> Response {
        let deadline = NIODeadline.now() + GeminiUpstream.timeAmount(settings.requestTimeout)
        let (status, contentType, body) = try await call { () async throws -> (Int, String?, ByteBuffer) in
            let response = try await client().execute(upstream, deadline: deadline)
            let body = try await response.body.collect(upTo: Self.maxResponseBytes)
            return (Int(response.status.code), response.headers.first(name: "Content-Type"), body)
        }
        return Response(status: try mappedStatus(status, credential: credential),
                        headers: [.contentType: contentType ?? "application/json"], body: .init(byteBuffer: body))
    }

    /// Streaming: a 2xx head is answered at once and each upstream chunk written as it arrives; a non-2xx before the
    /// first byte is relayed as a normal error. There is no total deadline, only the client's read timeout (silence).
    func stream(_ upstream: HTTPClientRequest, credential: Credential) async throws(GeminiError) -> Response {
        let response = try await call { try await client().execute(upstream, deadline: .distantFuture) }
        let status = Int(response.status.code)
        let contentType = response.headers.first(name: "Content-Type")
        guard (200..<300).contains(status) else {
            let body = try await call { try await response.body.collect(upTo: Self.maxResponseBytes) }
            return Response(status: try mappedStatus(status, credential: credential),
                            headers: [.contentType: contentType ?? "application/json"], body: .init(byteBuffer: body))
        }
        var headers: HTTPFields = [.cacheControl: "no-cache", HTTPField.Name("X-Accel-Buffering")!: "no"]
        headers[.contentType] = contentType ?? "text/event-stream"
        let upstreamBody = response.body
        let logger = self.logger
        return Response(status: HTTPResponse.Status(code: status), headers: headers, body: ResponseBody { writer in
            // Leaving this loop (a failed client write, or the end) drops the upstream body, which cancels the
            // upstream request. An upstream failure mid-stream just ends the stream: nothing is appended.
            var chunks = upstreamBody.makeAsyncIterator()
            while true {
                let chunk: ByteBuffer?
                do {
                    chunk = try await chunks.next()
                } catch {
                    logger.warning("gemini proxy: upstream stream ended early",
                                   metadata: ["timeout": "\(GeminiUpstream.isTimeout(error))"])
                    break
                }
                guard let chunk else { break }
                try await writer.write(chunk)
            }
            try await writer.finish(nil)
        })
    }

    /// Runs an upstream step, turning transport failures into 504 (timeout) or 502 (unreachable).
    func call<T: Sendable>(_ step: () async throws -> T) async throws(GeminiError) -> T {
        do {
            return try await step()
        } catch {
            let timeout = GeminiUpstream.isTimeout(error)
            logger.warning("gemini proxy: upstream failed", metadata: [
                "timeout": "\(timeout)", "error": "\(String(reflecting: type(of: error)))",
            ])
            throw timeout ? .timedOut : .unavailable
        }
    }
}
