extension Migrations {
    /// Version 4: conversations with their search index, and folders (knowledge.md §10, §9).
    static let conversations = Migration(version: 4, name: "conversations", statements: [
        """
        CREATE TABLE conversations (
            uid TEXT NOT NULL,
            id TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            started_at BIGINT,
            finished_at BIGINT,
            source TEXT NOT NULL,
            language TEXT NOT NULL,
            status TEXT NOT NULL,
            discarded BOOLEAN NOT NULL DEFAULT FALSE,
            starred BOOLEAN NOT NULL DEFAULT FALSE,
            visibility TEXT NOT NULL,
            folder_id TEXT,
            input_device_name TEXT,
            structured TEXT NOT NULL,
            transcript_segments TEXT NOT NULL,
            apps_results TEXT NOT NULL,
            geolocation TEXT,
            client_platform TEXT,
            client_device_id TEXT,
            PRIMARY KEY (uid, id)
        )
        """,
        "CREATE INDEX conversations_by_created ON conversations (uid, created_at, id)",
        "CREATE INDEX conversations_by_status ON conversations (uid, status)",
        "CREATE INDEX conversations_by_folder ON conversations (uid, folder_id)",
        "CREATE INDEX conversations_by_starred ON conversations (uid, starred)",
        // The public share route knows only the id.
        "CREATE INDEX conversations_by_id ON conversations (id)",
        """
        CREATE TABLE folders (
            uid TEXT NOT NULL,
            id TEXT NOT NULL,
            name TEXT NOT NULL,
            description TEXT,
            color TEXT NOT NULL,
            icon TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            sort_order BIGINT NOT NULL,
            is_default BOOLEAN NOT NULL DEFAULT FALSE,
            is_system BOOLEAN NOT NULL DEFAULT FALSE,
            category_mapping TEXT,
            PRIMARY KEY (uid, id)
        )
        """,
    ], sqlite: [
        // The index holds text folded by the server (case, diacritics) and split into terms, so both engines index
        // the same tokens. Its rows are tied to conversations by `search_rowid`, which, unlike SQLite's implicit
        // rowid, survives VACUUM.
        "ALTER TABLE conversations ADD COLUMN search_rowid INTEGER",
        "CREATE UNIQUE INDEX conversations_by_search_rowid ON conversations (search_rowid)",
        """
        CREATE VIRTUAL TABLE conversations_fts USING fts5(
            title, overview, transcript, tokenize = 'unicode61 remove_diacritics 2')
        """,
    ], postgres: [
        "ALTER TABLE conversations ADD COLUMN search_vector tsvector",
        "CREATE INDEX conversations_search ON conversations USING GIN (search_vector)",
    ])

    /// Version 16: conversations left in `processing`, across users, for the sweep that finishes them after a crash.
    /// Partial, so it holds only the few conversations a model is working on.
    static let processingSweep = Migration(version: 16, name: "conversations_processing", statements: [
        "CREATE INDEX conversations_processing ON conversations (updated_at) WHERE status = 'processing'",
    ])
}
