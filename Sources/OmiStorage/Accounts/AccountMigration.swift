extension Migrations {
    /// Version 6: the tombstone a deleted account leaves (users.md §15.2). It is the one table keyed by a uid that
    /// account deletion keeps, and it holds no user content.
    static let accounts = Migration(version: 6, name: "account_tombstones", statements: [
        """
        CREATE TABLE account_tombstones (
            deleted_uid TEXT PRIMARY KEY,
            status TEXT NOT NULL,
            requested_at BIGINT NOT NULL,
            completed_at BIGINT,
            reason TEXT,
            reason_details TEXT
        )
        """,
    ])
}
