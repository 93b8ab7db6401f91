-- Funding: budgets on issues, pledges by organisations, fair shares,
-- delivery review, payments recorded by the receiving side, and the
-- append-only double-entry ledger of every money event.
CREATE TABLE funding_goals (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_id       INTEGER NOT NULL UNIQUE REFERENCES issues (id),
    repo_id        INTEGER NOT NULL REFERENCES repositories (id),
    state          TEXT    NOT NULL CHECK (state IN ('open', 'funded', 'expired', 'cancelled', 'delivered',
                                                     'disputed', 'accepted', 'rejected', 'settled')),
    budget_minor   BIGINT  NOT NULL CHECK (budget_minor > 0),
    currency       TEXT    NOT NULL,
    acceptance     TEXT    NOT NULL,
    deadline_at    BIGINT  NOT NULL,
    review_days    BIGINT  NOT NULL,
    min_funders    BIGINT  NOT NULL,
    delivery_note  TEXT,
    delivery_commits TEXT,
    delivered_at   BIGINT,
    review_ends_at BIGINT,
    created_by     INTEGER NOT NULL REFERENCES accounts (id),
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    -- Bumped by every change; taking the goal's row for a write serialises
    -- concurrent pledges so that funding happens exactly once.
    version        BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX funding_goals_by_state ON funding_goals (state, deadline_at);
CREATE INDEX funding_goals_by_repo ON funding_goals (repo_id, id);

CREATE TABLE pledges (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    goal_id      INTEGER NOT NULL REFERENCES funding_goals (id),
    org_id       INTEGER NOT NULL REFERENCES organisations (id),
    amount_minor BIGINT  NOT NULL CHECK (amount_minor > 0),
    currency     TEXT    NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN ('active', 'withdrawn', 'committed', 'due', 'paid', 'released')),
    share_minor  BIGINT,
    paid_minor   BIGINT  NOT NULL DEFAULT 0,
    pledged_by   INTEGER NOT NULL REFERENCES accounts (id),
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);
-- One live pledge per organisation and goal.
CREATE UNIQUE INDEX pledges_one_live_per_org ON pledges (goal_id, org_id)
    WHERE state IN ('active', 'committed', 'due', 'paid');
CREATE INDEX pledges_by_org ON pledges (org_id, id);
CREATE INDEX pledges_by_goal ON pledges (goal_id, id);

CREATE TABLE funding_reviews (
    goal_id    INTEGER NOT NULL REFERENCES funding_goals (id),
    org_id     INTEGER NOT NULL REFERENCES organisations (id),
    verdict    TEXT    NOT NULL CHECK (verdict IN ('accept', 'object')),
    reason     TEXT    NOT NULL DEFAULT '',
    by_user    INTEGER NOT NULL REFERENCES accounts (id),
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (goal_id, org_id)
);

CREATE TABLE payments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    pledge_id    INTEGER NOT NULL REFERENCES pledges (id),
    amount_minor BIGINT  NOT NULL,
    reference    TEXT    NOT NULL,
    recorded_by  INTEGER NOT NULL REFERENCES accounts (id),
    reverses     INTEGER REFERENCES payments (id),
    created_at   BIGINT  NOT NULL
);
CREATE INDEX payments_by_pledge ON payments (pledge_id, id);

-- The ledger. Each money event is one transaction of balanced lines
-- (debits equal credits, per currency), written with the state change.
CREATE TABLE ledger_entries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    txn          TEXT    NOT NULL,
    goal_id      INTEGER NOT NULL REFERENCES funding_goals (id),
    pledge_id    INTEGER REFERENCES pledges (id),
    payment_id   INTEGER REFERENCES payments (id),
    event        TEXT    NOT NULL,
    account      TEXT    NOT NULL,
    debit_minor  BIGINT  NOT NULL DEFAULT 0 CHECK (debit_minor >= 0),
    credit_minor BIGINT  NOT NULL DEFAULT 0 CHECK (credit_minor >= 0),
    currency     TEXT    NOT NULL,
    actor_id     INTEGER REFERENCES accounts (id),
    created_at   BIGINT  NOT NULL
);
CREATE INDEX ledger_by_goal ON ledger_entries (goal_id, id);
CREATE INDEX ledger_by_account ON ledger_entries (account, id);
CREATE INDEX ledger_by_pledge ON ledger_entries (pledge_id);

CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are append-only: record a correction instead');
END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are append-only: record a correction instead');
END;
CREATE TRIGGER payments_no_update BEFORE UPDATE ON payments
BEGIN
    SELECT RAISE(ABORT, 'payments are append-only: record a reversal instead');
END;
CREATE TRIGGER payments_no_delete BEFORE DELETE ON payments
BEGIN
    SELECT RAISE(ABORT, 'payments are append-only: record a reversal instead');
END;

-- Replays of money requests carrying an Idempotency-Key return the first
-- result instead of acting twice.
CREATE TABLE idempotency_keys (
    user_id    INTEGER NOT NULL REFERENCES accounts (id),
    key        TEXT    NOT NULL,
    scope      TEXT    NOT NULL,
    result_id  BIGINT  NOT NULL,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (user_id, key)
);
