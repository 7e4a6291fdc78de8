import Foundation

extension Wire {
    /// focus.md §1.1: `message` and `duration_seconds` always present, `null` when not given.
    public struct FocusSession: Codable, Hashable, Sendable {
        public var id: String
        public var status: String
        public var appOrSite: String
        public var description: String
        @ExplicitNull public var message: String?
        public var createdAt: Date
        @ExplicitNull public var durationSeconds: Int64?

        public init(id: String, status: String, appOrSite: String, description: String, message: String?,
                    createdAt: Date, durationSeconds: Int64?) {
            self.id = id
            self.status = status
            self.appOrSite = appOrSite
            self.description = description
            self.message = message
            self.createdAt = createdAt
            self.durationSeconds = durationSeconds
        }

        enum CodingKeys: String, CodingKey {
            case id, status, description, message
            case appOrSite = "app_or_site", createdAt = "created_at", durationSeconds = "duration_seconds"
        }
    }

    /// focus.md §3.1: every key present, optional values `null`.
    public struct Advice: Codable, Hashable, Sendable {
        public var id: String
        public var content: String
        public var category: String
        @ExplicitNull public var reasoning: String?
        @ExplicitNull public var sourceApp: String?
        public var confidence: Double
        @ExplicitNull public var contextSummary: String?
        @ExplicitNull public var currentActivity: String?
        public var createdAt: Date
        public var updatedAt: Date
        public var isRead: Bool
        public var isDismissed: Bool

        public init(id: String, content: String, category: String, reasoning: String?, sourceApp: String?,
                    confidence: Double, contextSummary: String?, currentActivity: String?, createdAt: Date,
                    updatedAt: Date, isRead: Bool, isDismissed: Bool) {
            self.id = id
            self.content = content
            self.category = category
            self.reasoning = reasoning
            self.sourceApp = sourceApp
            self.confidence = confidence
            self.contextSummary = contextSummary
            self.currentActivity = currentActivity
            self.createdAt = createdAt
            self.updatedAt = updatedAt
            self.isRead = isRead
            self.isDismissed = isDismissed
        }

        enum CodingKeys: String, CodingKey {
            case id, content, category, reasoning, confidence
            case sourceApp = "source_app", contextSummary = "context_summary", currentActivity = "current_activity"
            case createdAt = "created_at", updatedAt = "updated_at", isRead = "is_read", isDismissed = "is_dismissed"
        }
    }

    /// focus.md §2.4: camelCase, the device keys always present, `embedding` only when asked for.
    public struct ScreenActivityRow: Codable, Hashable, Sendable {
        public var id: String
        /// UTC with milliseconds.
        public var timestamp: String
        public var appName: String
        public var windowTitle: String
        public var ocrText: String
        public var localScreenshotId: String
        public var captureEligible: Bool
        public var accountGeneration: Int64
        @ExplicitNull public var deviceName: String?
        @ExplicitNull public var clientDeviceId: String?
        @ExplicitNull public var deviceRetentionSeconds: Int64?
        public var embedding: [Float]?
        /// Whether the reader asked for embeddings: then `embedding` is present, `null` for a row without one.
        public var embeddingIncluded = false

        public init(id: String, timestamp: String, appName: String, windowTitle: String, ocrText: String,
                    localScreenshotId: String, captureEligible: Bool, accountGeneration: Int64, deviceName: String?,
                    clientDeviceId: String?, deviceRetentionSeconds: Int64?, embedding: [Float]?) {
            self.id = id
            self.timestamp = timestamp
            self.appName = appName
            self.windowTitle = windowTitle
            self.ocrText = ocrText
            self.localScreenshotId = localScreenshotId
            self.captureEligible = captureEligible
            self.accountGeneration = accountGeneration
            self.deviceName = deviceName
            self.clientDeviceId = clientDeviceId
            self.deviceRetentionSeconds = deviceRetentionSeconds
            self.embedding = embedding
        }

        enum CodingKeys: String, CodingKey {
            case id, timestamp, appName, windowTitle, ocrText, localScreenshotId, captureEligible, accountGeneration
            case deviceName, clientDeviceId, deviceRetentionSeconds, embedding
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(timestamp, forKey: .timestamp)
            try c.encode(appName, forKey: .appName)
            try c.encode(windowTitle, forKey: .windowTitle)
            try c.encode(ocrText, forKey: .ocrText)
            try c.encode(localScreenshotId, forKey: .localScreenshotId)
            try c.encode(captureEligible, forKey: .captureEligible)
            try c.encode(accountGeneration, forKey: .accountGeneration)
            try c.encode(_deviceName, forKey: .deviceName)
            try c.encode(_clientDeviceId, forKey: .clientDeviceId)
            try c.encode(_deviceRetentionSeconds, forKey: .deviceRetentionSeconds)
            if embeddingIncluded { try c.encode(ExplicitNull(wrappedValue: embedding), forKey: .embedding) }
        }
    }
}
