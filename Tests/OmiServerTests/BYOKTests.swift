import Crypto
import Foundation
import HTTPTypes
import OmiContract
import Testing
@testable import OmiServer

@Suite("BYOK: enrolment and the X-BYOK-* headers (users.md §12.2–12.3, §13)")
struct BYOKTests {
    typealias JSON = Wire.JSONValue

    static let path = "/v1/users/me/byok-active"
    static let four = [("openai", "sk-openai-1"), ("anthropic", "sk-ant-1"), ("gemini", "gm-key-1"), ("deepgram", "dg-key-1")]
    static let fourHeaders = [("X-BYOK-OpenAI", "sk-openai-1"), ("X-BYOK-Anthropic", "sk-ant-1"),
                              ("X-BYOK-Gemini", "gm-key-1"), ("X-BYOK-Deepgram", "dg-key-1")]
    static let invalidSuffix = ": expected lowercase hex SHA-256 (64 chars)"

    static func mismatch(_ provider: String) -> String { "BYOK key fingerprint mismatch for provider: \(provider)" }

    /// Lowercase hex SHA-256 of the key's UTF-8 bytes, computed here independently of the server.
    static func fp(_ key: String) -> String {
        SHA256.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// `{"fingerprints":{…}}` from (provider, fingerprint) pairs.
    static func body(_ pairs: [(String, String)]) -> String {
        var parts: [String] = []
        for (provider, value) in pairs { parts.append("\"\(provider)\":\"\(value)\"") }
        return #"{"fingerprints":{"# + parts.joined(separator: ",") + "}}"
    }

    /// Header fields kept byte for byte (leading and trailing spaces included, so the server's trimming is tested).
    static func headers(_ pairs: [(String, String)]) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in pairs { fields.append(HTTPField(name: HTTPField.Name(name)!, lenientValue: Array(value.utf8))) }
        return fields
    }

    /// Enrols the fingerprints of `keys` (provider, raw key) and expects exactly `{"active":true}`.
    static func enrol(_ h: TestHarness, _ keys: [(String, String)], as user: String = TestHarness.defaultUser,
                      with extra: [(String, String)] = [], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        var pairs: [(String, String)] = []
        for (provider, key) in keys { pairs.append((provider, fp(key))) }
        let r = try await h.call(.post, path, as: user, json: body(pairs), headers: headers(extra))
        try #require(r.status == 200, "\(r.text)", sourceLocation: sourceLocation)
        #expect(r.json == .object(["active": .bool(true)]), sourceLocation: sourceLocation)
    }

    /// GET /v3/memories (a non-recovery route) answers 200 with its array.
    static func expectPasses(_ h: TestHarness, _ pairs: [(String, String)], as user: String = TestHarness.defaultUser,
                             sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let r = try await h.call(.get, "/v3/memories", as: user, headers: headers(pairs))
        #expect(r.status == 200, "\(pairs): \(r.text)", sourceLocation: sourceLocation)
        if case .array = r.json {} else { Issue.record("not an array: \(r.text)", sourceLocation: sourceLocation) }
    }

    /// GET /v3/memories answers 403 with the exact mismatch detail for `provider`.
    static func expectRefused(_ h: TestHarness, _ pairs: [(String, String)], provider: String,
                              as user: String = TestHarness.defaultUser, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let r = try await h.call(.get, "/v3/memories", as: user, headers: headers(pairs))
        #expect(r.status == 403, "\(pairs): \(r.text)", sourceLocation: sourceLocation)
        #expect(r.json == .object(["detail": .string(mismatch(provider))]), "\(r.text)", sourceLocation: sourceLocation)
    }

    static func subscription(_ h: TestHarness, _ pairs: [(String, String)], as user: String = TestHarness.defaultUser) async throws -> JSON {
        let r = try await h.call(.get, "/v1/users/me/subscription", as: user, headers: headers(pairs))
        try #require(r.status == 200, "\(r.text)")
        try #require(r.json["subscription"].has("features"), "\(r.text)")
        return r.json
    }

    /// The subscription's `features`, read with an explicit loop.
    static func features(_ h: TestHarness, _ pairs: [(String, String)], as user: String = TestHarness.defaultUser) async throws -> [String] {
        var out: [String] = []
        for f in try await subscription(h, pairs, as: user)["subscription"]["features"].array { out.append(f.string ?? "<\(f)>") }
        return out
    }

    static func quota(_ h: TestHarness, _ pairs: [(String, String)]) async throws -> JSON {
        let r = try await h.call(.get, "/v1/users/me/usage-quota", headers: headers(pairs))
        try #require(r.status == 200, "\(r.text)")
        return r.json
    }

    static func number(_ v: JSON) -> Double? {
        switch v {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }

    static func nowMicros() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000) }

    @Test(arguments: TestEngine.available)
    func enrolFourThenMatchingWrongAndPartialHeaders(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await Self.enrol(h, Self.four)
            try await Self.expectPasses(h, Self.fourHeaders)
            var oneWrong = Self.fourHeaders
            oneWrong[1] = ("X-BYOK-Anthropic", "sk-ant-2")
            try await Self.expectRefused(h, oneWrong, provider: "anthropic")
            try await Self.expectRefused(h, [("X-BYOK-Deepgram", "dg-key-2")], provider: "deepgram")
            // Only a matching Gemini header: the other enrolled providers' absence is not an error.
            try await Self.expectPasses(h, [("X-BYOK-Gemini", "gm-key-1")])
            #expect(try await Self.features(h, [("X-BYOK-Gemini", "gm-key-1")]) == ["byok"])
            // OpenRouter is not enrolled: its header is ignored.
            try await Self.expectPasses(h, [("X-BYOK-OpenRouter", "or-anything"), ("X-BYOK-OpenAI", "sk-openai-1")])
            // Enrolling the same set again is idempotent.
            try await Self.enrol(h, Self.four)
            try await Self.expectPasses(h, Self.fourHeaders)
            try await Self.expectRefused(h, [("X-BYOK-OpenAI", "sk-openai-2")], provider: "openai")
        }
    }

    @Test(arguments: TestEngine.available)
    func headerNamesAreCaseInsensitiveAndValuesTrimmed(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await Self.enrol(h, [("openai", "sk-openai-1")])
            try await Self.expectPasses(h, [("x-byok-openai", "sk-openai-1")])
            try await Self.expectPasses(h, [("X-BYOK-OPENAI", "  sk-openai-1  ")])
            #expect(try await Self.features(h, [("x-byok-openai", "  sk-openai-1  ")]) == ["byok"])
            try await Self.expectRefused(h, [("x-byok-openai", "sk-openai-2")], provider: "openai")
            try await Self.expectRefused(h, [("X-Byok-Openai", "  sk-openai-1x ")], provider: "openai")
            // An empty (or blank) value counts as absent.
            try await Self.expectPasses(h, [("X-BYOK-OpenAI", "")])
            try await Self.expectPasses(h, [("X-BYOK-OpenAI", "   ")])
        }
    }

    @Test(arguments: TestEngine.available)
    func recoveryRoutesNeverAnswerTheMismatch(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await Self.enrol(h, [("openai", "sk-openai-1")])
            let wrong = [("X-BYOK-OpenAI", "sk-openai-2")]
            try await Self.expectRefused(h, wrong, provider: "openai")
            let quota = try await h.call(.get, "/v1/users/me/usage-quota", headers: Self.headers(wrong))
            #expect(quota.status == 403 && quota.detail == Self.mismatch("openai"), "\(quota.text)")

            let sub = try await Self.subscription(h, wrong)
            #expect(sub["subscription"]["features"] == .array([]))
            #expect(sub["subscription"]["plan"].string == "unlimited")
            let plans = try await h.call(.get, "/v1/payments/available-plans", headers: Self.headers(wrong))
            #expect(plans.status == 200 && plans.json == .object(["plans": .array([])]), "\(plans.text)")
            let overage = try await h.call(.get, "/v1/payments/overage-info", headers: Self.headers(wrong))
            #expect(overage.status == 200 && overage.json["byok_available"].bool == true, "\(overage.text)")
            // A user whose keys drifted can enroll again, and disable, while still sending the stale key.
            try await Self.enrol(h, [("openai", "sk-openai-1")], with: wrong)
            let off = try await h.call(.delete, Self.path, headers: Self.headers(wrong))
            #expect(off.status == 200 && off.json == .object(["active": .bool(false)]), "\(off.text)")
            try await Self.expectPasses(h, wrong)
        }
    }

    @Test(arguments: TestEngine.available)
    func nonEnrolledUserHeadersAreIgnored(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await Self.expectPasses(h, Self.fourHeaders + [("X-BYOK-OpenRouter", "or-1")])
            #expect(try await Self.features(h, [("X-BYOK-OpenAI", "sk-openai-1")]) == [])
            let q = try await Self.quota(h, [("X-BYOK-OpenAI", "sk-openai-1")])
            #expect(q["plan"].string == "Unlimited" && q["plan_type"].string == "unlimited", "\(q)")
        }
    }

    @Test(arguments: TestEngine.available)
    func validatedLLMKeyGivesTheBYOKPlanAndDeepgramAloneDoesNot(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { $0.selfHostedChatQuestionsPerMonth = 10 }) { h in
            let memory = try await h.call(.post, "/v3/memories", json: #"{"content":"likes tea"}"#)
            try #require(memory.status == 200, "\(memory.text)")
            let question = try await h.call(.post, "/v2/desktop/messages", json: #"{"text":"q1","sender":"human"}"#)
            try #require(question.status == 200, "\(question.text)")
            try await Self.enrol(h, [("openai", "sk-openai-1"), ("deepgram", "dg-key-1")])

            let plain = try await Self.subscription(h, [])
            #expect(plain["subscription"]["features"] == .array([]))
            #expect(plain["memories_created_used"].int == 1, "baseline counts the memory")
            let openAI = [("X-BYOK-OpenAI", "sk-openai-1")]
            let byok = try await Self.subscription(h, openAI)
            #expect(byok["subscription"]["features"] == .array([.string("byok")]))
            for key in ["memories_created_used", "transcription_seconds_used", "words_transcribed_used", "insights_gained_used"] {
                #expect(byok[key].int == 0, "\(key)")
            }
            #expect(byok["memories_created_limit"].int == 0)
            #expect(byok["subscription"]["plan"].string == "unlimited" && byok["subscription"]["status"].string == "active")

            let q = try await Self.quota(h, openAI)
            #expect(q["plan"].string == "Free (BYOK)" && q["plan_type"].string == "unlimited" && q["unit"].string == "questions")
            #expect(Self.number(q["used"]) == 0 && Self.number(q["percent"]) == 0 && q["allowed"].bool == true)
            #expect(q["limit"].isNull && q["reset_at"].isNull, "\(q)")

            let deepgram = [("X-BYOK-Deepgram", "dg-key-1")]
            let dg = try await Self.subscription(h, deepgram)
            #expect(dg["subscription"]["features"] == .array([]))
            #expect(dg["memories_created_used"].int == 1)
            let dq = try await Self.quota(h, deepgram)
            #expect(dq["plan"].string == "Unlimited" && Self.number(dq["limit"]) == 10 && Self.number(dq["used"]) == 1, "\(dq)")
        }
    }

    @Test(arguments: TestEngine.available)
    func enrolmentReplacesTheFingerprintSet(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await Self.enrol(h, [("openai", "sk-openai-1"), ("deepgram", "dg-key-1")])
            let staleDeepgram = [("X-BYOK-OpenAI", "sk-openai-1"), ("X-BYOK-Deepgram", "dg-key-2")]
            try await Self.expectRefused(h, staleDeepgram, provider: "deepgram")
            try await Self.enrol(h, [("openai", "sk-openai-1")])
            try await Self.expectPasses(h, staleDeepgram)
            try await Self.expectRefused(h, [("X-BYOK-OpenAI", "sk-openai-2")], provider: "openai")
            // A rotated key replaces the old one.
            try await Self.enrol(h, [("openai", "sk-openai-3")], with: [("X-BYOK-OpenAI", "sk-openai-1")])
            try await Self.expectPasses(h, [("X-BYOK-OpenAI", "sk-openai-3")])
            try await Self.expectRefused(h, [("X-BYOK-OpenAI", "sk-openai-1")], provider: "openai")
        }
    }

    @Test(arguments: TestEngine.available)
    func deleteDisablesEnrolment(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await Self.enrol(h, [("openai", "sk-openai-1")])
            let wrong = [("X-BYOK-OpenAI", "sk-openai-2")]
            try await Self.expectRefused(h, wrong, provider: "openai")
            for _ in 0..<2 {
                let r = try await h.call(.delete, Self.path)
                #expect(r.status == 200 && r.json == .object(["active": .bool(false)]), "\(r.text)")
            }
            try await Self.expectPasses(h, wrong)
            #expect(try await Self.features(h, [("X-BYOK-OpenAI", "sk-openai-1")]) == [])
        }
    }

    @Test(arguments: TestEngine.available)
    func enrolmentLapsesAfterSevenDaysWithoutHeartbeat(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await Self.enrol(h, [("openai", "sk-openai-1")])
            try await h.backdateBYOKLastSeen(by: 8 * 86400)
            try await Self.expectPasses(h, [("X-BYOK-OpenAI", "sk-openai-2")])
            #expect(try await Self.features(h, [("X-BYOK-OpenAI", "sk-openai-1")]) == [])
            try await Self.expectPasses(h, [("X-BYOK-OpenAI", "sk-openai-1")])
            let seen = try #require(try await h.byokLastSeen())
            #expect(seen < Self.nowMicros() - 7 * 86_400_000_000, "a lapsed enrolment is not revived")
        }
    }

    @Test(arguments: TestEngine.available)
    func validatingHeadersRefreshTheHeartbeat(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await Self.enrol(h, [("openai", "sk-openai-1")])
            try await h.backdateBYOKLastSeen(by: 7200)
            let old = try #require(try await h.byokLastSeen())
            #expect(old < Self.nowMicros() - 7_000_000_000)
            try await Self.expectPasses(h, [])
            try await Self.expectRefused(h, [("X-BYOK-OpenAI", "sk-openai-2")], provider: "openai")
            #expect(try await h.byokLastSeen() == old, "only validated headers refresh it")
            let before = Self.nowMicros()
            try await Self.expectPasses(h, [("X-BYOK-OpenAI", "sk-openai-1")])
            let fresh = try #require(try await h.byokLastSeen())
            #expect(fresh >= before && fresh <= Self.nowMicros(), "moved to the time of the request")
        }
    }

    @Test(arguments: TestEngine.available)
    func pepperedFingerprintsStillValidate(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { $0.byokFingerprintPepper = "pepper-0123456789" }) { h in
            try await Self.enrol(h, [("openai", "sk-openai-1"), ("gemini", "gm-key-1")])
            try await Self.expectPasses(h, [("X-BYOK-OpenAI", "sk-openai-1"), ("X-BYOK-Gemini", "gm-key-1")])
            try await Self.expectRefused(h, [("X-BYOK-OpenAI", "sk-openai-2")], provider: "openai")
            #expect(try await Self.features(h, [("X-BYOK-OpenAI", "sk-openai-1")]) == ["byok"])
        }
    }

    @Test(arguments: TestEngine.available)
    func oneUsersEnrolmentDoesNotAffectAnother(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await Self.enrol(h, [("openai", "sk-openai-1")])
            try await Self.expectPasses(h, [("X-BYOK-OpenAI", "sk-openai-2")], as: "user-b")
            #expect(try await Self.features(h, [("X-BYOK-OpenAI", "sk-openai-1")], as: "user-b") == [])
            try await Self.enrol(h, [("openai", "sk-openai-2")], as: "user-b")
            try await Self.expectPasses(h, [("X-BYOK-OpenAI", "sk-openai-1")])
            try await Self.expectRefused(h, [("X-BYOK-OpenAI", "sk-openai-2")], provider: "openai")
            try await Self.expectPasses(h, [("X-BYOK-OpenAI", "sk-openai-2")], as: "user-b")
            try await Self.expectRefused(h, [("X-BYOK-OpenAI", "sk-openai-1")], provider: "openai", as: "user-b")
        }
    }

    @Test(arguments: TestEngine.available)
    func refusedEnrolmentsWriteNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await Self.expectPasses(h, [])
            let before = try await h.byokLastSeen()
            let good = Self.fp("sk-good")
            let upper = Self.fp("sk-ant-1").uppercased()
            try #require(upper != upper.lowercased())
            let cases: [(String, String)] = [
                (Self.body([("openai", good), ("gemini", String(Self.fp("gm-key-1").dropLast()))]),
                 "Invalid fingerprint for gemini" + Self.invalidSuffix),
                (Self.body([("openai", good), ("anthropic", upper)]), "Invalid fingerprint for anthropic" + Self.invalidSuffix),
                (Self.body([("openai", good), ("mistral", Self.fp("ms-1"))]), "Unknown provider: mistral"),
                (#"{"fingerprints":{}}"#, "No fingerprints supplied"),
                (Self.body([("deepgram", Self.fp("dg-good"))]), "BYOK requires a fingerprint for at least one LLM provider"),
            ]
            for (json, detail) in cases {
                let r = try await h.call(.post, Self.path, json: json)
                #expect(r.status == 400, "\(json): \(r.text)")
                #expect(r.json == .object(["detail": .string(detail)]), "\(json): \(r.text)")
            }
            for json in [#"{}"#, #"{"fingerprints":{"openai":7}}"#, #"{"fingerprints":"abc"}"#] {
                let r = try await h.call(.post, Self.path, json: json)
                #expect(r.status == 422, "\(json): \(r.text)")
                #expect(!r.json["detail"].array.isEmpty, "list-shaped detail: \(r.text)")
            }
            #expect(try await h.byokLastSeen() == before)
            try await Self.expectPasses(h, [("X-BYOK-OpenAI", "sk-other"), ("X-BYOK-Gemini", "gm-other"),
                                            ("X-BYOK-Anthropic", "sk-ant-2"), ("X-BYOK-Deepgram", "dg-other")])
            #expect(try await Self.features(h, [("X-BYOK-OpenAI", "sk-good")]) == [])
        }
    }

    @Test(arguments: TestEngine.available)
    func refusedEnrolmentKeepsThePreviousSetAndChecksInOrder(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            try await Self.enrol(h, [("openai", "sk-openai-1")])
            let cases: [(String, String)] = [
                (Self.body([("openai", Self.fp("sk-openai-2")), ("mistral", "XYZ")]), "Unknown provider: mistral"),
                (Self.body([("deepgram", "abc")]), "Invalid fingerprint for deepgram" + Self.invalidSuffix),
                (Self.body([("openai", Self.fp("sk-openai-2").uppercased())]), "Invalid fingerprint for openai" + Self.invalidSuffix),
                (Self.body([("deepgram", Self.fp("dg-key-1"))]), "BYOK requires a fingerprint for at least one LLM provider"),
            ]
            for (json, detail) in cases {
                let r = try await h.call(.post, Self.path, json: json)
                #expect(r.status == 400 && r.detail == detail, "\(json): \(r.text)")
            }
            try await Self.expectPasses(h, [("X-BYOK-OpenAI", "sk-openai-1"), ("X-BYOK-Deepgram", "dg-key-2")])
            try await Self.expectRefused(h, [("X-BYOK-OpenAI", "sk-openai-2")], provider: "openai")
        }
    }
}
