import Foundation
import HTTPTypes
@_exported import OmiContract
@_exported import OpenAPIRuntime
#if canImport(OpenAPIURLSession)
import OpenAPIURLSession
#else
import OpenAPIAsyncHTTPClient
#endif

/// The generated client of the Omi API (`Client`, one async method per operation of the OpenAPI document), set up
/// the way the desktop app needs it: the server's base URL, the contract's date format, a bearer token on every call,
/// and the platform's transport (URLSession on Apple platforms, AsyncHTTPClient elsewhere).
public enum OmiClient {
    /// `token` is asked before every call, so a refreshed Firebase ID token is picked up without a new client; nil
    /// sends no `Authorization` header (the public routes).
    public static func make(
        baseURL: URL,
        token: @escaping @Sendable () async throws -> String?,
        transport: (any ClientTransport)? = nil,
        middlewares: [any ClientMiddleware] = []
    ) -> Client {
        Client(serverURL: baseURL, configuration: .omi, transport: transport ?? defaultTransport(),
               middlewares: [BearerTokenMiddleware(token: token)] + middlewares)
    }

    public static func defaultTransport() -> any ClientTransport {
        #if canImport(OpenAPIURLSession)
        URLSessionTransport()
        #else
        AsyncHTTPClientTransport()
        #endif
    }
}

/// Adds `Authorization: Bearer <token>` to each request, asking the provider every time.
public struct BearerTokenMiddleware: ClientMiddleware {
    let token: @Sendable () async throws -> String?

    public init(token: @escaping @Sendable () async throws -> String?) { self.token = token }

    public func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        if let token = try await token() { request.headerFields[.authorization] = "Bearer \(token)" }
        return try await next(request, body, baseURL)
    }
}
