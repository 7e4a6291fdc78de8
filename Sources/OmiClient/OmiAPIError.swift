import Foundation
import HTTPTypes
import OpenAPIRuntime

/// A non-2xx answer with the server's error body decoded. The body follows the Python backend: `{"detail": "..."}`,
/// or for validation errors (422) `{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`.
public struct OmiAPIError: Error, Sendable, CustomStringConvertible {
    public struct Problem: Sendable, Equatable {
        /// Where the problem is, e.g. `body.description`.
        public var location: String
        public var message: String
        public var type: String
    }

    public var status: Int
    public var operationID: String
    /// The `detail` string, or the problems joined with "; " for a 422.
    public var detail: String
    public var problems: [Problem]
    public var retryAfter: Int?

    public var description: String { "\(operationID): HTTP \(status): \(detail)" }

    /// Reads the error body (at most 64 KiB); a body that is not the documented shape keeps its text as `detail`.
    public static func decode(status: Int, operationID: String, headers: HTTPFields, body: HTTPBody?) async -> OmiAPIError {
        var data = Data()
        if let body, let bytes = try? await Data(collecting: body, upTo: 64 * 1024) { data = bytes }
        var error = OmiAPIError(status: status, operationID: operationID,
                                detail: String(decoding: data, as: UTF8.self), problems: [],
                                retryAfter: headers[.retryAfter].flatMap { Int($0) })
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return error }
        if let detail = object["detail"] as? String {
            error.detail = detail
        } else if let items = object["detail"] as? [[String: Any]] {
            error.problems = items.map { item in
                let location = (item["loc"] as? [Any] ?? []).map { "\($0)" }.joined(separator: ".")
                return Problem(location: location, message: item["msg"] as? String ?? "", type: item["type"] as? String ?? "")
            }
            error.detail = error.problems.map { "\($0.location): \($0.message)" }.joined(separator: "; ")
        }
        return error
    }
}

/// Turns every non-2xx answer into a thrown `OmiAPIError`, for callers that prefer `try await client.x().ok` and
/// one error type over matching each operation's documented error cases. Opt in by adding it to `middlewares`.
public struct ThrowingErrorMiddleware: ClientMiddleware {
    public init() {}

    public func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let (response, responseBody) = try await next(request, body, baseURL)
        guard response.status.kind == .successful else {
            throw await OmiAPIError.decode(status: response.status.code, operationID: operationID,
                                           headers: response.headerFields, body: responseBody)
        }
        return (response, responseBody)
    }
}
