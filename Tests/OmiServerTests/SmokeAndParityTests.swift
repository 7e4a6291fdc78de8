import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import OmiClient
import OmiSmoke
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime
import Testing
@testable import OmiServer

/// Runs `body` with the base URL of a server on a real loopback socket; `configure` adjusts the settings first.
func withLiveServer(_ engine: TestEngine, configure: @Sendable (inout Settings) -> Void = { _ in },
                    _ body: @Sendable (URL) async throws -> Void) async throws {
    try await withTestDatabase(engine) { database async throws in
        let (url, _) = try await TestKeyServer.shared.publish()
        var settings = Settings()
        settings.firebaseProjectId = TestIdentityProvider.projectId
        settings.authKeysURL = url
        settings.port = 0
        configure(&settings)
        var logger = Logger(label: "live")
        logger.logLevel = .warning
        let app = try buildApplication(
            settings: settings,
            dependencies: AppDependencies(database: database,
                                          keyStore: SigningKeyStore(url: url, logger: logger, fetchTimeout: .seconds(120))),
            logger: logger)
        try await app.test(.live) { client async throws in
            let port = try #require(client.port)
            try await body(URL(string: "http://127.0.0.1:\(port)")!)
        }
    }
}

/// A transport that changes chosen answers on their way back, to stand in for a server that breaks the contract.
struct TamperingTransport: ClientTransport {
    let base = AsyncHTTPClientTransport()
    /// Given the request's base URL, method and path (query removed) and the parsed JSON, the JSON to hand back
    /// instead, or nil to leave the answer as it is.
    let tamper: @Sendable (URL, String, String, Any) -> (status: Int, json: Any)?

    func send(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let (response, responseBody) = try await base.send(request, body: body, baseURL: baseURL, operationID: operationID)
        var data = Data()
        if let responseBody { data = try await Data(collecting: responseBody, upTo: 16 * 1024 * 1024) }
        let path = String((request.path ?? "").split(separator: "?").first ?? "")
        guard let json = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
              let (status, changed) = tamper(baseURL, request.method.rawValue, path, json) else {
            return (response, responseBody == nil ? nil : HTTPBody(data))
        }
        var tampered = response
        tampered.status = .init(code: status)
        let bytes = try JSONSerialization.data(withJSONObject: changed, options: [.fragmentsAllowed])
        return (tampered, HTTPBody(bytes))
    }
}

@Suite("The client library, the smoke suite and the parity check (issue 11)")
struct SmokeAndParityTests {
    static func token(_ uid: String) -> String { TestIdentityProvider.primary.token(uid: uid) }

    @Test(arguments: TestEngine.available)
    func theClientAsksForItsTokenEachCallAndDecodesErrorBodies(engine: TestEngine) async throws {
        try await withLiveServer(engine) { url in
            let asked = TokenCounter()
            let client = OmiClient.make(baseURL: url, token: { asked.next(Self.token("client-user")) },
                                        middlewares: [ThrowingErrorMiddleware()])
            let created = try await client.createActionItem(body: .json(.init(description: "From the client"))).ok.body.json
            let listed = try await client.listActionItems(query: .init(limit: 10)).ok.body.json
            #expect(listed.actionItems.map(\.id) == [created.id])
            #expect(asked.count == 2)

            do {
                _ = try await client.getActionItem(path: .init(actionItemId: "missing"))
                Issue.record("a missing task must throw")
            } catch let error as ClientError {
                let api = try #require(error.underlyingError as? OmiAPIError)
                #expect(api.status == 404 && api.detail == "Action item not found" && api.operationID == "getActionItem")
            }
            do {
                _ = try await client.createActionItem(body: .json(.init(description: "")))
                Issue.record("an empty description must throw")
            } catch let error as ClientError {
                let api = try #require(error.underlyingError as? OmiAPIError)
                #expect(api.status == 422 && api.problems.first?.location == "body.description")
            }
            // Without a token the server refuses, and the error says so.
            let anonymous = OmiClient.make(baseURL: url, token: { nil }, middlewares: [ThrowingErrorMiddleware()])
            await #expect(throws: ClientError.self) { _ = try await anonymous.getProfile() }
        }
    }

    @Test(arguments: TestEngine.available)
    func theSmokeSuitePassesEveryGroupAndLeavesNothingBehind(engine: TestEngine) async throws {
        try await withLiveServer(engine) { url in
            // Data the account had before the run must survive it untouched.
            let own = OmiClient.make(baseURL: url, token: { Self.token("smoke-user") }, middlewares: [ThrowingErrorMiddleware()])
            let kept = try await own.createActionItem(body: .json(.init(description: "Mine, not the smoke suite's"))).ok.body.json

            let lines = await SmokeSuite(baseURL: url, token: Self.token("smoke-user")).run(print: { _ in })
            #expect(lines.filter { !$0.passed }.map(\.text) == [])
            #expect(Set(lines.map(\.group)) == Set(SmokeSuite.groups))
            #expect(lines.count >= 50)
            // With no release registered, /updates/latest answers its documented 404.
            #expect(lines.allSatisfy { line in
                line.milliseconds != nil && line.status.map { (200..<300).contains($0) || line.route == "GET /updates/latest" } == true
            })

            let tasks = try await own.listActionItems(query: .init(limit: 50)).ok.body.json.actionItems
            #expect(tasks.map(\.id) == [kept.id] && tasks.first?.completed == false)
            #expect(try await own.listConversations(query: .init(limit: 50)).ok.body.json.isEmpty)
            #expect(try await own.listMemories(query: .init(limit: 50)).ok.body.json.isEmpty)
            #expect(try await own.listFolders().ok.body.json.allSatisfy { !$0.name.hasPrefix("omi-smoke-") })
            #expect(try await own.listFocusSessions().ok.body.json.isEmpty)
            #expect(try await own.listChatSessions(query: .init()).ok.body.json.isEmpty)

            // --only runs one group.
            let only = await SmokeSuite(baseURL: url, token: Self.token("smoke-user")).run(only: "agent", print: { _ in })
            #expect(Set(only.map(\.group)) == ["agent"] && only.allSatisfy(\.passed))
        }
    }

    @Test(arguments: TestEngine.available)
    func theSmokeSuiteCatchesAServerThatBreaksTheContract(engine: TestEngine) async throws {
        try await withLiveServer(engine) { url in
            let broken = TamperingTransport { _, method, path, json in
                switch (method, path) {
                case ("GET", "/v1/action-items"):
                    // The bug that started the migration: the list under one key only.
                    var object = json as? [String: Any] ?? [:]
                    object["items"] = nil
                    return (200, object)
                case ("GET", "/v2/agent/status"):
                    return (401, ["detail": "Not authenticated"])
                case ("GET", "/v1/conversations/count"):
                    return (200, ["count": "1"])
                case ("POST", "/v2/chat-sessions"):
                    var object = json as? [String: Any] ?? [:]
                    object["created_at"] = "2026-11-26T10:00:00"
                    return (200, object)
                default:
                    return nil
                }
            }
            let lines = await SmokeSuite(baseURL: url, token: Self.token("smoke-user"), transport: broken)
                .run(print: { _ in })
            let failed = Dictionary(lines.filter { !$0.passed }.map { ($0.route, $0.problems.joined()) },
                                    uniquingKeysWith: { a, _ in a })
            #expect(Set(failed.keys) == ["GET /v1/action-items", "GET /v2/agent/status", "GET /v1/conversations/count",
                                         "POST /v2/chat-sessions"])
            #expect(failed["GET /v1/action-items"]?.contains("items") == true)
            #expect(failed["POST /v2/chat-sessions"]?.contains("without a zone") == true)
            #expect(lines.first { $0.route == "GET /v2/agent/status" }?.status == 401)
        }
    }

    @Test(arguments: TestEngine.available)
    func parityFindsOnlyThePlantedShapeDifferences(engine: TestEngine) async throws {
        try await withLiveServer(engine) { url in
            var other = URLComponents(url: url, resolvingAgainstBaseURL: false)!
            other.host = "localhost"
            let b = other.url!
            // Server B is the same server seen through a transport that changes the profile's shape.
            let planted = TamperingTransport { baseURL, _, path, json in
                guard baseURL.host == "localhost", path == "/v1/users/profile",
                      var object = json as? [String: Any] else { return nil }
                let keys = object.keys.sorted()
                object[keys[0]] = nil
                object[keys[1]] = NSNull()
                object[keys[2]] = ["changed": true]
                return (200, object)
            }
            let results = await ParityCheck(a: .init(baseURL: url, token: Self.token("parity-user")),
                                            b: .init(baseURL: b, token: Self.token("parity-user")),
                                            transport: planted).run(print: { _ in })
            let different = results.filter { !$0.differences.isEmpty }
            #expect(different.map(\.route) == ["GET /v1/users/profile"])
            #expect(different.first?.differences.count == 3, "\(different.first?.differences ?? [])")
            #expect(results.count == ParityCheck.routes.count)
            #expect(results.allSatisfy { $0.statusA == $0.statusB && $0.statusA != nil })
        }
    }

    @Test func shapeDifferencesNameTheirPaths() throws {
        func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }
        let a = try json(#"{"id": "x", "items": [{"n": 1, "at": null}], "flag": true, "gone": 1}"#)
        let b = try json(#"{"id": 7, "items": [{"n": 2, "at": "2026-11-26T00:00:00Z"}], "flag": false, "extra": []}"#)
        #expect(ParityCheck.differences(a, b) == [
            "$.extra: absent against present", "$.gone: present against absent", "$.id: type string against number",
            "$.items[].at: null against string",
        ])
        #expect(ParityCheck.differences(try json(#"{"flag": true}"#), try json(#"{"flag": 1}"#))
                == ["$.flag: type bool against number"])
        // Values differ but shapes agree; an empty list on one side says nothing about its elements.
        #expect(ParityCheck.differences(try json(#"{"n": 1, "l": []}"#), try json(#"{"n": 2.5, "l": [{"k": 1}]}"#)).isEmpty)
    }
}

/// Counts how often the client asked for a token.
final class TokenCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var asked = 0
    var count: Int { lock.withLock { asked } }
    func next(_ token: String) -> String {
        lock.withLock { asked += 1 }
        return token
    }
}
