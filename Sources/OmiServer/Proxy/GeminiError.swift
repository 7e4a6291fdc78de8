import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An error the Gemini proxy answers itself. The app reads these bodies as text and Google's own client libraries
/// expect Google's envelope, so they use it instead of `{"detail": ...}` (platform.md §0, §3.2).
struct GeminiError: Error, Sendable, Equatable {
    var status: HTTPResponse.Status
    var googleStatus: String
    var message: String
    var headers: HTTPFields = [:]

    static let notAllowed = Self(status: .forbidden, googleStatus: "PERMISSION_DENIED",
                                 message: "Gemini model or action is not allowed")
    static let credentialQuery = Self(status: .badRequest, googleStatus: "INVALID_ARGUMENT",
                                      message: "Provider credential query parameters are not allowed")
    static let tooLarge = Self(status: .contentTooLarge, googleStatus: "INVALID_ARGUMENT",
                               message: "Request body exceeds 5 MiB")
    static let byokMismatch = Self(status: .forbidden, googleStatus: "PERMISSION_DENIED",
                                   message: "BYOK key fingerprint mismatch for provider: gemini")
    static let notEntitled = Self(status: HTTPResponse.Status(code: 402), googleStatus: "FAILED_PRECONDITION",
                                  message: "Desktop trial expired. Upgrade or bring your own keys.")
    /// The app retries on the words "Resource exhausted", so the message must keep them.
    static let rateLimited = Self(status: .tooManyRequests, googleStatus: "RESOURCE_EXHAUSTED",
                                  message: "Resource exhausted: rate limit exceeded. Please try again later.",
                                  headers: [.retryAfter: "60"])
    static let notConfigured = Self(status: .serviceUnavailable, googleStatus: "UNAVAILABLE",
                                    message: "Gemini proxy is not configured")
    static let meteringDown = Self(status: .serviceUnavailable, googleStatus: "UNAVAILABLE",
                                   message: "Rate limiting is unavailable")
    static let timedOut = Self(status: .gatewayTimeout, googleStatus: "DEADLINE_EXCEEDED",
                               message: "Gemini request timed out", headers: [.retryAfter: "30"])
    static let unavailable = Self(status: .badGateway, googleStatus: "UNAVAILABLE",
                                  message: "Gemini provider is unavailable")
    static let internalError = Self(status: .internalServerError, googleStatus: "INTERNAL",
                                    message: "Internal error")

    /// A body rule broken (400); the message names the rule.
    static func invalid(_ rule: String) -> Self {
        Self(status: .badRequest, googleStatus: "INVALID_ARGUMENT", message: rule)
    }

    /// `{"error": {"message": …, "code": …, "status": …}}`, spelled as platform.md §3.2 shows it.
    var body: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let quoted = (try? encoder.encode(message)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
        return #"{"error": {"message": \#(quoted), "code": \#(status.code), "status": "\#(googleStatus)"}}"#
    }

    var response: Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
