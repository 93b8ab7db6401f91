//! Whether the database accepts writes, for `/-/health`: a read can succeed
//! while every write fails (a full disk, a read-only file system or
//! database), and an operator must learn of it before users do.

use crate::clock::now_ms;
use crate::db::Db;
use crate::error::Result;

/// Writes one row and commits it. Several processes update the same row;
/// the last one wins, which is all a probe needs.
pub async fn probe_write(db: &Db) -> Result<()> {
    sqlx::query(
        "INSERT INTO health_probe (id, checked_at) VALUES (1, $1) \
         ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
    )
    .bind(now_ms())
    .execute(db.pool())
    .await?;
    Ok(())
}
