extension Migrations {
    /// Version 11: immutable release manifests, one pointer per (platform, channel) and the pointer history
    /// (platform.md §1.1). No user data, so no `uid` column. The manifest is kept as its canonical JSON text, the
    /// exact bytes `manifest_sha256` covers; the columns beside it exist for ordering, uniqueness and joins.
    static let releases = Migration(version: 11, name: "releases", statements: [
        """
        CREATE TABLE release_manifests (
            release_id TEXT PRIMARY KEY,
            platform TEXT NOT NULL,
            build_number BIGINT NOT NULL,
            manifest TEXT NOT NULL,
            manifest_sha256 TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            UNIQUE (platform, build_number)
        )
        """,
        "CREATE INDEX release_manifests_order ON release_manifests (build_number DESC, release_id DESC)",
        """
        CREATE TABLE channel_pointers (
            platform TEXT NOT NULL,
            channel TEXT NOT NULL,
            release_id TEXT REFERENCES release_manifests (release_id),
            generation BIGINT NOT NULL,
            updated_at BIGINT,
            updated_by TEXT,
            reason TEXT,
            PRIMARY KEY (platform, channel)
        )
        """,
        // The primary key makes a second writer of the same generation fail even if the row lock were bypassed.
        """
        CREATE TABLE channel_history (
            platform TEXT NOT NULL,
            channel TEXT NOT NULL,
            generation BIGINT NOT NULL,
            release_id TEXT NOT NULL REFERENCES release_manifests (release_id),
            previous_release_id TEXT,
            operation TEXT NOT NULL,
            actor TEXT,
            reason TEXT,
            at BIGINT NOT NULL,
            PRIMARY KEY (platform, channel, generation)
        )
        """,
        "CREATE INDEX channel_history_release ON channel_history (platform, channel, release_id)",
    ])
}
