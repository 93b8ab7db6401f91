-- Consumers of the outbox (notifications, e-mail, webhooks): where each one
-- stands in the log. The position moves in the transaction that writes what
-- the events it passes caused, so each event is acted on exactly once.
CREATE TABLE outbox_consumers (
    name       TEXT   PRIMARY KEY,
    -- An encoded outbox::Position ("TXID.ID").
    position   TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);
