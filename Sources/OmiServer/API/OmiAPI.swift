import Foundation
import Logging
import OmiContract
import OmiStorage

/// The server's implementation of the generated `APIProtocol`: one method per operation of the OpenAPI document,
/// grouped by domain in the `OmiAPI+*.swift` files.
///
/// A class, not a struct: the generated server keeps the handler in a value it copies for every request, and copying
/// 38 references and `Settings`' strings cost 20–40 µs of CPU per request, a quarter of a health check; a class is
/// one retain.
final class OmiAPI: APIProtocol, Sendable {
    let settings: Settings
    let database: Database
    let chat: any ChatRepository
    let users: any UserRepository
    let usage: any UsageRepository
    let people: any PeopleRepository
    let tasks: any ActionItemRepository
    let staged: any StagedTaskRepository
    let conversations: any ConversationRepository
    let folders: any FolderRepository
    let processor: ConversationProcessor
    let memories: any MemoryRepository
    let goals: any GoalRepository
    let graph: any GraphRepository
    let updatePolicy: any UpdatePolicyRepository
    let releases: any ReleaseRepository
    let releaseCache: ReleaseCache
    let catalog: AppCatalog
    let apps: any AppsRepository
    let focus: any FocusRepository
    let advices: any AdviceRepository
    let screenActivity: any ScreenActivityRepository
    let accounts: any AccountRepository
    let fence: AccountFence
    let knownUsers: KnownUsers
    let byok: BYOKGate
    let keyStore: SigningKeyStore
    let text: ChatTextGenerator
    let rateLimiter: RateLimiter
    let metrics: HTTPMetrics
    let entitlements: Entitlements
    /// Admitted server-paid provider calls, for the per-user limits of the proxies (platform.md §0).
    let meters: any MeterRepository
    /// Uploaded chat files, bytes included (chat.md §7).
    let chatFiles: any ChatFileRepository
    let agentVMs: any AgentVMRepository
    let agentVM: AgentVMManager
    let agentVMKeepaliveClient: AgentVMKeepalive
    /// Where conversation processing finishes when the model outlasts the request (knowledge.md §2.5).
    let processingJobs: BackgroundJobs
    let graphRebuilds = RunningRebuilds()
    let logger: Logger

    init(settings: Settings, database: Database, chat: any ChatRepository, users: any UserRepository,
         usage: any UsageRepository, people: any PeopleRepository, tasks: any ActionItemRepository,
         staged: any StagedTaskRepository, conversations: any ConversationRepository, folders: any FolderRepository,
         processor: ConversationProcessor, memories: any MemoryRepository, goals: any GoalRepository,
         graph: any GraphRepository, updatePolicy: any UpdatePolicyRepository, releases: any ReleaseRepository,
         releaseCache: ReleaseCache, catalog: AppCatalog, apps: any AppsRepository, focus: any FocusRepository,
         advices: any AdviceRepository, screenActivity: any ScreenActivityRepository, accounts: any AccountRepository,
         fence: AccountFence, knownUsers: KnownUsers, byok: BYOKGate, keyStore: SigningKeyStore,
         text: ChatTextGenerator, rateLimiter: RateLimiter, metrics: HTTPMetrics, entitlements: Entitlements,
         meters: any MeterRepository, chatFiles: any ChatFileRepository, agentVMs: any AgentVMRepository,
         agentVM: AgentVMManager, agentVMKeepaliveClient: AgentVMKeepalive, processingJobs: BackgroundJobs,
         logger: Logger) {
        self.settings = settings
        self.database = database
        self.chat = chat
        self.users = users
        self.usage = usage
        self.people = people
        self.tasks = tasks
        self.staged = staged
        self.conversations = conversations
        self.folders = folders
        self.processor = processor
        self.memories = memories
        self.goals = goals
        self.graph = graph
        self.updatePolicy = updatePolicy
        self.releases = releases
        self.releaseCache = releaseCache
        self.catalog = catalog
        self.apps = apps
        self.focus = focus
        self.advices = advices
        self.screenActivity = screenActivity
        self.accounts = accounts
        self.fence = fence
        self.knownUsers = knownUsers
        self.byok = byok
        self.keyStore = keyStore
        self.text = text
        self.rateLimiter = rateLimiter
        self.metrics = metrics
        self.entitlements = entitlements
        self.meters = meters
        self.chatFiles = chatFiles
        self.agentVMs = agentVMs
        self.agentVM = agentVM
        self.agentVMKeepaliveClient = agentVMKeepaliveClient
        self.processingJobs = processingJobs
        self.logger = logger
    }
}
