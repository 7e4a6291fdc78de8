import SQLKit

/// The stored agent VM of one user (platform.md §2.1). `authToken` is a credential: never log a record.
public struct AgentVMRecord: Sendable, Equatable {
    public var uid: String
    public var vmName: String
    public var zone: String
    /// `provisioning`, `ready`, `stopped` or `error`.
    public var status: String
    public var ip: String?
    public var authToken: String
    public var createdAt: Int64
    public var lastQueryAt: Int64?
    public var updatedAt: Int64
    public var lastError: String?
    public var provisioner: String

    public init(uid: String, vmName: String, zone: String, status: String, ip: String? = nil, authToken: String,
                createdAt: Int64, lastQueryAt: Int64? = nil, updatedAt: Int64, lastError: String? = nil,
                provisioner: String) {
        self.uid = uid
        self.vmName = vmName
        self.zone = zone
        self.status = status
        self.ip = ip
        self.authToken = authToken
        self.createdAt = createdAt
        self.lastQueryAt = lastQueryAt
        self.updatedAt = updatedAt
        self.lastError = lastError
        self.provisioner = provisioner
    }
}

/// Every write is a compare-and-set on (vm name, token, previous status), so a background job whose record was
/// deleted or replaced meanwhile writes nothing.
public protocol AgentVMRepository: Sendable {
    func get(uid: String) async throws -> AgentVMRecord?
    /// Inserts the record unless the user already has one; false when another claim won.
    func claim(_ record: AgentVMRecord) async throws -> Bool
    /// Moves `expected` to `status` with the given IP and error; false when the stored record no longer matches.
    func transition(_ expected: AgentVMRecord, to status: String, ip: String?, lastError: String?, now: Int64)
        async throws -> Bool
    /// Deletes the record if it still matches `expected`.
    func remove(_ expected: AgentVMRecord) async throws -> Bool
}

public struct SQLAgentVMRepository: AgentVMRepository {
    let database: Database

    public init(database: Database) { self.database = database }

    public func get(uid: String) async throws -> AgentVMRecord? {
        try await database.withConnection { db in
            try await db.raw("SELECT * FROM agent_vms WHERE uid = \(bind: uid)").first().map(Self.decode)
        }
    }

    public func claim(_ r: AgentVMRecord) async throws -> Bool {
        try await database.transaction(lockKeys: ["agent_vm:\(r.uid)"]) { db in
            !(try await db.raw("""
                INSERT INTO agent_vms (uid, vm_name, zone, status, ip, auth_token, created_at, last_query_at, updated_at,
                    last_error, provisioner)
                VALUES (\(bind: r.uid), \(bind: r.vmName), \(bind: r.zone), \(bind: r.status), \(bind: r.ip),
                    \(bind: r.authToken), \(bind: r.createdAt), \(bind: r.lastQueryAt), \(bind: r.updatedAt),
                    \(bind: r.lastError), \(bind: r.provisioner))
                ON CONFLICT (uid) DO NOTHING RETURNING uid
                """).all().isEmpty)
        }
    }

    public func transition(_ e: AgentVMRecord, to status: String, ip: String?, lastError: String?, now: Int64)
        async throws -> Bool {
        try await database.transaction(lockKeys: ["agent_vm:\(e.uid)"]) { db in
            // updated_at always advances, even when the clock has not moved since the last write.
            !(try await db.raw("""
                UPDATE agent_vms SET status = \(bind: status), ip = \(bind: ip), last_error = \(bind: lastError),
                    updated_at = CASE WHEN updated_at >= \(bind: now) THEN updated_at + 1 ELSE \(bind: now) END
                WHERE uid = \(bind: e.uid) AND vm_name = \(bind: e.vmName) AND auth_token = \(bind: e.authToken)
                    AND status = \(bind: e.status)
                RETURNING uid
                """).all().isEmpty)
        }
    }

    public func remove(_ e: AgentVMRecord) async throws -> Bool {
        try await database.transaction(lockKeys: ["agent_vm:\(e.uid)"]) { db in
            !(try await db.raw("""
                DELETE FROM agent_vms WHERE uid = \(bind: e.uid) AND vm_name = \(bind: e.vmName)
                    AND auth_token = \(bind: e.authToken) AND status = \(bind: e.status)
                RETURNING uid
                """).all().isEmpty)
        }
    }

    static func decode(_ row: any SQLRow) throws -> AgentVMRecord {
        AgentVMRecord(
            uid: try row.decode(column: "uid", as: String.self),
            vmName: try row.decode(column: "vm_name", as: String.self),
            zone: try row.decode(column: "zone", as: String.self),
            status: try row.decode(column: "status", as: String.self),
            ip: try row.decode(column: "ip", as: String?.self),
            authToken: try row.decode(column: "auth_token", as: String.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            lastQueryAt: try row.decode(column: "last_query_at", as: Int64?.self),
            updatedAt: try row.decode(column: "updated_at", as: Int64.self),
            lastError: try row.decode(column: "last_error", as: String?.self),
            provisioner: try row.decode(column: "provisioner", as: String.self))
    }
}
