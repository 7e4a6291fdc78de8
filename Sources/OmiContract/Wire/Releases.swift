extension Wire {
    /// An immutable release manifest (platform.md §1.1). Without `createdAt` its sorted-key JSON is the canonical
    /// form whose SHA-256 is `manifest_sha256`, so every optional key is written, as `null` when unset.
    public struct ReleaseManifest: Codable, Hashable, Sendable {
        public var releaseId: String
        public var platform: String
        public var version: String
        public var buildNumber: Int64
        public var updateUrl: String
        public var updateLength: Int64
        public var updateSha256: String
        @ExplicitNull public var edSignature: String?
        public var installerUrl: String
        @ExplicitNull public var installerSha256: String?
        @ExplicitNull public var minimumSystemVersion: String?
        public var critical = false
        public var betaOnly = false
        public var changelog: [String] = []
        @ExplicitNull public var releaseNotesUrl: String?
        @ExplicitNull public var sourceSha: String?
        public var publishedAt: String
        /// Server-set and outside the canonical form: nil while hashing, so the key is left out.
        public var createdAt: String?

        public init(releaseId: String, platform: String, version: String, buildNumber: Int64, updateUrl: String,
                    updateLength: Int64, updateSha256: String, installerUrl: String, publishedAt: String) {
            self.releaseId = releaseId
            self.platform = platform
            self.version = version
            self.buildNumber = buildNumber
            self.updateUrl = updateUrl
            self.updateLength = updateLength
            self.updateSha256 = updateSha256
            self.installerUrl = installerUrl
            self.publishedAt = publishedAt
        }

        enum CodingKeys: String, CodingKey {
            case releaseId = "release_id", platform, version, buildNumber = "build_number", updateUrl = "update_url"
            case updateLength = "update_length", updateSha256 = "update_sha256", edSignature = "ed_signature"
            case installerUrl = "installer_url", installerSha256 = "installer_sha256"
            case minimumSystemVersion = "minimum_system_version", critical, betaOnly = "beta_only", changelog
            case releaseNotesUrl = "release_notes_url", sourceSha = "source_sha", publishedAt = "published_at"
            case createdAt = "created_at"
        }
    }

    /// One page of manifests; `next_cursor` is `null` on the last page.
    public struct ReleaseList: Codable, Hashable, Sendable {
        public var releases: [ReleaseManifest]
        @ExplicitNull public var nextCursor: String?

        public init(releases: [ReleaseManifest], nextCursor: String?) {
            self.releases = releases
            self.nextCursor = nextCursor
        }

        enum CodingKeys: String, CodingKey { case releases, nextCursor = "next_cursor" }
    }

    /// A channel pointer; an unset one has generation 0 and nulls everywhere else.
    public struct ChannelPointer: Codable, Hashable, Sendable {
        public var platform: String
        public var channel: String
        @ExplicitNull public var releaseId: String?
        @ExplicitNull public var version: String?
        @ExplicitNull public var buildNumber: Int64?
        public var generation: Int64 = 0
        @ExplicitNull public var updatedAt: String?

        public init(platform: String, channel: String) {
            self.platform = platform
            self.channel = channel
        }

        enum CodingKeys: String, CodingKey {
            case platform, channel, releaseId = "release_id", version, buildNumber = "build_number", generation
            case updatedAt = "updated_at"
        }
    }

    /// One row of the append-only pointer history.
    public struct ChannelHistoryEntry: Codable, Hashable, Sendable {
        public var platform: String
        public var channel: String
        public var generation: Int64
        public var releaseId: String
        @ExplicitNull public var previousReleaseId: String?
        public var operation: String
        @ExplicitNull public var actor: String?
        @ExplicitNull public var reason: String?
        public var at: String

        public init(platform: String, channel: String, generation: Int64, releaseId: String, previousReleaseId: String?,
                    operation: String, actor: String?, reason: String?, at: String) {
            self.platform = platform
            self.channel = channel
            self.generation = generation
            self.releaseId = releaseId
            self.previousReleaseId = previousReleaseId
            self.operation = operation
            self.actor = actor
            self.reason = reason
            self.at = at
        }

        enum CodingKeys: String, CodingKey {
            case platform, channel, generation, releaseId = "release_id", previousReleaseId = "previous_release_id"
            case operation, actor, reason, at
        }
    }

    /// A pointer change request. `expected_current_release_id` has three states: absent (not checked), `null`
    /// ("currently unset") and a release id, so its presence is kept apart from its value.
    public struct PointerChange: Codable, Hashable, Sendable {
        public var platform: String
        public var channel: String
        public var releaseId: String
        public var operation: String?
        public var expectedGeneration: Int64
        public var checksCurrentRelease = false
        public var expectedCurrentReleaseId: String?
        public var reason: String?
        public var actor: String?

        public init(platform: String, channel: String, releaseId: String, operation: String? = nil,
                    expectedGeneration: Int64) {
            self.platform = platform
            self.channel = channel
            self.releaseId = releaseId
            self.operation = operation
            self.expectedGeneration = expectedGeneration
        }

        enum CodingKeys: String, CodingKey {
            case platform, channel, releaseId = "release_id", operation, expectedGeneration = "expected_generation"
            case expectedCurrentReleaseId = "expected_current_release_id", reason, actor
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            platform = try c.decode(String.self, forKey: .platform)
            channel = try c.decode(String.self, forKey: .channel)
            releaseId = try c.decode(String.self, forKey: .releaseId)
            operation = try c.decodeIfPresent(String.self, forKey: .operation)
            expectedGeneration = try c.decode(Int64.self, forKey: .expectedGeneration)
            checksCurrentRelease = c.contains(.expectedCurrentReleaseId)
            expectedCurrentReleaseId = try c.decodeIfPresent(String.self, forKey: .expectedCurrentReleaseId)
            reason = try c.decodeIfPresent(String.self, forKey: .reason)
            actor = try c.decodeIfPresent(String.self, forKey: .actor)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(platform, forKey: .platform)
            try c.encode(channel, forKey: .channel)
            try c.encode(releaseId, forKey: .releaseId)
            try c.encodeIfPresent(operation, forKey: .operation)
            try c.encode(expectedGeneration, forKey: .expectedGeneration)
            if checksCurrentRelease {
                if let expectedCurrentReleaseId { try c.encode(expectedCurrentReleaseId, forKey: .expectedCurrentReleaseId) }
                else { try c.encodeNil(forKey: .expectedCurrentReleaseId) }
            }
            try c.encodeIfPresent(reason, forKey: .reason)
            try c.encodeIfPresent(actor, forKey: .actor)
        }
    }
}
