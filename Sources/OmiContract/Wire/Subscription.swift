import Foundation

extension Wire {
    /// users.md §12.2: the plan with every key present.
    public struct SubscriptionResponse: Codable, Hashable, Sendable {
        public var subscription: Subscription
        public var transcriptionSecondsUsed = 0
        public var wordsTranscribedUsed = 0
        public var insightsGainedUsed = 0
        public var memoriesCreatedUsed = 0
        public var transcriptionSecondsLimit = 0
        public var wordsTranscribedLimit = 0
        public var insightsGainedLimit = 0
        public var memoriesCreatedLimit = 0
        public var availablePlans: [JSONValue] = []
        public var showSubscriptionUi = false
        public var chatQuotaUsed: Double
        public var chatQuotaUnit: String
        public var chatQuotaPercent: Double
        public var chatQuotaAllowed: Bool
        @ExplicitNull public var chatQuotaResetAt: Int64?
        @ExplicitNull public var phoneCallQuota: JSONValue?
        @ExplicitNull public var desktopGrandfatherUntil: Int64?
        public var transcriptionAllowance = TranscriptionAllowance()

        public init(subscription: Subscription, quota: UsageQuota) {
            self.subscription = subscription
            chatQuotaUsed = quota.used
            chatQuotaUnit = quota.unit
            chatQuotaPercent = quota.percent
            chatQuotaAllowed = quota.allowed
            chatQuotaResetAt = quota.resetAt
        }

        enum CodingKeys: String, CodingKey {
            case subscription
            case transcriptionSecondsUsed = "transcription_seconds_used", wordsTranscribedUsed = "words_transcribed_used"
            case insightsGainedUsed = "insights_gained_used", memoriesCreatedUsed = "memories_created_used"
            case transcriptionSecondsLimit = "transcription_seconds_limit"
            case wordsTranscribedLimit = "words_transcribed_limit", insightsGainedLimit = "insights_gained_limit"
            case memoriesCreatedLimit = "memories_created_limit", availablePlans = "available_plans"
            case showSubscriptionUi = "show_subscription_ui", chatQuotaUsed = "chat_quota_used"
            case chatQuotaUnit = "chat_quota_unit", chatQuotaPercent = "chat_quota_percent"
            case chatQuotaAllowed = "chat_quota_allowed", chatQuotaResetAt = "chat_quota_reset_at"
            case phoneCallQuota = "phone_call_quota", desktopGrandfatherUntil = "desktop_grandfather_until"
            case transcriptionAllowance = "transcription_allowance"
        }
    }

    public struct Subscription: Codable, Hashable, Sendable {
        public var plan: String
        public var status = "active"
        @ExplicitNull public var currentPeriodEnd: Int64?
        @ExplicitNull public var currentPeriodStart: Int64?
        @ExplicitNull public var stripeSubscriptionId: String?
        @ExplicitNull public var currentPriceId: String?
        public var features: [String]
        public var cancelAtPeriodEnd = false
        public var limits: PlanLimits
        public var deprecated = false
        @ExplicitNull public var deprecationMessage: String?

        public init(plan: String, features: [String], limits: PlanLimits) {
            self.plan = plan
            self.features = features
            self.limits = limits
        }

        enum CodingKeys: String, CodingKey {
            case plan, status, features, limits, deprecated
            case currentPeriodEnd = "current_period_end", currentPeriodStart = "current_period_start"
            case stripeSubscriptionId = "stripe_subscription_id", currentPriceId = "current_price_id"
            case cancelAtPeriodEnd = "cancel_at_period_end", deprecationMessage = "deprecation_message"
        }
    }

    public struct PlanLimits: Codable, Hashable, Sendable {
        @ExplicitNull public var transcriptionSeconds: Int64?
        @ExplicitNull public var wordsTranscribed: Int64?
        @ExplicitNull public var insightsGained: Int64?
        @ExplicitNull public var memoriesCreated: Int64?
        @ExplicitNull public var chatQuestionsPerMonth: Int64?
        @ExplicitNull public var chatCostUsdPerMonth: Double?

        public init(chatQuestionsPerMonth: Int64?) { self.chatQuestionsPerMonth = chatQuestionsPerMonth }

        enum CodingKeys: String, CodingKey {
            case transcriptionSeconds = "transcription_seconds", wordsTranscribed = "words_transcribed"
            case insightsGained = "insights_gained", memoriesCreated = "memories_created"
            case chatQuestionsPerMonth = "chat_questions_per_month", chatCostUsdPerMonth = "chat_cost_usd_per_month"
        }
    }

    public struct TranscriptionAllowance: Codable, Hashable, Sendable {
        public var mode = "managed"
        @ExplicitNull public var remainingSeconds: Int64?
        public var reason = ""

        public init() {}

        enum CodingKeys: String, CodingKey {
            case mode, reason
            case remainingSeconds = "remaining_seconds"
        }
    }

    /// users.md §12.5: a self-hosted server charges no overage.
    public struct OverageInfo: Codable, Hashable, Sendable {
        public var plan: String
        public var planType: String
        public var isOveragePlan = false
        @ExplicitNull public var includedQuestions: Int64?
        @ExplicitNull public var includedCostUsd: Double?
        public var usedQuestions: Int
        public var excessQuestions = 0
        public var realCostUsd = 0.0
        public var overageUsd = 0.0
        public var markupMultiplier = 1.0
        public var markupPercent = 0.0
        @ExplicitNull public var resetAt: Int64?
        public var explainerTitle = "No overage charges"
        public var explainerBody = "This server does not bill for usage. Questions beyond your plan are never charged."
        public var providerReferenceRates: [String: JSONValue] = [:]
        public var byokAvailable = true

        public init(plan: String, planType: String, includedQuestions: Int64?, usedQuestions: Int, resetAt: Int64?) {
            self.plan = plan
            self.planType = planType
            self.includedQuestions = includedQuestions
            self.usedQuestions = usedQuestions
            self.resetAt = resetAt
        }

        enum CodingKeys: String, CodingKey {
            case plan
            case planType = "plan_type", isOveragePlan = "is_overage_plan", includedQuestions = "included_questions"
            case includedCostUsd = "included_cost_usd", usedQuestions = "used_questions"
            case excessQuestions = "excess_questions", realCostUsd = "real_cost_usd", overageUsd = "overage_usd"
            case markupMultiplier = "markup_multiplier", markupPercent = "markup_percent", resetAt = "reset_at"
            case explainerTitle = "explainer_title", explainerBody = "explainer_body"
            case providerReferenceRates = "provider_reference_rates", byokAvailable = "byok_available"
        }
    }
}
