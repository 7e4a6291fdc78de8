import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import OmiContract
import Synchronization
import Testing
@testable import OmiServer

/// Keeps every log line a test's server writes, with its metadata.
final class CapturedLog: LogHandler, @unchecked Sendable {
    let lines = Mutex<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        lines.withLock { $0.append("\(event.level) \(event.message) \(all)") }
    }

    var text: String { lines.withLock { $0.joined(separator: "\n") } }
}

@Suite("Retired routes and logs")
struct RetiredAndLoggingTests {
    static let shells: [(HTTPRequest.Method, String)] = [
        (.post, "/v1/proxy/deepgram/v1/listen"), (.get, "/v1/proxy/deepgram/ws/v1/listen"),
        (.post, "/v1/proxy/deepgram/ws/v1/listen"), (.post, "/updates/releases"), (.patch, "/updates/releases/promote"),
        (.post, "/v1/webhooks/sentry"), (.post, "/v1/webhooks/sentry/poll"),
    ]

    @Test(arguments: TestEngine.available)
    func retiredRoutesAnswer410WithOrWithoutAToken(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h async throws in
            for (method, path) in Self.shells {
                for user in [nil, "user-a"] as [String?] {
                    let r = try await h.call(method, path + "?model=nova", as: user, json: #"{"ignored": true}"#,
                                             headers: user == nil ? [.authorization: "Bearer bad"] : [:])
                    let text = "This endpoint (\(method.rawValue) \(path)) is retired and no longer served."
                    #expect(r.status == 410 && r.headers[.contentType]?.hasPrefix("application/json") == true, "\(method) \(path)")
                    #expect(r.json.keys == ["detail", "error", "message", "migration"])
                    #expect(r.json["error"].string == "gone" && r.detail == text && r.json["message"].string == text)
                    #expect(r.json["migration"].string?.hasPrefix("http") == true)
                }
            }
            // A WebSocket upgrade is refused the same way and never switches protocols.
            let upgrade = try await h.call(.get, "/v1/proxy/deepgram/ws/v1/listen", as: nil, headers: [
                .connection: "Upgrade", .upgrade: "websocket", .secWebSocketVersion: "13",
                .secWebSocketKey: "dGhlIHNhbXBsZSBub25jZQ==",
            ])
            #expect(upgrade.status == 410)
            for (method, path) in [(HTTPRequest.Method.delete, "/v1/proxy/deepgram/v1/listen"),
                                   (.get, "/updates/releases"), (.put, "/v1/webhooks/sentry")] {
                let r = try await h.call(method, path, as: nil)
                #expect(r.status == 405 && r.headers[.allow] != nil, "\(method) \(path): \(r.status)")
            }
        }
        try await TestHarness.run(engine, configure: { $0.publicBaseURL = "https://omi.example.org" }) { h async throws in
            let r = try await h.call(.post, "/v1/proxy/deepgram/v1/listen", as: nil)
            #expect(r.json["migration"].string == "https://omi.example.org")
        }
    }

    @Test(arguments: TestEngine.available)
    func quietAnswersForDroppedFeaturesAndUnservedRoutes(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { $0.appleDomainAssociation = "apple-association-1" }) { h async throws in
            let empty: Wire.JSONValue = .object(["unread_count": .int(0), "messages": .array([])])
            for (user, query) in [(nil, ""), ("user-a", "?since=1700000000"), (nil, "?since=abc")] as [(String?, String)] {
                let r = try await h.call(.get, "/v1/crisp/unread" + query, as: user,
                                         headers: user == nil ? [.authorization: "Bearer garbage"] : [:])
                #expect(r.status == 200 && r.json == empty && r.headers[.cacheControl] == "no-store", "\(query)")
            }
            let notServed: [(HTTPRequest.Method, String)] = [
                (.post, "/v2/desktop/beta/candidates/reserve"), (.post, "/v2/desktop/beta/promote-qualified"),
                (.put, "/v2/desktop/beta/admission"), (.post, "/v2/desktop/beta/breakglass"),
                (.post, "/v2/desktop/previews/publish"), (.get, "/v2/desktop/previews/x"),
                (.delete, "/v2/desktop/previews/x"), (.get, "/v2/desktop/previews/x/abc"), (.get, "/v1/local-asr/manifest"),
            ]
            for (method, path) in notServed {
                let r = try await h.call(method, path, as: nil)
                #expect(r.status == 404 && r.detail != nil, "\(method) \(path): \(r.status)")
            }
            let apple = try await h.call(.get, "/.well-known/apple-developer-domain-association.txt", as: nil)
            #expect(apple.status == 200 && apple.text == "apple-association-1")
            let ready = try await h.call(.get, "/ready", as: nil)
            let backend = engine == .sqlite ? "sqlite" : "postgresql"
            #expect(ready.json["database"]["backend"].string == backend && ready.json["database"]["status"].string == "ready")
        }
        try await TestHarness.run(engine) { h async throws in
            let apple = try await h.call(.get, "/.well-known/apple-developer-domain-association.txt", as: nil)
            #expect(apple.status == 200 && apple.text.isEmpty)
        }
    }

    @Test(arguments: TestEngine.available)
    func logsNeverCarryTokensSecretsOrMessageText(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { database async throws in
            let (url, _) = try await TestKeyServer.shared.publish()
            let key = String(repeating: "s", count: 40)
            var settings = Settings()
            settings.firebaseProjectId = TestIdentityProvider.projectId
            settings.authKeysURL = url
            settings.authImpersonationKey = key
            let captured = CapturedLog()
            let logger = Logger(label: "captured") { _ in captured }
            let app = try buildApplication(
                settings: settings,
                dependencies: AppDependencies(database: database, keyStore: SigningKeyStore(url: url, logger: logger, fetchTimeout: .seconds(120))),
                logger: logger)
            let token = TestIdentityProvider.primary.token(uid: "logged-user")
            let secretText = "my private diary entry 4711"
            try await app.test(.router) { client async throws in
                let headers: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
                _ = try await client.execute(uri: "/v2/desktop/messages", method: .post, headers: headers,
                                             body: ByteBuffer(string: #"{"text":"\#(secretText)","sender":"human"}"#))
                _ = try await client.execute(uri: "/v2/desktop/messages", method: .post, headers: headers,
                                             body: ByteBuffer(string: #"{"text":"\#(secretText)","sender":"bot"}"#))
                _ = try await client.execute(uri: "/v2/chat-sessions", method: .get,
                                             headers: [.authorization: "Bearer \(token)x"])
                _ = try await client.execute(uri: "/v2/chat-sessions", method: .get,
                                             headers: [.authorization: "Bearer \(key)someone"])
            }
            let log = captured.text
            #expect(log.contains("request"))
            #expect(!log.contains(token.prefix(40)))
            #expect(!log.contains(key))
            #expect(!log.contains(secretText))
        }
    }
}
