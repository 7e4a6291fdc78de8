import Foundation
import HTTPTypes
import OmiContract
import OmiStorage

/// platform.md §2: the per-user agent VM. No path answers 401 for a valid token, whatever the provider says.
extension OmiAPI {
    static let agentVMDisabled = APIError(.serviceUnavailable, "Agent VM provisioning is disabled")
    static let agentVMNotEntitled = APIError(HTTPResponse.Status(code: 402), "trial_expired")
    static let agentVMUnavailable = APIError(.internalServerError, "Agent VM state is unavailable")

    func provisionAgentVM(_ input: Operations.ProvisionAgentVM.Input) async throws -> Operations.ProvisionAgentVM.Output {
        let user = try RequestValues.requireUser()
        guard agentVM.enabled else { throw Self.agentVMDisabled }
        guard try await agentVMEntitled(user) else { throw Self.agentVMNotEntitled }
        let (created, record) = try await agentVMState { try await agentVM.provision(uid: user.uid) }
        return .ok(.init(body: .json(Wire.AgentProvisionResult(
            status: created ? "provisioning" : "exists", vmName: record.vmName, ip: Self.agentIP(record),
            authToken: record.authToken, agentStatus: record.status))))
    }

    func getAgentVMStatus(_ input: Operations.GetAgentVMStatus.Input) async throws -> Operations.GetAgentVMStatus.Output {
        let user = try RequestValues.requireUser()
        // Null, not 402, for a user without entitlement: the app answers a 402 by provisioning, null keeps it quiet.
        guard agentVM.enabled, try await agentVMEntitled(user) else { return .ok(.init(body: .json(.init(nil)))) }
        let record = try await agentVMState { try await agentVM.observe(uid: user.uid) }
        return .ok(.init(body: .json(.init(record.map(Self.agentStatus)))))
    }

    func ensureAgentVM(_ input: Operations.EnsureAgentVM.Input) async throws -> Operations.EnsureAgentVM.Output {
        let user = try RequestValues.requireUser()
        guard agentVM.enabled else { return .ok(.init(body: .json(.init(nil)))) }
        guard try await agentVMEntitled(user) else { throw Self.agentVMNotEntitled }
        let record = try await agentVMState { try await agentVM.ensure(uid: user.uid) }
        return .ok(.init(body: .json(.init(record.map(Self.agentStatus)))))
    }

    func getAgentVMStatusV1(_ input: Operations.GetAgentVMStatusV1.Input) async throws
        -> Operations.GetAgentVMStatusV1.Output {
        let user = try RequestValues.requireUser()
        guard agentVM.enabled, try await agentVMEntitled(user) else { return .ok(.init(body: .json(.init(nil)))) }
        let record = try await agentVMState { try await agentVM.observe(uid: user.uid) }
        return .ok(.init(body: .json(.init(record.map(Self.agentStatus)))))
    }

    func agentVMKeepalive(_ input: Operations.AgentVMKeepalive.Input) async throws -> Operations.AgentVMKeepalive.Output {
        let user = try RequestValues.requireUser()
        let reason: Components.Schemas.AgentKeepaliveResult.ReasonPayload?
        // A storage failure reads as no VM: this route always answers 200.
        if agentVM.enabled, let record = try? await agentVMs.get(uid: user.uid),
           record.status == AgentVMManager.Status.ready {
            if let ip = Self.agentIP(record), !record.authToken.isEmpty {
                let answer = await agentVMKeepaliveClient.ping(ip: ip, authToken: record.authToken)
                reason = answer == "ok" ? nil : .init(rawValue: answer)
            } else {
                reason = .missingVmInfo
            }
        } else {
            reason = .noVm
        }
        return .ok(.init(body: .json(.init(ok: reason == nil, reason: reason))))
    }

    // MARK: helpers

    /// Entitlement reads the account; its storage failure is the agent state's storage failure.
    func agentVMEntitled(_ user: AuthenticatedUser) async throws -> Bool {
        try await agentVMState { try await entitlements.isEntitled(user: user, now: Clock.nowMicros()) }
    }

    func agentVMState<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as APIError { throw error } catch {
            throw Self.agentVMUnavailable
        }
    }

    /// The stored IP only while ready and usable: a record imported with `unknown` or empty reads as null.
    static func agentIP(_ record: AgentVMRecord) -> String? {
        record.status == AgentVMManager.Status.ready ? AgentVMIdentity.usableIP(record.ip) : nil
    }

    static func agentStatus(_ record: AgentVMRecord) -> Wire.AgentStatus {
        Wire.AgentStatus(
            vmName: record.vmName, zone: record.zone, ip: agentIP(record), status: record.status,
            authToken: record.authToken, createdAt: Timestamp.formatMilliseconds(micros: record.createdAt),
            lastQueryAt: record.lastQueryAt.map { Timestamp.formatMilliseconds(micros: $0) })
    }
}
