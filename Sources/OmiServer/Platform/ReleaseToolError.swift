import Crypto
import Foundation
import OmiContract
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime

public enum ReleaseToolError: Error, Sendable, CustomStringConvertible {
    case invalidArgument(String)
    case file(path: String, reason: String)
    case transport(operation: String, server: String, cause: String)
    case unauthorized(detail: String)
    case registrationConflict(releaseId: String, detail: String, advice: String)
    /// A pointer change refused with 409; generation and current-release mismatches carry the current pointer.
    case pointerConflict(detail: String, pointer: Wire.ChannelPointer?, platform: String)
    case notFound(detail: String)
    case badRequest(detail: String)
    case validation(problems: [String])
    case feedUnavailable(String)
    /// The pointer change went through (or already was in effect) but reading the result back failed.
    case checkFailed(pointer: Wire.ChannelPointer, idempotent: Bool, problem: String)
    case unexpected(operation: String, status: Int, body: String)

    /// The pointer an error reports: the current one of a 409, or the moved one of a failed check.
    public var pointer: Wire.ChannelPointer? {
        switch self {
        case .pointerConflict(_, let pointer, _): return pointer
        case .checkFailed(let pointer, _, _): return pointer
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .invalidArgument(let message):
            return message
        case .file(let path, let reason):
            return "\(path) \(reason)"
        case .transport(let operation, let server, let cause):
            return "could not complete \(operation) against \(server): \(cause)"
        case .unauthorized(let detail):
            return "401 \(detail): RELEASE_SECRET is missing or differs from the server's release secret"
        case .registrationConflict(let releaseId, let detail, let advice):
            return "409 \(detail) (\(releaseId)): \(advice)"
        case .pointerConflict(let detail, let pointer, let platform):
            var lines = ["409 \(detail)"]
            if let pointer {
                lines.append("current pointer: " + PointerText.line(pointer))
                lines.append("someone else may have moved it; re-read the pointers with "
                             + "`omi-backend release channels --platform \(platform)` and decide again")
            }
            return lines.joined(separator: "\n")
        case .notFound(let detail):
            return "404 \(detail): register the release first"
        case .badRequest(let detail):
            return "400 \(detail)"
        case .validation(let problems):
            return (["422 the server refused the request:"] + problems.map { "  " + $0 }).joined(separator: "\n")
        case .feedUnavailable(let message):
            return message
        case .checkFailed(let pointer, let idempotent, let problem):
            return [
                PointerText.line(pointer),
                idempotent ? "the pointer already targeted this release" : "the pointer moved",
                "but the check afterwards failed: \(problem)",
            ].joined(separator: "\n")
        case .unexpected(let operation, let status, let body):
            return "\(operation) answered an unexpected \(status)" + (body.isEmpty ? "" : ": \(body)")
        }
    }
}
