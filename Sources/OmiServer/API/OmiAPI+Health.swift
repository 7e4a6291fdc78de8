import Foundation
import OmiContract
import OmiStorage
import OpenAPIRuntime

extension OmiAPI {
    var healthStatus: Wire.HealthStatus {
        Wire.HealthStatus(
            version: serverVersion, storage: database.kind.rawValue, authMode: settings.authDevMode ? "dev" : "firebase",
            releaseTag: settings.releaseTag, releaseSha: settings.releaseSha, releaseChannel: settings.releaseChannel,
            backendReleaseChannel: settings.backendReleaseChannel, backendReleaseSha: settings.backendReleaseSha)
    }

    func root(_ input: Operations.Root.Input) async throws -> Operations.Root.Output {
        .ok(.init(body: .json(healthStatus)))
    }

    func rootHead(_ input: Operations.RootHead.Input) async throws -> Operations.RootHead.Output { .ok }

    func health(_ input: Operations.Health.Input) async throws -> Operations.Health.Output {
        .ok(.init(body: .json(healthStatus)))
    }

    func healthHead(_ input: Operations.HealthHead.Input) async throws -> Operations.HealthHead.Output { .ok }

    /// Ready when the database answers within 2 s and the schema is migrated, and signing keys are usable.
    func readiness() async -> (ready: Bool, body: Components.Schemas.ReadyStatus) {
        let kind = Components.Schemas.ReadyStatus.DatabasePayload.KindPayload(rawValue: database.kind.rawValue)!
        var dbStatus = Components.Schemas.ReadyStatus.DatabasePayload(
            status: .ready, kind: kind, backend: database.kind == .sqlite ? .sqlite : .postgresql)
        switch await schemaProbe() {
        case .failed: dbStatus.status = .unavailable; dbStatus.failureClass = .transport
        case .version(let version):
            if version != Migrations.all.map(\.version).max() { dbStatus.status = .unavailable; dbStatus.failureClass = .schema }
        }
        let keys: Components.Schemas.ReadyStatus.AuthKeysPayload.StatusPayload
        if settings.authDevMode && settings.firebaseProjectId == nil {
            keys = .disabled
        } else {
            switch await keyStore.status {
            case .ready: keys = .ready
            case .stale: keys = .stale
            case .unavailable: keys = .unavailable
            }
        }
        let ready = dbStatus.status == .ready && keys != .unavailable
        return (ready, .init(status: ready ? .ready : .notReady, service: "omi-desktop-backend", database: dbStatus,
                             authKeys: .init(status: keys)))
    }

    enum SchemaProbe: Sendable {
        case failed
        case version(Int?)
    }

    /// The applied schema version, or `.failed` when the database does not answer within 2 seconds.
    func schemaProbe() async -> SchemaProbe {
        let database = self.database
        return await withTaskGroup(of: SchemaProbe?.self) { group in
            group.addTask {
                do { return .version(try await database.schemaVersion()) } catch { return .failed }
            }
            group.addTask { try? await Task.sleep(for: .seconds(2)); return nil }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .failed
        }
    }

    func ready(_ input: Operations.Ready.Input) async throws -> Operations.Ready.Output {
        let (ready, body) = await readiness()
        return ready ? .ok(.init(body: .json(body))) : .serviceUnavailable(.init(headers: .init(retryAfter: 5), body: .json(body)))
    }

    func readyHead(_ input: Operations.ReadyHead.Input) async throws -> Operations.ReadyHead.Output {
        await readiness().ready ? .ok : .serviceUnavailable
    }

    func metrics(_ input: Operations.Metrics.Input) async throws -> Operations.Metrics.Output {
        .ok(.init(body: .plainText(HTTPBody(metrics.text()))))
    }

    func openapiDocument(_ input: Operations.OpenapiDocument.Input) async throws -> Operations.OpenapiDocument.Output {
        .ok(.init(body: .yaml(HTTPBody(OpenAPIDocument.yaml))))
    }
}
