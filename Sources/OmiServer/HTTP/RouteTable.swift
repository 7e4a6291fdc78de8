import HTTPTypes
import Hummingbird
import NIOCore
import OmiContract
import OpenAPIRuntime
import Synchronization

/// The routes the server registered, for answering 404 and 405 before authentication (conventions.md §2.5, §5.3)
/// and for labelling logs and metrics with a route template instead of a raw path.
final class RouteTable: Sendable {
    struct Route: Sendable {
        var template: String
        var segments: [Substring?]  // nil = a parameter
        var methods: Set<HTTPRequest.Method>
        /// The template ends in `**`: `segments` is a prefix, followed by one or more segments of any value.
        var catchAll = false
    }

    private let routes = Mutex<[String: Route]>([:])

    func add(method: HTTPRequest.Method, path: String) {
        var segments = path.split(separator: "/").map { $0.hasPrefix("{") || $0.hasPrefix(":") ? nil : $0 }
        let catchAll = segments.last == "**"
        if catchAll { segments.removeLast() }
        let key = segments.map { $0.map(String.init) ?? "{}" }.joined(separator: "/") + (catchAll ? "/**" : "")
        routes.withLock { routes in
            routes[key, default: Route(template: path, segments: segments, methods: [], catchAll: catchAll)]
                .methods.insert(method)
        }
    }

    /// The best route for `path`: literal segments win over parameters, position by position, as in the router.
    func match(_ path: String) -> Route? {
        let parts = path.split(separator: "/")
        return routes.withLock { routes in
            var best: Route?
            var bestScore: [Bool] = []
            for route in routes.values
            where route.segments.count == parts.count || (route.catchAll && parts.count > route.segments.count) {
                var score: [Bool] = []
                var ok = true
                for (segment, part) in zip(route.segments, parts) {
                    if let literal = segment {
                        guard literal == part else { ok = false; break }
                        score.append(true)
                    } else {
                        score.append(false)
                    }
                }
                guard ok else { continue }
                // A catch-all loses to any route that names every segment.
                if route.catchAll { score += Array(repeating: false, count: parts.count - route.segments.count) }
                if best == nil || score.lexicographicallyPrecedes(bestScore, by: { $0 && !$1 }) {
                    best = route
                    bestScore = score
                }
            }
            return best
        }
    }
}

/// Registers the generated operations on the Hummingbird router and records them in the route table.
///
/// Bodies are handed over as whole buffers: `OmiResponder` has already collected each request body under its route's
/// cap, and a response body of known length is collected before it is written, which saves the per-response async
/// streaming a general-purpose transport needs.
struct RecordingTransport<Context: RequestContext>: ServerTransport {
    let router: Router<Context>
    let table: RouteTable
    /// Contract paths served by raw routes instead (the Gemini proxy, `GeminiProxy.contractPaths`). The transport is
    /// told paths, not operation ids, so the skip is by path; registering them would shadow the raw catch-all route.
    var skippedPaths: Set<String> = []

    func register(
        _ handler: @escaping @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?),
        method: HTTPRequest.Method,
        path: String
    ) throws {
        if skippedPaths.contains(path) { return }
        table.add(method: method, path: path)
        router.on(RouterPath(path), method: method) { (request: Request, context: Context) async throws -> Response in
            var request = request
            let buffer = try await request.collectBody(upTo: context.maxUploadSize)
            // No bytes means no body, so an optional JSON body (DELETE with none) is absent rather than malformed.
            let body = buffer.readableBytes == 0 ? nil : HTTPBody(buffer.readableBytesView)
            let parameters = [String: Substring](
                context.parameters.map { (String($0.0), $0.1) }, uniquingKeysWith: { first, _ in first })
            let sink = PrewrittenJSON.Sink()
            let (head, responseBody) = try await PrewrittenJSON.$sink.withValue(sink) {
                try await handler(request.head, body, .init(pathParameters: parameters))
            }
            if let prewritten = sink.bytes {
                // The generated code declared the placeholder's length; the bytes sent are the sink's.
                var headers = head.headerFields
                headers[.contentLength] = String(prewritten.count)
                return Response(status: head.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: prewritten)))
            }
            guard let responseBody else { return Response(status: head.status, headers: head.headerFields) }
            if case .known(let length) = responseBody.length {
                let bytes = try await [UInt8](collecting: responseBody, upTo: Int(length))
                return Response(status: head.status, headers: head.headerFields,
                                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
            }
            return Response(status: head.status, headers: head.headerFields,
                            body: .init(asyncSequence: responseBody.map { ByteBuffer(bytes: $0) }))
        }
    }
}
