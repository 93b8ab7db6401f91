-- The outbox: every domain event, written once in the transaction of the
-- change it describes, for the consumers that tell people and tools
-- (notifications, e-mail, feeds, webhooks). Rows are never updated.
--
-- SQLite has one writer at a time, so ids are taken in commit order and
-- txid stays 0: consumers read in (txid, id) order, which is id order here
-- (PostgreSQL stores the writing transaction's id; see its migration).
CREATE TABLE events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    txid       BIGINT NOT NULL DEFAULT 0,
    kind       TEXT   NOT NULL,
    -- No foreign keys: an event outlives what it names (a deleted
    -- repository's "deleted" event, say).
    actor_id   BIGINT,
    repo_id    BIGINT,
    issue_id   BIGINT,
    payload    TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX events_in_order ON events (txid, id);
CREATE INDEX events_by_repo ON events (repo_id, id);

-- Pushes whose consequences are not yet recorded. A row is written before
-- git may move any ref and deleted in the transaction that records the
-- push; a row whose lease has lapsed belongs to a process that died, and
-- any process may finish its work.
CREATE TABLE push_journal (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    repo_id     INTEGER NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    pusher_id   INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    -- One "OLD NEW REFNAME" line per ref-update command.
    commands    TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    lease_until BIGINT NOT NULL
);
CREATE INDEX push_journal_by_lease ON push_journal (lease_until);

-- Background work that must run in one process at a time, across every
-- process sharing the database: the holder renews its lease while it works.
CREATE TABLE leases (
    name   TEXT   PRIMARY KEY,
    holder TEXT   NOT NULL,
    until  BIGINT NOT NULL
);
