import Foundation
import OmiContract
import OmiStorage

/// users.md §13.1–§13.2: enrolment replaces the fingerprint set; the header check itself is `BYOKGate`.
extension OmiAPI {
    func enrollBYOK(_ input: Operations.EnrollBYOK.Input) async throws -> Operations.EnrollBYOK.Output {
        let user = try RequestValues.requireUser()
        guard case .json(let body) = input.body else { throw APIError.badRequest("Expected a JSON body") }
        let sent = body.fingerprints.additionalProperties
        // The Python backend's checks and messages, in its order; each is a 400 that writes nothing.
        if sent.isEmpty { throw APIError.badRequest("No fingerprints supplied") }
        for provider in sent.keys.sorted() where !BYOKGate.providers.contains(provider) {
            throw APIError.badRequest("Unknown provider: \(provider)")
        }
        for (provider, fingerprint) in sent.sorted(by: { $0.key < $1.key }) where !Self.isFingerprint(fingerprint) {
            throw APIError.badRequest("Invalid fingerprint for \(provider): expected lowercase hex SHA-256 (64 chars)")
        }
        if BYOKGate.llmProviders.isDisjoint(with: sent.keys) {
            throw APIError.badRequest("BYOK requires a fingerprint for at least one LLM provider")
        }
        let stored = sent.mapValues { byok.storedForm($0) }
        let now = Clock.nowMicros()
        _ = try await modifySettings(user) { s in
            s.byokActive = true
            s.byokFingerprints = stored
            s.byokLastSeenAt = now
        }
        byok.invalidate(uid: user.uid)
        return .ok(.init(body: .json(.init(active: true))))
    }

    func disableBYOK(_ input: Operations.DisableBYOK.Input) async throws -> Operations.DisableBYOK.Output {
        let user = try RequestValues.requireUser()
        let now = Clock.nowMicros()
        _ = try await modifySettings(user) { s in
            s.byokActive = false
            s.byokFingerprints = nil
            s.byokLastSeenAt = now
        }
        byok.invalidate(uid: user.uid)
        return .ok(.init(body: .json(.init(active: false))))
    }

    /// `^[a-f0-9]{64}$`.
    static func isFingerprint(_ value: String) -> Bool {
        value.utf8.count == 64 && value.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
