//! Leases: background work that must run in one process at a time, among
//! every process that shares the database.
//!
//! A lease has a name, a holder and an end. Taking it succeeds when it is
//! free, lapsed, or already the caller's (which renews it); the holder
//! renews it at every round of its work, so it keeps it while it lives and
//! loses it one lease length after it dies. Nothing is held in memory: a
//! process that restarts is a new holder.

use crate::db::Db;
use crate::error::Result;

/// Takes or renews lease `name` for `holder` until `until` (unix ms), if it
/// is free, lapsed at `now`, or already held by `holder`. Returns whether
/// `holder` now holds it.
pub async fn try_take(db: &Db, name: &str, holder: &str, now: i64, until: i64) -> Result<bool> {
    let taken = sqlx::query(
        "INSERT INTO leases (name, holder, until) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until \
         WHERE leases.until <= $4 OR leases.holder = excluded.holder",
    )
    .bind(name)
    .bind(holder)
    .bind(until)
    .bind(now)
    .execute(db.pool())
    .await?
    .rows_affected();
    Ok(taken > 0)
}

/// Gives the lease up at once (at shutdown), so another process need not
/// wait for it to lapse.
pub async fn release(db: &Db, name: &str, holder: &str) -> Result<()> {
    sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
        .bind(name)
        .bind(holder)
        .execute(db.pool())
        .await?;
    Ok(())
}
