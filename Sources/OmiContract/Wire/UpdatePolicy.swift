extension Wire {
    /// The update-banner policy (platform.md §1.5): every key present, `null` where unset.
    public struct UpdatePolicy: Codable, Hashable, Sendable {
        public var id = "current"
        public var active = false
        public var severity = "none"
        @ExplicitNull public var maximumBuildNumber: Int64?
        @ExplicitNull public var latestBuildNumber: Int64?
        @ExplicitNull public var title: String?
        @ExplicitNull public var message: String?
        public var ctaText = "Download latest"
        public var downloadUrl: String
        public var canDismiss = true
        public var platforms: [String] = []

        public init(downloadUrl: String) { self.downloadUrl = downloadUrl }

        enum CodingKeys: String, CodingKey {
            case id, active, severity, title, message, platforms
            case maximumBuildNumber = "maximum_build_number", latestBuildNumber = "latest_build_number"
            case ctaText = "cta_text", downloadUrl = "download_url", canDismiss = "can_dismiss"
        }
    }
}
