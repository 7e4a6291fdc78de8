import Crypto
import Foundation
import OmiContract
import _CryptoExtras

/// An OAuth access token for the Compute API (platform.md §2.2): from a service-account key by a signed JWT grant,
/// or from the metadata server; cached until 60 s before it expires. The token is never logged.
actor GCETokenSource {
    struct ServiceAccount: Sendable {
        var clientEmail: String
        var privateKey: _RSA.Signing.PrivateKey
        var tokenURI: String
    }

    enum Source: Sendable {
        case serviceAccount(ServiceAccount)
        case metadata(base: String)
    }

    static let scope = "https://www.googleapis.com/auth/cloud-platform"

    let source: Source
    let http: GCEHTTP
    let timeout: Duration
    private var cached: (token: String, expiresAt: Date)?

    init(source: Source, http: GCEHTTP, timeout: Duration) {
        self.source = source
        self.http = http
        self.timeout = timeout
    }

    /// Reads a service-account key file; a bad file stops startup rather than failing every provision later.
    static func serviceAccount(file: String, tokenURLOverride: String?) throws -> ServiceAccount {
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        guard let key = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let email = key["client_email"] as? String, let pem = key["private_key"] as? String
        else { throw AgentVMFailure.permanent("GOOGLE_APPLICATION_CREDENTIALS is not a service-account key file") }
        return ServiceAccount(
            clientEmail: email, privateKey: try _RSA.Signing.PrivateKey(pemRepresentation: pem),
            tokenURI: tokenURLOverride ?? (key["token_uri"] as? String) ?? "https://oauth2.googleapis.com/token")
    }

    func token() async throws -> String {
        if let cached, Date() < cached.expiresAt.addingTimeInterval(-60) { return cached.token }
        let reply: GCEReply
        switch source {
        case .metadata(let base):
            reply = try await http.send(.GET, base + "/instance/service-accounts/default/token",
                                        headers: [("Metadata-Flavor", "Google")], timeout: timeout)
        case .serviceAccount(let account):
            let form = "grant_type=" + Self.formEscape("urn:ietf:params:oauth:grant-type:jwt-bearer")
                + "&assertion=" + Self.formEscape(try Self.assertion(account, now: Date()))
            reply = try await http.send(.POST, account.tokenURI, form: form, timeout: timeout)
        }
        guard reply.status == 200, let token = reply.json[field: "access_token"].gceString else {
            throw AgentVMFailure.permanent("access token request failed with HTTP \(reply.status)")
        }
        let lifetime = reply.json[field: "expires_in"].gceNumber ?? 3600
        cached = (token, Date().addingTimeInterval(lifetime))
        return token
    }

    /// The RS256-signed JWT of Google's service-account grant.
    static func assertion(_ account: ServiceAccount, now: Date) throws -> String {
        let issued = Int64(now.timeIntervalSince1970)
        let header = Wire.JSONValue.object(["alg": .string("RS256"), "typ": .string("JWT")])
        let claims = Wire.JSONValue.object([
            "iss": .string(account.clientEmail), "scope": .string(scope), "aud": .string(account.tokenURI),
            "iat": .int(issued), "exp": .int(issued + 3600),
        ])
        let input = base64URL(Data(header.jsonText.utf8)) + "." + base64URL(Data(claims.jsonText.utf8))
        let signature = try account.privateKey.signature(for: Data(input.utf8), padding: .insecurePKCS1v1_5)
        return input + "." + base64URL(signature.rawRepresentation)
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func formEscape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
