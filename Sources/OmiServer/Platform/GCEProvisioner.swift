import Foundation
import Logging
import NIOHTTP1
import OmiContract

/// Google Compute Engine over REST (platform.md §2.2). Provider 401/403 are a configuration fault of this server:
/// logged, and never relayed to the app.
struct GCEProvisioner: AgentVMProvisioner {
    let settings: AgentVMSettings
    let http: GCEHTTP
    let tokens: GCETokenSource
    let logger: Logger

    var enabled: Bool { true }
    var kind: String { "gce" }
    var timings: AgentVMTimings { settings.timings }
    var project: String { settings.projectId ?? "" }

    func zoneURL(_ zone: String) -> String {
        "\(settings.apiBase)/projects/\(Self.segment(project))/zones/\(Self.segment(zone))"
    }

    func instanceURL(_ name: String, _ zone: String) -> String {
        zoneURL(zone) + "/instances/" + Self.segment(name)
    }

    static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/")))
            ?? text
    }

    /// One authenticated call; transport errors and token failures come back as thrown `AgentVMFailure`s.
    func call(_ method: HTTPMethod, _ url: String, json: Wire.JSONValue? = nil, timeout: Duration? = nil)
        async throws -> GCEReply {
        let token: String
        do { token = try await tokens.token() } catch {
            logger.error("GCE access token unavailable; check GOOGLE_APPLICATION_CREDENTIALS or the metadata server")
            throw AgentVMFailure.permanent("access token unavailable")
        }
        do {
            let reply = try await http.send(method, url, headers: [("Authorization", "Bearer \(token)")], json: json,
                                            timeout: timeout ?? timings.requestTimeout)
            if reply.status == 401 || reply.status == 403 {
                logger.error("GCE refused this server's credentials", metadata: ["status": "\(reply.status)"])
            }
            return reply
        } catch {
            throw AgentVMFailure.transient("GCE request failed: \(type(of: error))")
        }
    }

    /// Classes an unexpected answer: credentials and other 4xx are permanent, 5xx and 429 are worth retrying.
    static func failure(_ what: String, _ reply: GCEReply) -> AgentVMFailure {
        let message = "\(what) answered HTTP \(reply.status)"
        return reply.status >= 500 || reply.status == 429 ? .transient(message) : .permanent(message)
    }

    // MARK: describe

    func describe(name: String, zone: String) async -> AgentVMObservation {
        guard let reply = try? await call(.GET, instanceURL(name, zone), timeout: timings.describeTimeout) else {
            return .unknown
        }
        if reply.status == 404 { return .notFound }
        guard reply.status == 200 else { return .unknown }
        return Self.observation(reply.json)
    }

    static func observation(_ instance: Wire.JSONValue) -> AgentVMObservation {
        switch instance[field: "status"].gceString ?? "" {
        case "RUNNING": .running(ip: natIP(instance))
        case "PROVISIONING", "STAGING", "REPAIRING": .pending
        case "SUSPENDING", "SUSPENDED": .stopped(suspended: true)
        case "STOPPING", "STOPPED", "TERMINATED": .stopped(suspended: false)
        default: .unknown
        }
    }

    static func natIP(_ instance: Wire.JSONValue) -> String? {
        AgentVMIdentity.usableIP(
            instance[field: "networkInterfaces"][item: 0][field: "accessConfigs"][item: 0][field: "natIP"].gceString)
    }

    // MARK: create

    func create(name: String, zone: String, authToken: String) async throws -> String {
        try await insert(name: name, zone: zone, authToken: authToken, retryAfterConflict: true)
        return try await readIP(name: name, zone: zone)
    }

    func insert(name: String, zone: String, authToken: String, retryAfterConflict: Bool) async throws {
        let reply = try await call(.POST, zoneURL(zone) + "/instances",
                                   json: insertBody(name: name, zone: zone, authToken: authToken))
        if reply.status == 409 {
            // A create of an existing name: adopt the instance if it carries this record's token, else replace it.
            let existing = try await call(.GET, instanceURL(name, zone))
            guard existing.status == 200 else { throw Self.failure("instance read", existing) }
            if Self.metadata(existing.json, key: "auth-token").map({ constantTimeEqual(Array($0.utf8), Array(authToken.utf8)) })
                == true {
                if case .stopped(let suspended) = Self.observation(existing.json) {
                    try await requestStart(name: name, zone: zone, suspended: suspended)
                }
                return
            }
            guard retryAfterConflict else { throw AgentVMFailure.permanent("instance name taken by another instance") }
            logger.warning("replacing an agent VM that carries another token", metadata: ["vm": "\(name)"])
            try await delete(name: name, zone: zone)
            return try await insert(name: name, zone: zone, authToken: authToken, retryAfterConflict: false)
        }
        guard reply.status == 200 else { throw Self.failure("instance insert", reply) }
        try await waitForOperation(reply.json, zone: zone)
    }

    func insertBody(name: String, zone: String, authToken: String) -> Wire.JSONValue {
        var metadata: [Wire.JSONValue] = [.object(["key": .string("auth-token"), "value": .string(authToken)])]
        if let url = settings.startupScriptURL {
            metadata.append(.object(["key": .string("startup-script-url"), "value": .string(url)]))
        }
        return .object([
            "name": .string(name),
            "machineType": .string("zones/\(zone)/machineTypes/\(settings.machineType)"),
            "disks": .array([.object([
                "boot": .bool(true), "autoDelete": .bool(true),
                "initializeParams": .object([
                    "sourceImage": .string(settings.sourceImage),
                    // The API takes int64 fields as JSON strings.
                    "diskSizeGb": .string(String(settings.diskSizeGb)),
                    "diskType": .string("zones/\(zone)/diskTypes/\(settings.diskType)"),
                ]),
            ])]),
            "networkInterfaces": .array([.object([
                "network": .string(settings.network),
                "accessConfigs": .array([.object(["type": .string("ONE_TO_ONE_NAT"), "name": .string("External NAT")])]),
            ])]),
            "tags": .object(["items": .array([.string(settings.networkTag)])]),
            "labels": .object([
                "omi-agent": .string("true"),
                "omi-uid-hash": .string(String(name.dropFirst("omi-agent-".count))),
            ]),
            "metadata": .object(["items": .array(metadata)]),
        ])
    }

    static func metadata(_ instance: Wire.JSONValue, key: String) -> String? {
        instance[field: "metadata"][field: "items"].gceItems
            .first { $0[field: "key"].gceString == key }?[field: "value"].gceString
    }

    // MARK: operations and IP

    /// Polls a zone operation until DONE; an operation error, or still running after the attempts, is a failure.
    func waitForOperation(_ operation: Wire.JSONValue, zone: String) async throws {
        var current = operation
        for _ in 0..<timings.operationPollAttempts {
            if current[field: "status"].gceString == "DONE" {
                if current[field: "error"] != .null {
                    let code = current[field: "error"][field: "errors"][item: 0][field: "code"].gceString ?? "unknown"
                    throw AgentVMFailure.permanent("operation failed: \(code)")
                }
                return
            }
            guard let name = current[field: "name"].gceString else {
                throw AgentVMFailure.permanent("operation without a name")
            }
            try await Task.sleep(for: timings.operationPollInterval)
            let reply = try await call(.GET, zoneURL(zone) + "/operations/" + Self.segment(name))
            guard reply.status == 200 else { throw Self.failure("operation read", reply) }
            current = reply.json
        }
        if current[field: "status"].gceString == "DONE" && current[field: "error"] == .null { return }
        throw AgentVMFailure.permanent("operation timed out")
    }

    /// Reads the instance until its external address is usable.
    func readIP(name: String, zone: String) async throws -> String {
        for attempt in 0..<timings.ipReadAttempts {
            if attempt > 0 { try await Task.sleep(for: timings.ipReadInterval) }
            let reply = try await call(.GET, instanceURL(name, zone))
            if reply.status == 200, case .running(let ip?) = Self.observation(reply.json) { return ip }
            if reply.status == 401 || reply.status == 403 || reply.status == 404 {
                throw Self.failure("instance read", reply)
            }
        }
        throw AgentVMFailure.permanent("no usable IP after \(timings.ipReadAttempts) reads")
    }

    // MARK: start and delete

    func start(name: String, zone: String) async throws -> String {
        let suspended: Bool
        let reply = try await call(.GET, instanceURL(name, zone))
        guard reply.status == 200 else { throw Self.failure("instance read", reply) }
        switch Self.observation(reply.json) {
        case .running(let ip?): return ip
        case .stopped(let isSuspended): suspended = isSuspended
        default: suspended = false
        }
        try await requestStart(name: name, zone: zone, suspended: suspended)
        return try await readIP(name: name, zone: zone)
    }

    func requestStart(name: String, zone: String, suspended: Bool) async throws {
        let reply = try await call(.POST, instanceURL(name, zone) + (suspended ? "/resume" : "/start"))
        guard reply.status == 200 else { throw Self.failure("instance start", reply) }
        try await waitForOperation(reply.json, zone: zone)
    }

    func delete(name: String, zone: String) async throws {
        let reply = try await call(.DELETE, instanceURL(name, zone))
        if reply.status == 404 { return }
        guard reply.status == 200 else { throw Self.failure("instance delete", reply) }
        try await waitForOperation(reply.json, zone: zone)
    }
}
