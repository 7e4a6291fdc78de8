/// A stored manifest: its canonical JSON text and the columns kept beside it.
public struct ReleaseRecord: Sendable, Equatable {
    public var releaseId: String
    public var platform: String
    public var buildNumber: Int64
    public var manifest: String
    public var manifestSHA256: String
    public var createdAt: Int64

    public init(releaseId: String, platform: String, buildNumber: Int64, manifest: String, manifestSHA256: String,
                createdAt: Int64) {
        self.releaseId = releaseId
        self.platform = platform
        self.buildNumber = buildNumber
        self.manifest = manifest
        self.manifestSHA256 = manifestSHA256
        self.createdAt = createdAt
    }
}

/// One channel pointer; `releaseId` nil and generation 0 before the first promotion.
public struct PointerRecord: Sendable, Equatable {
    public var platform: String
    public var channel: String
    public var releaseId: String?
    public var generation: Int64
    public var updatedAt: Int64?
    public var updatedBy: String?
    public var reason: String?
    /// The target's manifest, read in the same query.
    public var target: ReleaseRecord?

    public init(platform: String, channel: String) {
        self.platform = platform
        self.channel = channel
        self.generation = 0
    }
}

public struct PointerHistoryRecord: Sendable, Equatable {
    public var platform: String
    public var channel: String
    public var generation: Int64
    public var releaseId: String
    public var previousReleaseId: String?
    public var operation: String
    public var actor: String?
    public var reason: String?
    public var at: Int64
}

/// The outcome of registering a manifest (U1).
public enum RegistrationOutcome: Sendable, Equatable {
    case created(ReleaseRecord)
    /// The same canonical content was already registered; the stored record, `created_at` unchanged.
    case identical(ReleaseRecord)
    case differentContent
    case buildTaken
}

/// What a pointer change asks for; the rules themselves are the caller's (`decide`), run inside the transaction.
public struct PointerChangeRequest: Sendable {
    public var platform: String
    public var channel: String
    public var releaseId: String
    public var operation: String
    public var actor: String?
    public var reason: String?

    public init(platform: String, channel: String, releaseId: String, operation: String, actor: String?, reason: String?) {
        self.platform = platform
        self.channel = channel
        self.releaseId = releaseId
        self.operation = operation
        self.actor = actor
        self.reason = reason
    }
}

/// What the rules may consult about a pointer while its row is locked.
public struct PointerFacts: Sendable {
    public var pointer: PointerRecord
    public var release: ReleaseRecord?
    /// Whether the release was ever a target of this platform's beta pointer.
    public var wasOnBeta: Bool
    /// Whether the release was ever a target of this pointer.
    public var wasOnThisChannel: Bool
}

public enum PointerDecision: Sendable {
    /// Nothing to write: the pointer already targets the release.
    case unchanged
    case write
}
