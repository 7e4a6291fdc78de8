import Foundation

/// The agent VM provisioner's settings (platform.md §2.2), read with the rest in `Settings.fromEnvironment`.
public struct AgentVMSettings: Sendable {
    public enum Provisioner: String, Sendable { case disabled, gce }

    public var provisioner = Provisioner.disabled
    public var projectId: String?
    public var zone = "us-central1-a"
    public var machineType = "e2-small"
    public var diskSizeGb = 50
    public var diskType = "pd-balanced"
    /// `GCE_SOURCE_IMAGE`; the project's `omi-agent` image family when unset.
    public var sourceImageOverride: String?
    public var network = "global/networks/default"
    public var networkTag = "omi-agent-vm"
    public var startupScriptURL: String?
    public var apiBase = "https://compute.googleapis.com/compute/v1"
    /// A service-account key file; without one the access token comes from the metadata server.
    public var credentialsFile: String?
    /// Overrides the key file's `token_uri`, so tests can exchange the JWT against a local fake.
    public var tokenURL: String?
    public var metadataBase = "http://metadata.google.internal/computeMetadata/v1"
    /// The port and scheme of the VM's own `/ping`, which the firewall rule on `networkTag` opens.
    public var pingPort = 8080
    public var pingScheme = "http"
    /// Poll intervals and age rules; the spec's values, shortened only by tests.
    public var timings = AgentVMTimings()

    public init() {}

    public var sourceImage: String {
        sourceImageOverride ?? "projects/\(projectId ?? "")/global/images/family/omi-agent"
    }

    static func read(_ reader: inout EnvironmentReader) -> AgentVMSettings {
        var s = AgentVMSettings()
        if let raw = reader.string("AGENT_VM_PROVISIONER") {
            // A typo must stop the server rather than silently disable a feature the operator asked for.
            if let value = Provisioner(rawValue: raw.lowercased()) { s.provisioner = value }
            else { reader.problems.append("AGENT_VM_PROVISIONER must be disabled or gce") }
        }
        s.projectId = reader.string("GCE_PROJECT_ID")
        if s.provisioner == .gce && s.projectId == nil {
            reader.problems.append("GCE_PROJECT_ID is required when AGENT_VM_PROVISIONER=gce")
        }
        s.zone = reader.string("GCE_ZONE") ?? s.zone
        s.machineType = reader.string("GCE_MACHINE_TYPE") ?? s.machineType
        s.diskSizeGb = reader.int("GCE_DISK_SIZE_GB", range: 10...65_536) ?? s.diskSizeGb
        s.diskType = reader.string("GCE_DISK_TYPE") ?? s.diskType
        s.sourceImageOverride = reader.string("GCE_SOURCE_IMAGE")
        s.network = reader.string("GCE_NETWORK") ?? s.network
        s.networkTag = reader.string("GCE_NETWORK_TAG") ?? s.networkTag
        s.startupScriptURL = reader.string("AGENT_VM_STARTUP_SCRIPT_URL")
        if let url = s.startupScriptURL, !HTTPURL.isValid(url) && !url.hasPrefix("gs://") {
            reader.problems.append("AGENT_VM_STARTUP_SCRIPT_URL must be an http(s) or gs:// URL")
        }
        s.apiBase = reader.url("GCE_API_BASE") ?? s.apiBase
        s.credentialsFile = reader.string("GOOGLE_APPLICATION_CREDENTIALS")
        s.tokenURL = reader.url("GCE_TOKEN_URL")
        s.metadataBase = reader.url("GCE_METADATA_BASE") ?? s.metadataBase
        s.pingPort = reader.int("AGENT_VM_PING_PORT", range: 1...65535) ?? s.pingPort
        if let scheme = reader.string("AGENT_VM_PING_SCHEME") {
            if ["http", "https"].contains(scheme.lowercased()) { s.pingScheme = scheme.lowercased() }
            else { reader.problems.append("AGENT_VM_PING_SCHEME must be http or https") }
        }
        return s
    }
}

/// The waits of the GCE provisioner and the age rules of the state machine (platform.md §2.1, §2.2).
public struct AgentVMTimings: Sendable {
    public var operationPollInterval: Duration = .seconds(5)
    public var operationPollAttempts = 24
    public var ipReadInterval: Duration = .seconds(3)
    public var ipReadAttempts = 6
    public var describeTimeout: Duration = .seconds(5)
    /// Every other provider call; long enough for an insert, short enough that a hung call cannot pin a job.
    public var requestTimeout: Duration = .seconds(30)
    public var pingTimeout: Duration = .seconds(10)
    /// An `error` record younger than this is answered as it is instead of being recovered.
    public var errorRetryAfterSeconds: Int64 = 60
    /// A `provisioning` record unchanged this long has lost its job (a restart) and is observed again.
    public var staleProvisioningSeconds: Int64 = 600

    public init() {}
}

extension EnvironmentReader {
    /// An http(s) base URL without a trailing slash.
    mutating func url(_ name: String) -> String? {
        guard let raw = string(name) else { return nil }
        guard HTTPURL.isValid(raw) else {
            problems.append("\(name) must be an http or https URL")
            return nil
        }
        return raw.hasSuffix("/") ? String(raw.dropLast()) : raw
    }
}
