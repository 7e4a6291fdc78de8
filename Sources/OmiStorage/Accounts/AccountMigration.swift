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

    /// Version 17: deletions waiting for their final pass, for the clean-up that finishes them. Partial, so it holds
    /// only the few deletions of the last minutes however many accounts were ever deleted.
    static let deletionCleanup = Migration(version: 17, name: "account_tombstones_wiped", statements: [
        "CREATE INDEX account_tombstones_wiped ON account_tombstones (requested_at) WHERE status = 'wiped'",
    ])
}
