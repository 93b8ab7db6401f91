-- E-mail beyond the messages of one issue (the verification of an
-- address, the daily digest), reminders that also reach the inbox, and
-- webhooks filtered by branch with an Authorization header.
--
-- Messages that concern no issue (a verification link, a digest) leave
-- `issue_id` empty.
ALTER TABLE mail_messages ALTER COLUMN issue_id DROP NOT NULL;
-- A digest tells of the threads updated after `digest_since` and up to
-- `digest_until`.
ALTER TABLE mail_messages ADD COLUMN digest_since BIGINT;
ALTER TABLE mail_messages ADD COLUMN digest_until BIGINT;
-- The verification messages of a user, newest last (for the rate limit).
CREATE INDEX mail_messages_by_user_kind ON mail_messages (user_id, kind, created_at);

-- Links that verify an address: the SHA-256 digest of the token sent, the
-- address it was sent to (a link verifies only that address), single use,
-- expiring.
CREATE TABLE email_verifications (
    token_hash TEXT   PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email      TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX email_verifications_by_user ON email_verifications (user_id);

-- Daily digests: one row per user and day (unix days, UTC), claimed by the
-- process that writes the digest, so no day is told twice.
CREATE TABLE mail_digests (
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day        BIGINT NOT NULL,
    -- The end of the day it told of: the next digest starts there.
    until_at   BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, day)
);

-- Reminders, each written once (a unique key naming what and to whom),
-- told in the inbox and, to verified addresses, by e-mail.
CREATE TABLE reminders (
    reminder_key TEXT   PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    issue_id     BIGINT NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    kind         TEXT   NOT NULL,
    created_at   BIGINT NOT NULL
);
-- Reminders sent before this migration are not told again.
INSERT INTO reminders (reminder_key, user_id, issue_id, kind, created_at)
SELECT reminder_key, user_id, issue_id, kind, created_at FROM mail_messages
WHERE reminder_key IS NOT NULL AND issue_id IS NOT NULL;

-- Webhooks: the branches whose push, create and delete events a hook is
-- sent for (Gitea's glob, '*' for all), and an Authorization header sent
-- with each request (kept as given, never shown back in full).
ALTER TABLE webhooks ADD COLUMN branch_filter TEXT NOT NULL DEFAULT '*';
ALTER TABLE webhooks ADD COLUMN authorization_header TEXT NOT NULL DEFAULT '';
