-- Branch protection: rules per repository and branch name pattern (an
-- exact name, or a glob such as `release/*`). A protected branch is never
-- deleted; the rule says who may push to it, whether history may be
-- rewritten, and what a pull request needs before it merges into it.
CREATE TABLE branch_protections (
    id                        INTEGER PRIMARY KEY AUTOINCREMENT,
    repo_id                   INTEGER NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    rule_name                 TEXT    NOT NULL,
    -- 0: nobody pushes (merges only); 1: pushes as the allowlist says.
    enable_push               INTEGER NOT NULL DEFAULT 0,
    -- 1: only the listed users and organisation roles push and merge.
    enable_push_whitelist     INTEGER NOT NULL DEFAULT 0,
    -- JSON arrays of user names and of organisation roles.
    push_whitelist_usernames  TEXT    NOT NULL DEFAULT '[]',
    push_whitelist_teams      TEXT    NOT NULL DEFAULT '[]',
    enable_force_push         INTEGER NOT NULL DEFAULT 0,
    required_approvals        BIGINT  NOT NULL DEFAULT 0,
    dismiss_stale_approvals   INTEGER NOT NULL DEFAULT 0,
    block_on_rejected_reviews INTEGER NOT NULL DEFAULT 0,
    enable_status_check       INTEGER NOT NULL DEFAULT 0,
    -- JSON array of glob patterns of status contexts.
    status_check_contexts     TEXT    NOT NULL DEFAULT '[]',
    created_at                BIGINT  NOT NULL,
    updated_at                BIGINT  NOT NULL
);
CREATE UNIQUE INDEX branch_protections_by_name ON branch_protections (repo_id, rule_name);
