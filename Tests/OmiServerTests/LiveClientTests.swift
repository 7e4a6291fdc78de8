import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import OmiContract
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime
import Testing
@testable import OmiServer

/// Adds the bearer token the way the desktop does.
struct BearerToken: ClientMiddleware {
    let token: String

    func intercept(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
                   next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[.authorization] = "Bearer \(token)"
        return try await next(request, body, baseURL)
    }
}

@Suite("Over a real socket with the generated client")
struct LiveClientTests {
    @Test(arguments: TestEngine.available)
    func generatedClientSpeaksToTheServer(engine: TestEngine) async throws {
        try await withLiveClient(engine) { api in
            let health = try await api.health().ok.body.json
            #expect(health.service == "omi-desktop-backend" && health.mode == "cloud")

            let session = try await api.createChatSession(body: .json(.init(title: "Live"))).ok.body.json
            #expect(session.title == "Live" && session.messageCount == 0)
            let saved = try await api.saveDesktopMessage(body: .json(.init(
                text: "over the wire", sender: .human, sessionId: session.id, metadata: #"{"k":1}"#,
                clientMessageId: "live-1"))).ok.body.json
            #expect(saved.id == "live-1" && saved.created && saved.sessionId == session.id)
            let listed = try await api.listDesktopMessages(query: .init(sessionId: session.id)).ok.body.json
            #expect(listed.map(\.text) == ["over the wire"] && listed[0].metadata == #"{"k":1}"#)
            let page = try await api.reconcileDesktopMessages(query: .init(limit: 10)).ok.body.json
            #expect(page.messages.count == 1 && !page.hasMore && page.nextCursor == "live-1")
            let count = try await api.countChatMessages().ok.body.json
            #expect(count.count == 1)

            if case .notFound = try await api.getChatSession(path: .init(sessionId: "missing")) {} else {
                Issue.record("a missing session must be 404")
            }
        }
    }
}

/// Runs `body` with the generated client talking to a server on a real loopback socket, as "live-user".
func withLiveClient(_ engine: TestEngine, _ body: @Sendable (Client) async throws -> Void) async throws {
    try await withLiveServer(engine) { url in
        try await body(Client(serverURL: url, configuration: .omi, transport: AsyncHTTPClientTransport(),
                              middlewares: [BearerToken(token: TestIdentityProvider.primary.token(uid: "live-user"))]))
    }
}
