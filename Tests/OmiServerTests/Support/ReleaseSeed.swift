import Foundation
import HTTPTypes
import OmiContract
@testable import OmiServer

/// Manifests and pointer moves through the admin API, for the release and feed tests.
enum ReleaseSeed {
    static let secret = String(repeating: "s", count: 40)
    static func admin(_ value: String = secret) -> HTTPFields { [HTTPField.Name("X-Release-Secret")!: value] }

    static func configure(_ s: inout Settings) {
        s.releaseSecret = secret
        s.publicBaseURL = "https://api.example.com"
    }

    static func tag(_ build: Int, platform: String = "macos") -> String { "v0.12.\(build % 1000)+\(build)-\(platform)" }

    /// A valid manifest for `build`; `changes` overrides or adds keys.
    static func manifest(_ build: Int, platform: String = "macos", _ changes: [String: Wire.JSONValue] = [:]) -> String {
        var o: [String: Wire.JSONValue] = [
            "release_id": .string(tag(build, platform: platform)), "platform": .string(platform),
            "version": .string("0.12.\(build % 1000)"), "build_number": .int(Int64(build)),
            "update_url": .string("https://downloads.example.com/Omi-\(build).zip"), "update_length": .int(81_234_567),
            "update_sha256": .string("sha256:" + String(repeating: "a", count: 64)),
            "ed_signature": .string("c2lnbmF0dXJl\(build)=="),
            "installer_url": .string("https://downloads.example.com/Omi-\(build).dmg"),
            "changelog": .array([.string("Fixed a crash"), .string("Faster sync")]),
            "published_at": .string("2026-03-05T11:00:00+01:00"),
        ]
        for (key, value) in changes { o[key] = value }
        return Wire.JSONValue.object(o).jsonText
    }

    @discardableResult
    static func register(_ h: TestHarness, _ build: Int, platform: String = "macos",
                         _ changes: [String: Wire.JSONValue] = [:]) async throws -> Reply {
        try await h.call(.post, "/v2/desktop/releases", as: nil, json: manifest(build, platform: platform, changes),
                         headers: admin())
    }

    static func change(_ release: String, channel: String, generation: Int64, platform: String = "macos",
                       operation: String = "promote", reason: String? = nil) -> String {
        var o: [String: Wire.JSONValue] = [
            "platform": .string(platform), "channel": .string(channel), "release_id": .string(release),
            "operation": .string(operation), "expected_generation": .int(generation), "actor": .string("ci"),
        ]
        if let reason { o["reason"] = .string(reason) }
        return Wire.JSONValue.object(o).jsonText
    }

    /// Moves a pointer to `build`, naming the generation it currently has.
    @discardableResult
    static func promote(_ h: TestHarness, _ build: Int, to channel: String, platform: String = "macos",
                        operation: String = "promote", reason: String? = nil) async throws -> Reply {
        let state = try await h.call(.get, "/v2/desktop/channels?platform=\(platform)", as: nil, headers: admin())
        let generation = state.json["channels"][channel]["generation"].int ?? 0
        return try await h.call(.post, "/v2/desktop/channels/promote", as: nil,
                                json: change(tag(build, platform: platform), channel: channel, generation: generation,
                                             platform: platform, operation: operation, reason: reason),
                                headers: admin())
    }
}
