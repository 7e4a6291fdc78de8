import HTTPTypes
import Hummingbird
import OpenAPIHummingbird
import OpenAPIRuntime
import Synchronization

/// The routes the server registered, for answering 404 and 405 before authentication (conventions.md §2.5, §5.3)
/// and for labelling logs and metrics with a route template instead of a raw path.
final class RouteTable: Sendable {
    struct Route: Sendable {
        var template: String
        var segments: [Substring?]  // nil = a parameter
        var methods: Set<HTTPRequest.Method>
    }

    private let routes = Mutex<[String: Route]>([:])

    func add(method: HTTPRequest.Method, path: String) {
        let segments = path.split(separator: "/").map { $0.hasPrefix("{") || $0.hasPrefix(":") ? nil : $0 }
        let key = segments.map { $0.map(String.init) ?? "{}" }.joined(separator: "/")
        routes.withLock { routes in
            routes[key, default: Route(template: path, segments: segments, methods: [])].methods.insert(method)
        }
    }

    /// The best route for `path`: literal segments win over parameters, position by position, as in the router.
    func match(_ path: String) -> Route? {
        let parts = path.split(separator: "/")
        return routes.withLock { routes in
            var best: Route?
            var bestScore: [Bool] = []
            for route in routes.values where route.segments.count == parts.count {
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
                if best == nil || score.lexicographicallyPrecedes(bestScore, by: { $0 && !$1 }) {
                    best = route
                    bestScore = score
                }
            }
            return best
        }
    }
}

/// Registers generated operations on the router and records them in the route table.
struct RecordingTransport<Context: RequestContext>: ServerTransport {
    let router: Router<Context>
    let table: RouteTable

    func register(
        _ handler: @escaping @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?),
        method: HTTPRequest.Method,
        path: String
    ) throws {
        table.add(method: method, path: path)
        try router.register(handler, method: method, path: path)
    }
}
