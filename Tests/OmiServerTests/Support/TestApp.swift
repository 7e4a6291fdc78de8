import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import OmiContract
import OmiStorage
import Synchronization
@testable import OmiServer

/// One server under test over a fresh database, signing keys served on loopback, and helpers to call it as a user.
struct TestHarness: Sendable {
    let client: any TestClientProtocol
    let database: Database
    let keySetId: String
    /// The key store's clock, which tests move forward to get past its refetch throttle.
    let keyClock: TestClock
    /// The agent VM background jobs of this server, so tests can wait for a create or start to finish.
    let agentVMJobs: BackgroundJobs
    /// Conversation processing and graph rebuilds left to the background, so tests can wait for them.
    let processingJobs: BackgroundJobs

    static let defaultUser = "user-a"

    /// Runs `body` against a server on `engine`; `configure` adjusts the settings first.
    static func run(
        _ engine: TestEngine,
        configure: @Sendable (inout Settings) -> Void = { _ in },
        languageModel: (any LanguageModel)? = nil,
        logger captured: Logger? = nil,
        _ body: @Sendable (TestHarness) async throws -> Void
    ) async throws {
        try await withTestDatabase(engine) { database in
            let (url, id) = try await TestKeyServer.shared.publish()
            var settings = Settings()
            settings.firebaseProjectId = TestIdentityProvider.projectId
            settings.authKeysURL = url
            settings.port = 0
            // A model that answers at once still waits its turn for two busy cores when the whole suite runs; the
            // 25-second production bound then lapsed in CI and the request answered `processing`. Tests that are
            // about the bound set their own.
            settings.conversationProcessingWait = .seconds(120)
            // Tests seed `processing` conversations with old dates: to the sweep, none is stale unless a test says so.
            settings.staleProcessingAfter = .seconds(100 * 365 * 86_400)
            configure(&settings)
            var logger = Logger(label: "test")
            logger.logLevel = .warning
            if let captured { logger = captured }
            let keyClock = TestClock()
            // The whole suite starts at once on two cores; a key fetch may wait far longer than in production.
            let keyStore = SigningKeyStore(url: settings.authKeysURL, logger: logger, now: { keyClock.now() },
                                           fetchTimeout: .seconds(120))
            let agentVMJobs = BackgroundJobs()
            let processingJobs = BackgroundJobs()
            let app = try buildApplication(
                settings: settings,
                dependencies: AppDependencies(database: database, keyStore: keyStore, languageModel: languageModel,
                                              agentVMJobs: agentVMJobs, processingJobs: processingJobs),
                logger: logger)
            try await app.test(.router) { client in
                try await body(TestHarness(client: client, database: database, keySetId: id, keyClock: keyClock,
                                           agentVMJobs: agentVMJobs, processingJobs: processingJobs))
            }
        }
    }

    func token(_ uid: String) -> String { TestIdentityProvider.primary.token(uid: uid) }

    /// Calls the server as `user` (nil: no Authorization header) with an optional raw JSON body.
    @discardableResult
    func call(_ method: HTTPRequest.Method, _ path: String, as user: String? = defaultUser, json: String? = nil,
              headers: HTTPFields = [:]) async throws -> Reply {
        var fields = headers
        if let user, fields[.authorization] == nil { fields[.authorization] = "Bearer \(token(user))" }
        if json != nil, fields[.contentType] == nil { fields[.contentType] = "application/json" }
        let response = try await client.execute(uri: path, method: method, headers: fields,
                                                body: json.map { ByteBuffer(string: $0) })
        return Reply(status: response.status.code, headers: response.headers, text: String(buffer: response.body))
    }

    /// Counts rows of a table for one user, to prove a refused request wrote nothing.
    func count(_ table: String, uid: String = defaultUser) async throws -> Int {
        try await database.withConnection { db in
            try await db.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table) WHERE uid = \(bind: uid)").first()?
                .decode(column: "n", as: Int.self) ?? 0
        }
    }
}

/// Real time plus an offset tests can move forward.
final class TestClock: Sendable {
    private let offset = Mutex<TimeInterval>(0)

    func now() -> Date { Date().addingTimeInterval(offset.withLock { $0 }) }
    func advance(seconds: TimeInterval) { offset.withLock { $0 += seconds } }
}

struct Reply: Sendable {
    var status: Int
    var headers: HTTPFields
    var text: String

    var json: Wire.JSONValue { Wire.JSONValue(jsonText: text) ?? .null }
    var detail: String? { json["detail"].string }
}

extension Wire.JSONValue {
    subscript(key: String) -> Wire.JSONValue {
        if case .object(let o) = self { return o[key] ?? .null }
        return .null
    }

    subscript(index: Int) -> Wire.JSONValue {
        if case .array(let a) = self, a.indices.contains(index) { return a[index] }
        return .null
    }

    var string: String? { if case .string(let s) = self { s } else { nil } }
    var int: Int64? { if case .int(let i) = self { i } else { nil } }
    var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    var array: [Wire.JSONValue] { if case .array(let a) = self { a } else { [] } }
    var isNull: Bool { self == .null }
    var keys: Set<String> { if case .object(let o) = self { Set(o.keys) } else { [] } }
    /// Whether the key is present at all (null counts as present).
    func has(_ key: String) -> Bool { keys.contains(key) }
}
