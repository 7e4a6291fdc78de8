extension Migrations {
    /// Version 10: the update-banner policy (platform.md §1.5), one operator record per deployment. It holds no user
    /// data, so it has no `uid` column (account deletion's schema test lists it as exempt).
    static let platform = Migration(version: 10, name: "update_policy", statements: [
        """
        CREATE TABLE update_policy (
            slot TEXT PRIMARY KEY,
            policy TEXT NOT NULL,
            updated_at BIGINT NOT NULL
        )
        """,
    ])
}
