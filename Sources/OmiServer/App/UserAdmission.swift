import HTTPTypes
import OmiStorage

/// The user part of authentication, shared by `AuthMiddleware` (generated routes) and the raw proxy routes: the
/// token, the account-deletion fence, the user's record on first use (conventions.md §3.4) and the platform sighting.
/// Failures are thrown as the global `{"detail": ...}` errors, the only shape a raw route answers them with too.
struct UserAdmission: Sendable {
    enum Outcome: Sendable {
        /// A retried account deletion after the tombstone: answered by its handler, nothing else runs.
        case deletionRetry(AuthenticatedUser)
        case admitted(AuthenticatedUser)
    }

    let authenticator: Authenticator
    let users: any UserRepository
    let fence: AccountFence
    let knownUsers: KnownUsers
    let platforms = PlatformSightings()

    func admit(_ headers: HTTPFields, method: HTTPRequest.Method, operationID: String) async throws -> Outcome {
        let result = await authenticator.authenticate(
            authorization: headers[.authorization], method: method.rawValue, path: operationID)
        switch result {
        case .failure(.missingHeader):
            throw APIError(.unauthorized, "Authorization header not found")
        case .failure(.invalid):
            throw APIError(.unauthorized, "Invalid authorization token")
        case .failure(.keysUnavailable):
            throw APIError(.serviceUnavailable, "Authentication temporarily unavailable", headers: [.retryAfter: "5"])
        case .success(let user):
            let tombstone = try await fence.tombstone(uid: user.uid)
            if let tombstone {
                switch tombstone.status {
                case .running where operationID != "deleteAccount":
                    throw APIError(.forbidden, detailObject: .object([
                        "code": .string("account_deletion_in_progress"), "status": .string("running"),
                        "retryable": .bool(false),
                    ]))
                case .running, .wiped, .completed:
                    // A retried deletion is answered by its handler; any other call with a token from before the
                    // deletion is refused, so sync loops still in flight cannot recreate rows.
                    let old = tombstone.status == .running || user.issuedAtMicros <= tombstone.requestedAt
                    if operationID == "deleteAccount" && old { return .deletionRetry(user) }
                    if old { throw APIError(.unauthorized, "Invalid authorization token") }
                    // A later token is a new account on the uid (users.md §15.2). The old deletion's final pass goes
                    // first, so it cannot later remove what the new account writes.
                    if tombstone.status == .wiped { try await fence.finishDeletion(uid: user.uid, now: Clock.nowMicros()) }
                case .cancelled:
                    break
                }
            }
            // A token with claims not seen before for this uid may fill an email or name still null (users.md §1).
            // The deletion a uid has been through is part of them: a later account needs its own record, even where
            // this instance knew the old one and another instance ran the deletion.
            let deletedAt = tombstone.flatMap { $0.status == .cancelled ? nil : $0.requestedAt }
            let claims = KnownUsers.claims(email: user.email, name: user.name, deletedAt: deletedAt)
            if !knownUsers.contains(user.uid, claims: claims) {
                try await users.ensureUser(uid: user.uid, email: user.email, name: user.name, now: Clock.nowMicros())
                knownUsers.insert(user.uid, claims: claims)
            }
            await platforms.record(uid: user.uid, platform: headers[.xAppPlatform], users: users)
            var admitted = user
            admitted.lastDeletion = deletedAt
            return .admitted(admitted)
        }
    }
}
