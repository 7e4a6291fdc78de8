import Crypto
import Foundation
import Hummingbird
import NIOCore
import Synchronization
import X509
import _CryptoExtras
@testable import OmiServer

/// A stand-in for Google's token issuer: a real RSA key pair, a self-signed certificate published as `{kid: PEM}`
/// (the format of Google's certificate address), and RS256 ID tokens minted for a project.
struct TestIdentityProvider: Sendable {
    static let projectId = "test-project"
    let kid: String
    let key: _RSA.Signing.PrivateKey
    let certificatePEM: String

    /// Key generation is slow, so a few signers are made once per test process and shared.
    static let primary = try! TestIdentityProvider(kid: "test-kid-1")
    static let rotated = try! TestIdentityProvider(kid: "test-kid-2")

    init(kid: String) throws {
        self.kid = kid
        key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let name = try DistinguishedName { CommonName("securetoken.system.gserviceaccount.com") }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(86400),
            issuer: name, subject: name, signatureAlgorithm: .sha256WithRSAEncryption, extensions: .init(),
            issuerPrivateKey: .init(key))
        certificatePEM = try certificate.serializeAsPEM().pemString
    }

    /// A token for `uid`; `claims` override or remove (`NSNull`) the standard claims, `header` the JOSE header.
    func token(uid: String = "user-a", claims: [String: Any] = [:], header: [String: Any] = [:]) -> String {
        let now = Date().timeIntervalSince1970
        var payload: [String: Any] = [
            "iss": "https://securetoken.google.com/\(Self.projectId)", "aud": Self.projectId, "sub": uid,
            "iat": Int(now) - 10, "auth_time": Int(now) - 10, "exp": Int(now) + 3600,
        ]
        for (k, v) in claims { if v is NSNull { payload.removeValue(forKey: k) } else { payload[k] = v } }
        var jose: [String: Any] = ["alg": "RS256", "kid": kid, "typ": "JWT"]
        for (k, v) in header { if v is NSNull { jose.removeValue(forKey: k) } else { jose[k] = v } }
        let signingInput = Self.segment(jose) + "." + Self.segment(payload)
        let signature = try! key.signature(for: SHA256.hash(data: Data(signingInput.utf8)), padding: .insecurePKCS1v1_5)
        return signingInput + "." + Base64URL.encode(signature.rawRepresentation)
    }

    static func segment(_ object: [String: Any]) -> String {
        Base64URL.encode(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }
}

/// Serves key sets on loopback as Google does, one set per path, counting fetches so tests can see refetches.
final class TestKeyServer: Sendable {
    static let shared = TestKeyServer()

    struct KeySet: Sendable {
        var body: String
        var maxAge: Int = 3600
        var down = false
    }

    let sets = Mutex<[String: KeySet]>([:])
    let fetches = Mutex<[String: Int]>([:])
    private let port = Mutex<Int?>(nil)
    private let started = Mutex(false)

    /// Publishes `providers` under a fresh path and returns its URL.
    func publish(_ providers: [TestIdentityProvider] = [.primary], maxAge: Int = 3600) async throws -> (url: String, id: String) {
        let id = UUID().uuidString
        set(id, providers: providers, maxAge: maxAge)
        return ("http://127.0.0.1:\(try await ensureRunning())/certs/\(id)", id)
    }

    func set(_ id: String, providers: [TestIdentityProvider], maxAge: Int = 3600, down: Bool = false) {
        var object: [String: String] = [:]
        for p in providers { object[p.kid] = p.certificatePEM }
        let body = String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        sets.withLock { $0[id] = KeySet(body: body, maxAge: maxAge, down: down) }
    }

    func fetchCount(_ id: String) -> Int { fetches.withLock { $0[id] ?? 0 } }

    func ensureRunning() async throws -> Int {
        let shouldStart = started.withLock { started -> Bool in
            defer { started = true }
            return !started
        }
        if shouldStart {
            let router = Router()
            router.get("/certs/:id") { [self] _, context -> Response in
                let id = context.parameters.get("id") ?? ""
                fetches.withLock { $0[id, default: 0] += 1 }
                guard let set = sets.withLock({ $0[id] }), !set.down else { return Response(status: .serviceUnavailable) }
                return Response(status: .ok, headers: [.contentType: "application/json",
                                                        .cacheControl: "public, max-age=\(set.maxAge), must-revalidate"],
                                body: .init(byteBuffer: ByteBuffer(string: set.body)))
            }
            let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                  onServerRunning: { [self] channel in port.withLock { $0 = channel.localAddress?.port } })
            Task.detached { try await app.runService(gracefulShutdownSignals: []) }
        }
        for _ in 0..<500 {
            if let port = port.withLock({ $0 }) { return port }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw CancellationError()
    }
}
