import HTTPTypes
import Hummingbird

/// CORS is off unless `CORS_ALLOWED_ORIGINS` lists exact origins (conventions.md §16); credentials never allowed.
struct CORSPolicy: Sendable {
    let origins: Set<String>

    static let allowMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
    static let allowHeaders = "Authorization, Content-Type, X-App-Platform, X-Request-Start-Time, X-BYOK-OpenAI, "
        + "X-BYOK-Anthropic, X-BYOK-Gemini, X-BYOK-Deepgram, X-BYOK-OpenRouter, X-App-Version, X-App-Build, "
        + "X-Device-Id-Hash, X-Desktop-Request-ID"
    static let exposeHeaders = "Retry-After, X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining"

    /// A preflight from a listed origin: 204 without authentication.
    func preflight(_ request: Request) -> Response? {
        guard let origin = request.headers[.origin], origins.contains(origin),
              request.headers[.accessControlRequestMethod] != nil else { return nil }
        var fields: HTTPFields = [:]
        fields[.accessControlAllowMethods] = Self.allowMethods
        fields[.accessControlAllowHeaders] = Self.allowHeaders
        fields[.accessControlMaxAge] = "600"
        return Response(status: .noContent, headers: fields)
    }

    func decorate(_ response: inout Response, origin: String?) {
        guard let origin, origins.contains(origin) else { return }
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.accessControlExposeHeaders] = Self.exposeHeaders
        response.headers[.vary] = "Origin"
    }
}
