extension Wire {
    /// `/v2/agent/status` (platform.md §2.4): every key present, `ip` and `lastQueryAt` null when unset.
    public struct AgentStatus: Codable, Hashable, Sendable {
        public var vmName: String
        public var zone: String
        @ExplicitNull public var ip: String?
        public var status: String
        public var authToken: String
        public var createdAt: String
        @ExplicitNull public var lastQueryAt: String?

        public init(vmName: String, zone: String, ip: String?, status: String, authToken: String, createdAt: String,
                    lastQueryAt: String?) {
            self.vmName = vmName
            self.zone = zone
            self.ip = ip
            self.status = status
            self.authToken = authToken
            self.createdAt = createdAt
            self.lastQueryAt = lastQueryAt
        }
    }

    /// The agent status, or the JSON literal `null` when the user has no VM; the app reads null as "provision".
    public struct OptionalAgentStatus: Codable, Hashable, Sendable {
        public var status: AgentStatus?

        public init(_ status: AgentStatus?) { self.status = status }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            status = c.decodeNil() ? nil : try c.decode(AgentStatus.self)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            if let status { try c.encode(status) } else { try c.encodeNil() }
        }
    }

    /// `/v2/agent/provision` (platform.md §2.3): camelCase, every key present.
    public struct AgentProvisionResult: Codable, Hashable, Sendable {
        public var status: String
        public var vmName: String
        @ExplicitNull public var ip: String?
        public var authToken: String
        public var agentStatus: String

        public init(status: String, vmName: String, ip: String?, authToken: String, agentStatus: String) {
            self.status = status
            self.vmName = vmName
            self.ip = ip
            self.authToken = authToken
            self.agentStatus = agentStatus
        }
    }

    /// The v1 routes (platform.md §2.5, §2.6): `{"has_vm": false}`, or the record under snake_case keys.
    public struct AgentVMState: Codable, Hashable, Sendable {
        public var vm: AgentStatus?

        public init(_ vm: AgentStatus?) { self.vm = vm }

        enum CodingKeys: String, CodingKey {
            case hasVm = "has_vm", status, vmName = "vm_name", ip, authToken = "auth_token", zone
            case createdAt = "created_at", lastQueryAt = "last_query_at"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            guard try c.decode(Bool.self, forKey: .hasVm) else { vm = nil; return }
            vm = AgentStatus(
                vmName: try c.decode(String.self, forKey: .vmName), zone: try c.decode(String.self, forKey: .zone),
                ip: try c.decodeIfPresent(String.self, forKey: .ip), status: try c.decode(String.self, forKey: .status),
                authToken: try c.decode(String.self, forKey: .authToken),
                createdAt: try c.decode(String.self, forKey: .createdAt),
                lastQueryAt: try c.decodeIfPresent(String.self, forKey: .lastQueryAt))
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(vm != nil, forKey: .hasVm)
            guard let vm else { return }
            try c.encode(vm.status, forKey: .status)
            try c.encode(vm.vmName, forKey: .vmName)
            try c.encodeOrNull(vm.ip, forKey: .ip)
            try c.encode(vm.authToken, forKey: .authToken)
            try c.encode(vm.zone, forKey: .zone)
            try c.encode(vm.createdAt, forKey: .createdAt)
            try c.encodeOrNull(vm.lastQueryAt, forKey: .lastQueryAt)
        }
    }
}
