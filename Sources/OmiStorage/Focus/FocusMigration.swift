extension Migrations {
    /// Version 8: focus sessions, advice and screen activity (focus.md).
    ///
    /// A screen-activity row is keyed by the device it came from and the device's own row id; `device_key` is `''`
    /// for rows without a device id, so the key has no NULL in it. Embeddings are little-endian float32 bytes.
    static let focus = Migration(version: 8, name: "focus", statements: [
        """
        CREATE TABLE focus_sessions (
            uid TEXT NOT NULL,
            id TEXT NOT NULL,
            status TEXT NOT NULL,
            app_or_site TEXT NOT NULL,
            description TEXT NOT NULL,
            message TEXT,
            created_at BIGINT NOT NULL,
            duration_seconds BIGINT,
            PRIMARY KEY (uid, id)
        )
        """,
        "CREATE INDEX focus_sessions_by_time ON focus_sessions (uid, created_at, id)",
        """
        CREATE TABLE advice (
            uid TEXT NOT NULL,
            id TEXT NOT NULL,
            content TEXT NOT NULL,
            category TEXT NOT NULL,
            reasoning TEXT,
            source_app TEXT,
            confidence DOUBLE PRECISION NOT NULL,
            context_summary TEXT,
            current_activity TEXT,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            is_read BOOLEAN NOT NULL DEFAULT FALSE,
            is_dismissed BOOLEAN NOT NULL DEFAULT FALSE,
            PRIMARY KEY (uid, id)
        )
        """,
        "CREATE INDEX advice_by_time ON advice (uid, created_at, id)",
        """
        CREATE TABLE screen_activity (
            uid TEXT NOT NULL,
            device_key TEXT NOT NULL,
            local_id BIGINT NOT NULL,
            storage_id TEXT NOT NULL,
            captured_at BIGINT NOT NULL,
            app_name TEXT NOT NULL,
            window_title TEXT NOT NULL,
            ocr_text TEXT NOT NULL,
            device_name TEXT,
            client_device_id TEXT,
            capture_eligible BOOLEAN NOT NULL,
            account_generation BIGINT NOT NULL,
            retention_seconds BIGINT,
            expires_at BIGINT,
            embedding_dim BIGINT,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            PRIMARY KEY (uid, device_key, local_id)
        )
        """,
        "CREATE INDEX screen_activity_by_time ON screen_activity (uid, captured_at, storage_id)",
        "CREATE INDEX screen_activity_expiry ON screen_activity (expires_at)",
        "CREATE INDEX screen_activity_age ON screen_activity (captured_at)",
    ], sqlite: [
        "ALTER TABLE screen_activity ADD COLUMN embedding BLOB",
    ], postgres: [
        "ALTER TABLE screen_activity ADD COLUMN embedding BYTEA",
    ])
}
