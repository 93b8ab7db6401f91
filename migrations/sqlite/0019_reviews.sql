-- Reviews of pull requests. A review is a verdict (approve, request
-- changes, or comment) given by one person on the head commit they saw; a
-- person's latest verdict counts, unless it was dismissed (by a maintainer,
-- or by branch protection when new commits arrive).
CREATE TABLE pull_reviews (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_id    INTEGER NOT NULL REFERENCES pull_requests (issue_id) ON DELETE CASCADE,
    reviewer_id INTEGER NOT NULL REFERENCES accounts (id),
    -- approved, changes_requested, commented.
    state       TEXT    NOT NULL,
    body        TEXT    NOT NULL DEFAULT '',
    -- The head commit the reviewer saw.
    commit_id   TEXT    NOT NULL,
    dismissed   INTEGER NOT NULL DEFAULT 0,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);
CREATE INDEX pull_reviews_by_pull ON pull_reviews (issue_id, reviewer_id, id);

-- Comments on one line of a pull request's diff, kept where they were
-- written: the commit, the path, the side and line number, and the text of
-- that line, so a later diff shows the comment on the same line or, when
-- the line is gone, as outdated.
CREATE TABLE review_comments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_id    INTEGER NOT NULL REFERENCES pull_requests (issue_id) ON DELETE CASCADE,
    -- The review it was written with; NULL for a reply outside a review.
    review_id   INTEGER REFERENCES pull_reviews (id) ON DELETE CASCADE,
    -- The first comment of the conversation this one answers.
    reply_to    INTEGER REFERENCES review_comments (id) ON DELETE CASCADE,
    author_id   INTEGER NOT NULL REFERENCES accounts (id),
    commit_id   TEXT    NOT NULL,
    path        TEXT    NOT NULL,
    -- 'new' (a line of the head) or 'old' (a line of the base).
    side        TEXT    NOT NULL,
    line        BIGINT  NOT NULL,
    line_text   TEXT    NOT NULL DEFAULT '',
    body        TEXT    NOT NULL,
    resolved_by INTEGER REFERENCES accounts (id),
    resolved_at BIGINT,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);
CREATE INDEX review_comments_by_pull ON review_comments (issue_id, path, id);
