-- Users and organisations share one namespace: both are accounts, so a name
-- can never be taken twice and repositories can be owned by either.
CREATE TABLE accounts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL UNIQUE,
    kind        TEXT    NOT NULL CHECK (kind IN ('user', 'org')),
    full_name   TEXT    NOT NULL DEFAULT '',
    description TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT  NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    email         TEXT    NOT NULL UNIQUE,
    password_hash TEXT,
    is_admin      INTEGER NOT NULL DEFAULT 0,
    locale        TEXT
);

CREATE TABLE organisations (
    id      INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    kind    TEXT    NOT NULL,
    website TEXT    NOT NULL DEFAULT ''
);

CREATE TABLE org_members (
    org_id     INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT    NOT NULL CHECK (role IN ('owner', 'treasurer', 'maintainer', 'member')),
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX org_members_by_user ON org_members (user_id);

-- Secrets are stored as SHA-256 digests: tokens are 256-bit random values,
-- so a fast digest is enough and lets us find a row by its hash.
CREATE TABLE access_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    last_eight   TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    last_used_at BIGINT,
    UNIQUE (user_id, name)
);

CREATE TABLE sessions (
    id_hash    TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
