import OmiContract
import OmiStorage

/// The checks of a pointer change, in the order of platform.md §1.6, run on the locked pointer row.
enum PointerRules {
    static func decide(_ change: Wire.PointerChange, operation: String, facts: PointerFacts) throws -> PointerDecision {
        // 1. The manifest exists and belongs to the platform.
        guard let release = facts.release else { throw APIError.notFound("release manifest does not exist") }
        guard release.platform == change.platform else { throw APIError(.unprocessableContent, "release platform mismatch") }
        let pointer = facts.pointer
        // 2. Already in effect: a retry after a lost response, whatever generation it names.
        if pointer.releaseId == change.releaseId { return .unchanged }
        // 3. Compare-and-swap.
        if change.expectedGeneration != pointer.generation { throw conflict("generation mismatch", pointer) }
        if change.checksCurrentRelease && change.expectedCurrentReleaseId != pointer.releaseId {
            throw conflict("current release mismatch", pointer)
        }
        // 4. Stable never beta (U4).
        if change.channel == "stable" {
            let manifest = try? ReleaseManifestRules.manifest(of: release)
            if manifest?.betaOnly ?? true { throw APIError(.conflict, "stable never beta: release is beta-only") }
            if !facts.wasOnBeta { throw APIError(.conflict, "stable never beta: release was never promoted to beta") }
        }
        switch operation {
        case "rollback":
            // 6. Back only to an earlier target of this very pointer, with a reason.
            guard let current = pointer.target, facts.wasOnThisChannel, release.buildNumber < current.buildNumber else {
                throw APIError(.conflict, "rollback target was never a target of this channel")
            }
            guard let reason = change.reason, !reason.isEmpty else {
                throw ValidationError([.init(type: "missing", loc: ["body", "reason"], msg: "Field required for rollback",
                                             input: nil, ctx: nil)])
            }
        default:
            // 5. Forward only (U5).
            if let current = pointer.target, release.buildNumber <= current.buildNumber {
                throw APIError(.conflict, "channel pointers are roll-forward only")
            }
        }
        return .write
    }

    static func conflict(_ detail: String, _ pointer: PointerRecord) -> APIError {
        var error = APIError(.conflict, detail)
        if let json = try? Wire.JSONValue(encoding: wire(pointer)) { error.extra = ["pointer": json] }
        return error
    }

    static func wire(_ pointer: PointerRecord) -> Wire.ChannelPointer {
        var wire = Wire.ChannelPointer(platform: pointer.platform, channel: pointer.channel)
        wire.releaseId = pointer.releaseId
        wire.generation = pointer.generation
        wire.updatedAt = pointer.updatedAt.map { Timestamp.formatMilliseconds(micros: $0) }
        if let target = pointer.target, let manifest = try? ReleaseManifestRules.manifest(of: target) {
            wire.version = manifest.version
            wire.buildNumber = manifest.buildNumber
        }
        return wire
    }
}
