-- Repositories live on disk under their id, never their name, so renaming a
-- repository or its owner never moves a folder.
CREATE TABLE repositories (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name           TEXT    NOT NULL,
    lower_name     TEXT    NOT NULL,
    description    TEXT    NOT NULL DEFAULT '',
    is_private     INTEGER NOT NULL DEFAULT 0,
    default_branch TEXT    NOT NULL,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    UNIQUE (owner_id, lower_name)
);
CREATE INDEX repositories_public_by_update ON repositories (is_private, updated_at);
