import Foundation
import Logging
import OmiContract
import OmiStorage

/// The server's implementation of the generated `APIProtocol`: one method per operation of the OpenAPI document,
/// grouped by domain in the `OmiAPI+*.swift` files.
struct OmiAPI: APIProtocol {
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
}
