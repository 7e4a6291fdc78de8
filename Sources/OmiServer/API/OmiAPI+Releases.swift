import Foundation
import OmiContract
import OmiStorage

/// platform.md §1.6: the release administration API. The admin secret is checked before any of these run
/// (`AdminSecretMiddleware`), so an unauthenticated caller learns nothing, not even validation results.
extension OmiAPI {
    func registerRelease(_ input: Operations.RegisterRelease.Input) async throws -> Operations.RegisterRelease.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        let now = Clock.nowMicros()
        let stored = try await releases.release(id: body.releaseId)
        let manifest = try ReleaseManifestRules.manifest(
            from: body, now: now, storedPublishedAt: try stored.map(ReleaseManifestRules.manifest(of:))?.publishedAt)
        switch try await releases.register(ReleaseManifestRules.record(manifest, now: now)) {
        case .created(let record):
            return .created(.init(body: .json(try registration(record, idempotent: false))))
        case .identical(let record):
            return .ok(.init(body: .json(try registration(record, idempotent: true))))
        case .differentContent:
            throw APIError(.conflict, "release_id already exists with different immutable metadata")
        case .buildTaken:
            throw APIError(.conflict, "build_number already registered for platform")
        }
    }

    func registration(_ record: ReleaseRecord, idempotent: Bool) throws -> Components.Schemas.ReleaseRegistration {
        .init(success: true, idempotent: idempotent, releaseId: record.releaseId, manifestSha256: record.manifestSHA256,
              manifest: try ReleaseManifestRules.manifest(of: record))
    }

    func getRelease(_ input: Operations.GetRelease.Input) async throws -> Operations.GetRelease.Output {
        // The router hands the segment over percent-decoded; a literal `+` is never a space in a path.
        let id = input.path.releaseId
        guard let record = try await releases.release(id: id) else {
            throw APIError.notFound("release manifest does not exist")
        }
        let channels = try await releases.channels(targeting: id)
            .compactMap(Components.Schemas.ReleaseDetail.ChannelsPayloadPayload.init(rawValue:))
        return .ok(.init(body: .json(.init(success: true, manifest: try ReleaseManifestRules.manifest(of: record),
                                           manifestSha256: record.manifestSHA256, channels: channels))))
    }

    func listReleases(_ input: Operations.ListReleases.Input) async throws -> Operations.ListReleases.Output {
        let limit = input.query.limit ?? 20
        var v = Validator()
        v.range(limit, 1...100, at: ["query", "limit"])
        try v.check()
        var after: (build: Int64, releaseId: String)?
        if let cursor = input.query.cursor {
            guard let position = ReleaseCursor.decode(cursor) else { throw APIError.badRequest("invalid cursor") }
            after = position
        }
        // One row more than the page tells whether another page exists without a count.
        let rows = try await releases.list(platform: input.query.platform?.rawValue, after: after, limit: limit + 1)
        let page = Array(rows.prefix(limit))
        let next = rows.count > limit ? page.last.map { ReleaseCursor.encode(build: $0.buildNumber, releaseId: $0.releaseId) } : nil
        return .ok(.init(body: .json(Wire.ReleaseList(releases: try page.map(ReleaseManifestRules.manifest(of:)),
                                                      nextCursor: next))))
    }

    func getChannels(_ input: Operations.GetChannels.Input) async throws -> Operations.GetChannels.Output {
        let platform = input.query.platform.rawValue
        let (stable, beta) = try await releases.pointers(platform: platform)
        let history = try await releases.history(platform: platform, limit: 20).map {
            Wire.ChannelHistoryEntry(platform: $0.platform, channel: $0.channel, generation: $0.generation,
                                     releaseId: $0.releaseId, previousReleaseId: $0.previousReleaseId,
                                     operation: $0.operation, actor: $0.actor, reason: $0.reason,
                                     at: Timestamp.formatMilliseconds(micros: $0.at))
        }
        return .ok(.init(body: .json(.init(
            platform: platform, channels: .init(stable: PointerRules.wire(stable), beta: PointerRules.wire(beta)),
            history: history))))
    }

    func promoteChannel(_ input: Operations.PromoteChannel.Input) async throws -> Operations.PromoteChannel.Output {
        guard case .json(let change) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        var v = Validator()
        v.oneOf(change.platform, ReleasePlatforms.all, at: ["body", "platform"])
        v.oneOf(change.channel, ["stable", "beta"], at: ["body", "channel"])
        v.oneOf(change.operation, ["promote", "rollback"], at: ["body", "operation"])
        v.range(change.expectedGeneration, 0...Int64.max, at: ["body", "expected_generation"])
        v.length(change.reason, min: 1, max: 500, at: ["body", "reason"])
        v.length(change.actor, max: 100, at: ["body", "actor"])
        try v.check()
        let operation = change.operation ?? "promote"
        let request = PointerChangeRequest(platform: change.platform, channel: change.channel, releaseId: change.releaseId,
                                           operation: operation, actor: change.actor, reason: change.reason)
        let (pointer, changed) = try await releases.change(request, now: Clock.nowMicros()) { facts in
            try PointerRules.decide(change, operation: operation, facts: facts)
        }
        if changed { releaseCache.clear() }
        return .ok(.init(body: .json(.init(success: true, idempotent: !changed, pointer: PointerRules.wire(pointer)))))
    }

    func clearReleaseCache(_ input: Operations.ClearReleaseCache.Input) async throws
        -> Operations.ClearReleaseCache.Output {
        releaseCache.clear()
        return .ok(.init(body: .json(.init(success: true, message: "Desktop releases cache cleared successfully"))))
    }
}

enum ReleasePlatforms {
    static let all = ["macos", "windows", "linux"]
}

/// The keyset position after the last manifest of a page, opaque to clients: base64url of `build:release_id`.
enum ReleaseCursor {
    static func encode(build: Int64, releaseId: String) -> String {
        Data("\(build):\(releaseId)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ cursor: String) -> (build: Int64, releaseId: String)? {
        var text = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard cursor.count <= 200, let data = Data(base64Encoded: text), let plain = String(data: data, encoding: .utf8),
              let colon = plain.firstIndex(of: ":"), let build = Int64(plain[..<colon]), build > 0
        else { return nil }
        let id = String(plain[plain.index(after: colon)...])
        return id.isEmpty ? nil : (build, id)
    }
}
