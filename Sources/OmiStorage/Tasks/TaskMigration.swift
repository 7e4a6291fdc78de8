extension Migrations {
    /// Version 3: tasks, AI suggestions and task shares (tasks.md §0.6).
    static let tasks = Migration(version: 3, name: "tasks", statements: [
        """
        CREATE TABLE action_items (
            uid TEXT NOT NULL,
            id TEXT NOT NULL,
            description TEXT NOT NULL,
            description_norm TEXT NOT NULL,
            completed BOOLEAN NOT NULL DEFAULT FALSE,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            due_at BIGINT,
            completed_at BIGINT,
            conversation_id TEXT,
            source TEXT,
            priority TEXT,
            metadata TEXT,
            category TEXT,
            relevance_score BIGINT,
            sort_order BIGINT NOT NULL DEFAULT 0,
            indent_level BIGINT NOT NULL DEFAULT 0,
            goal_id TEXT,
            from_staged BOOLEAN NOT NULL DEFAULT FALSE,
            recurrence_rule TEXT,
            recurrence_parent_id TEXT,
            deleted BOOLEAN NOT NULL DEFAULT FALSE,
            deleted_by TEXT,
            deleted_at BIGINT,
            deleted_reason TEXT,
            kept_task_id TEXT,
            exported BOOLEAN NOT NULL DEFAULT FALSE,
            export_date BIGINT,
            export_platform TEXT,
            apple_reminder_id TEXT,
            PRIMARY KEY (uid, id)
        )
        """,
        "CREATE INDEX action_items_by_state ON action_items (uid, deleted, completed, due_at, created_at)",
        "CREATE INDEX action_items_by_due ON action_items (uid, due_at)",
        "CREATE INDEX action_items_by_created ON action_items (uid, created_at)",
        "CREATE INDEX action_items_by_text ON action_items (uid, description_norm)",
        """
        CREATE TABLE staged_tasks (
            uid TEXT NOT NULL,
            id TEXT NOT NULL,
            description TEXT NOT NULL,
            description_norm TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            due_at BIGINT,
            source TEXT,
            priority TEXT,
            metadata TEXT,
            category TEXT,
            relevance_score BIGINT,
            PRIMARY KEY (uid, id)
        )
        """,
        "CREATE INDEX staged_tasks_by_rank ON staged_tasks (uid, relevance_score, created_at)",
        "CREATE INDEX staged_tasks_by_text ON staged_tasks (uid, description_norm)",
        """
        CREATE TABLE task_shares (
            token TEXT PRIMARY KEY,
            uid TEXT NOT NULL,
            sender_name TEXT NOT NULL,
            task_ids TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX task_shares_by_uid ON task_shares (uid)",
        """
        CREATE TABLE task_share_acceptances (
            token TEXT NOT NULL,
            uid TEXT NOT NULL,
            accepted_at BIGINT NOT NULL,
            PRIMARY KEY (token, uid)
        )
        """,
        "CREATE INDEX task_share_acceptances_by_uid ON task_share_acceptances (uid)",
    ])
}

extension Migrations {
    /// Version 15: an index in the task list's own order (`ActionItemSQL.order`), so the newest page of a user with a
    /// million tasks is read off the index instead of sorting every one of their rows (issue 12's scale check). The
    /// expression must match the ORDER BY's exactly for either engine to use it.
    static let taskListOrder = Migration(version: 15, name: "action_items_list_order", statements: [
        """
        CREATE INDEX action_items_by_list_order ON action_items
            (uid, deleted, completed, (CASE WHEN due_at IS NULL THEN 1 ELSE 0 END), due_at, created_at DESC, id)
        """,
    ])
}
