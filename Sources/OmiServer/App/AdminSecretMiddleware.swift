import Crypto
import Foundation
import HTTPTypes
import OpenAPIRuntime

/// The admin check of platform.md §0 for the operator routes: `X-Release-Secret` against `RELEASE_SECRET`, in
/// constant time (both sides hashed first, so neither length leaks). Every call fails while the setting is unset.
/// It runs before the body is decoded, so a caller without the secret cannot even probe validation. The Python
/// backend's `secret_key` header (conventions.md §3.9) is read too, so operators' existing scripts keep working.
struct AdminSecretMiddleware: ServerMiddleware {
    static let header = HTTPField.Name("X-Release-Secret")!
    static let legacyHeader = HTTPField.Name("secret_key")!
    let operations: Set<String>
    let secret: String?

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        if operations.contains(operationID)
            && !Self.accepts(request.headerFields[Self.header] ?? request.headerFields[Self.legacyHeader], secret: secret) {
            throw APIError(.unauthorized, "Invalid or missing X-Release-Secret header")
        }
        return try await next(request, body, metadata)
    }

    static func accepts(_ header: String?, secret: String?) -> Bool {
        guard let secret, !secret.isEmpty, let header else { return false }
        return constantTimeEqual(Array(SHA256.hash(data: Data(header.utf8))), Array(SHA256.hash(data: Data(secret.utf8))))
    }
}
