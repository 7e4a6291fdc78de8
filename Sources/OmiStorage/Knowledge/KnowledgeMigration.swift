extension Migrations {
    /// Version 5: memories with their search index, goals with daily history, and the knowledge graph
    /// (knowledge.md §1.3–1.5, §10).
    static let knowledge = Migration(version: 5, name: "memories_goals_graph", statements: [
        """
        CREATE TABLE memories (
            uid TEXT NOT NULL,
            id TEXT NOT NULL,
            content TEXT NOT NULL,
            category TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            scoring TEXT NOT NULL,
            conversation_id TEXT,
            reviewed BOOLEAN NOT NULL DEFAULT FALSE,
            user_review BOOLEAN,
            visibility TEXT NOT NULL,
            manually_added BOOLEAN NOT NULL DEFAULT FALSE,
            source TEXT,
            confidence DOUBLE PRECISION,
            source_app TEXT,
            context_summary TEXT,
            reasoning TEXT,
            current_activity TEXT,
            window_title TEXT,
            headline TEXT,
            input_device_name TEXT,
            is_read BOOLEAN NOT NULL DEFAULT FALSE,
            is_dismissed BOOLEAN NOT NULL DEFAULT FALSE,
            tags TEXT NOT NULL,
            edited BOOLEAN NOT NULL DEFAULT FALSE,
            PRIMARY KEY (uid, id)
        )
        """,
        "CREATE INDEX memories_by_scoring ON memories (uid, scoring, created_at)",
        "CREATE INDEX memories_by_created ON memories (uid, created_at)",
        """
        CREATE TABLE goals (
            uid TEXT NOT NULL,
            id TEXT NOT NULL,
            title TEXT NOT NULL,
            description TEXT,
            goal_type TEXT NOT NULL,
            target_value DOUBLE PRECISION NOT NULL,
            current_value DOUBLE PRECISION NOT NULL,
            min_value DOUBLE PRECISION NOT NULL,
            max_value DOUBLE PRECISION NOT NULL,
            unit TEXT,
            is_active BOOLEAN NOT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            completed_at BIGINT,
            source TEXT,
            PRIMARY KEY (uid, id)
        )
        """,
        "CREATE INDEX goals_by_active ON goals (uid, is_active, created_at)",
        """
        CREATE TABLE goal_history (
            uid TEXT NOT NULL,
            goal_id TEXT NOT NULL,
            date TEXT NOT NULL,
            value DOUBLE PRECISION NOT NULL,
            recorded_at BIGINT NOT NULL,
            PRIMARY KEY (uid, goal_id, date)
        )
        """,
        """
        CREATE TABLE kg_nodes (
            uid TEXT NOT NULL,
            id TEXT NOT NULL,
            label TEXT NOT NULL,
            node_type TEXT NOT NULL,
            aliases TEXT NOT NULL,
            memory_ids TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            PRIMARY KEY (uid, id)
        )
        """,
        """
        CREATE TABLE kg_edges (
            uid TEXT NOT NULL,
            id TEXT NOT NULL,
            source_id TEXT NOT NULL,
            target_id TEXT NOT NULL,
            label TEXT NOT NULL,
            memory_ids TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            PRIMARY KEY (uid, id)
        )
        """,
    ], sqlite: [
        "ALTER TABLE memories ADD COLUMN search_rowid INTEGER",
        "CREATE UNIQUE INDEX memories_by_search_rowid ON memories (search_rowid)",
        "CREATE VIRTUAL TABLE memories_fts USING fts5(content, tokenize = 'unicode61 remove_diacritics 2')",
    ], postgres: [
        "ALTER TABLE memories ADD COLUMN search_vector tsvector",
        "CREATE INDEX memories_search ON memories USING GIN (search_vector)",
    ])
}
