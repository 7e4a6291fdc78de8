import Foundation

/// One entry of the operator's app catalogue (apps.md §4.2). Catalogue apps are always approved, public and
/// ownerless; installs and ratings are derived from stored rows, never from the file.
struct CatalogApp: Sendable, Equatable {
    struct AuthStep: Sendable, Equatable {
        var name: String
        var url: String
    }

    struct ExternalIntegration: Sendable, Equatable {
        var authSteps: [AuthStep] = []
        var setupCompletedUrl: String?
        var setupInstructionsFilePath: String?
        var appHomeUrl: String?
        var isInstructionsUrl: Bool?
        var triggersOn: String?
        /// Kept for the integration itself; never emitted.
        var webhookUrl: String?
    }

    var id: String
    var name: String
    var description = ""
    var image = ""
    var author = ""
    var email: String?
    var category = "other"
    var capabilities: [String]
    var chatPrompt: String?
    var memoryPrompt: String?
    var externalIntegration: ExternalIntegration?
    var notificationScopes: [String]?
    var isPopular = false
    var isPaid = false
    var price: Double?
    var paymentPlan: String?
    var username: String?
    var twitter: String?
    var createdAt: Int64?
    var disabled = false

    init(id: String, name: String, capabilities: [String]) {
        self.id = id
        self.name = name
        self.capabilities = capabilities
    }

    /// A notification app (apps.md §3.6): it notifies, or it integrates without setup steps and neither chats nor
    /// summarises.
    var isNotificationApp: Bool {
        if capabilities.contains("proactive_notification") { return true }
        return capabilities.contains("external_integration") && (externalIntegration?.authSteps.isEmpty ?? true)
            && !capabilities.contains("chat") && !capabilities.contains("memories")
    }

    /// The one group of `/v2/apps` an app belongs to besides `popular`.
    var primaryCapability: String? {
        if isNotificationApp { return "proactive_notification" }
        if capabilities.contains("external_integration"), !(externalIntegration?.authSteps.isEmpty ?? true) {
            return "external_integration"
        }
        if capabilities.contains("chat") { return "chat" }
        if capabilities.contains("memories") { return "memories" }
        return nil
    }
}

/// The fixed lists of apps.md §2.5 and §2.6.
enum AppVocabulary {
    static let categories: [(id: String, title: String)] = [
        ("conversation-analysis", "Conversation Analysis"), ("personality-emulation", "Personality Clone"),
        ("health-and-wellness", "Health"), ("education-and-learning", "Education"),
        ("communication-improvement", "Communication"), ("emotional-and-mental-support", "Emotional Support"),
        ("productivity-and-organization", "Productivity"), ("entertainment-and-fun", "Entertainment"),
        ("financial", "Financial"), ("travel-and-exploration", "Travel"), ("safety-and-security", "Safety"),
        ("shopping-and-commerce", "Shopping"), ("social-and-relationships", "Social"),
        ("news-and-information", "News"), ("utilities-and-tools", "Utilities"), ("other", "Other"),
    ]
    static let capabilities = ["chat", "memories", "external_integration", "proactive_notification"]
    static let triggers = ["audio_bytes", "memory_creation", "transcript_processed"]
    static let scopes = ["user_name", "user_facts", "user_context", "user_chat"]
    /// Literal route segments under `/v1/apps/` that no app id may take.
    static let reservedIds: Set<String> = ["enabled", "enable", "disable", "review", "popular", "check-username"]
    /// `/v2/apps` groups, in order, with their titles.
    static let groups: [(id: String, title: String)] = [
        ("popular", "Featured"), ("external_integration", "Integrations"), ("chat", "Chat Assistants"),
        ("memories", "Summary Apps"), ("proactive_notification", "Realtime Notifications"),
    ]

    static func isAppId(_ id: String) -> Bool {
        id.wholeMatch(of: /[A-Za-z0-9][A-Za-z0-9._-]{0,99}/) != nil
    }

    static func isUsername(_ name: String) -> Bool {
        name.wholeMatch(of: /[a-z0-9_]{3,30}/) != nil
    }
}
