import Logging

/// The provisioner `AGENT_VM_PROVISIONER` selects.
func makeAgentVMProvisioner(_ settings: AgentVMSettings, logger: Logger) throws -> any AgentVMProvisioner {
    switch settings.provisioner {
    case .disabled, .gce:
        // The GCE provisioner is not written yet: until it is, gce behaves as disabled.
        return DisabledProvisioner()
    }
}
