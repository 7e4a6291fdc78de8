import Foundation
import Logging
import OmiStorage

/// The agent VM state machine of platform.md §2.1: the handlers' provision, observe and ensure steps and the
/// background create and start jobs. Every record write is a compare-and-set, so racing handlers, jobs and server
/// instances never overwrite each other's newer state.
struct AgentVMManager: Sendable {
    enum Status {
        static let provisioning = "provisioning", ready = "ready", stopped = "stopped", error = "error"
    }

    let repository: any AgentVMRepository
    let provisioner: any AgentVMProvisioner
    let jobs: BackgroundJobs
    let zone: String
    let timings: AgentVMTimings
    let logger: Logger

    var enabled: Bool { provisioner.enabled }

    // MARK: handler steps

    /// Claims a record or answers the stored one (platform.md §2.3); `created` is true when this call created the
    /// record or restarted recovery.
    func provision(uid: String) async throws -> (created: Bool, record: AgentVMRecord) {
        if let stored = try await repository.get(uid: uid) { return try await advance(stored) }
        let now = Clock.nowMicros()
        let record = AgentVMRecord(
            uid: uid, vmName: AgentVMIdentity.vmName(uid: uid), zone: zone, status: Status.provisioning,
            authToken: AgentVMIdentity.newAuthToken(), createdAt: now, updatedAt: now, provisioner: provisioner.kind)
        if try await repository.claim(record) {
            await submitCreate(record)
            return (true, record)
        }
        // Another call claimed it first: answer its record.
        guard let stored = try await repository.get(uid: uid) else { return try await provision(uid: uid) }
        return try await advance(stored)
    }

    /// A stored `stopped` record is started and an `error` record old enough is recovered; others are answered.
    func advance(_ record: AgentVMRecord) async throws -> (created: Bool, record: AgentVMRecord) {
        switch record.status {
        case Status.stopped:
            return (false, try await requestStart(record) ?? record)
        case Status.error where age(record) >= timings.errorRetryAfterSeconds * 1_000_000:
            guard let moved = try await move(record, to: Status.provisioning) else {
                return (false, try await repository.get(uid: record.uid) ?? record)
            }
            await submitRecovery(moved)
            return (true, moved)
        default:
            return (false, record)
        }
    }

    /// The stored record after at most one describe (platform.md §2.1 "Observed"); nil when there is no VM.
    func observe(uid: String) async throws -> AgentVMRecord? {
        guard let record = try await repository.get(uid: uid) else { return nil }
        let stale = record.status == Status.provisioning && age(record) >= timings.staleProvisioningSeconds * 1_000_000
        if record.status == Status.provisioning && !stale { return record }
        switch await describe(record) {
        case .unknown, .pending:
            return record
        case .notFound:
            // A stale create that left no instance failed; any other record of a vanished instance is forgotten.
            if stale {
                if let moved = try await move(record, to: Status.error, lastError: "instance not found") { return moved }
                return try await reread(record)
            }
            return try await repository.remove(record) ? nil : try await reread(record)
        case .running(let ip):
            guard let ip, record.status != Status.ready || record.ip != ip else { return record }
            if let moved = try await move(record, to: Status.ready, ip: ip) { return moved }
            return try await reread(record)
        case .stopped:
            if let started = try await requestStart(record) { return started }
            return try await reread(record)
        }
    }

    /// Provision and observe combined (platform.md §2.5); nil when ensure found the instance gone.
    func ensure(uid: String) async throws -> AgentVMRecord? {
        guard try await repository.get(uid: uid) != nil else { return try await provision(uid: uid).record }
        guard let observed = try await observe(uid: uid) else { return nil }
        return try await advance(observed).record
    }

    // MARK: transitions

    func age(_ record: AgentVMRecord) -> Int64 { Clock.nowMicros() - record.updatedAt }

    func reread(_ record: AgentVMRecord) async throws -> AgentVMRecord? { try await repository.get(uid: record.uid) }

    /// The compare-and-set write; the new record, or nil when the stored one no longer matches `record`.
    func move(_ record: AgentVMRecord, to status: String, ip: String? = nil, lastError: String? = nil)
        async throws -> AgentVMRecord? {
        let now = Clock.nowMicros()
        guard try await repository.transition(record, to: status, ip: ip, lastError: lastError, now: now) else {
            return nil
        }
        var moved = record
        moved.status = status
        moved.ip = ip
        moved.lastError = lastError
        moved.updatedAt = max(now, record.updatedAt + 1)
        return moved
    }

    func requestStart(_ record: AgentVMRecord) async throws -> AgentVMRecord? {
        guard let moved = try await move(record, to: Status.provisioning) else { return nil }
        await submitStart(moved)
        return moved
    }

    /// One describe, bounded by the describe timeout whatever the provider or its token endpoint does.
    func describe(_ record: AgentVMRecord) async -> AgentVMObservation {
        let provisioner = self.provisioner
        let timeout = timings.describeTimeout
        return await withTaskGroup(of: AgentVMObservation.self) { group in
            group.addTask { await provisioner.describe(name: record.vmName, zone: record.zone) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return .unknown
            }
            let first = await group.next() ?? .unknown
            group.cancelAll()
            return first
        }
    }

    // MARK: background jobs

    func submitCreate(_ record: AgentVMRecord) async {
        await jobs.submit(uid: record.uid) {
            do {
                let ip = try await provisioner.create(name: record.vmName, zone: record.zone, authToken: record.authToken)
                await settle(record, ip: ip)
            } catch {
                await failed(record, error, transientStatus: Status.error)
            }
        }
    }

    func submitStart(_ record: AgentVMRecord) async {
        await jobs.submit(uid: record.uid) {
            do {
                await settle(record, ip: try await provisioner.start(name: record.vmName, zone: record.zone))
            } catch {
                await failed(record, error, transientStatus: Status.stopped)
            }
        }
    }

    /// Recovery of an `error` record: adopt a running instance, start a stopped one, or create a missing one.
    func submitRecovery(_ record: AgentVMRecord) async {
        await jobs.submit(uid: record.uid) {
            do {
                let ip: String
                switch await describe(record) {
                case .running(let running?): ip = running
                case .stopped: ip = try await provisioner.start(name: record.vmName, zone: record.zone)
                default:
                    ip = try await provisioner.create(name: record.vmName, zone: record.zone, authToken: record.authToken)
                }
                await settle(record, ip: ip)
            } catch {
                await failed(record, error, transientStatus: Status.error)
            }
        }
    }

    /// Account deletion: the instance goes too, best effort, after any job still running for the user.
    func deleteInstance(of record: AgentVMRecord) async {
        await jobs.submit(uid: record.uid) {
            do { try await provisioner.delete(name: record.vmName, zone: record.zone) } catch {
                logger.warning("agent VM delete failed", metadata: ["vm": "\(record.vmName)", "error": "\(error)"])
            }
        }
    }

    /// A finished create or start: the record becomes ready, unless it was deleted or replaced meanwhile, in which
    /// case an instance nobody owns any more is deleted.
    func settle(_ record: AgentVMRecord, ip: String) async {
        do {
            if try await move(record, to: Status.ready, ip: ip) != nil { return }
            let current = try await repository.get(uid: record.uid)
            // Same name and a new token: a newer record owns the instance name now, leave it to its own job.
            guard current == nil || current?.vmName != record.vmName else { return }
            try await provisioner.delete(name: record.vmName, zone: record.zone)
        } catch {
            logger.warning("agent VM settle failed", metadata: ["vm": "\(record.vmName)", "error": "\(error)"])
        }
    }

    func failed(_ record: AgentVMRecord, _ error: any Error, transientStatus: String) async {
        // A job cancelled by shutdown writes nothing; the stale rule picks the record up after a restart.
        if Task.isCancelled || error is CancellationError { return }
        let failure = error as? AgentVMFailure ?? .transient("\(type(of: error))")
        logger.warning("agent VM job failed", metadata: ["vm": "\(record.vmName)", "error": "\(failure.message)"])
        _ = try? await move(record, to: failure.permanent ? Status.error : transientStatus, lastError: failure.message)
    }
}
