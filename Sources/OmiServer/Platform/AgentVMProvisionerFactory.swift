import AsyncHTTPClient
import Logging

/// The provisioner `AGENT_VM_PROVISIONER` selects; an unreadable service-account key stops startup.
func makeAgentVMProvisioner(_ settings: AgentVMSettings, logger: Logger) throws -> any AgentVMProvisioner {
    switch settings.provisioner {
    case .disabled:
        return DisabledProvisioner()
    case .gce:
        let http = GCEHTTP(client: .shared)
        let source: GCETokenSource.Source = if let file = settings.credentialsFile {
            .serviceAccount(try GCETokenSource.serviceAccount(file: file, tokenURLOverride: settings.tokenURL))
        } else {
            .metadata(base: settings.metadataBase)
        }
        let tokens = GCETokenSource(source: source, http: http, timeout: settings.timings.describeTimeout)
        return GCEProvisioner(settings: settings, http: http, tokens: tokens, logger: logger)
    }
}
