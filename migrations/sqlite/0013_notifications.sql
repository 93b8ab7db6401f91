-- Notifications: who watches which repository, who subscribed to or
-- muted which issue, and each user's inbox, one thread per issue.
--
-- A watch is 'all' (every issue's news) or 'mentions' (only issues that
-- mention the watcher); no row means not watching.
CREATE TABLE repo_watches (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    repo_id    INTEGER NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    mode       TEXT    NOT NULL CHECK (mode IN ('all', 'mentions')),
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (user_id, repo_id)
);
CREATE INDEX repo_watches_by_repo ON repo_watches (repo_id, mode, user_id);

-- A user's choice on one issue, overriding the repository's: subscribed
-- (1: every event of the issue) or muted (0: none of them).
CREATE TABLE issue_subscriptions (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    issue_id   INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    subscribed INTEGER NOT NULL,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (user_id, issue_id)
);
CREATE INDEX issue_subscriptions_by_issue ON issue_subscriptions (issue_id, subscribed, user_id);

-- The inbox: one thread per user and issue, brought back to unread and to
-- the top by each new event; written by the "notifications" consumer of
-- the outbox in the transaction that moves its position.
CREATE TABLE notifications (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    issue_id      INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    repo_id       INTEGER NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    -- Why the user hears of it: mention, assigned, author, commenter,
    -- subscribed, watching, funding.
    reason        TEXT    NOT NULL,
    -- The outbox event that last touched the thread, and its kind.
    last_event_id BIGINT  NOT NULL,
    last_kind     TEXT    NOT NULL,
    last_actor_id BIGINT,
    is_read       INTEGER NOT NULL DEFAULT 0,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL,
    UNIQUE (user_id, issue_id)
);
CREATE INDEX notifications_inbox ON notifications (user_id, is_read, updated_at, id);
CREATE INDEX notifications_by_time ON notifications (user_id, updated_at, id);

-- E-mail: an address is written to only once verified; each user chooses
-- what is sent: 'every' event, a daily 'digest', only what needs their
-- 'action' (funding events), or 'none'.
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;
ALTER TABLE users ADD COLUMN email_mode TEXT NOT NULL DEFAULT 'every';

-- Messages to send, written by the notifications consumer in its
-- transaction and sent afterwards by a job that claims them (lease_until),
-- retrying with backoff (next_attempt_at) until sent or given up.
CREATE TABLE mail_messages (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    issue_id         INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    event_id         BIGINT  NOT NULL,
    kind             TEXT    NOT NULL,
    actor_id         BIGINT,
    state            TEXT    NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
    attempts         BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT  NOT NULL,
    lease_until      BIGINT  NOT NULL DEFAULT 0,
    last_error       TEXT,
    -- The SHA-256 digest of the one-click unsubscribe token of the message.
    unsubscribe_hash TEXT UNIQUE,
    -- Reminders (a review window closing, a funding deadline near, a
    -- payment late) carry a key naming what they remind of and to whom:
    -- unique, so each is written once, however many processes look.
    reminder_key     TEXT UNIQUE,
    created_at       BIGINT  NOT NULL,
    sent_at          BIGINT
);
CREATE INDEX mail_messages_to_send ON mail_messages (state, next_attempt_at, id);
CREATE INDEX mail_messages_recent ON mail_messages (created_at, id);
