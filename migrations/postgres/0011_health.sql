-- One row per process-independent probe: `/-/health` updates it to prove
-- that the database still accepts writes (a full disk or a read-only file
-- system lets reads through and refuses writes).
CREATE TABLE health_probe (
    id         BIGINT PRIMARY KEY,
    checked_at BIGINT NOT NULL
);
