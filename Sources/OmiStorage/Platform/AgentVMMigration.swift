extension Migrations {
    /// Version 12: the per-user agent VM record (platform.md §2.1). The `uid` primary key is what makes a provision
    /// claim race-free: concurrent claims insert into the same key and exactly one succeeds.
    static let agentVM = Migration(version: 12, name: "agent_vms", statements: [
        """
        CREATE TABLE agent_vms (
            uid TEXT PRIMARY KEY,
            vm_name TEXT NOT NULL,
            zone TEXT NOT NULL,
            status TEXT NOT NULL,
            ip TEXT,
            auth_token TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            last_query_at BIGINT,
            updated_at BIGINT NOT NULL,
            last_error TEXT,
            provisioner TEXT NOT NULL
        )
        """,
    ])
}
