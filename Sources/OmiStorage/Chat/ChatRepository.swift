/// Storage of chat sessions, messages, ratings and shares (chat.md). Every call is scoped to one uid.
public protocol ChatRepository: Sendable {
    func createSession(uid: String, title: String, appScope: String, now: Int64) async throws -> ChatSessionRecord
    func listSessions(uid: String, appScope: String, starred: Bool?, limit: Int, offset: Int) async throws -> [ChatSessionRecord]
    func session(uid: String, id: String) async throws -> ChatSessionRecord?
    /// Partial update; nil fields stay. `updated_at` moves to `now` even when nothing changes.
    func updateSession(uid: String, id: String, title: String?, starred: Bool?, now: Int64) async throws -> ChatSessionRecord?
    /// Deletes the session and its messages in one transaction; deleting a missing session is not an error.
    func deleteSession(uid: String, id: String) async throws

    /// Saves a message with its session side effects, or answers a replay of its `client_message_id`.
    func saveMessage(uid: String, draft: MessageDraft, now: Int64) async throws -> SaveOutcome
    /// Newest first, reported messages excluded.
    func listMessages(uid: String, scope: MessageScope, limit: Int, offset: Int) async throws -> [ChatMessageRecord]
    func reconcile(uid: String, scope: MessageScope, cursor: String?, limit: Int) async throws -> ReconcileResult
    /// Deletes the messages in scope and adjusts their sessions; returns the number removed.
    func deleteMessages(uid: String, scope: MessageScope) async throws -> Int
    /// Sets or clears (`nil`) a rating; false when the caller has no such message.
    func rateMessage(uid: String, id: String, rating: Int?, appVersion: String?, now: Int64) async throws -> Bool
    func countMessages(uid: String) async throws -> Int
    /// Every session and message of every app scope, reported ones included, oldest first (users.md §16).
    func exportAll(uid: String) async throws -> (sessions: [ChatSessionRecord], messages: [ChatMessageRecord])
    /// The newest `limit` non-reported messages of a session, oldest first.
    func recentMessages(uid: String, sessionId: String, limit: Int) async throws -> [ChatMessageRecord]

    /// Stores a share of the caller's messages; throws `messageNotFound` for the first id that is not theirs.
    func createShare(uid: String, token: String, senderName: String, messageIds: [String], now: Int64,
                     expiresAt: Int64) async throws
    /// The share's messages still stored, in the shared order; nil when unknown or expired.
    func share(token: String, now: Int64) async throws -> ChatShareRecord?
}
