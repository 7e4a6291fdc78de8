import Crypto
import Foundation
import HTTPTypes
import OmiContract
import Testing
@testable import OmiServer

@Suite("Release administration: manifests, pointers, history (platform.md §1.1, §1.6)")
struct ReleaseAdminTests {
    typealias S = ReleaseSeed

    static func releaseCount(_ h: TestHarness) async throws -> Int {
        try await h.database.withConnection { db in
            try await db.raw("SELECT COUNT(*) AS n FROM release_manifests").first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    static func historyCount(_ h: TestHarness) async throws -> Int {
        try await h.database.withConnection { db in
            try await db.raw("SELECT COUNT(*) AS n FROM channel_history").first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    static let adminCalls: [(HTTPRequest.Method, String, String?)] = [
        (.post, "/v2/desktop/releases", S.manifest(100)),
        (.post, "/v2/desktop/releases", "{not json"),
        (.get, "/v2/desktop/releases", nil),
        (.get, "/v2/desktop/releases/v0.12.100+100-macos", nil),
        (.get, "/v2/desktop/channels?platform=macos", nil),
        (.post, "/v2/desktop/channels/promote", S.change("v0.12.100+100-macos", channel: "beta", generation: 0)),
        (.post, "/v2/desktop/clear-cache", nil),
        (.put, "/v2/desktop/update-policy", #"{"active":true,"severity":"banner"}"#),
    ]

    @Test(arguments: TestEngine.available)
    func everyAdminRouteRefusesAMissingOrWrongSecret(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: S.configure) { h in
            for (method, path, body) in Self.adminCalls {
                for headers in [HTTPFields(), S.admin("wrong"), S.admin(S.secret + "x"), S.admin("")] {
                    let r = try await h.call(method, path, as: nil, json: body, headers: headers)
                    #expect(r.status == 401 && r.detail == "Invalid or missing X-Release-Secret header",
                            "\(method) \(path): \(r.status) \(r.text)")
                }
            }
            #expect(try await Self.releaseCount(h) == 0)
            // The Python backend's `secret_key` header is accepted as well.
            let legacy = try await h.call(.get, "/v2/desktop/channels?platform=macos", as: nil,
                                          headers: [HTTPField.Name("secret_key")!: S.secret])
            #expect(legacy.status == 200)
        }
        // With RELEASE_SECRET unset every admin call fails, whatever header is sent.
        try await TestHarness.run(engine) { h in
            for (method, path, body) in Self.adminCalls {
                let r = try await h.call(method, path, as: nil, json: body, headers: S.admin())
                #expect(r.status == 401, "\(method) \(path)")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func registrationIsImmutableAndIdempotent(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: S.configure) { h in
            let first = try await S.register(h, 12064, ["changelog": .array([.string("  Fixed a crash "), .string("  ")])])
            #expect(first.status == 201, "\(first.text)")
            #expect(first.json["success"].bool == true && first.json["idempotent"].bool == false)
            #expect(first.json["release_id"].string == "v0.12.64+12064-macos")
            let manifest = first.json["manifest"]
            #expect(manifest["published_at"].string == "2026-03-05T10:00:00.000Z", "stored in UTC")
            #expect(manifest["changelog"] == .array([.string("Fixed a crash")]), "trimmed, blanks dropped")
            #expect(manifest["installer_sha256"].isNull && manifest.has("installer_sha256"))
            #expect(manifest["critical"].bool == false && manifest["beta_only"].bool == false)
            let createdAt = manifest["created_at"].string
            #expect(createdAt?.hasSuffix("Z") == true)
            // The hash is reproducible by anyone: sorted keys, no whitespace, every field but created_at.
            var content = manifest
            if case .object(var o) = content { o["created_at"] = nil; content = .object(o) }
            let expected = SHA256.hash(data: Data(content.jsonText.utf8)).map { String(format: "%02x", $0) }.joined()
            #expect(first.json["manifest_sha256"].string == expected)

            let again = try await S.register(h, 12064, ["changelog": .array([.string("Fixed a crash")])])
            #expect(again.status == 200 && again.json["idempotent"].bool == true, "\(again.text)")
            #expect(again.json["manifest"]["created_at"].string == createdAt)
            #expect(again.json["manifest_sha256"] == first.json["manifest_sha256"])

            let changed = try await S.register(h, 12064, ["changelog": .array([.string("Something else")])])
            #expect(changed.status == 409 && changed.detail == "release_id already exists with different immutable metadata")
            let sameBuild = try await S.register(h, 12064, [
                "release_id": .string("v0.13.0+12064-macos"), "version": .string("0.13.0"),
            ])
            #expect(sameBuild.status == 409 && sameBuild.detail == "build_number already registered for platform")
            // The same build number on another platform is a different release.
            #expect(try await S.register(h, 12064, platform: "windows", ["ed_signature": .null]).status == 201)
            #expect(try await Self.releaseCount(h) == 2)
        }
    }

    @Test(arguments: TestEngine.available)
    func aRepeatWithoutPublishedAtKeepsTheStoredOne(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: S.configure) { h in
            let first = try await S.register(h, 200, ["published_at": .null])
            #expect(first.status == 201)
            let again = try await S.register(h, 200, ["published_at": .null])
            #expect(again.status == 200 && again.json["idempotent"].bool == true, "\(again.text)")
            #expect(again.json["manifest"]["published_at"] == first.json["manifest"]["published_at"])
        }
    }

    static let badManifests: [(String, [String: Wire.JSONValue])] = [
        ("tag disagrees with version", ["version": .string("0.12.65")]),
        ("tag disagrees with platform", ["platform": .string("linux")]),
        ("tag disagrees with build", ["build_number": .int(12065)]),
        ("malformed tag", ["release_id": .string("0.12.64+12064-macos")]),
        ("zero build in tag", ["release_id": .string("v0.12.64+0-macos"), "build_number": .int(0)]),
        ("http update url", ["update_url": .string("http://downloads.example.com/Omi.zip")]),
        ("javascript installer", ["installer_url": .string("javascript:alert(1)")]),
        ("zero length", ["update_length": .int(0)]),
        ("bad sha", ["update_sha256": .string("sha256:XYZ")]),
        ("bad installer sha", ["installer_sha256": .string("md5:abc")]),
        ("macos without signature", ["ed_signature": .null]),
        ("signature too long", ["ed_signature": .string(String(repeating: "A", count: 201))]),
        ("51 changelog items", ["changelog": .array(Array(repeating: .string("x"), count: 51))]),
        ("501-character item", ["changelog": .array([.string(String(repeating: "x", count: 501))])]),
        ("naive published_at", ["published_at": .string("2026-03-05T10:00:00")]),
        ("bad source sha", ["source_sha": .string("abc")]),
        ("bad minimum system", ["minimum_system_version": .string("14.x")]),
        ("http notes", ["release_notes_url": .string("ftp://x.example.com/notes")]),
        ("unknown platform", ["platform": .string("ios")]),
        ("string build", ["build_number": .string("12064")]),
    ]

    @Test(arguments: TestEngine.available)
    func everyBadManifestIs422AndStoresNothing(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: S.configure) { h in
            for (name, changes) in Self.badManifests {
                let r = try await S.register(h, 12064, changes)
                #expect(r.status == 422, "\(name): \(r.status) \(r.text)")
                #expect(!r.json["detail"].array.isEmpty, "\(name): list form")
            }
            #expect(try await Self.releaseCount(h) == 0)
        }
    }

    @Test(arguments: TestEngine.available)
    func aManifestIsReadByItsIdWithPlusLiteralOrEncoded(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: S.configure) { h in
            try await S.register(h, 100)
            for path in ["/v2/desktop/releases/v0.12.100+100-macos", "/v2/desktop/releases/v0.12.100%2B100-macos"] {
                let r = try await h.call(.get, path, as: nil, headers: S.admin())
                #expect(r.status == 200 && r.json["manifest"]["build_number"].int == 100, "\(path): \(r.text)")
                #expect(r.json["channels"] == .array([]) && r.json["success"].bool == true)
            }
            let missing = try await h.call(.get, "/v2/desktop/releases/v0.12.101+101-macos", as: nil, headers: S.admin())
            #expect(missing.status == 404 && missing.detail == "release manifest does not exist")
            try await S.promote(h, 100, to: "beta")
            let onBeta = try await h.call(.get, "/v2/desktop/releases/v0.12.100+100-macos", as: nil, headers: S.admin())
            #expect(onBeta.json["channels"] == .array([.string("beta")]))
            try await S.promote(h, 100, to: "stable")
            let onBoth = try await h.call(.get, "/v2/desktop/releases/v0.12.100+100-macos", as: nil, headers: S.admin())
            #expect(Set(onBoth.json["channels"].array.compactMap(\.string)) == ["beta", "stable"])
        }
    }

    @Test(arguments: TestEngine.available)
    func promotionIsACompareAndSwapOnTheGeneration(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: S.configure) { h in
            try await S.register(h, 100)
            let path = "/v2/desktop/channels/promote"
            let stale = try await h.call(.post, path, as: nil, json: S.change(S.tag(100), channel: "beta", generation: 3),
                                         headers: S.admin())
            #expect(stale.status == 409 && stale.detail == "generation mismatch", "\(stale.text)")
            #expect(stale.json["pointer"]["generation"].int == 0 && stale.json["pointer"]["release_id"].isNull)
            #expect(stale.json["pointer"].keys == ["platform", "channel", "release_id", "version", "build_number",
                                                   "generation", "updated_at"])
            let moved = try await h.call(.post, path, as: nil, json: S.change(S.tag(100), channel: "beta", generation: 0),
                                         headers: S.admin())
            #expect(moved.status == 200 && moved.json["idempotent"].bool == false, "\(moved.text)")
            let pointer = moved.json["pointer"]
            #expect(pointer["generation"].int == 1 && pointer["release_id"].string == S.tag(100))
            #expect(pointer["version"].string == "0.12.100" && pointer["build_number"].int == 100)
            // A retry after a lost response: same release, old generation, nothing consumed.
            let retry = try await h.call(.post, path, as: nil, json: S.change(S.tag(100), channel: "beta", generation: 0),
                                         headers: S.admin())
            #expect(retry.status == 200 && retry.json["idempotent"].bool == true && retry.json["pointer"]["generation"].int == 1)
            #expect(try await Self.historyCount(h) == 1)

            try await S.register(h, 101)
            var expectNone: [String: Wire.JSONValue] = [
                "platform": .string("macos"), "channel": .string("beta"), "release_id": .string(S.tag(101)),
                "expected_generation": .int(1), "expected_current_release_id": .null,
            ]
            let mismatch = try await h.call(.post, path, as: nil, json: Wire.JSONValue.object(expectNone).jsonText,
                                            headers: S.admin())
            #expect(mismatch.status == 409 && mismatch.detail == "current release mismatch")
            #expect(mismatch.json["pointer"]["release_id"].string == S.tag(100))
            expectNone["expected_current_release_id"] = .string(S.tag(100))
            let matched = try await h.call(.post, path, as: nil, json: Wire.JSONValue.object(expectNone).jsonText,
                                           headers: S.admin())
            #expect(matched.status == 200 && matched.json["pointer"]["generation"].int == 2)

            let unknown = try await h.call(.post, path, as: nil, json: S.change(S.tag(999), channel: "beta", generation: 2),
                                           headers: S.admin())
            #expect(unknown.status == 404 && unknown.detail == "release manifest does not exist")
            try await S.register(h, 300, platform: "windows")
            let otherPlatform = try await h.call(.post, path, as: nil,
                                                 json: S.change(S.tag(300, platform: "windows"), channel: "beta", generation: 2),
                                                 headers: S.admin())
            #expect(otherPlatform.status == 422 && otherPlatform.detail == "release platform mismatch")
            let badBodies = [
                S.change(S.tag(101), channel: "alpha", generation: 2), S.change(S.tag(101), channel: "beta", generation: -1),
                S.change(S.tag(101), channel: "beta", generation: 2, operation: "jump"), #"{"platform":"macos"}"#,
            ]
            for body in badBodies {
                #expect(try await h.call(.post, path, as: nil, json: body, headers: S.admin()).status == 422, "\(body)")
            }
            #expect(try await Self.historyCount(h) == 2)
        }
    }

    @Test(arguments: TestEngine.available)
    func stableOnlyTakesReleasesThatReachedBetaAndMovesForward(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: S.configure) { h in
            for build in [100, 101, 102] { try await S.register(h, build) }
            try await S.register(h, 103, ["beta_only": .bool(true)])
            let neverBeta = try await S.promote(h, 100, to: "stable")
            #expect(neverBeta.status == 409 && neverBeta.detail == "stable never beta: release was never promoted to beta")
            try await S.promote(h, 103, to: "beta")
            let betaOnly = try await S.promote(h, 103, to: "stable")
            #expect(betaOnly.status == 409 && betaOnly.detail == "stable never beta: release is beta-only")
            // Beta moves forward only, too.
            let backwards = try await S.promote(h, 101, to: "beta")
            #expect(backwards.status == 409 && backwards.detail == "channel pointers are roll-forward only")

            // 101 and 102 reached beta earlier in another order of events: use a fresh platform-like sequence.
            try await S.register(h, 500, platform: "linux", ["ed_signature": .null])
            try await S.register(h, 501, platform: "linux", ["ed_signature": .null])
            #expect(try await S.promote(h, 500, to: "beta", platform: "linux").status == 200)
            #expect(try await S.promote(h, 501, to: "beta", platform: "linux").status == 200)
            let before = try await h.call(.get, "/v2/desktop/channels?platform=linux", as: nil, headers: S.admin())
            #expect(try await S.promote(h, 501, to: "stable", platform: "linux").status == 200)
            let lower = try await S.promote(h, 500, to: "stable", platform: "linux")
            #expect(lower.status == 409 && lower.detail == "channel pointers are roll-forward only")
            // Promoting stable never touched beta (U7).
            let after = try await h.call(.get, "/v2/desktop/channels?platform=linux", as: nil, headers: S.admin())
            #expect(after.json["channels"]["beta"] == before.json["channels"]["beta"])
            #expect(after.json["channels"]["stable"]["release_id"].string == S.tag(501, platform: "linux"))
        }
    }

    @Test(arguments: TestEngine.available)
    func rollbackReturnsToAnEarlierTargetWithAReason(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: S.configure) { h in
            for build in [100, 101, 102] {
                try await S.register(h, build)
                try await S.promote(h, build, to: "beta")
            }
            try await S.promote(h, 100, to: "stable")
            try await S.promote(h, 101, to: "stable")
            let noReason = try await S.promote(h, 100, to: "stable", operation: "rollback")
            #expect(noReason.status == 422, "\(noReason.text)")
            let neverStable = try await S.promote(h, 102, to: "stable", operation: "rollback", reason: "nope")
            #expect(neverStable.status == 409 && neverStable.detail == "rollback target was never a target of this channel")
            let history = try await Self.historyCount(h)
            let back = try await S.promote(h, 100, to: "stable", operation: "rollback", reason: "crash on launch")
            #expect(back.status == 200 && back.json["pointer"]["generation"].int == 3, "\(back.text)")
            #expect(back.json["pointer"]["release_id"].string == S.tag(100))
            #expect(try await Self.historyCount(h) == history + 1)
            let state = try await h.call(.get, "/v2/desktop/channels?platform=macos", as: nil, headers: S.admin())
            let newest = state.json["history"][0]
            #expect(newest["operation"].string == "rollback" && newest["reason"].string == "crash on launch")
            #expect(newest["previous_release_id"].string == S.tag(101) && newest["release_id"].string == S.tag(100))
            #expect(newest["channel"].string == "stable" && newest["generation"].int == 3 && newest["actor"].string == "ci")
            #expect(state.json["history"].array.count == 6, "3 beta + 2 stable promotions + 1 rollback")
            // The feed shows the older build untagged; beta 102 is still ahead of it.
            let feed = try await h.call(.get, "/v2/desktop/appcast.xml", as: nil)
            #expect(feed.text.contains("<sparkle:version>100</sparkle:version>"))
            #expect(!feed.text.contains("<sparkle:version>101</sparkle:version>"))
            // Re-promotion forward works again from the rolled-back pointer.
            let forward = try await S.promote(h, 102, to: "stable")
            #expect(forward.status == 200 && forward.json["pointer"]["generation"].int == 4)
        }
    }

    @Test(arguments: TestEngine.available)
    func ofConcurrentPromotionsWithOneGenerationExactlyOneWins(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: S.configure) { h in
            let builds = Array(100..<108)
            for build in builds { try await S.register(h, build) }
            let statuses = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for build in builds {
                    group.addTask {
                        let r = try await h.call(.post, "/v2/desktop/channels/promote", as: nil,
                                                 json: S.change(S.tag(build), channel: "beta", generation: 0),
                                                 headers: S.admin())
                        return (r.status, r.detail)
                    }
                }
                var all: [(Int, String?)] = []
                for try await result in group { all.append(result) }
                return all
            }
            #expect(statuses.filter { $0.0 == 200 }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0.0 == 409 && $0.1 == "generation mismatch" }.count == builds.count - 1)
            #expect(try await Self.historyCount(h) == 1)
            let state = try await h.call(.get, "/v2/desktop/channels?platform=macos", as: nil, headers: S.admin())
            #expect(state.json["channels"]["beta"]["generation"].int == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func theListIsKeysetPagedWithNoGapsOrRepeats(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: S.configure) { h in
            for build in 1...250 { try await S.register(h, 1000 + build) }
            var seen: [Int64] = []
            var cursor: String?
            var pages = 0
            repeat {
                let query = "/v2/desktop/releases?limit=100&platform=macos" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await h.call(.get, query, as: nil, headers: S.admin())
                #expect(page.status == 200, "\(page.text)")
                seen += page.json["releases"].array.compactMap { $0["build_number"].int }
                cursor = page.json["next_cursor"].string
                #expect(page.json.has("next_cursor"))
                pages += 1
                // A newer release registered while paging is not on a later page (keyset, not offset).
                if pages == 1 { try await S.register(h, 5000) }
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(seen == (1001...1250).reversed().map(Int64.init))
            let first = try await h.call(.get, "/v2/desktop/releases", as: nil, headers: S.admin())
            #expect(first.json["releases"].array.count == 20 && first.json["releases"][0]["build_number"].int == 5000)
            let windows = try await h.call(.get, "/v2/desktop/releases?platform=windows", as: nil, headers: S.admin())
            #expect(windows.json["releases"] == .array([]) && windows.json["next_cursor"].isNull)
            for bad in ["limit=0", "limit=101", "limit=x", "platform=ios"] {
                #expect(try await h.call(.get, "/v2/desktop/releases?\(bad)", as: nil, headers: S.admin()).status == 422, "\(bad)")
            }
            for bad in ["garbage", "MTIz", ReleaseCursor.encode(build: 0, releaseId: "x")] {
                let r = try await h.call(.get, "/v2/desktop/releases?cursor=\(bad)", as: nil, headers: S.admin())
                #expect(r.status == 400 && r.detail == "invalid cursor", "\(bad): \(r.text)")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func channelsShowUnsetPointersAndClearCacheAnswers(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: S.configure) { h in
            let state = try await h.call(.get, "/v2/desktop/channels?platform=windows", as: nil, headers: S.admin())
            let unset: Wire.JSONValue = .object([
                "platform": .string("windows"), "channel": .string("stable"), "release_id": .null, "version": .null,
                "build_number": .null, "generation": .int(0), "updated_at": .null,
            ])
            #expect(state.status == 200 && state.json["channels"]["stable"] == unset, "\(state.text)")
            #expect(state.json["history"] == .array([]) && state.json["platform"].string == "windows")
            #expect(try await h.call(.get, "/v2/desktop/channels", as: nil, headers: S.admin()).status == 422)
            let cleared = try await h.call(.post, "/v2/desktop/clear-cache", as: nil, headers: S.admin())
            #expect(cleared.json == .object(["success": .bool(true),
                                             "message": .string("Desktop releases cache cleared successfully")]))
        }
    }
}
