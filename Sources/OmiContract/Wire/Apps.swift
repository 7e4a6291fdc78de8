import Foundation

extension Wire {
    /// An app as the desktop's `OmiApp` (apps.md §2.1) or, with `details`, its `OmiAppDetails` (§2.2). Every key is
    /// present, `null` where unset; list items carry no prompts, email or twitter.
    public struct App: Codable, Hashable, Sendable {
        public var id: String
        public var name = ""
        public var description = ""
        public var image = ""
        public var category = "other"
        public var author = ""
        public var capabilities: [String] = []
        public var approved = true
        public var `private` = false
        public var installs = 0
        public var ratingAvg: Double?
        public var ratingCount = 0
        public var isPaid = false
        public var price: Double?
        public var enabled = false
        public var status = "approved"
        public var uid: String?
        public var username: String?
        public var isPopular = false
        public var createdAt: Date?
        public var externalIntegration: JSONValue?
        public var proactiveNotification: JSONValue?
        /// Whether the detail keys below are sent.
        public var details = false
        public var email: String?
        public var chatPrompt: String?
        public var memoryPrompt: String?
        public var personaPrompt: String?
        public var paymentPlan: String?
        public var twitter: String?
        public var disabled = false

        public init(id: String) { self.id = id }

        enum CodingKeys: String, CodingKey {
            case id, name, description, image, category, author, capabilities, approved, installs, enabled, status, uid
            case username, price, email, twitter, disabled
            case `private` = "private", ratingAvg = "rating_avg", ratingCount = "rating_count", isPaid = "is_paid"
            case isPopular = "is_popular", createdAt = "created_at", externalIntegration = "external_integration"
            case proactiveNotification = "proactive_notification", chatPrompt = "chat_prompt"
            case memoryPrompt = "memory_prompt", personaPrompt = "persona_prompt", paymentPlan = "payment_plan"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
            description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
            image = try c.decodeIfPresent(String.self, forKey: .image) ?? ""
            category = try c.decodeIfPresent(String.self, forKey: .category) ?? "other"
            author = try c.decodeIfPresent(String.self, forKey: .author) ?? ""
            capabilities = try c.decodeIfPresent([String].self, forKey: .capabilities) ?? []
            approved = try c.decodeIfPresent(Bool.self, forKey: .approved) ?? false
            `private` = try c.decodeIfPresent(Bool.self, forKey: .private) ?? false
            installs = try c.decodeIfPresent(Int.self, forKey: .installs) ?? 0
            ratingAvg = try c.decodeIfPresent(Double.self, forKey: .ratingAvg)
            ratingCount = try c.decodeIfPresent(Int.self, forKey: .ratingCount) ?? 0
            isPaid = try c.decodeIfPresent(Bool.self, forKey: .isPaid) ?? false
            price = try c.decodeIfPresent(Double.self, forKey: .price)
            enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? false
            status = try c.decodeIfPresent(String.self, forKey: .status) ?? "under-review"
            uid = try c.decodeIfPresent(String.self, forKey: .uid)
            username = try c.decodeIfPresent(String.self, forKey: .username)
            isPopular = try c.decodeIfPresent(Bool.self, forKey: .isPopular) ?? false
            createdAt = try c.decodeIfPresent(Date.self, forKey: .createdAt)
            externalIntegration = try c.decodeIfPresent(JSONValue.self, forKey: .externalIntegration)
            proactiveNotification = try c.decodeIfPresent(JSONValue.self, forKey: .proactiveNotification)
            details = c.contains(.chatPrompt) || c.contains(.disabled)
            email = try c.decodeIfPresent(String.self, forKey: .email)
            chatPrompt = try c.decodeIfPresent(String.self, forKey: .chatPrompt)
            memoryPrompt = try c.decodeIfPresent(String.self, forKey: .memoryPrompt)
            personaPrompt = try c.decodeIfPresent(String.self, forKey: .personaPrompt)
            paymentPlan = try c.decodeIfPresent(String.self, forKey: .paymentPlan)
            twitter = try c.decodeIfPresent(String.self, forKey: .twitter)
            disabled = try c.decodeIfPresent(Bool.self, forKey: .disabled) ?? false
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(name, forKey: .name)
            try c.encode(description, forKey: .description)
            try c.encode(image, forKey: .image)
            try c.encode(category, forKey: .category)
            try c.encode(author, forKey: .author)
            try c.encode(capabilities, forKey: .capabilities)
            try c.encode(approved, forKey: .approved)
            try c.encode(`private`, forKey: .private)
            try c.encode(installs, forKey: .installs)
            try c.encodeOrNull(ratingAvg, forKey: .ratingAvg)
            try c.encode(ratingCount, forKey: .ratingCount)
            try c.encode(isPaid, forKey: .isPaid)
            try c.encodeOrNull(price, forKey: .price)
            try c.encode(enabled, forKey: .enabled)
            try c.encode(status, forKey: .status)
            try c.encodeOrNull(uid, forKey: .uid)
            try c.encodeOrNull(username, forKey: .username)
            try c.encode(isPopular, forKey: .isPopular)
            try c.encodeOrNull(createdAt, forKey: .createdAt)
            try c.encodeOrNull(externalIntegration, forKey: .externalIntegration)
            try c.encodeOrNull(proactiveNotification, forKey: .proactiveNotification)
            guard details else { return }
            try c.encodeOrNull(email, forKey: .email)
            try c.encodeOrNull(chatPrompt, forKey: .chatPrompt)
            try c.encodeOrNull(memoryPrompt, forKey: .memoryPrompt)
            try c.encodeOrNull(personaPrompt, forKey: .personaPrompt)
            try c.encodeOrNull(paymentPlan, forKey: .paymentPlan)
            try c.encodeOrNull(twitter, forKey: .twitter)
            try c.encode(disabled, forKey: .disabled)
        }
    }

    /// apps.md §2.4; the POST answer adds `status`.
    public struct AppReview: Codable, Hashable, Sendable {
        public var uid: String
        public var score: Int
        public var review: String
        @ExplicitNull public var response: String?
        public var ratedAt: Date
        @ExplicitNull public var editedAt: Date?
        public var status: String?

        public init(uid: String, score: Int, review: String, response: String?, ratedAt: Date, editedAt: Date?,
                    status: String? = nil) {
            self.uid = uid
            self.score = score
            self.review = review
            self.response = response
            self.ratedAt = ratedAt
            self.editedAt = editedAt
            self.status = status
        }

        enum CodingKeys: String, CodingKey {
            case uid, score, review, response, status
            case ratedAt = "rated_at", editedAt = "edited_at"
        }
    }

    /// apps.md §2.8.
    public struct Persona: Codable, Hashable, Sendable {
        public var id: String
        public var uid: String
        public var name: String
        @ExplicitNull public var username: String?
        public var description: String
        public var image: String
        public var category = "personality-emulation"
        public var capabilities = ["persona"]
        @ExplicitNull public var personaPrompt: String?
        public var approved: Bool
        public var status: String
        public var `private`: Bool
        public var author: String
        @ExplicitNull public var email: String?
        public var createdAt: Date
        public var updatedAt: Date
        public var publicMemoriesCount: Int

        public init(id: String, uid: String, name: String, username: String?, description: String, image: String,
                    personaPrompt: String?, approved: Bool, status: String, private: Bool, author: String,
                    email: String?, createdAt: Date, updatedAt: Date, publicMemoriesCount: Int) {
            self.id = id
            self.uid = uid
            self.name = name
            self.username = username
            self.description = description
            self.image = image
            self.personaPrompt = personaPrompt
            self.approved = approved
            self.status = status
            self.private = `private`
            self.author = author
            self.email = email
            self.createdAt = createdAt
            self.updatedAt = updatedAt
            self.publicMemoriesCount = publicMemoriesCount
        }

        enum CodingKeys: String, CodingKey {
            case id, uid, name, username, description, image, category, capabilities, approved, status, author, email
            case `private` = "private", personaPrompt = "persona_prompt", createdAt = "created_at"
            case updatedAt = "updated_at", publicMemoriesCount = "public_memories_count"
        }
    }

    /// The persona, or the JSON literal `null` (apps.md §7.14).
    public struct OptionalPersona: Codable, Hashable, Sendable {
        public var persona: Persona?

        public init(_ persona: Persona?) { self.persona = persona }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            persona = c.decodeNil() ? nil : try c.decode(Persona.self)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            if let persona { try c.encode(persona) } else { try c.encodeNil() }
        }
    }
}
