import OmiStorage

/// Whether a user gets the desktop's paid features (platform.md §0 "Entitled"). This server has no billing
/// provider, so without `DESKTOP_PAYWALL_ENABLED` every signed-in user is entitled; with it, a user is entitled
/// during the trial that starts when their account is created, or while BYOK is active.
struct Entitlements: Sendable {
    let paywallEnabled: Bool
    let trialMicros: Int64
    let users: any UserRepository
    let byok: BYOKGate

    init(settings: Settings, users: any UserRepository, byok: BYOKGate) {
        paywallEnabled = settings.desktopPaywallEnabled
        trialMicros = Int64(settings.trialLengthSeconds) * 1_000_000
        self.users = users
        self.byok = byok
    }

    /// The user's trial, in micros since the epoch, while the paywall is on; nil while it is off, when there is none.
    func trial(uid: String, now: Int64) async throws -> (startedAt: Int64, endsAt: Int64)? {
        guard paywallEnabled else { return nil }
        let account = try await users.settings(uid: uid, now: now)
        return (account.createdAt, account.createdAt + trialMicros)
    }

    func isEntitled(user: AuthenticatedUser, now: Int64) async throws -> Bool {
        guard let trial = try await trial(uid: user.uid, now: now) else { return true }
        if now < trial.endsAt { return true }
        let state = try await byok.state(uid: user.uid, lastDeletion: user.lastDeletion, now: now)
        return state.active && !state.fingerprints.isEmpty && now - state.lastSeenAt <= byok.activeWindowMicros
    }
}
