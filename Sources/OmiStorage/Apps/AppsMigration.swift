extension Migrations {
    /// Version 9: per-user state of apps (apps.md §5). The catalogue itself is the operator's file, not a table;
    /// installs and ratings are derived from these rows, so no counter can drift.
    static let apps = Migration(version: 9, name: "apps", statements: [
        """
        CREATE TABLE app_enablements (
            uid TEXT NOT NULL,
            app_id TEXT NOT NULL,
            enabled_at BIGINT NOT NULL,
            PRIMARY KEY (uid, app_id)
        )
        """,
        "CREATE INDEX app_enablements_by_app ON app_enablements (app_id)",
        """
        CREATE TABLE app_reviews (
            app_id TEXT NOT NULL,
            uid TEXT NOT NULL,
            score BIGINT NOT NULL CHECK (score BETWEEN 1 AND 5),
            review TEXT NOT NULL,
            response TEXT,
            rated_at BIGINT NOT NULL,
            edited_at BIGINT,
            PRIMARY KEY (app_id, uid)
        )
        """,
        "CREATE INDEX app_reviews_by_uid ON app_reviews (uid)",
        """
        CREATE TABLE personas (
            id TEXT PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            username TEXT UNIQUE,
            description TEXT NOT NULL,
            image TEXT NOT NULL,
            persona_prompt TEXT,
            author TEXT NOT NULL,
            email TEXT,
            approved BOOLEAN NOT NULL,
            status TEXT NOT NULL,
            private BOOLEAN NOT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL
        )
        """,
    ])
}
