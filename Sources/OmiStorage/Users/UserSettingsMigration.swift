extension Migrations {
    /// Version 7: the account record's settings (users.md §1), LLM usage day records (§11), people (§14)
    /// and the running exports (§16).
    ///
    /// Settings are nullable columns of `users`: NULL means "never written", and the read applies the documented
    /// default, so a default can change without rewriting rows. Structured settings are JSON text.
    static let userSettings = Migration(version: 7, name: "user_settings", statements: [
        "ALTER TABLE users ADD COLUMN time_zone TEXT",
        "ALTER TABLE users ADD COLUMN motivation TEXT",
        "ALTER TABLE users ADD COLUMN use_case TEXT",
        "ALTER TABLE users ADD COLUMN job TEXT",
        "ALTER TABLE users ADD COLUMN company TEXT",
        "ALTER TABLE users ADD COLUMN language TEXT",
        "ALTER TABLE users ADD COLUMN single_language_mode BOOLEAN",
        "ALTER TABLE users ADD COLUMN vocabulary TEXT",
        "ALTER TABLE users ADD COLUMN daily_summary_enabled BOOLEAN",
        "ALTER TABLE users ADD COLUMN daily_summary_hour BIGINT",
        "ALTER TABLE users ADD COLUMN store_recording_permission BOOLEAN",
        "ALTER TABLE users ADD COLUMN private_cloud_sync_enabled BOOLEAN",
        "ALTER TABLE users ADD COLUMN notifications_enabled BOOLEAN",
        "ALTER TABLE users ADD COLUMN notification_frequency BIGINT",
        "ALTER TABLE users ADD COLUMN assistant_settings TEXT",
        "ALTER TABLE users ADD COLUMN update_channel TEXT",
        "ALTER TABLE users ADD COLUMN ai_profile_text TEXT",
        "ALTER TABLE users ADD COLUMN ai_profile_generated_at BIGINT",
        "ALTER TABLE users ADD COLUMN ai_profile_sources BIGINT",
        "ALTER TABLE users ADD COLUMN byok_active BOOLEAN",
        "ALTER TABLE users ADD COLUMN byok_fingerprints TEXT",
        "ALTER TABLE users ADD COLUMN byok_last_seen_at BIGINT",
        // The platform of the user's last request (conventions.md §3, X-App-Platform), for operators' support.
        "ALTER TABLE users ADD COLUMN last_platform TEXT",
        "ALTER TABLE users ADD COLUMN last_seen_at BIGINT",
        """
        CREATE TABLE llm_usage (
            uid TEXT NOT NULL,
            day TEXT NOT NULL,
            bucket TEXT NOT NULL,
            model TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL,
            input_tokens BIGINT NOT NULL DEFAULT 0,
            output_tokens BIGINT NOT NULL DEFAULT 0,
            cache_read_tokens BIGINT NOT NULL DEFAULT 0,
            cache_write_tokens BIGINT NOT NULL DEFAULT 0,
            total_tokens BIGINT NOT NULL DEFAULT 0,
            cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0,
            call_count BIGINT NOT NULL DEFAULT 0,
            PRIMARY KEY (uid, day, bucket, model)
        )
        """,
        """
        CREATE TABLE people (
            uid TEXT NOT NULL,
            id TEXT NOT NULL,
            name TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            speech_samples TEXT NOT NULL,
            speech_sample_transcripts TEXT,
            PRIMARY KEY (uid, id)
        )
        """,
        "CREATE INDEX people_by_name ON people (uid, name, created_at)",
        // One running export per user across every instance (§16.1).
        "CREATE TABLE export_runs (uid TEXT PRIMARY KEY, started_at BIGINT NOT NULL)",
    ])
}
