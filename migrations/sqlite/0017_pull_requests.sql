-- Forks and pull requests. A fork knows its parent (`fork_of`, forgotten
-- when the parent is deleted). A pull request is an issue (shared numbering,
-- comments, labels, milestones, assignees, funding) with one
-- `pull_requests` row: where its commits come from, where they go, and what
-- the background check found about merging them.
ALTER TABLE repositories ADD COLUMN fork_of INTEGER REFERENCES repositories (id) ON DELETE SET NULL;
-- The merge styles a repository allows, comma-separated among `merge`,
-- `squash`, `rebase`, `fast-forward-only`.
ALTER TABLE repositories ADD COLUMN merge_styles TEXT NOT NULL DEFAULT 'merge,squash,rebase,fast-forward-only';
CREATE INDEX repositories_forks ON repositories (fork_of);

CREATE TABLE pull_requests (
    issue_id      INTEGER PRIMARY KEY REFERENCES issues (id) ON DELETE CASCADE,
    repo_id       INTEGER NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    -- NULL once the head repository (a fork) is deleted.
    head_repo_id  INTEGER REFERENCES repositories (id) ON DELETE SET NULL,
    head_branch   TEXT    NOT NULL,
    base_branch   TEXT    NOT NULL,
    -- The head and base commits the last check saw, and their merge base.
    head_commit   TEXT    NOT NULL,
    base_commit   TEXT    NOT NULL DEFAULT '',
    merge_base    TEXT    NOT NULL DEFAULT '',
    -- checking, mergeable, conflict, unrelated, head_missing, base_missing.
    status        TEXT    NOT NULL DEFAULT 'checking',
    -- Conflicting paths, one per line.
    conflicts     TEXT    NOT NULL DEFAULT '',
    -- Moved each time the pull request is marked for checking: a check's
    -- result is stored only if no push came in while it ran.
    check_seq     BIGINT  NOT NULL DEFAULT 0,
    -- A merge the forge is making: the commit it is about to put on the base
    -- branch (written before the branch moves, so a merge interrupted by a
    -- crash is recognised once the branch holds it).
    merging       TEXT,
    merging_by    INTEGER REFERENCES accounts (id),
    merged_commit TEXT,
    merged_by     INTEGER REFERENCES accounts (id),
    merged_at     BIGINT,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
CREATE INDEX pull_requests_by_repo ON pull_requests (repo_id, base_branch);
CREATE INDEX pull_requests_by_head ON pull_requests (head_repo_id, head_branch);
CREATE INDEX pull_requests_checking ON pull_requests (status);

-- Commit statuses (CI results) posted for a commit, per context; the latest
-- of each context counts.
CREATE TABLE commit_statuses (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    repo_id     INTEGER NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    sha         TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    context     TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    target_url  TEXT    NOT NULL DEFAULT '',
    creator_id  INTEGER NOT NULL REFERENCES accounts (id),
    created_at  BIGINT  NOT NULL
);
CREATE INDEX commit_statuses_by_sha ON commit_statuses (repo_id, sha, id);
