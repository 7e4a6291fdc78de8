import Crypto
import Foundation
import _CryptoExtras

/// The identity a verified request acts as.
public struct AuthenticatedUser: Sendable, Equatable {
    public var uid: String
    public var email: String?
    public var name: String?
    /// The token's `exp` plus the allowed skew: how long a verification of it may be reused.
    var validUntil: TimeInterval = .infinity
    /// The token's `iat` (seconds since the epoch); nil for development and impersonation tokens, which count as new.
    var issuedAt: TimeInterval?
    /// When the last account deletion on this uid was asked for, as admission found it (nil: none). Caches of the
    /// user's stored state compare it, so an account opened after a deletion is never served the old one's.
    var lastDeletion: Int64?

    /// `issuedAt` in microseconds, the tombstone's unit; a token without one counts as issued after any deletion.
    var issuedAtMicros: Int64 { issuedAt.map { Int64($0 * 1_000_000) } ?? Int64.max }
}

/// Why a token was refused. The reason goes to the log only; the body is always "Invalid authorization token".
public enum TokenRejection: Error, Equatable {
    case invalid(String)
    /// The signing keys cannot be obtained: 503, never 401.
    case keysUnavailable
}

/// Verifies Firebase ID tokens exactly as conventions.md §3.2 lists: RS256 only, a current Google key, the project's
/// `aud` and `iss`, a usable `sub`, and `exp`/`iat`/`auth_time` within the clock skew.
public struct FirebaseTokenVerifier: Sendable {
    let projectId: String?
    let clockSkew: TimeInterval
    let keys: SigningKeyStore
    let allowEmulatorTokens: Bool
    let now: @Sendable () -> Date

    public init(projectId: String?, clockSkewSeconds: Int, keys: SigningKeyStore, allowEmulatorTokens: Bool = false,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.projectId = projectId
        self.clockSkew = TimeInterval(clockSkewSeconds)
        self.keys = keys
        self.allowEmulatorTokens = allowEmulatorTokens
        self.now = now
    }

    public func verify(_ token: String) async throws(TokenRejection) -> AuthenticatedUser {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .invalid("not a compact JWS") }
        guard let headerData = Base64URL.decode(parts[0]),
              let header = try? JSONDecoder().decode(Header.self, from: headerData),
              let payloadData = Base64URL.decode(parts[1]),
              let claims = try? JSONDecoder().decode(Claims.self, from: payloadData)
        else { throw .invalid("malformed segments") }
        guard let projectId else { throw .invalid("no project configured") }

        let alg = header.alg
        if alg == "none" && allowEmulatorTokens {
            // Firebase Auth emulator tokens are unsigned; accepted only in development mode with the emulator set.
        } else {
            guard alg == "RS256" else { throw .invalid("alg \(alg ?? "missing") refused") }
            guard let kid = header.kid, !kid.isEmpty else { throw .invalid("no kid") }
            guard let signature = Base64URL.decode(parts[2]), !signature.isEmpty else { throw .invalid("bad signature encoding") }
            let key: _RSA.Signing.PublicKey
            switch await keys.key(for: kid) {
            case .key(let found): key = found
            case .unknown: throw .invalid("unknown kid")
            case .unavailable: throw .keysUnavailable
            }
            let signingInput = Data((parts[0] + "." + parts[1]).utf8)
            guard key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature),
                                       for: SHA256.hash(data: signingInput), padding: .insecurePKCS1v1_5)
            else { throw .invalid("bad signature") }
        }

        guard claims.aud == projectId else { throw .invalid("wrong aud") }
        guard claims.iss == "https://securetoken.google.com/\(projectId)" else { throw .invalid("wrong iss") }
        guard let sub = claims.sub, !sub.isEmpty, sub.count <= 128 else { throw .invalid("bad sub") }
        let t = now().timeIntervalSince1970
        guard let exp = claims.exp, exp > t - clockSkew else { throw .invalid("expired") }
        guard let iat = claims.iat, iat <= t + clockSkew else { throw .invalid("iat in the future") }
        if alg != "none" {
            guard let authTime = claims.authTime, authTime <= t + clockSkew else { throw .invalid("bad auth_time") }
        }
        return AuthenticatedUser(uid: sub, email: claims.email, name: claims.name, validUntil: exp + clockSkew, issuedAt: iat)
    }

    struct Header: Decodable {
        var alg: String?
        var kid: String?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            alg = try? c.decode(String.self, forKey: .alg)
            kid = try? c.decode(String.self, forKey: .kid)
        }

        enum CodingKeys: String, CodingKey { case alg, kid }
    }

    /// The claims read; a claim of the wrong JSON type reads as absent and fails its check.
    struct Claims: Decodable {
        var aud, iss, sub, email, name: String?
        var exp, iat, authTime: Double?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            aud = try? c.decode(String.self, forKey: .aud)
            iss = try? c.decode(String.self, forKey: .iss)
            sub = try? c.decode(String.self, forKey: .sub)
            email = try? c.decode(String.self, forKey: .email)
            name = try? c.decode(String.self, forKey: .name)
            exp = try? c.decode(Double.self, forKey: .exp)
            iat = try? c.decode(Double.self, forKey: .iat)
            authTime = try? c.decode(Double.self, forKey: .authTime)
        }

        enum CodingKeys: String, CodingKey {
            case aud, iss, sub, email, name, exp, iat
            case authTime = "auth_time"
        }
    }
}
