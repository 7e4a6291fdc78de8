import Foundation
import HTTPTypes
import OpenAPIRuntime
import Synchronization

/// One HTTP exchange as the smoke suite and the parity check saw it.
public struct RecordedCall: Sendable {
    public var method: String
    public var path: String
    public var status: Int
    public var milliseconds: Double
    public var contentType: String?
    public var body: Data
}

/// A client middleware that keeps the last exchange, its raw body included, so the JSON checks the generated types
/// cannot express (keys present, `null` against absent, zones on datetimes) run on exactly what the server sent.
/// The body is read once here and handed on to the generated decoder unchanged.
public final class CallRecorder: ClientMiddleware, Sendable {
    static let maxBody = 16 * 1024 * 1024
    private let last = Mutex<RecordedCall?>(nil)

    public init() {}

    public func take() -> RecordedCall? { last.withLock { call in defer { call = nil }; return call } }

    public func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let start = ContinuousClock.now
        let (response, responseBody) = try await next(request, body, baseURL)
        var data = Data()
        if let responseBody { data = try await Data(collecting: responseBody, upTo: Self.maxBody) }
        let elapsed = ContinuousClock.now - start
        let path = request.path.map { String($0.split(separator: "?", maxSplits: 1).first ?? "") } ?? ""
        last.withLock {
            $0 = RecordedCall(method: request.method.rawValue, path: path, status: response.status.code,
                              milliseconds: Double(elapsed.components.attoseconds) / 1e15
                                  + Double(elapsed.components.seconds) * 1000,
                              contentType: response.headerFields[.contentType], body: data)
        }
        return (response, responseBody == nil ? nil : HTTPBody(data))
    }
}
