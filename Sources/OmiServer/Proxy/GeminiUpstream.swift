import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// The HTTP side of the proxy: one client per timeout pair for the life of the process (like `HTTPClient.shared`,
/// never shut down), with redirects refused so the key header can never follow one to another host.
enum GeminiUpstream {
    private static let clients = Mutex<[String: HTTPClient]>([:])

    static func client(connect: Duration, silence: Duration) -> HTTPClient {
        let key = "\(connect)|\(silence)"
        return clients.withLock { clients in
            if let client = clients[key] { return client }
            // `read` is the longest silence between two reads, which is the streaming limit; non-streaming calls
            // also get a total deadline per request.
            var configuration = HTTPClient.Configuration()
            configuration.redirectConfiguration = .disallow
            configuration.timeout = .init(connect: timeAmount(connect), read: timeAmount(silence))
            configuration.decompression = .disabled
            // An unreachable upstream is 502 at once; retrying the connect would hold the request until its deadline.
            configuration.connectionPool.retryConnectionEstablishment = false
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            clients[key] = client
            return client
        }
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// `POST {base}/models/{model}:{action}` with only `Content-Type` and `x-goog-api-key`: no client header, and the
    /// key never in the URL.
    static func request(base: String, target: GeminiTarget, query: String?, key: String, body: ByteBuffer)
        -> HTTPClientRequest {
        var url = "\(base)/models/\(target.model):\(target.action.rawValue)"
        if let query { url += "?" + query }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "x-goog-api-key", value: key)
        request.body = .bytes(body)
        return request
    }

    /// Whether a client error means the upstream took too long (504) rather than could not be reached (502).
    static func isTimeout(_ error: any Error) -> Bool {
        guard let error = error as? HTTPClientError else { return false }
        return [HTTPClientError.deadlineExceeded, .readTimeout, .connectTimeout].contains(error)
    }
}
