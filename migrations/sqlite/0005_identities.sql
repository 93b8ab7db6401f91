-- Signing in with other sites (OpenID Connect and OAuth2 providers).
--
-- An identity is an account at a provider, named by the provider's own
-- name for it (its "subject"), linked to one user of this forge. A user may
-- have several; an account at a provider belongs to one user at most.
CREATE TABLE identities (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    provider   TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT  NOT NULL,
    UNIQUE (provider, subject)
);
CREATE INDEX identities_by_user ON identities (user_id);

-- A sign-in sent to a provider and not back yet. The `state` the provider
-- returns finds it (by digest); the browser that started it must present
-- the secret whose digest is `browser_hash`. It is deleted when used, so a
-- replayed answer finds nothing, and expires after a few minutes.
CREATE TABLE oauth_logins (
    state_hash    TEXT    PRIMARY KEY,
    browser_hash  TEXT    NOT NULL,
    provider      TEXT    NOT NULL,
    pkce_verifier TEXT    NOT NULL,
    nonce         TEXT    NOT NULL,
    -- Set when a signed-in user links a provider from their settings.
    link_user_id  INTEGER REFERENCES users (id) ON DELETE CASCADE,
    redirect_to   TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    expires_at    BIGINT  NOT NULL
);
CREATE INDEX oauth_logins_by_expiry ON oauth_logins (expires_at);

-- An identity a provider vouched for, waiting for its owner to confirm the
-- new account (choose a username). Found by the digest of a cookie.
CREATE TABLE oauth_signups (
    token_hash  TEXT    PRIMARY KEY,
    provider    TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    username    TEXT    NOT NULL,
    email       TEXT    NOT NULL,
    full_name   TEXT    NOT NULL,
    redirect_to TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL
);
CREATE INDEX oauth_signups_by_expiry ON oauth_signups (expires_at);
