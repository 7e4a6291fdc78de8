import HTTPTypes
import OpenAPIRuntime

/// The generated server percent-encodes every response header value (OpenAPI "simple" style), which turns
/// `attachment; filename="omi-export.json"`, `max-age=300` and redirect URLs into escaped strings no client reads.
/// Headers whose value is a structured HTTP field, not a URI parameter, are sent as the handler wrote them.
struct LiteralHeaderMiddleware: ServerMiddleware {
    static let literal: [HTTPField.Name] = [.contentDisposition, .cacheControl, .location]

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var (response, responseBody) = try await next(request, body, metadata)
        for name in Self.literal {
            if let value = response.headerFields[name], let decoded = value.removingPercentEncoding {
                response.headerFields[name] = decoded
            }
        }
        return (response, responseBody)
    }
}
