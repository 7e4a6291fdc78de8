/// Storage of the caller's tasks, their shares and the score counts (tasks.md §1, §3). Every call is scoped to a uid;
/// another user's id behaves as a missing one.
public protocol ActionItemRepository: Sendable {
    /// A page in product order: open before completed, dated by due date before undated, newest first, then id.
    func list(uid: String, filter: ActionItemFilter, limit: Int, offset: Int) async throws -> Page<ActionItemRecord>
    /// Returns the caller's active task with the same normalised description, or inserts `item`; one transaction.
    func createIdempotent(uid: String, item: ActionItemRecord) async throws -> (ActionItemRecord, created: Bool)
    /// Inserts every item or none.
    func create(uid: String, items: [ActionItemRecord]) async throws
    func get(uid: String, id: String) async throws -> ActionItemRecord?
    /// Applies `change` to the stored task and writes it back in one transaction; nil when the caller has no such task.
    func update(uid: String, id: String, _ change: @Sendable (inout ActionItemRecord) -> Void) async throws -> ActionItemRecord?
    func delete(uid: String, id: String) async throws -> Bool
    /// Hard-deletes the listed tasks the caller owns; returns how many rows went.
    func delete(uid: String, ids: [String]) async throws -> Int
    func applyLayout(uid: String, entries: [LayoutEntry], now: Int64) async throws -> LayoutOutcome
    /// Sets relevance scores on the caller's listed tasks; returns how many were updated.
    func setScores(uid: String, scores: [(id: String, score: Int64)], now: Int64) async throws -> Int
    func scoreCounts(uid: String, due: Range<Int64>, created: Range<Int64>) async throws -> ScoreCounts

    /// Stores a share of non-deleted tasks of the caller; throws `taskNotFound` naming the first id that is not one.
    func createShare(uid: String, token: String, senderName: String, taskIds: [String], now: Int64,
                     expiresAt: Int64) async throws
    /// The share and its still-shared tasks, or nil when unknown or expired.
    func share(token: String, now: Int64) async throws -> TaskShareRecord?
    /// Records the acceptance and copies the shared tasks into the caller's list, in one transaction.
    func acceptShare(uid: String, token: String, now: Int64) async throws -> [ActionItemRecord]
}

/// Storage of AI suggestions and their promotion into tasks (tasks.md §2).
public protocol StagedTaskRepository: Sendable {
    /// Returns the caller's suggestion with the same normalised description, or inserts `task`; one transaction.
    func createDeduplicated(uid: String, task: StagedTaskRecord) async throws -> StagedTaskRecord
    /// Best first: scored ascending, then unscored; newest first, then id.
    func list(uid: String, limit: Int, offset: Int) async throws -> Page<StagedTaskRecord>
    func delete(uid: String, id: String) async throws
    func deleteAll(uid: String) async throws -> Int
    func setScores(uid: String, scores: [(id: String, score: Int64)], now: Int64) async throws
    /// The capped promotion of §2.6, in one transaction per user.
    func promoteBest(uid: String, now: Int64, cap: Int, scan: Int) async throws -> PromotionOutcome
    /// Promotes the chosen suggestion (§2.7), or returns the active task it duplicates; nil when there is no such
    /// suggestion.
    func promote(uid: String, id: String, now: Int64) async throws -> ActionItemRecord?
}
