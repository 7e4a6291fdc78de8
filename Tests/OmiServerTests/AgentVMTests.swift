import Crypto
import _CryptoExtras
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

    // MARK: checklist 19

    @Test(arguments: TestEngine.available)
    func provisionCreatesOneNamedVMWithTheDocumentedInsert(engine: TestEngine) async throws {
        try await Self.withGCE(engine) { h, project in
            let first = try await h.call(.post, "/v2/agent/provision", json: "{\"ignored\": true}")
            #expect(first.status == 200, "\(first.text)")
            #expect(first.json["status"] == .string("provisioning") && first.json["agentStatus"] == .string("provisioning"))
            #expect(first.json.keys == ["status", "vmName", "ip", "authToken", "agentStatus"] && first.json["ip"].isNull)
            let name = first.json["vmName"].string ?? ""
            let token = first.json["authToken"].string ?? ""
            #expect(name == Self.expectedName("user-a") && name.count == 30)
            #expect(token.wholeMatch(of: /omi-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/) != nil,
                    "\(token)")

            let second = try await h.call(.post, "/v2/agent/provision")
            #expect(second.json["status"] == .string("exists"))
            #expect(second.json["vmName"].string == name && second.json["authToken"].string == token)

            await h.agentVMJobs.waitForIdle()
            let inserts = Self.fake.requests(project, "POST", suffix: "/instances")
            #expect(inserts.count == 1)
            let body = inserts.first?.body ?? .null
            #expect(body["name"].string == name)
            #expect(body["machineType"] == .string("zones/us-central1-a/machineTypes/e2-small"))
            let disk = body["disks"][0]
            #expect(disk["autoDelete"] == .bool(true) && disk["boot"] == .bool(true))
            #expect(disk["initializeParams"]["diskSizeGb"] == .string("50"))
            #expect(disk["initializeParams"]["diskType"] == .string("zones/us-central1-a/diskTypes/pd-balanced"))
            #expect(disk["initializeParams"]["sourceImage"] == .string("projects/\(project)/global/images/family/omi-agent"))
            #expect(body["networkInterfaces"][0]["accessConfigs"][0]["type"] == .string("ONE_TO_ONE_NAT"))
            #expect(body["tags"]["items"] == .array([.string("omi-agent-vm")]))
            #expect(body["labels"] == .object(["omi-agent": .string("true"),
                                               "omi-uid-hash": .string(String(name.dropFirst(10)))]))
            #expect(body["metadata"]["items"] == .array([.object(["key": .string("auth-token"), "value": .string(token)])]))

            let v1 = try await h.call(.get, "/v1/agent/vm-status")
            #expect(v1.status == 200)
            #expect(v1.json.keys == ["has_vm", "status", "vm_name", "ip", "auth_token", "zone", "created_at", "last_query_at"])
            #expect(v1.json["has_vm"] == .bool(true) && v1.json["vm_name"].string == name)
            #expect(v1.json["auth_token"].string == token && v1.json["zone"] == .string("us-central1-a"))
            #expect(v1.json["last_query_at"].isNull)
            #expect(Timestamp.parseMicros(v1.json["created_at"].string ?? "") != nil)
            #expect(v1.json["created_at"].string?.hasSuffix("Z") == true)
        }
    }

    @Test(arguments: TestEngine.available)
    func tenConcurrentProvisionsCreateExactlyOneInstance(engine: TestEngine) async throws {
        try await Self.withGCE(engine) { h, project in
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for _ in 0..<10 { group.addTask { try await h.call(.post, "/v2/agent/provision") } }
                return try await group.reduce(into: [Reply]()) { $0.append($1) }
            }
            #expect(replies.allSatisfy { $0.status == 200 })
            #expect(replies.filter { $0.json["status"] == .string("provisioning") }.count == 1)
            #expect(Set(replies.compactMap { $0.json["authToken"].string }).count == 1)
            await h.agentVMJobs.waitForIdle()
            #expect(Self.fake.requests(project, "POST", suffix: "/instances").count == 1)
            let rows = try await h.count("agent_vms")
            #expect(rows == 1)
        }
    }

    // MARK: checklist 20

    @Test(arguments: TestEngine.available)
    func aTerminatedInstanceIsStartedAndBecomesReadyAgain(engine: TestEngine) async throws {
        try await Self.withGCE(engine) { h, project in
            let provisioned = try await Self.provisionReady(h)
            let ready = try await h.call(.get, "/v2/agent/status")
            #expect(ready.json.keys == ["vmName", "zone", "ip", "status", "authToken", "createdAt", "lastQueryAt"])
            #expect(ready.json["status"] == .string("ready") && ready.json["ip"] == .string("127.0.0.1"), "\(ready.text)")
            #expect(ready.json["authToken"] == provisioned["authToken"] && ready.json["lastQueryAt"].isNull)

            let name = provisioned["vmName"].string ?? ""
            Self.fake.update(project) { $0.instances[name]?.status = "TERMINATED"; $0.natIP = "10.1.2.3" }
            let stopped = try await h.call(.get, "/v2/agent/status")
            #expect(stopped.json["status"] == .string("provisioning") && stopped.json["ip"].isNull, "\(stopped.text)")
            await h.agentVMJobs.waitForIdle()
            #expect(Self.fake.requests(project, "POST", suffix: "/start").count == 1)
            let again = try await h.call(.get, "/v2/agent/status")
            #expect(again.json["status"] == .string("ready") && again.json["ip"] == .string("10.1.2.3"), "\(again.text)")
            #expect(again.json["vmName"].string == name && again.json["authToken"] == provisioned["authToken"])
        }
    }

    // MARK: checklist 21

    @Test(arguments: TestEngine.available)
    func aVanishedInstanceIsForgottenAndTheNextProvisionCreatesAnother(engine: TestEngine) async throws {
        try await Self.withGCE(engine) { h, project in
            let first = try await Self.provisionReady(h)
            Self.fake.update(project) { $0.instances.removeAll() }
            let status = try await h.call(.get, "/v2/agent/status")
            #expect(status.status == 200 && status.text == "null", "\(status.text)")
            let rows = try await h.count("agent_vms")
            #expect(rows == 0)
            let again = try await h.call(.post, "/v2/agent/provision")
            #expect(again.json["status"] == .string("provisioning"))
            #expect(again.json["vmName"] == first["vmName"] && again.json["authToken"] != first["authToken"])
            await h.agentVMJobs.waitForIdle()
            #expect(Self.fake.requests(project, "POST", suffix: "/instances").count == 2)
        }
    }

    @Test(arguments: TestEngine.available)
    func aFailedCreateIsAnErrorThatRecoversOnlyAfterSixtySeconds(engine: TestEngine) async throws {
        try await Self.withGCE(engine) { h, project in
            Self.fake.update(project) { $0.insertFails = true }
            _ = try await Self.provisionReady(h)
            let early = try await h.call(.post, "/v2/agent/provision")
            #expect(early.json["status"] == .string("exists") && early.json["agentStatus"] == .string("error"))
            await h.agentVMJobs.waitForIdle()
            #expect(Self.fake.requests(project, "POST", suffix: "/instances").count == 1)

            Self.fake.update(project) { $0.insertFails = false }
            try await Self.backdate(h, "user-a", seconds: 61)
            let late = try await h.call(.post, "/v2/agent/provision")
            #expect(late.json["status"] == .string("provisioning") && late.json["agentStatus"] == .string("provisioning"))
            #expect(late.json["vmName"] == early.json["vmName"] && late.json["authToken"] == early.json["authToken"])
            await h.agentVMJobs.waitForIdle()
            let ready = try await h.call(.get, "/v2/agent/status")
            #expect(ready.json["status"] == .string("ready") && ready.json["ip"] == .string("127.0.0.1"), "\(ready.text)")
        }
    }

    @Test(arguments: TestEngine.available)
    func aProvisioningRecordLeftByARestartIsResolvedAfterTenMinutes(engine: TestEngine) async throws {
        try await Self.withGCE(engine) { h, project in
            // A record claimed by a server that died before its create: no instance exists at the provider.
            try await h.database.withConnection { db in
                try await db.raw("""
                    INSERT INTO agent_vms (uid, vm_name, zone, status, auth_token, created_at, updated_at, provisioner)
                    VALUES ('user-a', \(bind: Self.expectedName("user-a")), 'us-central1-a', 'provisioning',
                        'omi-0b5b7d0e-1111-4222-8333-444455556666', 1, \(bind: Clock.nowMicros()), 'gce')
                    """).run()
            }
            let fresh = try await h.call(.get, "/v2/agent/status")
            #expect(fresh.json["status"] == .string("provisioning"))
            #expect(Self.fake.requests(project).isEmpty, "a fresh provisioning record is answered without a provider call")
            try await Self.backdate(h, "user-a", seconds: 601)
            let stale = try await h.call(.get, "/v2/agent/status")
            #expect(stale.json["status"] == .string("error"), "\(stale.text)")
        }
    }

    @Test(arguments: TestEngine.available)
    func anInstanceCarryingAnotherTokenIsReplacedNotAdopted(engine: TestEngine) async throws {
        try await Self.withGCE(engine) { h, project in
            let name = Self.expectedName("user-a")
            Self.fake.update(project) { $0.instances[name] = .init(authToken: "omi-someone-elses") }
            let provisioned = try await Self.provisionReady(h)
            #expect(Self.fake.requests(project, "DELETE").count == 1)
            #expect(Self.fake.requests(project, "POST", suffix: "/instances").count == 2)
            #expect(Self.fake.project(project).instances[name]?.authToken == provisioned["authToken"].string)
            let status = try await h.call(.get, "/v2/agent/status")
            #expect(status.json["status"] == .string("ready"), "\(status.text)")
        }
    }

    // MARK: checklist 22

    @Test(arguments: TestEngine.available)
    func providerFailuresOnDescribeAnswerTheStoredRecord(engine: TestEngine) async throws {
        try await Self.withGCE(engine) { h, project in
            let provisioned = try await Self.provisionReady(h)
            for code in [401, 403, 500] {
                Self.fake.update(project) { $0.describeStatus = code }
                let status = try await h.call(.get, "/v2/agent/status")
                #expect(status.status == 200, "\(code): \(status.text)")
                #expect(status.json["status"] == .string("ready") && status.json["ip"] == .string("127.0.0.1"))
                #expect(status.json["authToken"] == provisioned["authToken"])
                let v1 = try await h.call(.post, "/v1/agent/vm-ensure")
                #expect(v1.status == 200 && v1.json["status"] == .string("ready"), "\(code): \(v1.text)")
            }
            let rows = try await h.count("agent_vms")
            #expect(rows == 1)
        }
    }

    // MARK: checklist 23

    @Test(arguments: TestEngine.available)
    func usersNeverSeeEachOthersVMAndAccountDeletionRemovesOnlyTheirs(engine: TestEngine) async throws {
        try await Self.withGCE(engine) { h, project in
            let a = try await Self.provisionReady(h, as: "user-a")
            let bStatus = try await h.call(.get, "/v2/agent/status", as: "user-b")
            #expect(bStatus.text == "null")
            let b = try await Self.provisionReady(h, as: "user-b")
            #expect(b["vmName"] != a["vmName"] && b["authToken"] != a["authToken"])
            let bV1 = try await h.call(.get, "/v1/agent/vm-status", as: "user-b")
            #expect(!bV1.text.contains(a["vmName"].string ?? "-") && !bV1.text.contains(a["authToken"].string ?? "-"))

            let deleted = try await h.call(.delete, "/v1/users/delete-account", as: "user-a")
            #expect(deleted.status == 200, "\(deleted.text)")
            await h.agentVMJobs.waitForIdle()
            let instances = Self.fake.project(project).instances
            #expect(instances[a["vmName"].string ?? ""] == nil && instances[b["vmName"].string ?? ""] != nil)
            #expect(Self.fake.requests(project, "DELETE").map(\.path) == ["/instances/\(a["vmName"].string ?? "")"])
            let rowsA = try await h.count("agent_vms", uid: "user-a")
            let rowsB = try await h.count("agent_vms", uid: "user-b")
            #expect(rowsA == 0 && rowsB == 1)
            let bAfter = try await h.call(.get, "/v2/agent/status", as: "user-b")
            #expect(bAfter.json["status"] == .string("ready") && bAfter.json["vmName"] == b["vmName"])
        }
    }

    // MARK: checklist 24

    @Test(arguments: TestEngine.available)
    func aUserWithoutEntitlementGets402AndNoVM(engine: TestEngine) async throws {
        try await Self.withGCE(engine, configure: { s in
            s.desktopPaywallEnabled = true
            s.trialLengthSeconds = 0
        }) { h, project in
            let provision = try await h.call(.post, "/v2/agent/provision")
            #expect(provision.status == 402 && provision.json == .object(["detail": .string("trial_expired")]))
            let ensure = try await h.call(.post, "/v1/agent/vm-ensure")
            #expect(ensure.status == 402 && ensure.json == .object(["detail": .string("trial_expired")]))
            let status = try await h.call(.get, "/v2/agent/status")
            #expect(status.status == 200 && status.text == "null")
            let v1 = try await h.call(.get, "/v1/agent/vm-status")
            #expect(v1.json == .object(["has_vm": .bool(false)]))
            let rows = try await h.count("agent_vms")
            #expect(Self.fake.project(project).requests.isEmpty && rows == 0)
        }
    }

    @Test(arguments: TestEngine.available)
    func theTrialEntitlesANewUser(engine: TestEngine) async throws {
        try await Self.withGCE(engine, configure: { s in
            s.desktopPaywallEnabled = true
            s.trialLengthSeconds = 3600
        }) { h, _ in
            let provision = try await h.call(.post, "/v2/agent/provision")
            #expect(provision.status == 200 && provision.json["status"] == .string("provisioning"), "\(provision.text)")
            await h.agentVMJobs.waitForIdle()
        }
    }

    // MARK: keepalive

    @Test(arguments: TestEngine.available)
    func keepalivePingsTheReadyVMAndReportsWhyNot(engine: TestEngine) async throws {
        try await Self.withGCE(engine) { h, project in
            func expectKeepalive(_ reason: String?, _ line: Int = #line) async throws {
                let r = try await h.call(.post, "/v1/agent/keepalive")
                let expected: Wire.JSONValue = reason.map { .object(["ok": .bool(false), "reason": .string($0)]) }
                    ?? .object(["ok": .bool(true)])
                #expect(r.status == 200 && r.json == expected, "line \(line): \(r.text)")
            }
            try await expectKeepalive("no_vm")
            let provisioned = try await Self.provisionReady(h)
            let token = provisioned["authToken"].string ?? ""
            try await expectKeepalive(nil)
            let pings = Self.fake.project(project).pings
            #expect(pings.count == 1 && pings.first?.authorization == "Bearer \(token)" && pings.first?.query == token)

            Self.fake.update(project) { $0.pingStatus = 500 }
            try await expectKeepalive("ping_failed")
            // Nothing listens on 127.0.0.2 at the fake's port.
            try await Self.setStored(h, "user-a", status: "ready", ip: "127.0.0.2")
            try await expectKeepalive("unreachable")
            try await Self.setStored(h, "user-a", status: "ready", ip: nil)
            try await expectKeepalive("missing_vm_info")
            try await Self.setStored(h, "user-a", status: "error", ip: nil)
            try await expectKeepalive("no_vm")
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

@Suite("Agent VM provider credentials (platform.md §2.2)")
struct AgentVMCredentialTests {
    @Test func aServiceAccountKeyIsExchangedWithAnRS256SignedGrantAndCached() async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let base = try await FakeComputeAPI.shared.baseURL()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sa-\(UUID().uuidString).json")
        let email = "agent-\(UUID().uuidString.prefix(8))@example.iam.gserviceaccount.com"
        let json = try JSONSerialization.data(withJSONObject: [
            "type": "service_account", "client_email": email, "private_key": key.pemRepresentation,
            "token_uri": base + "/token",
        ])
        try json.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        let account = try GCETokenSource.serviceAccount(file: file.path, tokenURLOverride: nil)
        let source = GCETokenSource(source: .serviceAccount(account), http: GCEHTTP(client: .shared), timeout: .seconds(30))
        let first = try await source.token()
        let second = try await source.token()
        #expect(first == FakeComputeAPI.accessToken && second == first)

        // The fake is shared by the whole process: this test's grants are the ones whose JWT names its account.
        let grants = FakeComputeAPI.shared.tokenGrants.withLock { $0 }.map(Self.form)
            .filter { Self.claims($0["assertion"] ?? "")["iss"].string == email }
        #expect(grants.count == 1, "the token is cached until shortly before it expires")
        let form = grants.first ?? [:]
        #expect(form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer")
        let parts = (form["assertion"] ?? "").split(separator: ".").map(String.init)
        #expect(parts.count == 3)
        guard parts.count == 3, let signature = Self.base64URL(parts[2]), let header = Self.base64URL(parts[0]) else {
            return
        }
        let valid = key.publicKey.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature),
                                                   for: Data((parts[0] + "." + parts[1]).utf8), padding: .insecurePKCS1v1_5)
        #expect(valid)
        let claims = Self.claims(form["assertion"] ?? "")
        #expect(Wire.JSONValue(jsonText: String(decoding: header, as: UTF8.self))?["alg"] == .string("RS256"))
        #expect(claims["aud"].string == base + "/token")
        #expect(claims["scope"].string == "https://www.googleapis.com/auth/cloud-platform")
        #expect((claims["exp"].int ?? 0) - (claims["iat"].int ?? 0) == 3600)
    }

    static func form(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? "" }
            fields[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return fields
    }

    static func claims(_ jwt: String) -> Wire.JSONValue {
        let parts = jwt.split(separator: ".").map(String.init)
        guard parts.count == 3, let data = base64URL(parts[1]) else { return .null }
        return Wire.JSONValue(jsonText: String(decoding: data, as: UTF8.self)) ?? .null
    }

    static func base64URL(_ text: String) -> Data? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s)
    }
}
