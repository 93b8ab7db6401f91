-- SSH public keys: a user's own keys, and deploy keys that give one
-- repository read or read-write access. One table, so that a fingerprint
-- names one account only, across both kinds.
CREATE TABLE ssh_keys (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER REFERENCES users (id) ON DELETE CASCADE,
    repo_id      INTEGER REFERENCES repositories (id) ON DELETE CASCADE,
    can_write    INTEGER NOT NULL DEFAULT 0,
    title        TEXT    NOT NULL,
    public_key   TEXT    NOT NULL,
    fingerprint  TEXT    NOT NULL UNIQUE,
    created_at   BIGINT  NOT NULL,
    last_used_at BIGINT,
    CHECK ((user_id IS NULL) <> (repo_id IS NULL))
);
CREATE INDEX ssh_keys_user ON ssh_keys (user_id);
CREATE INDEX ssh_keys_repo ON ssh_keys (repo_id);
