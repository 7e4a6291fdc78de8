/// What one describe call saw of an instance (platform.md §2.2).
enum AgentVMObservation: Sendable, Equatable {
    case notFound
    case pending
    case running(ip: String?)
    case stopped(suspended: Bool)
    /// A provider error, a timeout, a credential failure or a state this server does not know: change nothing.
    case unknown
}

/// A provider failure: transient leaves the record to be retried later, permanent moves it to `error`.
struct AgentVMFailure: Error, Sendable, CustomStringConvertible {
    var permanent: Bool
    /// A message for logs and `last_error`; never holds a credential.
    var message: String

    static func transient(_ message: String) -> AgentVMFailure { AgentVMFailure(permanent: false, message: message) }
    static func permanent(_ message: String) -> AgentVMFailure { AgentVMFailure(permanent: true, message: message) }
    var description: String { message }
}

/// The five operations of platform.md §2.2; `create` and `start` wait until the instance has a usable IP.
protocol AgentVMProvisioner: Sendable {
    var enabled: Bool { get }
    /// The name stored with each record, so records can tell which provisioner made them.
    var kind: String { get }
    func create(name: String, zone: String, authToken: String) async throws -> String
    func describe(name: String, zone: String) async -> AgentVMObservation
    func start(name: String, zone: String) async throws -> String
    func delete(name: String, zone: String) async throws
}

/// The default: every handler treats the user as having no VM, and no provider call is ever made.
struct DisabledProvisioner: AgentVMProvisioner {
    var enabled: Bool { false }
    var kind: String { "disabled" }
    func create(name: String, zone: String, authToken: String) async throws -> String {
        throw AgentVMFailure.permanent("provisioner disabled")
    }
    func describe(name: String, zone: String) async -> AgentVMObservation { .unknown }
    func start(name: String, zone: String) async throws -> String { throw AgentVMFailure.permanent("provisioner disabled") }
    func delete(name: String, zone: String) async throws {}
}
