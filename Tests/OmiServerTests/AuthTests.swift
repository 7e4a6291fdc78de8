import Foundation
import HTTPTypes
import Testing
@testable import OmiServer

@Suite("Authentication (conventions.md §3)")
struct AuthTests {
    let idp = TestIdentityProvider.primary

    func expectInvalid(_ h: TestHarness, token: String, _ comment: Comment) async throws {
        let r = try await h.call(.get, "/v2/chat-sessions", as: nil, headers: [.authorization: "Bearer \(token)"])
        #expect(r.status == 401, comment)
        #expect(r.detail == "Invalid authorization token", comment)
    }

    @Test(arguments: TestEngine.available)
    func missingHeaderIs401(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let r = try await h.call(.get, "/v2/chat-sessions", as: nil)
            #expect(r.status == 401)
            #expect(r.detail == "Authorization header not found")
        }
    }

    @Test(arguments: TestEngine.available)
    func malformedHeadersAre401(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let token = idp.token()
            for header in ["Bearer", "Bearer ", "Bearer  \(token)", "Basic \(token)", "Bearer \(token) extra",
                           "\(token)", "Bearerx \(token)", "Bear \(token)", "Be@rer \(token)",
                           "Bearer\t\(token)", "Bearer " + String(repeating: "a", count: 17 * 1024)] {
                let r = try await h.call(.get, "/v2/chat-sessions", as: nil, headers: [.authorization: header])
                #expect(r.status == 401)
                #expect(r.detail == "Invalid authorization token")
            }
            // The scheme word is case-insensitive.
            for scheme in ["bEaReR", "BEARER", "bearer"] {
                let ok = try await h.call(.get, "/v2/chat-sessions", as: nil, headers: [.authorization: "\(scheme) \(token)"])
                #expect(ok.status == 200, "\(scheme)")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func everyClaimIsChecked(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let now = Int(Date().timeIntervalSince1970)
            try await expectInvalid(h, token: idp.token(claims: ["exp": now - 120]), "expired beyond the skew")
            try await expectInvalid(h, token: idp.token(claims: ["aud": "other-project"]), "wrong aud")
            try await expectInvalid(h, token: idp.token(claims: ["iss": "https://securetoken.google.com/other"]), "wrong iss")
            try await expectInvalid(h, token: idp.token(uid: ""), "empty sub")
            try await expectInvalid(h, token: idp.token(uid: String(repeating: "u", count: 129)), "sub too long")
            try await expectInvalid(h, token: idp.token(claims: ["iat": now + 600]), "iat in the future")
            try await expectInvalid(h, token: idp.token(claims: ["auth_time": now + 600]), "auth_time in the future")
            try await expectInvalid(h, token: idp.token(claims: ["exp": "\(now + 3600)"]), "exp as a string")
            try await expectInvalid(h, token: idp.token(claims: ["exp": NSNull()]), "no exp")
            try await expectInvalid(h, token: "a.b", "two segments")
            try await expectInvalid(h, token: "not-a-jwt", "garbage")
        }
    }

    @Test(arguments: TestEngine.available)
    func tokensInsideTheSkewPass(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let now = Int(Date().timeIntervalSince1970)
            let token = idp.token(claims: ["exp": now - 30, "iat": now + 30])
            let r = try await h.call(.get, "/v2/chat-sessions", as: nil, headers: [.authorization: "Bearer \(token)"])
            #expect(r.status == 200)
        }
    }

    @Test(arguments: TestEngine.available)
    func algorithmConfusionIsRefused(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let valid = idp.token()
            let parts = valid.split(separator: ".").map(String.init)
            let none = TestIdentityProvider.segment(["alg": "none", "kid": idp.kid]) + "." + parts[1] + "."
            try await expectInvalid(h, token: none, "alg none")
            // HS256 keyed with the public certificate, the classic confusion attack.
            let hsHeader = TestIdentityProvider.segment(["alg": "HS256", "kid": idp.kid])
            let input = hsHeader + "." + parts[1]
            let mac = HMAC256.mac(input, key: Data(idp.certificatePEM.utf8))
            try await expectInvalid(h, token: input + "." + mac, "HS256 with the public key")
            // A signature by another key under this kid.
            let forged = TestIdentityProvider.rotated.token(header: ["kid": idp.kid])
            try await expectInvalid(h, token: forged, "signed by another key")
            // A payload changed after signing.
            let other = TestIdentityProvider.primary.token(uid: "user-b").split(separator: ".")
            try await expectInvalid(h, token: parts[0] + "." + other[1] + "." + parts[2], "swapped payload")
        }
    }

    @Test(arguments: TestEngine.available)
    func unknownKidRefetchesOnceThen401(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let ok = try await h.call(.get, "/v2/chat-sessions")
            #expect(ok.status == 200)
            h.keyClock.advance(seconds: 6)
            let before = TestKeyServer.shared.fetchCount(h.keySetId)
            let stranger = TestIdentityProvider.rotated.token()
            let windowStart = Date()
            let r = try await h.call(.get, "/v2/chat-sessions", as: nil, headers: [.authorization: "Bearer \(stranger)"])
            #expect(r.status == 401)
            #expect(TestKeyServer.shared.fetchCount(h.keySetId) == before + 1)
            // A second unknown kid inside the 5-second window does not hit the key server again. The window runs on
            // real time from the start of the refetch, so the check is skipped when a loaded machine took longer.
            _ = try await h.call(.get, "/v2/chat-sessions", as: nil, headers: [.authorization: "Bearer \(stranger)"])
            if Date().timeIntervalSince(windowStart) < 4 {
                #expect(TestKeyServer.shared.fetchCount(h.keySetId) == before + 1)
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func rotatedKeyIsPickedUpByRefetch(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            #expect(try await h.call(.get, "/v2/chat-sessions").status == 200)
            TestKeyServer.shared.set(h.keySetId, providers: [.primary, .rotated])
            h.keyClock.advance(seconds: 6)
            let rotated = TestIdentityProvider.rotated.token(uid: "user-a")
            let r = try await h.call(.get, "/v2/chat-sessions", as: nil, headers: [.authorization: "Bearer \(rotated)"])
            #expect(r.status == 200)
        }
    }

    @Test(arguments: TestEngine.available)
    func keyOutageIs503NotA401(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            TestKeyServer.shared.set(h.keySetId, providers: [.primary], down: true)
            let r = try await h.call(.get, "/v2/chat-sessions")
            #expect(r.status == 503)
            #expect(r.detail == "Authentication temporarily unavailable")
            #expect(r.headers[.retryAfter] == "5")
        }
    }

    @Test(arguments: TestEngine.available)
    func refusedWritesChangeNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let r = try await h.call(.post, "/v2/chat-sessions", as: nil,
                                     json: #"{"title":"x"}"#, headers: [.authorization: "Bearer expired.token.here"])
            #expect(r.status == 401)
            #expect(try await h.count("chat_sessions") == 0)
            #expect(try await h.count("users") == 0)
        }
    }

    @Test(arguments: TestEngine.available)
    func devTokensOnlyInDevMode(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let r = try await h.call(.get, "/v2/chat-sessions", as: nil, headers: [.authorization: "Bearer dev:alice"])
            #expect(r.status == 401)
        }
        try await TestHarness.run(engine, configure: { $0.authDevMode = true }) { h in
            let ok = try await h.call(.post, "/v2/chat-sessions", as: nil, json: "{}",
                                      headers: [.authorization: "Bearer dev:alice"])
            #expect(ok.status == 200)
            #expect(try await h.count("chat_sessions", uid: "alice") == 1)
            for bad in ["dev:", "dev:a/b", "garbage"] {
                let r = try await h.call(.get, "/v2/chat-sessions", as: nil, headers: [.authorization: "Bearer \(bad)"])
                #expect(r.status == 401, "\(bad)")
            }
            // Real tokens keep working in development mode.
            #expect(try await h.call(.get, "/v2/chat-sessions").status == 200)
        }
    }

    @Test(arguments: TestEngine.available)
    func impersonationOnlyWithItsKey(engine: TestEngine) async throws {
        let key = String(repeating: "k", count: 40)
        try await TestHarness.run(engine) { h in
            let r = try await h.call(.get, "/v2/chat-sessions", as: nil, headers: [.authorization: "Bearer \(key)bob"])
            #expect(r.status == 401)
        }
        try await TestHarness.run(engine, configure: { $0.authImpersonationKey = key }) { h in
            let ok = try await h.call(.post, "/v2/chat-sessions", as: nil, json: "{}",
                                      headers: [.authorization: "Bearer \(key)bob"])
            #expect(ok.status == 200)
            #expect(try await h.count("chat_sessions", uid: "bob") == 1)
            let wrongKey = String(repeating: "j", count: 40)
            let r = try await h.call(.get, "/v2/chat-sessions", as: nil, headers: [.authorization: "Bearer \(wrongKey)bob"])
            #expect(r.status == 401)
            let badUid = try await h.call(.get, "/v2/chat-sessions", as: nil, headers: [.authorization: "Bearer \(key)b/ob"])
            #expect(badUid.status == 401)
        }
    }
}

import Crypto

enum HMAC256 {
    static func mac(_ input: String, key: Data) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: key))
        return Base64URL.encode(Data(code))
    }
}

@Suite("Verified-token cache")
struct TokenCacheTests {
    @Test(arguments: TestEngine.available)
    func cachedTokensStillRefuseForgedVariants(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h async throws in
            let token = TestIdentityProvider.primary.token(uid: "user-a")
            #expect(try await h.call(.get, "/v2/chat-sessions", as: nil, headers: [.authorization: "Bearer \(token)"]).status == 200)
            // The same token again is served from the cache; altered copies of it are verified and refused.
            #expect(try await h.call(.get, "/v2/chat-sessions", as: nil, headers: [.authorization: "Bearer \(token)"]).status == 200)
            let parts = token.split(separator: ".").map(String.init)
            let otherPayload = TestIdentityProvider.segment(["sub": "user-b", "aud": TestIdentityProvider.projectId])
            for forged in [parts[0] + "." + otherPayload + "." + parts[2], token + "x", String(token.dropLast(2))] {
                let r = try await h.call(.get, "/v2/chat-sessions", as: nil, headers: [.authorization: "Bearer \(forged)"])
                #expect(r.status == 401)
            }
        }
    }

    /// The key is the whole token's SHA-256, byte for byte, so any changed byte is another entry.
    @Test func keysAreTheWholeTokensSHA256() {
        for token in ["a.b.c", String(repeating: "eyJhbGciOiJSUzI1NiJ9", count: 50) + ".é.ü"] {
            let key = VerifiedTokenCache.key(token)
            let expected = Array(SHA256.hash(data: Data(token.utf8)))
            withUnsafeBytes(of: key) { #expect(Array($0) == expected) }
            #expect(key == VerifiedTokenCache.key(String(token.utf8)))
            #expect(key != VerifiedTokenCache.key(token + "x") && key != VerifiedTokenCache.key(String(token.dropLast())))
        }
    }

    @Test func entriesExpire() {
        let clock = TestClock()
        let cache = VerifiedTokenCache(capacity: 2, now: { clock.now() })
        let key = VerifiedTokenCache.key("t")
        cache.store(AuthenticatedUser(uid: "u", validUntil: clock.now().timeIntervalSince1970 + 60), key: key)
        #expect(cache.user(for: key)?.uid == "u")
        clock.advance(seconds: 61)
        #expect(cache.user(for: key) == nil)
    }
}
