//! Browser sessions, stored in the database so that several forge processes
//! behind a load balancer share them. The cookie holds a random id; the table
//! holds only its digest.

use crate::clock::now_ms;
use crate::db::Db;
use crate::error::Result;
use crate::ids::UserId;
use crate::secret;
use crate::user::{self, User};
use sqlx::Row;

/// How long a session lasts without signing in again: 30 days.
pub const SESSION_TTL_MS: i64 = 30 * 24 * 3600 * 1000;

/// Opens a session for `user` and returns the cookie value.
pub async fn create(db: &Db, user: UserId) -> Result<String> {
    let id = secret::random_hex(32);
    let now = now_ms();
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(secret::digest(&id))
    .bind(user.0)
    .bind(now)
    .bind(now + SESSION_TTL_MS)
    .execute(db.pool())
    .await?;
    Ok(id)
}

/// The user of a live session.
pub async fn user_of(db: &Db, cookie: &str) -> Result<Option<User>> {
    if cookie.len() != 64 || !cookie.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let row = sqlx::query("SELECT user_id FROM sessions WHERE id_hash = $1 AND expires_at > $2")
        .bind(secret::digest(cookie))
        .bind(now_ms())
        .fetch_optional(db.pool())
        .await?;
    match row {
        Some(row) => user::by_id(db, UserId(row.try_get("user_id")?)).await,
        None => Ok(None),
    }
}

pub async fn delete(db: &Db, cookie: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(secret::digest(cookie))
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Removes expired sessions; returns how many.
pub async fn purge_expired(db: &Db) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now_ms())
        .execute(db.pool())
        .await?
        .rows_affected())
}
