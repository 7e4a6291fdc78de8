import Foundation
import HTTPTypes
import Logging
import OmiStorage
import Testing
@testable import OmiServer

/// The final pass of a deletion (users.md §15.1 steps 5–6, §15.3's invariant) and the new account a later token opens
/// on a deleted uid (§15.2).
@Suite("Account deletion: final pass and later accounts")
struct AccountDeletionCleanupTests {
    typealias D = AccountDeletionTests
    typealias C = ChatCompletionTests

    static func tombstone(_ h: TestHarness, _ uid: String = TestHarness.defaultUser) async throws -> TombstoneRecord? {
        try await SQLAccountRepository(database: h.database).tombstone(uid: uid)
    }

    /// A pass as the server's service runs it, due ten minutes after a deletion.
    static func cleanup(_ h: TestHarness) -> DeletionCleanup {
        DeletionCleanup(fence: AccountFence(accounts: SQLAccountRepository(database: h.database), ttl: 5),
                        finishAfter: .seconds(600), interval: .seconds(60), logger: Logger(label: "test"))
    }

    static func token(_ uid: String, issuedIn offset: Int) -> HTTPFields {
        let token = TestIdentityProvider.primary.token(uid: uid, claims: ["iat": Int(Date().timeIntervalSince1970) + offset])
        return [.authorization: "Bearer \(token)"]
    }

    /// A streamed chat completion admitted before the deletion records its usage after the wipe; the final pass, once
    /// due, removes those rows and nobody else's.
    @Test(arguments: TestEngine.available)
    func whatARequestInFlightWritesAfterTheWipeGoesInTheFinalPass(engine: TestEngine) async throws {
        try await C.run(engine, [.stream(FakeLLM.streamEvents(), holdLast: true)]) { h, tenant in
            // Another user's rows, written without the model, which this test holds for the completion alone.
            #expect(try await h.call(.post, "/v1/action-items", as: "user-b", json: #"{"description":"B's"}"#).status == 200)
            #expect(try await h.call(.post, "/v2/desktop/messages", as: "user-b",
                                     json: #"{"text":"hi","sender":"human"}"#).status == 200)
            let othersBefore = try await D.counts(h, "user-b")
            async let answer = C.post(h, ChatCompletionStreamTests.streamBody())
            let deadline = ContinuousClock.now + .seconds(30)
            while C.fake.requests(tenant).isEmpty && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            #expect(try await h.call(.delete, "/v1/users/delete-account").status == 200)
            C.fake.release(tenant)
            #expect(try await answer.status == 200)
            // The first wipe came before these rows: they are what the final pass is for.
            let late = try await D.counts(h, TestHarness.defaultUser).filter { $0.value > 0 }
            #expect(late["usage_events"] == 1 && late["llm_usage", default: 0] > 0, "\(late)")
            #expect(try await Self.tombstone(h)?.status == .wiped)

            let cleanup = Self.cleanup(h)
            let now = Clock.nowMicros()
            #expect(await cleanup.finishDue(now: now) == 0, "not due before ten minutes")
            #expect(try await D.counts(h, TestHarness.defaultUser).filter { $0.value > 0 } == late)
            #expect(await cleanup.finishDue(now: now + 601_000_000) == 1)
            #expect(try await D.counts(h, TestHarness.defaultUser).filter { $0.value > 0 }.isEmpty)
            #expect(try await D.counts(h, "user-b") == othersBefore)
            let finished = try #require(try await Self.tombstone(h))
            #expect(finished.status == .completed && finished.completedAt != nil)
            #expect(await cleanup.finishDue(now: now + 601_000_000) == 0, "finished once")
        }
    }

    /// A token issued after the deletion opens a new account: the old deletion's final pass runs before it writes, so
    /// its rows survive that pass, and deleting it runs a deletion of its own. Old tokens are still refused.
    @Test(arguments: TestEngine.available)
    func aLaterAccountOnTheUidKeepsItsRowsAndCanBeDeletedItself(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let uid = TestHarness.defaultUser
            let old = Self.token(uid, issuedIn: -1)
            _ = try await D.populate(h, uid)
            #expect(try await h.call(.delete, "/v1/users/delete-account", headers: old).status == 200)
            let first = try #require(try await Self.tombstone(h))
            #expect(first.status == .wiped)

            // Token times are whole seconds: one issued a second later is after the deletion and before the next.
            try await Task.sleep(for: .milliseconds(1100))
            let fresh = Self.token(uid, issuedIn: 0)
            #expect(try await h.call(.post, "/v1/action-items", json: #"{"description":"new life"}"#, headers: fresh).status == 200)
            #expect(try await Self.tombstone(h)?.status == .completed)
            #expect(await Self.cleanup(h).finishDue(now: Clock.nowMicros() + 601_000_000) == 0)
            let items = try await h.call(.get, "/v1/action-items", headers: fresh).json["items"].array
            #expect(items.map { $0["description"].string } == ["new life"])
            #expect(try await h.call(.get, "/v1/action-items", headers: old).status == 401)

            // The old token's retry is answered without a second run; the new account's own deletion runs.
            #expect(try await h.call(.delete, "/v1/users/delete-account", headers: old).status == 200)
            #expect(try await h.count("action_items", uid: uid) == 1)
            #expect(try await h.call(.delete, "/v1/users/delete-account", headers: fresh).status == 200)
            #expect(try await D.counts(h, uid).filter { $0.value > 0 }.isEmpty)
            let second = try #require(try await Self.tombstone(h))
            #expect(second.status == .wiped && second.requestedAt > first.requestedAt)
            #expect(try await h.call(.get, "/v1/action-items", headers: fresh).status == 401)
            #expect(try await h.call(.get, "/v1/action-items", headers: Self.token(uid, issuedIn: 5)).json["items"] == .array([]))
            #expect(try await h.call(.get, "/v1/action-items", as: "user-b").status == 200)
        }
    }

    /// The server's own service finishes a due deletion without a request.
    @Test(arguments: TestEngine.available)
    func theServerFinishesDueDeletionsOnItsOwn(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { s in
            s.deletionFinishAfter = .zero
            s.deletionCleanupInterval = .milliseconds(50)
        }) { h in
            _ = try await D.populate(h, TestHarness.defaultUser)
            #expect(try await h.call(.delete, "/v1/users/delete-account").status == 200)
            let deadline = ContinuousClock.now + .seconds(30)
            var status = try await Self.tombstone(h)?.status
            while status != .completed && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                status = try await Self.tombstone(h)?.status
            }
            #expect(status == .completed)
            #expect(try await D.counts(h, TestHarness.defaultUser).filter { $0.value > 0 }.isEmpty)
        }
    }

    /// A deletion another instance ran reaches this one through the database alone. This instance had served the
    /// user before, yet a later token still gets the new account's record, with every default (users.md §15.2).
    @Test(arguments: TestEngine.available)
    func aLaterAccountGetsItsRecordOnAnInstanceThatKnewTheOldOne(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { $0.tombstoneCacheTTL = .zero }) { h in
            let uid = TestHarness.defaultUser
            #expect(try await h.call(.patch, "/v1/users/profile", json: #"{"job":"pilot"}"#).status == 200)
            _ = try await SQLAccountRepository(database: h.database)
                .deleteAccount(uid: uid, issuedAt: .max, now: Clock.nowMicros(), reason: nil, reasonDetails: nil)
            #expect(try await h.count("users") == 0)
            try await Task.sleep(for: .milliseconds(1100))
            let fresh = Self.token(uid, issuedIn: 0)
            let profile = try await h.call(.get, "/v1/users/profile", headers: fresh)
            #expect(profile.status == 200 && profile.json["uid"].string == uid && profile.json["job"].isNull)
            #expect(try await h.count("users") == 1)
        }
    }

    /// The old account's BYOK enrolment, cached by an instance that served it, is not the later account's: its key
    /// must not be refused as a mismatch against fingerprints the deletion removed (users.md §13.3, §15.2).
    @Test(arguments: TestEngine.available)
    func aLaterAccountIsNotCheckedAgainstTheOldAccountsCachedKeys(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: { $0.tombstoneCacheTTL = .zero }) { h in
            let uid = TestHarness.defaultUser
            try await BYOKTests.enrol(h, [("openai", "sk-old")])
            try await BYOKTests.expectRefused(h, [("X-BYOK-OpenAI", "sk-new")], provider: "openai")
            _ = try await SQLAccountRepository(database: h.database)
                .deleteAccount(uid: uid, issuedAt: .max, now: Clock.nowMicros(), reason: nil, reasonDetails: nil)
            try await Task.sleep(for: .milliseconds(1100))
            var headers = Self.token(uid, issuedIn: 0)
            headers[HTTPField.Name("X-BYOK-OpenAI")!] = "sk-new"
            let memories = try await h.call(.get, "/v3/memories", headers: headers)
            #expect(memories.status == 200, "\(memories.text)")
            #expect(memories.json == .array([]))
        }
    }
}
