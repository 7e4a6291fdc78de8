import Foundation
import Logging
import OmiStorage

/// Every setting of the server, read in one place from the environment (README "Configuration" lists them).
public struct Settings: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var dataDirectory = "./data"
    /// A `postgres://` URL; when unset the embedded SQLite database in `dataDirectory` is used.
    public var databaseURL: String?
    public var databaseMaxConnections: Int?
    public var logLevel: Logger.Level = .info

    public var firebaseProjectId: String?
    public var authClockSkewSeconds = 60
    public var authKeysURL = "https://www.googleapis.com/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com"
    public var authImpersonationKey: String?
    public var authDevMode = false
    public var firebaseAuthEmulatorHost: String?

    public var mountPrefix: String?
    public var legacyMountPrefix: String?
    public var publicBaseURL: String?
    public var shareBaseURL = "https://h.omi.me"
    /// `TASK_SHARE_BASE_URL` (tasks.md §1.12) when set; task links otherwise use `SHARE_BASE_URL` like chat links.
    public var taskShareBaseURLOverride: String?
    public var taskShareBaseURL: String {
        get { taskShareBaseURLOverride ?? shareBaseURL }
        set { taskShareBaseURLOverride = newValue }
    }
    public var byokHeartbeatTTLSeconds = 604_800
    public var maxRequestBytes = 4 * 1024 * 1024
    /// How long SIGTERM waits for requests in flight before cutting them; under the 30 s a container platform
    /// usually grants before SIGKILL, and no shorter than the desktop's own 30 s request timeout needs in practice.
    public var shutdownGraceSeconds = 25
    public var rateLimitEnabled = true
    public var rateLimitMultiplier = 10
    public var desktopPaywallEnabled = false
    public var trialLengthSeconds = 259_200
    public var planEnforcementEnabled = false
    public var corsAllowedOrigins: [String] = []

    /// The one plan every user is on without a payment provider (users.md §12.1).
    public var selfHostedPlanType = "unlimited"
    public var selfHostedPlanName = "Unlimited"
    public var selfHostedChatQuestionsPerMonth: Int?
    /// Keys handed to the desktop by `/v1/config/api-keys` (users.md §17); provider secrets only when
    /// `serveLegacyProviderKeys` is set, for builds from before the provider proxy.
    public var firebaseAPIKey: String?
    public var googleCalendarAPIKey: String?
    public var geminiAPIKey: String?
    public var deepgramAPIKey: String?
    public var anthropicAPIKey: String?
    public var serveLegacyProviderKeys = false
    /// Days a screen-activity row is kept after its capture; 0 keeps rows until account deletion (focus.md §2.7).
    public var screenActivityRetentionDays = 30
    /// `SCREEN_ACTIVITY_STORAGE=off` validates and discards uploads, for deployments that keep captures on the Mac.
    public var screenActivityStorage = true
    /// The operator's app catalogue (apps.md §4); the built-in default when unset.
    public var appsCatalogPath: String?
    /// HMAC key for stored BYOK fingerprints (users.md §13.1); plain fingerprints are stored without it.
    public var byokFingerprintPepper: String?

    /// The admin secret of the release and update-policy routes (`X-Release-Secret`); unset refuses every admin call.
    public var releaseSecret: String?
    /// The body of `/.well-known/apple-developer-domain-association.txt` (platform.md §4.3); empty when unset.
    public var appleDomainAssociation: String?
    public var releaseTag: String?
    public var releaseSha: String?
    public var releaseChannel: String?
    public var backendReleaseChannel: String?
    public var backendReleaseSha: String?

    /// The per-user agent VM and its provisioner (platform.md §2).
    public var agentVM = AgentVMSettings()
    /// The Gemini proxy's upstream, limits and timeouts (platform.md §3.2).
    public var gemini = GeminiProxySettings()
    public var transcription = TranscriptionSettings()
    /// How long a request that processes a conversation waits for the model before answering `processing` and letting
    /// the job finish in the background (knowledge.md §2.5: the desktop gives up at 30 s). Not an environment setting:
    /// the bound is the contract's; tests shorten it.
    public var conversationProcessingWait: Duration = .seconds(25)
    /// A conversation still `processing` this long after its last update has no job behind it any more (a killed
    /// server's): `StaleProcessingSweep` finishes it, at start and then every `staleProcessingSweepInterval`. Ten
    /// minutes is past any live job's model calls; a job still running for the user in this process goes first
    /// anyway. Not environment settings; tests change them.
    public var staleProcessingAfter: Duration = .seconds(600)
    public var staleProcessingSweepInterval: Duration = .seconds(60)
    /// A deletion's final pass (`DeletionCleanup`) runs this long after it: past the fence cache of other instances
    /// and any request or job admitted before the tombstone, so nothing they write outlives the account. Looked for
    /// at start and then every `deletionCleanupInterval`. Not environment settings; tests change them.
    public var deletionFinishAfter: Duration = .seconds(600)
    public var deletionCleanupInterval: Duration = .seconds(60)
    /// How long an instance reuses a uid's tombstone read (`AccountFence`): another instance's deletion reaches this
    /// one's fence within it. Not an environment setting; tests shorten it.
    public var tombstoneCacheTTL: Duration = .seconds(5)

    /// Text to speech (platform.md §3.4): the server's OpenAI key (unset answers 503 `TTS is not configured`), the
    /// API base, and the voice that replaces another provider's voice id in the older request body.
    public var openAIAPIKey: String?
    public var openAIAPIBase = "https://api.openai.com/v1"
    public var ttsFallbackVoice = "alloy"
    /// The upstream attempt timeouts, budget and backoffs; the spec's values, shortened only by tests.
    public var speechTimings = SpeechTimings()
    /// The language-model upstream of `/v2/chat/completions`, greeting and title (chat.md §4, §9).
    public var chat = ChatProviderSettings()

    /// Whether `HOST` was set explicitly (development mode warns when it is not loopback).
    public var hostIsExplicit = false

    public init() {}

    public static let planTypes = ["basic", "unlimited", "architect", "pro", "operator"]

    public var databaseLocation: DatabaseLocation {
        if let url = databaseURL { return .postgres(url: url) }
        return .sqlite(path: (dataDirectory as NSString).appendingPathComponent("omi.sqlite"))
    }

    /// Reads the settings from environment variables, reporting every problem at once.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> Settings {
        var reader = EnvironmentReader(env: env)
        var s = Settings()
        s.host = reader.string("HOST") ?? s.host
        s.hostIsExplicit = reader.string("HOST") != nil
        s.port = reader.int("PORT", range: 0...65535) ?? s.port
        s.dataDirectory = reader.string("DATA_DIR") ?? s.dataDirectory
        if let url = reader.string("DATABASE_URL") {
            if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
                s.databaseURL = url
            } else {
                reader.problems.append("DATABASE_URL must be a postgres:// URL (unset it to use SQLite in DATA_DIR)")
            }
        }
        s.databaseMaxConnections = reader.int("DATABASE_MAX_CONNECTIONS", range: 1...512)
        if let level = reader.string("LOG_LEVEL") {
            if let parsed = Logger.Level(rawValue: level.lowercased()) { s.logLevel = parsed }
            else { reader.problems.append("LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical") }
        }
        s.authDevMode = reader.bool("AUTH_DEV_MODE") ?? false
        s.firebaseProjectId = reader.string("FIREBASE_PROJECT_ID")
        if s.firebaseProjectId == nil && !s.authDevMode {
            reader.problems.append("FIREBASE_PROJECT_ID is required (or set AUTH_DEV_MODE=true for local development)")
        }
        s.authClockSkewSeconds = reader.int("AUTH_CLOCK_SKEW_SECONDS", range: 0...300) ?? s.authClockSkewSeconds
        s.authKeysURL = reader.string("AUTH_KEYS_URL") ?? s.authKeysURL
        if let key = reader.string("AUTH_IMPERSONATION_KEY") {
            if key.count < 32 { reader.problems.append("AUTH_IMPERSONATION_KEY must be at least 32 characters") }
            s.authImpersonationKey = key
        }
        s.firebaseAuthEmulatorHost = reader.string("FIREBASE_AUTH_EMULATOR_HOST")
        s.mountPrefix = reader.prefix("MOUNT_PREFIX")
        s.legacyMountPrefix = reader.prefix("LEGACY_MOUNT_PREFIX")
        s.publicBaseURL = reader.string("PUBLIC_BASE_URL")
        s.shareBaseURL = reader.string("SHARE_BASE_URL").map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 } ?? s.shareBaseURL
        s.taskShareBaseURLOverride = reader.string("TASK_SHARE_BASE_URL").map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        s.byokHeartbeatTTLSeconds = reader.int("BYOK_HEARTBEAT_TTL_SECONDS", range: 1...31_536_000) ?? s.byokHeartbeatTTLSeconds
        s.maxRequestBytes = reader.int("MAX_REQUEST_BYTES", range: 1024...(1 << 30)) ?? s.maxRequestBytes
        s.shutdownGraceSeconds = reader.int("SHUTDOWN_GRACE_SECONDS", range: 1...3600) ?? s.shutdownGraceSeconds
        s.rateLimitEnabled = reader.bool("RATE_LIMIT_ENABLED") ?? s.rateLimitEnabled
        s.rateLimitMultiplier = reader.int("RATE_LIMIT_MULTIPLIER", range: 1...100_000) ?? s.rateLimitMultiplier
        s.desktopPaywallEnabled = reader.bool("DESKTOP_PAYWALL_ENABLED") ?? s.desktopPaywallEnabled
        s.trialLengthSeconds = reader.int("TRIAL_LENGTH_SECONDS", range: 0...Int(Int32.max)) ?? s.trialLengthSeconds
        s.planEnforcementEnabled = reader.bool("PLAN_ENFORCEMENT_ENABLED") ?? s.planEnforcementEnabled
        if let origins = reader.string("CORS_ALLOWED_ORIGINS") {
            s.corsAllowedOrigins = origins.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
            if s.corsAllowedOrigins.contains("*") {
                reader.problems.append("CORS_ALLOWED_ORIGINS must list exact origins; * is not allowed")
            }
        }
        if let plan = reader.string("SELF_HOSTED_PLAN_TYPE") {
            // The desktop fails to decode any other plan string, so a typo must stop the server, not the app.
            if Self.planTypes.contains(plan) { s.selfHostedPlanType = plan }
            else { reader.problems.append("SELF_HOSTED_PLAN_TYPE must be one of \(Self.planTypes.joined(separator: ", "))") }
        }
        s.selfHostedPlanName = reader.string("SELF_HOSTED_PLAN_NAME") ?? s.selfHostedPlanName
        s.selfHostedChatQuestionsPerMonth = reader.int("SELF_HOSTED_CHAT_QUESTIONS_PER_MONTH", range: 1...Int(Int32.max))
        s.firebaseAPIKey = reader.string("FIREBASE_API_KEY")
        s.googleCalendarAPIKey = reader.string("GOOGLE_CALENDAR_API_KEY")
        s.geminiAPIKey = reader.string("GEMINI_API_KEY")
        s.deepgramAPIKey = reader.string("DEEPGRAM_API_KEY")
        s.anthropicAPIKey = reader.string("ANTHROPIC_API_KEY")
        s.serveLegacyProviderKeys = reader.bool("SERVE_LEGACY_PROVIDER_KEYS") ?? s.serveLegacyProviderKeys
        s.byokFingerprintPepper = reader.string("BYOK_FINGERPRINT_PEPPER")
        s.appsCatalogPath = reader.string("APPS_CATALOG_PATH")
        s.screenActivityRetentionDays = reader.int("SCREEN_ACTIVITY_RETENTION_DAYS", range: 0...36_500)
            ?? s.screenActivityRetentionDays
        if let storage = reader.string("SCREEN_ACTIVITY_STORAGE") {
            switch storage.lowercased() {
            case "on": s.screenActivityStorage = true
            case "off": s.screenActivityStorage = false
            default: reader.problems.append("SCREEN_ACTIVITY_STORAGE must be on or off")
            }
        }
        s.releaseSecret = reader.string("RELEASE_SECRET")
        if let secret = s.releaseSecret, secret.count < 32 {
            reader.problems.append("RELEASE_SECRET must be at least 32 characters")
        }
        s.appleDomainAssociation = reader.string("APPLE_DOMAIN_ASSOCIATION")
        s.releaseTag = reader.string("RELEASE_TAG")
        s.releaseSha = reader.string("RELEASE_SHA")
        s.releaseChannel = reader.string("RELEASE_CHANNEL")
        s.backendReleaseChannel = reader.string("BACKEND_RELEASE_CHANNEL")
        s.backendReleaseSha = reader.string("BACKEND_RELEASE_SHA")
        s.openAIAPIKey = reader.string("OPENAI_API_KEY")
        s.openAIAPIBase = reader.url("OPENAI_API_BASE") ?? s.openAIAPIBase
        if let voice = reader.string("TTS_FALLBACK_VOICE") {
            // A typo would turn every older client's request into a provider 400, so it stops the server instead.
            if SpeechVoices.supported.contains(voice.lowercased()) { s.ttsFallbackVoice = voice.lowercased() }
            else { reader.problems.append("TTS_FALLBACK_VOICE must be one of \(SpeechVoices.supported.joined(separator: ", "))") }
        }
        s.agentVM = AgentVMSettings.read(&reader)
        s.gemini = GeminiProxySettings.read(&reader)
        s.transcription = TranscriptionSettings.read(&reader)
        s.chat = ChatProviderSettings.read(&reader)
        if !reader.problems.isEmpty { throw SettingsError(problems: reader.problems) }
        return s
    }
}

/// Every invalid or missing setting, named together so one restart fixes them all.
public struct SettingsError: Error, CustomStringConvertible {
    public var problems: [String]
    public var description: String {
        "invalid configuration:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}

struct EnvironmentReader {
    let env: [String: String]
    var problems: [String] = []

    /// A trimmed non-empty value; empty counts as unset.
    func string(_ name: String) -> String? {
        guard let raw = env[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else { return nil }
        return raw
    }

    mutating func int(_ name: String, range: ClosedRange<Int>) -> Int? {
        guard let raw = string(name) else { return nil }
        guard let value = Int(raw), range.contains(value) else {
            problems.append("\(name) must be an integer in \(range.lowerBound)...\(range.upperBound)")
            return nil
        }
        return value
    }

    mutating func bool(_ name: String) -> Bool? {
        guard let raw = string(name) else { return nil }
        guard let value = QueryValues.bool(raw) else {
            problems.append("\(name) must be true or false")
            return nil
        }
        return value
    }

    /// A path prefix such as `omi`, stored as `/omi`.
    mutating func prefix(_ name: String) -> String? {
        guard let raw = string(name) else { return nil }
        let trimmed = raw.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard !trimmed.isEmpty, trimmed.allSatisfy({ $0.isLetter || $0.isNumber || "-_./".contains($0) }) else {
            problems.append("\(name) must be a path such as omi or api/omi")
            return nil
        }
        return "/" + trimmed
    }
}
