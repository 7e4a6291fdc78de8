import Foundation
import OmiContract
import OmiStorage

extension OmiAPI {
    /// users.md §15: every row of the user is gone before the 200; a retry answers the same without a second run.
    func deleteAccount(_ input: Operations.DeleteAccount.Input) async throws -> Operations.DeleteAccount.Output {
        let user = try RequestValues.requireUser()
        let body: Components.Schemas.DeleteAccountRequest? = if case .json(let json)? = input.body { json } else { nil }
        var v = Validator()
        v.length(body?.reason, max: 200, at: ["body", "reason"])
        v.length(body?.reasonDetails, max: 2000, at: ["body", "reason_details"])
        try v.check()
        // The instance goes before its record, best effort: the wipe below removes the record either way.
        if agentVM.enabled, let vm = try? await agentVMs.get(uid: user.uid) { await agentVM.deleteInstance(of: vm) }
        let tombstone: TombstoneRecord
        do {
            tombstone = try await accounts.deleteAccount(uid: user.uid, issuedAt: user.issuedAtMicros, now: Clock.nowMicros(),
                                                         reason: body?.reason, reasonDetails: body?.reasonDetails)
        } catch {
            throw APIError(.internalServerError, "Could not delete account. Please try again.")
        }
        fence.remember(uid: user.uid, tombstone)
        knownUsers.remove(user.uid)
        byok.invalidate(uid: user.uid)
        return .ok(.init(body: .json(.init(status: "ok", message: "Account deletion started"))))
    }
}
