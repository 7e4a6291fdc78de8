import Foundation
import Hummingbird
import Logging
import OmiContract
import OmiStorage
import OpenAPIRuntime
import Prometheus
import ServiceLifecycle

/// What the server runs on. Tests pass their own database and key store; `serve` opens them from the settings.
public struct AppDependencies: Sendable {
    public var database: Database
    public var keyStore: SigningKeyStore
    public var languageModel: (any LanguageModel)?
    public var metrics: PrometheusCollectorRegistry
    /// The agent VM background jobs; run as one of the application's services.
    public var agentVMJobs: BackgroundJobs
    /// Conversation processing that outlives its request (knowledge.md §2.5); also a service.
    public var processingJobs: BackgroundJobs

    public init(database: Database, keyStore: SigningKeyStore, languageModel: (any LanguageModel)? = nil,
                metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
                agentVMJobs: BackgroundJobs = BackgroundJobs(), processingJobs: BackgroundJobs = BackgroundJobs()) {
        self.database = database
        self.keyStore = keyStore
        self.languageModel = languageModel
        self.metrics = metrics
        self.agentVMJobs = agentVMJobs
        self.processingJobs = processingJobs
    }
}

public let serverVersion = "0.1.0"

/// The operations that need no user (conventions.md §3.9).
let publicOperations: Set<String> = [
    "root", "rootHead", "health", "healthHead", "ready", "readyHead", "metrics", "openapiDocument", "getSharedMessages",
    "getSharedActionItems", "getSharedConversation", "paymentSuccessPage", "paymentCancelPage",
    "getUpdatePolicy", "putUpdatePolicy", "getAppcast", "getLegacyAppcast", "downloadLatest", "downloadBeta",
    "downloadWindows", "downloadLegacy", "getLatestUpdate", "registerRelease", "listReleases", "getRelease", "getChannels",
    "promoteChannel", "clearReleaseCache",
    "deepgramListen", "deepgramStreamGet", "deepgramStreamPost", "retiredReleaseRegistry", "retiredReleasePromote",
    "retiredSentryWebhook", "retiredSentryPoll", "reserveBetaCandidate", "promoteQualifiedBeta", "setBetaAdmission",
    "betaBreakglass", "publishPreview", "getPreview", "delistPreview", "getPreviewAtSource", "getLocalASRManifest",
    "getCrispUnread", "appleDomainAssociation",
]

/// The operator routes behind `X-Release-Secret` (platform.md §0), checked before the request body is read.
let adminOperations: Set<String> = [
    "putUpdatePolicy", "registerRelease", "listReleases", "getRelease", "getChannels", "promoteChannel",
    "clearReleaseCache",
]

/// Builds the application over the given dependencies; the caller owns their lifecycle.
public func buildApplication(
    settings: Settings, dependencies: AppDependencies, logger: Logger, services: [any Service] = []
) throws -> some ApplicationProtocol {
    let verifier = FirebaseTokenVerifier(
        projectId: settings.firebaseProjectId, clockSkewSeconds: settings.authClockSkewSeconds,
        keys: dependencies.keyStore,
        allowEmulatorTokens: settings.authDevMode && settings.firebaseAuthEmulatorHost != nil)
    let authenticator = Authenticator(verifier: verifier, devMode: settings.authDevMode,
                                      impersonationKey: settings.authImpersonationKey, logger: logger)
    let accounts = SQLAccountRepository(database: dependencies.database)
    let fence = AccountFence(accounts: accounts, ttl: Double(settings.tombstoneCacheTTL.nanoseconds) / 1e9)
    let knownUsers = KnownUsers()
    let catalog = try AppCatalog.load(path: settings.appsCatalogPath)
    for warning in catalog.warnings { logger.warning("\(warning)") }
    logger.info("apps catalog loaded", metadata: [
        "apps": "\(catalog.apps.count)", "source": "\(settings.appsCatalogPath ?? "built-in default")",
        "sha256": "\(catalog.digest ?? "-")",
    ])
    let users = SQLUserRepository(database: dependencies.database)
    let byok = BYOKGate(users: users, pepper: settings.byokFingerprintPepper,
                        activeWindowSeconds: settings.byokHeartbeatTTLSeconds)
    let entitlements = Entitlements(settings: settings, users: users, byok: byok)
    let meters = SQLMeterRepository(database: dependencies.database)
    let agentVMs = SQLAgentVMRepository(database: dependencies.database)
    let agentVM = AgentVMManager(
        repository: agentVMs, provisioner: try makeAgentVMProvisioner(settings.agentVM, logger: logger),
        jobs: dependencies.agentVMJobs, zone: settings.agentVM.zone, timings: settings.agentVM.timings, logger: logger)
    let usage = SQLUsageRepository(database: dependencies.database)
    // Greeting, title and conversation processing use the configured upstream unless the caller (a test) brings its
    // own model.
    var languageModel = dependencies.languageModel
    if languageModel == nil, let upstream = UpstreamLanguageModel(settings: settings, usage: usage, logger: logger) {
        languageModel = upstream
    }
    let api = OmiAPI(
        settings: settings, database: dependencies.database,
        chat: SQLChatRepository(database: dependencies.database),
        users: users,
        usage: usage,
        people: SQLPeopleRepository(database: dependencies.database),
        tasks: SQLActionItemRepository(database: dependencies.database),
        staged: SQLStagedTaskRepository(database: dependencies.database),
        conversations: SQLConversationRepository(database: dependencies.database),
        folders: SQLFolderRepository(database: dependencies.database),
        processor: ConversationProcessor(model: languageModel),
        memories: SQLMemoryRepository(database: dependencies.database),
        goals: SQLGoalRepository(database: dependencies.database),
        graph: SQLGraphRepository(database: dependencies.database),
        updatePolicy: SQLUpdatePolicyRepository(database: dependencies.database),
        releases: SQLReleaseRepository(database: dependencies.database), releaseCache: ReleaseCache(),
        catalog: catalog,
        apps: SQLAppsRepository(database: dependencies.database),
        focus: SQLFocusRepository(database: dependencies.database),
        advices: SQLAdviceRepository(database: dependencies.database),
        screenActivity: SQLScreenActivityRepository(database: dependencies.database),
        accounts: accounts, fence: fence, knownUsers: knownUsers, byok: byok,
        keyStore: dependencies.keyStore,
        text: ChatTextGenerator(model: languageModel),
        rateLimiter: RateLimiter(enabled: settings.rateLimitEnabled, multiplier: settings.rateLimitMultiplier,
                                 meters: meters, logger: logger),
        metrics: HTTPMetrics(registry: dependencies.metrics),
        entitlements: entitlements, meters: meters,
        chatFiles: SQLChatFileRepository(database: dependencies.database),
        agentVMs: agentVMs, agentVM: agentVM,
        agentVMKeepaliveClient: AgentVMKeepalive(
            client: .shared, scheme: settings.agentVM.pingScheme, port: settings.agentVM.pingPort,
            timeout: settings.agentVM.timings.pingTimeout),
        processingJobs: dependencies.processingJobs, logger: logger)

    let sweep = StaleProcessingSweep(
        conversations: api.conversations, jobs: dependencies.processingJobs, staleAfter: settings.staleProcessingAfter,
        interval: settings.staleProcessingSweepInterval, resume: { await api.resumeProcessing($0) }, logger: logger)
    let cleanup = DeletionCleanup(fence: fence, finishAfter: settings.deletionFinishAfter,
                                  interval: settings.deletionCleanupInterval, logger: logger)
    let router = Router(context: AppRequestContext.self)
    let routes = RouteTable()
    let admission = UserAdmission(authenticator: authenticator, users: users, fence: fence, knownUsers: knownUsers)
    let auth = AuthMiddleware(admission: admission, publicOperations: publicOperations, byok: byok)
    GeminiProxy(settings: settings, admission: admission, byok: byok, entitlements: entitlements, meters: meters,
                logger: logger).register(on: router, table: routes)
    ChatCompletions(settings: settings, admission: admission, byok: byok, meters: meters, usage: usage, logger: logger)
        .register(on: router, table: routes)
    try api.registerHandlers(on: RecordingTransport(router: router, table: routes,
                                                    skippedPaths: GeminiProxy.contractPaths.union([ChatCompletions.path])),
                             configuration: .omi,
                             middlewares: [AdminSecretMiddleware(operations: adminOperations, secret: settings.releaseSecret), auth,
                                           LiteralHeaderMiddleware()])
    let responder = OmiResponder(
        router: router.buildResponder(), routes: routes, settings: settings,
        limits: BodyLimits(maxRequestBytes: settings.maxRequestBytes),
        cors: CORSPolicy(origins: Set(settings.corsAllowedOrigins)), metrics: api.metrics, logger: logger)
    return Application(
        responder: responder,
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "omi-backend"),
        // After the caller's services, so graceful shutdown stops the jobs before the database closes.
        // The sweep after them, so it stops before the jobs it feeds.
        services: services + [dependencies.agentVMJobs, dependencies.processingJobs, sweep, cleanup],
        logger: logger)
}

/// Opens the configured database, applies migrations, and builds the application with its long-lived services.
public func buildApplication(settings: Settings, logger: Logger) async throws -> some ApplicationProtocol {
    let (database, applied) = try await Database.openMigrated(settings.databaseLocation, logger: logger,
                                                               maxConnections: settings.databaseMaxConnections)
    if !applied.isEmpty { logger.info("database migrated", metadata: ["versions": "\(applied)"]) }
    let keyStore = SigningKeyStore(url: settings.authKeysURL, logger: logger)
    var services: [any Service] = [DatabaseService(database: database)]
    if settings.firebaseProjectId != nil { services.append(KeyWarmUpService(keyStore: keyStore)) }
    services.append(ScreenActivityRetentionService(
        repository: SQLScreenActivityRepository(database: database),
        retentionDays: settings.screenActivityRetentionDays, logger: logger))
    if settings.authDevMode {
        services.append(DevModeWarningService(logger: logger))
        if settings.hostIsExplicit && !["127.0.0.1", "::1", "localhost"].contains(settings.host) {
            logger.warning("development mode is listening beyond loopback", metadata: ["host": "\(settings.host)"])
        }
    }
    return try buildApplication(settings: settings, dependencies: AppDependencies(database: database, keyStore: keyStore),
                                logger: logger, services: services)
}
