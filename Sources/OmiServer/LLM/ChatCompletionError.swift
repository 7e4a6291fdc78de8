import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OmiContract

/// An error of `/v2/chat/completions` (chat.md §9.7): `detail` for clients of the Python backend and an OpenAI-style
/// `error` object for OpenAI client libraries, in one body.
struct ChatCompletionError: Error, Sendable, Equatable {
    var status: HTTPResponse.Status
    var message: String
    var type: String
    var headers: HTTPFields = [:]
    /// The validation list that replaces `detail` in a 422.
    var detailList: Wire.JSONValue?

    static let versionUnsupported = Self(status: HTTPResponse.Status(code: 426),
                                         message: "Unsupported chat contract version", type: "invalid_request_error")
    static let tooLarge = Self(status: .contentTooLarge, message: "Request body is too large",
                               type: "invalid_request_error")
    static let unsupportedModel = Self(status: .badRequest, message: "unsupported model", type: "invalid_request_error")
    static let rateLimited = Self(status: .tooManyRequests, message: "Rate limit exceeded", type: "rate_limit_error",
                                  headers: [.retryAfter: "60"])
    static let notConfigured = Self(status: .serviceUnavailable, message: "Chat provider is not configured",
                                    type: "server_error")
    static let upstream = Self(status: .badGateway, message: "Upstream provider error", type: "server_error")
    static let meteringDown = Self(status: .serviceUnavailable, message: "Rate limiting is unavailable",
                                   type: "server_error")

    /// A body rule broken (400), named by its message.
    static func invalid(_ message: String) -> Self {
        Self(status: .badRequest, message: message, type: "invalid_request_error")
    }

    /// A 422 with the standard validation list in `detail`.
    static func validation(_ items: [Wire.JSONValue]) -> Self {
        Self(status: .unprocessableContent, message: "Invalid request body", type: "invalid_request_error",
             detailList: .array(items))
    }

    /// The same shape for an error raised outside the handler (authentication, the body cap, a bad Content-Length).
    static func from(_ error: any Error) -> Self? {
        switch error {
        case let error as ChatCompletionError:
            return error
        case let error as APIError where error.detailObject == nil:
            let type = switch error.status.code {
            case 401: "authentication_error"
            case 403: "permission_error"
            case 429: "rate_limit_error"
            case 500...: "server_error"
            default: "invalid_request_error"
            }
            return Self(status: error.status, message: error.detail, type: type, headers: error.headers)
        default:
            return nil
        }
    }

    var body: Wire.JSONValue {
        .object([
            "detail": detailList ?? .string(message),
            "error": .object(["message": .string(message), "type": .string(type), "code": .int(Int64(status.code))]),
        ])
    }

    var response: Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: body.jsonText)))
    }
}
