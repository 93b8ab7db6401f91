-- Issue tracking. Issues are numbered per repository from the repository's
-- own counter, taken in the same transaction as the insert, so numbers have
-- neither gaps nor duplicates. Stored counters (open and closed issues per
-- repository and milestone, comments per issue) are kept in the same
-- transactions as the changes they count; `forge admin check` recomputes them.
ALTER TABLE repositories ADD COLUMN issue_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE repositories ADD COLUMN open_issues BIGINT NOT NULL DEFAULT 0;
ALTER TABLE repositories ADD COLUMN closed_issues BIGINT NOT NULL DEFAULT 0;

CREATE TABLE milestones (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    repo_id       INTEGER NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    title         TEXT    NOT NULL,
    description   TEXT    NOT NULL DEFAULT '',
    due_at        BIGINT,
    is_closed     INTEGER NOT NULL DEFAULT 0,
    open_issues   BIGINT  NOT NULL DEFAULT 0,
    closed_issues BIGINT  NOT NULL DEFAULT 0,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL,
    UNIQUE (repo_id, title)
);

CREATE TABLE issues (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    repo_id       INTEGER NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    number        BIGINT  NOT NULL,
    title         TEXT    NOT NULL,
    body          TEXT    NOT NULL DEFAULT '',
    author_id     INTEGER NOT NULL REFERENCES accounts (id),
    is_closed     INTEGER NOT NULL DEFAULT 0,
    close_reason  TEXT,
    closed_at     BIGINT,
    is_locked     INTEGER NOT NULL DEFAULT 0,
    milestone_id  INTEGER REFERENCES milestones (id) ON DELETE SET NULL,
    comment_count BIGINT  NOT NULL DEFAULT 0,
    -- Lowercased title, body and comments: the portable free-text search.
    search_text   TEXT    NOT NULL DEFAULT '',
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL,
    UNIQUE (repo_id, number)
);
-- One index per sort order, each led by the filters every list applies, so
-- that a page is an index range scan from its cursor whatever its depth.
CREATE INDEX issues_by_number ON issues (repo_id, is_closed, number);
CREATE INDEX issues_by_update ON issues (repo_id, is_closed, updated_at, number);
CREATE INDEX issues_by_comments ON issues (repo_id, is_closed, comment_count, number);
CREATE INDEX issues_by_author ON issues (author_id, repo_id);
CREATE INDEX issues_by_milestone ON issues (milestone_id);

CREATE TABLE labels (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    repo_id     INTEGER NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    lower_name  TEXT    NOT NULL,
    color       TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    UNIQUE (repo_id, lower_name)
);

CREATE TABLE issue_labels (
    issue_id INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    label_id INTEGER NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    PRIMARY KEY (issue_id, label_id)
);
CREATE INDEX issue_labels_by_label ON issue_labels (label_id, issue_id);

CREATE TABLE issue_assignees (
    issue_id INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (issue_id, user_id)
);
CREATE INDEX issue_assignees_by_user ON issue_assignees (user_id, issue_id);

CREATE TABLE issue_mentions (
    issue_id INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (issue_id, user_id)
);
CREATE INDEX issue_mentions_by_user ON issue_mentions (user_id, issue_id);

CREATE TABLE comments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_id   INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    author_id  INTEGER NOT NULL REFERENCES accounts (id),
    body       TEXT    NOT NULL,
    is_hidden  INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL
);
CREATE INDEX comments_by_issue ON comments (issue_id, id);

-- The timeline. Events that come from a commit carry its id; the unique
-- index makes seeing the same commit again (force pushes back and forth, a
-- branch merged later) a no-op.
CREATE TABLE issue_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_id     INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL,
    actor_id     INTEGER REFERENCES accounts (id),
    comment_id   INTEGER REFERENCES comments (id) ON DELETE CASCADE,
    label_id     INTEGER REFERENCES labels (id) ON DELETE CASCADE,
    milestone_id INTEGER REFERENCES milestones (id) ON DELETE SET NULL,
    subject_id   INTEGER REFERENCES accounts (id),
    ref_issue_id INTEGER REFERENCES issues (id) ON DELETE CASCADE,
    commit_id    TEXT,
    old_value    TEXT,
    new_value    TEXT,
    created_at   BIGINT  NOT NULL
);
CREATE INDEX issue_events_by_issue ON issue_events (issue_id, id);
CREATE UNIQUE INDEX issue_events_once_per_commit ON issue_events (issue_id, kind, commit_id);
