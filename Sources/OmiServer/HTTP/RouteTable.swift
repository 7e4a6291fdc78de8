import HTTPTypes
import Hummingbird
import NIOCore
import OmiContract
import OpenAPIRuntime
import Synchronization

/// The routes the server registered, for answering 404 and 405 before authentication (conventions.md §2.5, §5.3)
/// and for labelling logs and metrics with a route template instead of a raw path.
final class RouteTable: Sendable {
    /// A template ending in `**` matches its prefix followed by one or more segments of any value.
    struct Route: Sendable {
        var template: String
        var methods: Set<HTTPRequest.Method>
    }

    /// One node per path prefix; children by literal segment, then the parameter child. Looked up on every request,
    /// so a match walks the path once instead of comparing it with every route (a linear scan was 3% of a save).
    struct Node: Sendable {
        var literals: [Substring: Int] = [:]
        var parameter: Int?
        /// The route whose segments end at this node.
        var route: Route?
        /// The `**` route whose prefix ends at this node.
        var catchAll: Route?
    }

    private let nodes = Mutex<[Node]>([Node()])

    func add(method: HTTPRequest.Method, path: String) {
        var segments = path.split(separator: "/").map { $0.hasPrefix("{") || $0.hasPrefix(":") ? nil : $0 }
        let catchAll = segments.last == "**"
        if catchAll { segments.removeLast() }
        nodes.withLock { nodes in
            var at = 0
            for segment in segments {
                let next = segment.map { nodes[at].literals[$0] } ?? nodes[at].parameter
                if let next {
                    at = next
                    continue
                }
                nodes.append(Node())
                let child = nodes.count - 1
                if let segment { nodes[at].literals[segment] = child } else { nodes[at].parameter = child }
                at = child
            }
            let fresh = Route(template: path, methods: [])
            if catchAll {
                nodes[at].catchAll = nodes[at].catchAll ?? fresh
                nodes[at].catchAll!.methods.insert(method)
            } else {
                nodes[at].route = nodes[at].route ?? fresh
                nodes[at].route!.methods.insert(method)
            }
        }
    }

    /// The best route for `path`: literal segments win over parameters, position by position, as in the router, and a
    /// catch-all loses to any route that names every segment. Trying the literal child first, then the parameter,
    /// then the catch-all makes the first complete match the best one.
    func match(_ path: String) -> Route? {
        // Split as bytes (`/` is never part of a longer UTF-8 sequence): by Characters it was 0.5% of a request.
        let parts = path.utf8.split(separator: UInt8(ascii: "/")).map { Substring($0) }
        return nodes.withLock { nodes in Self.find(in: nodes, from: 0, parts: parts[...]) }
    }

    private static func find(in nodes: [Node], from at: Int, parts: ArraySlice<Substring>) -> Route? {
        guard let part = parts.first else { return nodes[at].route }
        if let next = nodes[at].literals[part], let found = find(in: nodes, from: next, parts: parts.dropFirst()) {
            return found
        }
        if let next = nodes[at].parameter, let found = find(in: nodes, from: next, parts: parts.dropFirst()) {
            return found
        }
        return nodes[at].catchAll
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
    /// Larger bodies are decoded by the generated code alone; a sync of 100 rows without embeddings is a few
    /// hundred KiB.
    static var readableBodyLimit: Int { 1 << 20 }
    /// The operations whose request body is not JSON. Every other operation takes JSON alone, and `OmiResponder` has
    /// declared `application/json` for every body it did not leave as bytes, so those handlers are given no
    /// `Content-Type`: the generated code then takes the operation's one content type without parsing the header and
    /// the option as MIME types (3% of a save's CPU). A binary operation keeps the header, so JSON sent to it is still
    /// refused with 422. `nonJSONBodiesAreTheDocumentsBinaryBodies` holds this list to the document.
    static var nonJSONBodies: Set<String> { ["POST /v2/voice-message/transcribe", "POST /v2/files"] }

    func register(
        _ handler: @escaping @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?),
        method: HTTPRequest.Method,
        path: String
    ) throws {
        if skippedPaths.contains(path) { return }
        table.add(method: method, path: path)
        let bodyReader = RequestBodyBytes.readers["\(method.rawValue) \(path)"]
        let takesJSONOnly = !Self.nonJSONBodies.contains("\(method.rawValue) \(path)")
        router.on(RouterPath(path), method: method) { (request: Request, context: Context) async throws -> Response in
            var request = request
            var buffer = try await request.collectBody(upTo: context.maxUploadSize)
            NULEscapes.replace(in: &buffer, contentType: request.headers[.contentType])
            // No bytes means no body, so an optional JSON body (DELETE with none) is absent rather than malformed.
            var body = buffer.readableBytes == 0 ? nil : HTTPBody(buffer.readableBytesView)
            // A body its route's reader takes is read here, and the generated code decodes the value from a
            // placeholder (`RequestBodyBytes`); a large upload is left to the generated code.
            var read: (any Sendable)?
            if let bodyReader, body != nil, buffer.readableBytes <= Self.readableBodyLimit,
               let value = buffer.withUnsafeReadableBytes(bodyReader) {
                read = value
                body = HTTPBody(RequestBodyBytes.placeholder)
            }
            // Python's parser decides what is malformed: Foundation's takes a trailing comma that FastAPI refuses. A
            // body it refuses is handed on as one that cannot decode, so it fails as any malformed body does: after
            // authentication (conventions.md §2.5), and only in an operation that reads a body. A body a reader took
            // is not scanned again: `JSONReader` refuses all RFC 8259 refuses, and Python takes all RFC 8259 takes.
            var malformed: MalformedJSON.Failure?
            if read == nil, takesJSONOnly, body != nil,
               request.headers[.contentType]?.utf8.starts(with: "application/json".utf8) == true {
                malformed = buffer.withUnsafeReadableBytes { MalformedJSON.failure(in: $0) }
                if malformed != nil { body = HTTPBody(MalformedJSON.undecodable) }
            }
            let parameters = [String: Substring](
                context.parameters.map { (String($0.0), $0.1) }, uniquingKeysWith: { first, _ in first })
            var requestHead = request.head
            if takesJSONOnly, requestHead.headerFields[.contentType] == "application/json" {
                requestHead.headerFields[.contentType] = nil
            }
            var prewritten: ByteBuffer?
            let sink = PrewrittenJSON.Sink { prewritten = ByteBuffer(bytes: $0) }
            let (head, responseBody): (HTTPResponse, HTTPBody?)
            do {
                (head, responseBody) = try await PrewrittenJSON.$sink.withValue(sink) {
                    try await RequestBodyBytes.$value.withValue(read) {
                        try await handler(requestHead, body, .init(pathParameters: parameters))
                    }
                }
            } catch let error as ServerError where error.operationInput == nil {
                if let invalid = error.underlyingError as? InvalidDateTime {
                    throw DateFieldLocator.error(for: invalid, body: buffer, query: request.uri.query)
                }
                if let malformed, case .dataCorrupted(let context)? = error.underlyingError as? DecodingError,
                   context.codingPath.isEmpty {
                    throw malformed.validationError
                }
                throw error
            }
            if let prewritten {
                // The generated code declared the placeholder's length; the bytes sent are the sink's.
                var headers = head.headerFields
                headers[.contentLength] = String(prewritten.readableBytes)
                return Response(status: head.status, headers: headers, body: .init(byteBuffer: prewritten))
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
