-- Payee details of receiving accounts, the numbered documents of funding
-- (calls for funds and receipts), and the vote that decides a dispute.

-- What a payer needs to send money to an account (a user or an
-- organisation). Shown only to the account itself and to those who owe it.
CREATE TABLE payees (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    legal_name TEXT    NOT NULL,
    address    TEXT    NOT NULL,
    iban       TEXT    NOT NULL,
    bic        TEXT    NOT NULL,
    note       TEXT    NOT NULL DEFAULT '',
    updated_by INTEGER NOT NULL REFERENCES accounts (id),
    updated_at BIGINT  NOT NULL
);

-- The last document number given by each receiving account, moved in the
-- transaction that writes the document: numbers have no gaps and are never
-- given twice.
CREATE TABLE document_counters (
    account_id  INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    last_number BIGINT  NOT NULL
);

-- A call for funds for each called share, a receipt for each payment.
CREATE TABLE funding_documents (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    payee_id   INTEGER NOT NULL REFERENCES accounts (id),
    number     BIGINT  NOT NULL CHECK (number > 0),
    kind       TEXT    NOT NULL CHECK (kind IN ('call', 'receipt')),
    goal_id    INTEGER NOT NULL REFERENCES funding_goals (id),
    pledge_id  INTEGER NOT NULL REFERENCES pledges (id),
    payment_id INTEGER REFERENCES payments (id),
    -- The reference the payer quotes on the transfer.
    reference  TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    UNIQUE (payee_id, number)
);
CREATE UNIQUE INDEX funding_documents_one_call ON funding_documents (pledge_id) WHERE kind = 'call';
CREATE UNIQUE INDEX funding_documents_one_receipt ON funding_documents (payment_id) WHERE kind = 'receipt';
CREATE INDEX funding_documents_by_goal ON funding_documents (goal_id, id);

-- How a dispute is decided: the share-weighted vote of the pledgers, by
-- the rule chosen when the goal was opened, and the mediator who decides a
-- tie or a vote that ends without a decision.
ALTER TABLE funding_goals ADD COLUMN dispute_rule TEXT NOT NULL DEFAULT 'majority'
    CHECK (dispute_rule IN ('majority', 'two_thirds', 'unanimity'));
ALTER TABLE funding_goals ADD COLUMN mediator_id INTEGER REFERENCES accounts (id);
ALTER TABLE funding_goals ADD COLUMN vote_ends_at BIGINT;

CREATE TABLE dispute_votes (
    goal_id    INTEGER NOT NULL REFERENCES funding_goals (id),
    org_id     INTEGER NOT NULL REFERENCES organisations (id),
    vote       TEXT    NOT NULL CHECK (vote IN ('accept', 'reject')),
    weight     BIGINT  NOT NULL CHECK (weight >= 0),
    by_user    INTEGER NOT NULL REFERENCES accounts (id),
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (goal_id, org_id)
);
