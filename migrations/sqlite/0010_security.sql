-- Guessing limits: failed credential checks per (address, account) pair and
-- per address (account ''). A row blocks further checks until
-- `blocked_until`; each failure past the free ones doubles the delay. Kept
-- in the database so that every process sees the same limits.
CREATE TABLE auth_limits (
    address       TEXT    NOT NULL,
    account       TEXT    NOT NULL,
    failures      BIGINT  NOT NULL,
    last_failure  BIGINT  NOT NULL,
    blocked_until BIGINT  NOT NULL,
    PRIMARY KEY (address, account)
);

-- The security log: sign-ins, failures, limits, new tokens, per account
-- (user_id NULL when the account named does not exist). Never updated.
CREATE TABLE security_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL,
    address    TEXT    NOT NULL,
    detail     TEXT    NOT NULL,
    created_at BIGINT  NOT NULL
);
CREATE INDEX security_events_by_user ON security_events (user_id, id);

-- Two-factor sign-in (TOTP): one secret per user, unconfirmed until a code
-- from the app confirms it; the last time step used, so no code works twice.
CREATE TABLE totp_secrets (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_hex TEXT    NOT NULL,
    confirmed  BIGINT  NOT NULL,
    last_step  BIGINT  NOT NULL,
    created_at BIGINT  NOT NULL
);

-- Recovery codes, as digests; a used code is deleted.
CREATE TABLE recovery_codes (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT    NOT NULL UNIQUE
);

-- Sign-ins waiting for their second factor: the password (or provider) was
-- right; a cookie holds the secret whose digest is here.
CREATE TABLE second_factor_pending (
    token_hash  TEXT    PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redirect_to TEXT    NOT NULL,
    expires_at  BIGINT  NOT NULL
);

-- Organisations whose owners and treasurers must use two-factor sign-in.
CREATE TABLE org_two_factor (
    org_id     INTEGER PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    created_at BIGINT  NOT NULL
);
