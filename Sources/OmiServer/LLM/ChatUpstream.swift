import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import OmiContract

/// The HTTP side of the language-model upstream (chat.md §9.3): one process-wide client without redirects, so a key
/// header can never follow one to another host, and the connect-plus-first-byte and whole-call time limits.
/// Nothing from a request or response body, and no key, is ever logged.
struct ChatUpstream: Sendable {
    static let anthropicVersion = "2023-06-01"
    /// Far above any real answer, so a runaway upstream is bounded.
    static let maxResponseBytes = 64 * 1024 * 1024

    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        // The first-byte limit covers connecting; a connect that outlives it is abandoned with it.
        configuration.timeout = .init(connect: .seconds(60))
        // An unreachable upstream is 502 at once rather than at the first-byte limit.
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    enum Failure: Error, Sendable, Equatable {
        /// The upstream answered 429.
        case rateLimited
        /// Unreachable, timed out, another non-2xx, or an unreadable answer.
        case failed
    }

    struct Credential: Sendable {
        var key: String
        /// The caller's own key: the call costs the server nothing.
        var userKey: Bool
    }

    let provider: ChatProviderSettings.Provider
    let anthropicBase: String
    let openAIBase: String
    let timings: ChatUpstreamTimings
    let logger: Logger

    func request(_ body: [String: Wire.JSONValue], credential: Credential) -> HTTPClientRequest {
        var request: HTTPClientRequest
        switch provider {
        case .anthropic:
            request = HTTPClientRequest(url: anthropicBase + "/v1/messages")
            request.headers.add(name: "x-api-key", value: credential.key)
            request.headers.add(name: "anthropic-version", value: Self.anthropicVersion)
        case .openai:
            request = HTTPClientRequest(url: openAIBase + "/chat/completions")
            request.headers.add(name: "Authorization", value: "Bearer \(credential.key)")
        }
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: Wire.JSONValue.object(body).jsonText))
        return request
    }

    /// Sends the request and waits for a 2xx head within the first-byte limit; the whole call, body included, must
    /// end within the total limit. `firstByte` overrides the limit (the language model's shorter budget).
    func open(_ request: HTTPClientRequest, total: Duration? = nil) async throws(Failure) -> HTTPClientResponse {
        let deadline = NIODeadline.now() + Self.timeAmount(total ?? timings.total)
        let response: HTTPClientResponse
        do {
            response = try await Self.within(min(timings.firstByte, total ?? timings.firstByte)) {
                try await Self.client.execute(request, deadline: deadline)
            }
        } catch {
            logger.warning("chat upstream: unreachable or timed out",
                           metadata: ["error": "\(String(reflecting: type(of: error)))"])
            throw .failed
        }
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else {
            // The body is read to free the connection, never logged: it may quote the request.
            _ = try? await response.body.collect(upTo: 1 << 20)
            logger.warning("chat upstream: refused", metadata: ["status": "\(status)"])
            throw status == 429 ? Failure.rateLimited : Failure.failed
        }
        return response
    }

    /// The whole JSON answer of a non-streamed call.
    func json(_ request: HTTPClientRequest, total: Duration? = nil) async throws(Failure) -> Wire.JSONValue {
        let response = try await open(request, total: total)
        do {
            let body = try await response.body.collect(upTo: Self.maxResponseBytes)
            guard let value = try? JSONDecoder().decode(Wire.JSONValue.self, from: Data(body.readableBytesView)) else {
                logger.warning("chat upstream: unreadable answer")
                throw Failure.failed
            }
            return value
        } catch {
            if !(error is Failure) {
                logger.warning("chat upstream: answer interrupted", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            }
            throw .failed
        }
    }

    struct TimedOut: Error {}

    /// Runs `operation`, abandoning (cancelling) it when `limit` passes first.
    static func within<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> T)
        async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw TimedOut() }
            return value
        }
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
