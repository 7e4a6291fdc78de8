import Foundation

extension Wire {
    /// The profile projection of users.md §2.1: every key present, `null` when unset.
    public struct UserProfile: Codable, Hashable, Sendable {
        public var uid: String
        @ExplicitNull public var email: String?
        @ExplicitNull public var name: String?
        @ExplicitNull public var timeZone: String?
        @ExplicitNull public var createdAt: Date?
        @ExplicitNull public var motivation: String?
        @ExplicitNull public var useCase: String?
        @ExplicitNull public var job: String?
        @ExplicitNull public var company: String?

        public init(uid: String, email: String?, name: String?, timeZone: String?, createdAt: Date?,
                    motivation: String?, useCase: String?, job: String?, company: String?) {
            self.uid = uid
            self.email = email
            self.name = name
            self.timeZone = timeZone
            self.createdAt = createdAt
            self.motivation = motivation
            self.useCase = useCase
            self.job = job
            self.company = company
        }

        enum CodingKeys: String, CodingKey {
            case uid, email, name, motivation, job, company
            case timeZone = "time_zone", createdAt = "created_at", useCase = "use_case"
        }
    }

    /// users.md §4.1; the PATCH answer adds `status`.
    public struct TranscriptionPreferences: Codable, Hashable, Sendable {
        public var status: String?
        public var singleLanguageMode: Bool
        public var vocabulary: [String]
        public var language: String
        public var usesCustomStt = false
        @ExplicitNull public var customSttSince: Date?

        public init(status: String? = nil, singleLanguageMode: Bool, vocabulary: [String], language: String) {
            self.status = status
            self.singleLanguageMode = singleLanguageMode
            self.vocabulary = vocabulary
            self.language = language
        }

        enum CodingKeys: String, CodingKey {
            case status, vocabulary, language
            case singleLanguageMode = "single_language_mode", usesCustomStt = "uses_custom_stt"
            case customSttSince = "custom_stt_since"
        }
    }

    public struct AIProfile: Codable, Hashable, Sendable {
        public var profileText: String
        /// UTC with millisecond precision, as the desktop writes it (users.md §10.2).
        public var generatedAt: String
        public var dataSourcesUsed: Int

        public init(profileText: String, generatedAt: String, dataSourcesUsed: Int) {
            self.profileText = profileText
            self.generatedAt = generatedAt
            self.dataSourcesUsed = dataSourcesUsed
        }

        enum CodingKeys: String, CodingKey {
            case profileText = "profile_text", generatedAt = "generated_at", dataSourcesUsed = "data_sources_used"
        }
    }

    /// The AI profile, or the JSON literal `null` when none is stored (users.md §10.1).
    public struct OptionalAIProfile: Codable, Hashable, Sendable {
        public var profile: AIProfile?

        public init(_ profile: AIProfile?) { self.profile = profile }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            profile = c.decodeNil() ? nil : try c.decode(AIProfile.self)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            if let profile { try c.encode(profile) } else { try c.encodeNil() }
        }
    }

    /// users.md §12.3.
    public struct UsageQuota: Codable, Hashable, Sendable {
        public var plan: String
        public var planType: String
        public var unit = "questions"
        public var used: Double
        @ExplicitNull public var limit: Double?
        public var percent: Double
        public var allowed: Bool
        @ExplicitNull public var resetAt: Int64?
        public var isOveragePlan = false

        public init(plan: String, planType: String, used: Double, limit: Double?, percent: Double, allowed: Bool,
                    resetAt: Int64?) {
            self.plan = plan
            self.planType = planType
            self.used = used
            self.limit = limit
            self.percent = percent
            self.allowed = allowed
            self.resetAt = resetAt
        }

        enum CodingKeys: String, CodingKey {
            case plan, unit, used, limit, percent, allowed
            case planType = "plan_type", resetAt = "reset_at", isOveragePlan = "is_overage_plan"
        }
    }

    /// A person (users.md §14): `speech_sample_transcripts` is `null` when none exist.
    public struct Person: Codable, Hashable, Sendable {
        public var id: String
        public var name: String
        public var createdAt: Date
        public var updatedAt: Date
        public var speechSamples: [String]
        @ExplicitNull public var speechSampleTranscripts: [String]?
        public var speechSamplesVersion = 3

        public init(id: String, name: String, createdAt: Date, updatedAt: Date, speechSamples: [String],
                    speechSampleTranscripts: [String]?) {
            self.id = id
            self.name = name
            self.createdAt = createdAt
            self.updatedAt = updatedAt
            self.speechSamples = speechSamples
            self.speechSampleTranscripts = speechSampleTranscripts
        }

        enum CodingKeys: String, CodingKey {
            case id, name
            case createdAt = "created_at", updatedAt = "updated_at", speechSamples = "speech_samples"
            case speechSampleTranscripts = "speech_sample_transcripts", speechSamplesVersion = "speech_samples_version"
        }
    }

    /// users.md §12.7: a self-hosted server runs no trial.
    public struct TrialStatus: Codable, Hashable, Sendable {
        @ExplicitNull public var trialStartedAt: Date?
        @ExplicitNull public var trialEndsAt: Date?
        public var trialRemainingSeconds = 0
        public var trialExpired = false
        public var trialDurationSeconds = 0
        public var trialFeatures: [String] = []
        public var planAfterTrial: String

        public init(planAfterTrial: String) { self.planAfterTrial = planAfterTrial }

        enum CodingKeys: String, CodingKey {
            case trialStartedAt = "trial_started_at", trialEndsAt = "trial_ends_at"
            case trialRemainingSeconds = "trial_remaining_seconds", trialExpired = "trial_expired"
            case trialDurationSeconds = "trial_duration_seconds", trialFeatures = "trial_features"
            case planAfterTrial = "plan_after_trial"
        }
    }
}
