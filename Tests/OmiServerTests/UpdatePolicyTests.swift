import Foundation
import HTTPTypes
import OmiContract
import OmiStorage
import Testing
@testable import OmiServer

@Suite("Update-banner policy (platform.md §1.5)")
struct UpdatePolicyTests {
    static let secret = String(repeating: "r", count: 40)
    static let path = "/v2/desktop/update-policy"

    static func admin(_ value: String = secret) -> HTTPFields { [HTTPField.Name("X-Release-Secret")!: value] }

    static func configure(_ s: inout Settings) {
        s.releaseSecret = secret
        s.publicBaseURL = "https://api.example.com/"
    }

    static let inactive: Wire.JSONValue = .object([
        "id": .string("current"), "active": .bool(false), "severity": .string("none"),
        "maximum_build_number": .null, "latest_build_number": .null, "title": .null, "message": .null,
        "cta_text": .string("Download latest"),
        "download_url": .string("https://api.example.com/v2/desktop/download/latest?channel=stable"),
        "can_dismiss": .bool(true), "platforms": .array([]),
    ])

    @Test(arguments: TestEngine.available)
    func withoutAPolicyEveryClientGetsTheDefaultWithoutCredentials(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: Self.configure) { h in
            let r = try await h.call(.get, Self.path, as: nil)
            #expect(r.status == 200 && r.json == Self.inactive, "\(r.text)")
            // An Authorization header, even a broken one, is ignored.
            #expect(try await h.call(.get, Self.path, as: nil, headers: [.authorization: "Bearer nope"]).json == Self.inactive)
            for bad in ["?platform=ios", "?current_build=-1", "?current_build=abc"] {
                #expect(try await h.call(.get, Self.path + bad, as: nil).status == 422, "\(bad)")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func theDefaultURLUsesTheRequestOriginWithoutAPublicBaseURL(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let url = try await h.call(.get, Self.path, as: nil).json["download_url"].string ?? ""
            #expect(url.hasSuffix("/v2/desktop/download/latest?channel=stable") && url.hasPrefix("http"), "\(url)")
        }
    }

    @Test(arguments: TestEngine.available)
    func anActivePolicyIsServedToTheClientsItNames(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: Self.configure) { h in
            let body = #"""
                {"id":"banner-12064","active":true,"severity":"banner","minimum_build_number":12063,
                 "latest_build_number":12064,"title":"Update ready","message":"  ","platforms":["macos"],"extra":1}
                """#
            let put = try await h.call(.put, Self.path, as: nil, json: body, headers: Self.admin())
            #expect(put.status == 200, "\(put.text)")
            var expected = Self.inactive
            if case .object(var o) = expected {
                o["id"] = .string("banner-12064")
                o["active"] = .bool(true)
                o["severity"] = .string("banner")
                o["maximum_build_number"] = .int(12063)
                o["latest_build_number"] = .int(12064)
                o["title"] = .string("Update ready")
                o["platforms"] = .array([.string("macos")])
                expected = .object(o)
            }
            // The legacy minimum_build_number stands in for the maximum; a blank message is null.
            #expect(put.json == expected, "\(put.text)")
            #expect(try await h.call(.get, Self.path, as: nil).json == expected)
            #expect(try await h.call(.get, Self.path + "?platform=macos&current_build=12063", as: nil).json == expected)
            // A client already past the maximum, or on another platform, sees the default.
            #expect(try await h.call(.get, Self.path + "?current_build=12064", as: nil).json == Self.inactive)
            #expect(try await h.call(.get, Self.path + "?platform=windows", as: nil).json == Self.inactive)
            // Inactive again: everyone sees the default.
            let off = try await h.call(.put, Self.path, as: nil, json: #"{"active":false,"severity":"banner"}"#,
                                       headers: Self.admin())
            #expect(off.status == 200 && off.json["active"].bool == false)
            #expect(try await h.call(.get, Self.path, as: nil).json == Self.inactive)
        }
    }

    @Test(arguments: TestEngine.available)
    func adminWritesNeedTheSecretAndValidInput(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: Self.configure) { h in
            let valid = #"{"active":true,"severity":"required","download_url":"https://omi.me/download","cta_text":"Get it"}"#
            for headers in [HTTPFields(), Self.admin("wrong"), Self.admin(Self.secret + "x"), [.authorization: "Bearer \(Self.secret)"]] {
                let r = try await h.call(.put, Self.path, as: nil, json: valid, headers: headers)
                #expect(r.status == 401 && r.detail == "Invalid or missing X-Release-Secret header", "\(r.text)")
            }
            #expect(try await h.call(.get, Self.path, as: nil).json == Self.inactive)
            for bad in [#"{"active":true,"severity":"loud"}"#, #"{"severity":"banner"}"#,
                        #"{"active":true,"severity":"banner","title":"\#(String(repeating: "t", count: 121))"}"#,
                        #"{"active":true,"severity":"banner","message":"\#(String(repeating: "m", count: 501))"}"#,
                        #"{"active":true,"severity":"banner","cta_text":""}"#,
                        #"{"active":true,"severity":"banner","download_url":"javascript:alert(1)"}"#,
                        #"{"active":true,"severity":"banner","platforms":["ios"]}"#,
                        #"{"active":true,"severity":"banner","id":"has space"}"#,
                        #"{"active":true,"severity":"banner","maximum_build_number":-1}"#] {
                let r = try await h.call(.put, Self.path, as: nil, json: bad, headers: Self.admin())
                #expect(r.status == 422, "\(bad): \(r.text)")
            }
            #expect(try await h.call(.get, Self.path, as: nil).json == Self.inactive, "nothing was stored")
            let ok = try await h.call(.put, Self.path, as: nil, json: valid, headers: Self.admin())
            #expect(ok.status == 200 && ok.json["download_url"].string == "https://omi.me/download")
            let served = try await h.call(.get, Self.path, as: nil).json
            #expect(served["severity"].string == "required" && served["cta_text"].string == "Get it")
        }
    }

    @Test(arguments: TestEngine.available)
    func withoutAConfiguredSecretEveryAdminCallFails(engine: TestEngine) async throws {
        try await TestHarness.run(engine) { h in
            let r = try await h.call(.put, Self.path, as: nil, json: #"{"active":true,"severity":"banner"}"#,
                                     headers: Self.admin(""))
            #expect(r.status == 401 && r.detail == "Invalid or missing X-Release-Secret header")
        }
    }

    /// Imported records keep legacy quirks; the read normalises them, and a broken store answers the default.
    @Test(arguments: TestEngine.available)
    func storedRecordsAreNormalisedAndAStorageFailureIsTheDefault(engine: TestEngine) async throws {
        try await TestHarness.run(engine, configure: Self.configure) { h in
            let legacy = #"{"id":"","active":true,"severity":"loud","download_url":"ftp://x","title":" ","cta_text":""}"#
            try await SQLUpdatePolicyRepository(database: h.database).replace(legacy, now: Clock.nowMicros())
            let r = try await h.call(.get, Self.path, as: nil).json
            #expect(r["id"].string == "current" && r["severity"].string == "none" && r["title"].isNull)
            #expect(r["download_url"] == Self.inactive["download_url"] && r["cta_text"].string == "Download latest")
            try await h.database.withConnection { db in try await db.raw("DROP TABLE update_policy").run() }
            let broken = try await h.call(.get, Self.path, as: nil)
            #expect(broken.status == 200 && broken.json == Self.inactive)
        }
    }

    @Test func theSecretMustBeLongEnough() throws {
        #expect(throws: SettingsError.self) {
            try Settings.fromEnvironment(["AUTH_DEV_MODE": "true", "RELEASE_SECRET": "short"])
        }
        let ok = try Settings.fromEnvironment(["AUTH_DEV_MODE": "true", "RELEASE_SECRET": Self.secret])
        #expect(ok.releaseSecret == Self.secret)
    }
}
