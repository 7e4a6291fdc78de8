import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OmiStorage

/// The server's front door, in front of the router: request ids, path normalisation and mount prefixes, CORS,
/// 404/405 before authentication, body caps, error bodies, access logs and metrics.
struct OmiResponder<Router: HTTPResponder>: HTTPResponder where Router.Context == AppRequestContext {
    typealias Context = AppRequestContext

    let router: Router
    let routes: RouteTable
    let settings: Settings
    let limits: BodyLimits
    let cors: CORSPolicy
    let metrics: HTTPMetrics
    let logger: Logger

    func respond(to request: Request, context: Context) async throws -> Response {
        let start = ContinuousClock.now
        let target = request.head.path.map { raw in
            let (path, query) = Self.split(raw)
            return (normalised: normalise(path), query: query)
        }
        // `/v2/chat/completions` has its own request id, contract header and error shape (chat.md §9).
        let completions = target?.normalised.path == ChatCompletions.path
        let requestId = completions ? ChatCompletions.requestId(from: request.headers)
            : Self.requestId(from: request.headers)
        var template = "unmatched"
        var response: Response
        do {
            guard let target else { throw APIError(.notFound, "Not Found") }
            response = try await handle(request, context: context, path: target.normalised, query: target.query,
                                        requestId: requestId, template: &template)
        } catch {
            if completions, let error = ChatCompletionError.from(error) {
                response = error.response
            } else {
                response = ErrorResponses.response(for: error, logger: logger)
            }
        }
        response.headers[.xRequestId] = requestId
        if completions { response.headers[ChatCompletions.versionHeader] = "1" }
        cors.decorate(&response, origin: request.headers[.origin])
        let elapsed = ContinuousClock.now - start
        metrics.record(method: request.method.rawValue, route: template, status: response.status.code, duration: elapsed)
        // Route templates, never raw paths or queries: those can carry share tokens or personal text.
        logger.info("request", metadata: [
            "request_id": "\(requestId)", "method": "\(request.method.rawValue)", "route": "\(template)",
            "status": "\(response.status.code)",
            "ms": "\(AccessLog.milliseconds(elapsed))",
        ])
        return response
    }

    func handle(_ incoming: Request, context: Context, path normalised: (path: String, legacy: Bool), query: String?,
                requestId: String, template: inout String) async throws -> Response {
        var (path, legacy) = normalised

        if incoming.method == .options, let preflight = cors.preflight(incoming) { return preflight }
        guard let route = routes.match(path) else { throw APIError(.notFound, "Not Found") }
        template = route.template
        guard route.methods.contains(incoming.method) else {
            let allow = route.methods.map(\.rawValue).sorted().joined(separator: ", ")
            throw APIError(.methodNotAllowed, "Method Not Allowed", headers: [.allow: allow])
        }

        var head = incoming.head
        if path.isEmpty { path = "/" }
        head.path = query.map { path + "?" + $0 } ?? path
        var request = Request(head: head, body: incoming.body)
        if path == ChatCompletions.path { try ChatCompletions.checkVersion(request.headers) }
        try await prepareBody(&request, path: path)
        let scope = RequestValues.Scope(legacyMount: legacy, requestId: requestId, path: path,
                                        origin: Self.origin(of: incoming.head), rawQuery: query ?? "")
        return try await RequestValues.$scope.withValue(scope) {
            try await router.respond(to: request, context: context)
        }
    }

    /// Enforces the route's cap from `Content-Length` before reading and while reading; an empty body on a write
    /// reads as `{}`, and JSON is parsed as JSON whatever content type was declared (conventions.md §4.1, §6.6).
    func prepareBody(_ request: inout Request, path: String) async throws {
        let cap = limits.cap(for: path)
        if let declared = request.headers[.contentLength] {
            guard let length = Int(declared), length >= 0 else { throw APIError(.badRequest, "Invalid Content-Length") }
            if length > cap.bytes { throw cap.error }
        }
        guard [.post, .put, .patch].contains(request.method), !cap.streamed else { return }
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: cap.bytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw cap.error
        }
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard !contentType.hasPrefix("multipart/"), !contentType.hasPrefix("application/octet-stream") else { return }
        var head = request.head
        head.headerFields[.contentType] = "application/json"
        if buffer.readableBytes == 0 {
            head.headerFields[.contentLength] = "2"
            request = Request(head: head, body: .init(buffer: ByteBuffer(string: "{}")))
        } else {
            request = Request(head: head, body: request.body)
        }
    }

    /// Collapses repeated slashes, drops one trailing slash, and strips the mount or legacy prefix.
    func normalise(_ raw: String) -> (path: String, legacy: Bool) {
        var path = raw
        // Most paths need no change, and walking them by Character showed in every request's profile.
        if Self.hasSlashToCollapse(raw) {
            path = ""
            path.reserveCapacity(raw.utf8.count)
            var previousSlash = false
            for c in raw {
                if c == "/" {
                    if previousSlash { continue }
                    previousSlash = true
                } else {
                    previousSlash = false
                }
                path.append(c)
            }
            if path.count > 1, path.hasSuffix("/") { path.removeLast() }
        }
        if let legacy = settings.legacyMountPrefix, let stripped = Self.strip(legacy, from: path) {
            return (stripped, true)
        }
        if let mount = settings.mountPrefix, let stripped = Self.strip(mount, from: path) {
            return (stripped, false)
        }
        return (path, false)
    }

    /// A trailing slash or two slashes in a row (as bytes: `/` is never part of a longer UTF-8 sequence).
    static func hasSlashToCollapse(_ raw: String) -> Bool {
        var previousSlash = false
        for byte in raw.utf8 {
            let slash = byte == UInt8(ascii: "/")
            if slash && previousSlash { return true }
            previousSlash = slash
        }
        return previousSlash
    }

    /// `scheme://host` as the client addressed us, honouring a proxy's `X-Forwarded-Proto`.
    static func origin(of head: HTTPRequest) -> String {
        let scheme = head.headerFields[HTTPField.Name("X-Forwarded-Proto")!] ?? head.scheme ?? "http"
        let host = head.authority ?? head.headerFields[HTTPField.Name("Host")!] ?? "localhost"
        return "\(scheme == "https" ? "https" : "http")://\(host)"
    }

    static func strip(_ prefix: String, from path: String) -> String? {
        if path == prefix { return "/" }
        guard path.hasPrefix(prefix + "/") else { return nil }
        return String(path.dropFirst(prefix.count))
    }

    /// Looks for the `?` among bytes rather than Characters, which cost grapheme breaking on every request.
    static func split(_ raw: String) -> (String, String?) {
        guard let q = raw.utf8.firstIndex(of: UInt8(ascii: "?")) else { return (raw, nil) }
        return (String(raw[..<q]), String(raw[raw.utf8.index(after: q)...]))
    }

    /// `X-Desktop-Request-ID` is echoed when it is a UUID; otherwise a new one is made.
    static func requestId(from headers: HTTPFields) -> String {
        if let sent = headers[.xDesktopRequestId], let uuid = UUID(uuidString: sent) { return uuid.uuidString.lowercased() }
        return RandomUUID.lowercased()
    }
}

extension HTTPField.Name {
    static let xRequestId = Self("X-Request-Id")!
    static let xDesktopRequestId = Self("X-Desktop-Request-ID")!
    static let xAppPlatform = Self("X-App-Platform")!
}

enum AccessLog {
    /// `12.34`: milliseconds with two decimals, rounded down, written without `String(format:)`, which went through
    /// Foundation's `NSString` on every request logged at `info`.
    static func milliseconds(_ elapsed: Duration) -> String {
        let (seconds, attoseconds) = elapsed.components
        let hundredths = max(0, seconds * 100_000 + attoseconds / 10_000_000_000_000)
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
