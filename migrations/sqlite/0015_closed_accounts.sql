-- A user who closes their account keeps their name (nobody may take it and
-- pass for them) and what they wrote; this marks when it was closed.
ALTER TABLE users ADD COLUMN deleted_at BIGINT;
