import Crypto
import Foundation
import HTTPTypes
import OmiContract
import OmiStorage
import Testing
@testable import OmiServer

@Suite("Agent VM (platform.md §2)")
struct AgentVMTests {
    static let fake = FakeComputeAPI.shared

    /// A GCE provisioner against the fake, in a project of the test's own, with the waits shortened.
    static func gce(_ project: String, base: String, port: Int) -> @Sendable (inout Settings) -> Void {
        { s in
            s.agentVM.provisioner = .gce
            s.agentVM.projectId = project
            s.agentVM.apiBase = base + "/compute/v1"
            s.agentVM.metadataBase = base + "/metadata"
            s.agentVM.pingPort = port
            s.agentVM.timings.operationPollInterval = .milliseconds(10)
            s.agentVM.timings.ipReadInterval = .milliseconds(10)
            s.agentVM.timings.describeTimeout = .seconds(10)
        }
    }

    /// Runs `body` with a fresh fake project and a server provisioning into it.
    static func withGCE(_ engine: TestEngine, configure: @escaping @Sendable (inout Settings) -> Void = { _ in },
                        _ body: @Sendable (TestHarness, String) async throws -> Void) async throws {
        let project = "p-" + UUID().uuidString.lowercased()
        let base = try await fake.baseURL()
        let port = try await fake.ensureRunning()
        let settings = gce(project, base: base, port: port)
        try await TestHarness.run(engine, configure: { s in settings(&s); configure(&s) }) { h in
            try await body(h, project)
        }
    }

    static func expectedName(_ uid: String) -> String {
        "omi-agent-" + SHA256.hash(data: Data(uid.utf8)).map { String(format: "%02x", $0) }.joined().prefix(20)
    }

    static func backdate(_ h: TestHarness, _ uid: String, seconds: Int64) async throws {
        try await h.database.withConnection { db in
            try await db.raw("UPDATE agent_vms SET updated_at = updated_at - \(bind: seconds * 1_000_000) WHERE uid = \(bind: uid)")
                .run()
        }
    }

    static func setStored(_ h: TestHarness, _ uid: String, status: String, ip: String?) async throws {
        try await h.database.withConnection { db in
            try await db.raw("UPDATE agent_vms SET status = \(bind: status), ip = \(bind: ip) WHERE uid = \(bind: uid)").run()
        }
    }

    /// Provisions and waits for the background create, returning the provision answer.
    static func provisionReady(_ h: TestHarness, as user: String = "user-a") async throws -> Wire.JSONValue {
        let r = try await h.call(.post, "/v2/agent/provision", as: user)
        #expect(r.status == 200, "\(r.text)")
        await h.agentVMJobs.waitForIdle()
        return r.json
    }

    // MARK: checklist 18

    @Test(arguments: TestEngine.available)
    func aDisabledProvisionerAnswersNoVMAndCallsNoProvider(engine: TestEngine) async throws {
        let project = "p-" + UUID().uuidString.lowercased()
        let base = try await Self.fake.baseURL()
        try await TestHarness.run(engine, configure: { s in
            s.agentVM.projectId = project
            s.agentVM.apiBase = base + "/compute/v1"
        }) { h in
            // Even a stored record (imported, or left from a gce deployment) is ignored.
            try await h.database.withConnection { db in
                try await db.raw("""
                    INSERT INTO agent_vms (uid, vm_name, zone, status, ip, auth_token, created_at, updated_at, provisioner)
                    VALUES ('user-a', 'omi-agent-old', 'us-central1-a', 'ready', '10.0.0.1', 'omi-secret', 1, 1, 'gce')
                    """).run()
            }
            let status = try await h.call(.get, "/v2/agent/status")
            #expect(status.status == 200 && status.text == "null", "\(status.text)")
            #expect(status.headers[.contentType]?.hasPrefix("application/json") == true)
            let provision = try await h.call(.post, "/v2/agent/provision")
            #expect(provision.status == 503)
            #expect(provision.json == .object(["detail": .string("Agent VM provisioning is disabled")]))
            for (method, path) in [(HTTPRequest.Method.get, "/v1/agent/vm-status"), (.post, "/v1/agent/vm-ensure")] {
                let r = try await h.call(method, path)
                #expect(r.status == 200 && r.json == .object(["has_vm": .bool(false)]), "\(path): \(r.text)")
            }
            let keepalive = try await h.call(.post, "/v1/agent/keepalive")
            #expect(keepalive.json == .object(["ok": .bool(false), "reason": .string("no_vm")]))
            #expect(Self.fake.project(project).requests.isEmpty)
        }
    }

    // MARK: settings

    @Test func provisionerSettingsAreCheckedAtStartup() throws {
        let base = ["AUTH_DEV_MODE": "true"]
        let defaults = try Settings.fromEnvironment(base)
        #expect(defaults.agentVM.provisioner == .disabled && defaults.agentVM.zone == "us-central1-a")
        #expect(defaults.agentVM.diskSizeGb == 50 && defaults.agentVM.timings.operationPollAttempts == 24)
        #expect(throws: SettingsError.self) { try Settings.fromEnvironment(base.merging(["AGENT_VM_PROVISIONER": "aws"]) { $1 }) }
        #expect(throws: SettingsError.self) { try Settings.fromEnvironment(base.merging(["AGENT_VM_PROVISIONER": "gce"]) { $1 }) }
        let gce = try Settings.fromEnvironment(base.merging(["AGENT_VM_PROVISIONER": "gce", "GCE_PROJECT_ID": "omi-x"]) { $1 })
        #expect(gce.agentVM.provisioner == .gce && gce.agentVM.sourceImage == "projects/omi-x/global/images/family/omi-agent")
    }
}
