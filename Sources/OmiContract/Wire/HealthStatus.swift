extension Wire {
    /// The `/health` and `/` body (conventions.md §15); the desktop decodes `service`, `mode` and `version`.
    public struct HealthStatus: Codable, Hashable, Sendable {
        public var status = "healthy"
        public var service = "omi-desktop-backend"
        public var mode = "cloud"
        public var version: String
        public var chatContractVersion = "1"
        public var runtimeImplementation = "swift"
        public var storage: String
        public var authMode: String
        public var releaseTag: String?
        public var releaseSha: String?
        public var releaseChannel: String?
        public var backendReleaseChannel: String?
        public var backendReleaseSha: String?

        public init(version: String, storage: String, authMode: String, releaseTag: String? = nil,
                    releaseSha: String? = nil, releaseChannel: String? = nil,
                    backendReleaseChannel: String? = nil, backendReleaseSha: String? = nil) {
            self.version = version
            self.storage = storage
            self.authMode = authMode
            self.releaseTag = releaseTag
            self.releaseSha = releaseSha
            self.releaseChannel = releaseChannel
            self.backendReleaseChannel = backendReleaseChannel
            self.backendReleaseSha = backendReleaseSha
        }

        enum CodingKeys: String, CodingKey {
            case status, service, mode, version, storage
            case chatContractVersion = "chat_contract_version"
            case runtimeImplementation = "runtime_implementation"
            case authMode = "auth_mode"
            case releaseTag = "release_tag"
            case releaseSha = "release_sha"
            case releaseChannel = "release_channel"
            case backendReleaseChannel = "backend_release_channel"
            case backendReleaseSha = "backend_release_sha"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(status, forKey: .status)
            try c.encode(service, forKey: .service)
            try c.encode(mode, forKey: .mode)
            try c.encode(version, forKey: .version)
            try c.encode(chatContractVersion, forKey: .chatContractVersion)
            try c.encode(runtimeImplementation, forKey: .runtimeImplementation)
            try c.encode(storage, forKey: .storage)
            try c.encode(authMode, forKey: .authMode)
            // The release keys are present only when their deployment setting is set.
            try c.encodeIfPresent(releaseTag, forKey: .releaseTag)
            try c.encodeIfPresent(releaseSha, forKey: .releaseSha)
            try c.encodeIfPresent(releaseChannel, forKey: .releaseChannel)
            try c.encodeIfPresent(backendReleaseChannel, forKey: .backendReleaseChannel)
            try c.encodeOrNull(backendReleaseSha, forKey: .backendReleaseSha)
        }
    }
}
