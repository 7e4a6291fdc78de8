import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
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

    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
             function: String, line: UInt) {
        let all = self.metadata.merging(metadata ?? [:]) { $1 }
        lines.withLock { $0.append("\(level) \(message) \(all)") }
    }

    var text: String { lines.withLock { $0.joined(separator: "\n") } }
}

@Suite("Retired routes and logs")
struct RetiredAndLoggingTests {
    @Test(arguments: TestEngine.available)
    func retiredDeepgramRoutesAnswer410WithOrWithoutAToken(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h async throws in
            for (method, path) in [(HTTPRequest.Method.post, "/v1/proxy/deepgram/v1/listen"),
                                   (.get, "/v1/proxy/deepgram/ws/v1/listen"), (.post, "/v1/proxy/deepgram/ws/v1/listen")] {
                for user in [nil, "user-a"] as [String?] {
                    let r = try await h.call(method, path + "?model=nova", as: user,
                                             headers: user == nil ? [.authorization: "Bearer bad"] : [:])
                    #expect(r.status == 410)
                    #expect(r.json["error"].string == "gone")
                    #expect(r.json["message"].string?.contains("(\(method.rawValue) \(path))") == true)
                    #expect(r.json["migration"].string?.hasPrefix("http") == true)
                }
            }
            #expect(try await h.call(.delete, "/v1/proxy/deepgram/v1/listen", as: nil).status == 405)
        }
        try await TestHarness.run(engine, configure: { $0.publicBaseURL = "https://omi.example.org" }) { h async throws in
            let r = try await h.call(.post, "/v1/proxy/deepgram/v1/listen", as: nil)
            #expect(r.json["migration"].string == "https://omi.example.org")
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
