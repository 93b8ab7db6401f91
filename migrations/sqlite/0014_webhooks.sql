-- Webhooks: HTTP requests the forge sends when something happens in a
-- repository, or in any repository of an organisation (exactly one of
-- repo_id and org_id is set). The secret is kept as given, since every
-- request is signed with it (HMAC-SHA256); it is never shown back.
CREATE TABLE webhooks (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    repo_id      INTEGER REFERENCES repositories (id) ON DELETE CASCADE,
    org_id       INTEGER REFERENCES organisations (id) ON DELETE CASCADE,
    url          TEXT    NOT NULL,
    secret       TEXT    NOT NULL DEFAULT '',
    -- 'json' or 'form'.
    content_type TEXT    NOT NULL,
    -- The events it is sent for, comma-separated (push,create,issues,...).
    events       TEXT    NOT NULL,
    is_active    INTEGER NOT NULL DEFAULT 1,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    CHECK ((repo_id IS NULL) <> (org_id IS NULL))
);
CREATE INDEX webhooks_by_repo ON webhooks (repo_id);
CREATE INDEX webhooks_by_org ON webhooks (org_id);

-- One request to send, or sent: written by the "webhooks" consumer of the
-- outbox in the transaction that moves its position, then claimed by one
-- process at a time for each attempt (claimed_by, claimed_until).
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    hook_id          INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    -- The outbox event it tells (NULL for test deliveries).
    event_id         BIGINT,
    -- Gitea's event name (push, create, issues, ...) and action.
    event            TEXT    NOT NULL,
    action           TEXT    NOT NULL DEFAULT '',
    -- What else the payload needs (the ref of a push), JSON.
    detail           TEXT    NOT NULL DEFAULT '{}',
    guid             TEXT    NOT NULL UNIQUE,
    -- 'pending', 'delivered' or 'failed' (no attempt left).
    state            TEXT    NOT NULL DEFAULT 'pending',
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT  NOT NULL,
    claimed_by       TEXT,
    claimed_until    BIGINT,
    -- The request as sent (built at the first attempt, then replayed).
    request_headers  TEXT,
    request_body     TEXT,
    response_status  INTEGER,
    response_headers TEXT,
    response_body    TEXT,
    error            TEXT,
    duration_ms      BIGINT,
    created_at       BIGINT  NOT NULL,
    delivered_at     BIGINT
);
CREATE INDEX webhook_deliveries_by_hook ON webhook_deliveries (hook_id, id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);

-- Atom feeds: one token per user, given as `?token=` to read feeds of
-- private content the user may see; stored as a SHA-256 digest.
CREATE TABLE feed_tokens (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    digest     TEXT    NOT NULL UNIQUE,
    created_at BIGINT  NOT NULL
);
-- Feeds read an issue's events, and a user's.
CREATE INDEX events_by_issue ON events (issue_id, id);
CREATE INDEX events_by_actor ON events (actor_id, id);
