//! Verifying an e-mail address by a link: nothing else is sent to an
//! address before its owner follows the link the forge sent to it.
//!
//! Sign-up and a change of address queue a verification message through
//! the mail queue (the only kind sent to an unverified address). The job
//! that sends it makes a fresh token, stores its digest with the address
//! it goes to and an expiry, and puts the token in the link; following the
//! link verifies that address once, while the token is fresh and the user
//! still has that address. Asking again is limited, so the forge cannot be
//! made to flood an address.

use super::mail::VERIFY_KIND;
use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::UserId;
use crate::secret;
use sqlx::Row;

/// How long a link stays valid: two days.
pub const VALID_MS: i64 = 48 * 3600 * 1000;

/// The least time between two verification messages to one user.
pub const RESEND_AFTER_MS: i64 = 5 * 60 * 1000;

/// The most verification messages to one user within a day.
pub const MAX_PER_DAY: i64 = 5;

const DAY_MS: i64 = 24 * 3600 * 1000;

/// Why a verification message is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// A new address (sign-up, a change): sent at once.
    NewAddress,
    /// The user asks again: not within minutes of the last one.
    Again,
}

/// Queues a verification message for `user`'s current address, unless
/// it is already verified (then nothing happens). Refused when too many
/// were sent today, or, asked again, while the last one is too recent.
pub async fn request(db: &Db, user: UserId, reason: Reason) -> Result<()> {
    let now = now_ms();
    let row = sqlx::query(
        "SELECT email_verified_at, deleted_at, \
         (SELECT MAX(created_at) FROM mail_messages WHERE user_id = $1 AND kind = $2) AS last_at, \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM mail_messages WHERE user_id = $1 AND kind = $2 \
             AND created_at > $3) AS today \
         FROM users WHERE id = $1",
    )
    .bind(user.0)
    .bind(VERIFY_KIND)
    .bind(now - DAY_MS)
    .fetch_optional(db.pool())
    .await?
    .ok_or_else(|| Error::not_found("error-user-not-found"))?;
    if row.try_get::<Option<i64>, _>("deleted_at")?.is_some() {
        return Err(Error::not_found("error-user-not-found"));
    }
    if row
        .try_get::<Option<i64>, _>("email_verified_at")?
        .is_some()
    {
        return Ok(());
    }
    let last: Option<i64> = row.try_get("last_at")?;
    let today: i64 = row.try_get("today")?;
    let too_soon = reason == Reason::Again && last.is_some_and(|at| now - at < RESEND_AFTER_MS);
    if too_soon || today >= MAX_PER_DAY {
        return Err(Error::conflict(None, "error-verify-email-too-soon"));
    }
    sqlx::query(
        "INSERT INTO mail_messages (user_id, issue_id, event_id, kind, state, attempts, \
         next_attempt_at, lease_until, created_at) VALUES ($1, NULL, 0, $2, 'pending', 0, $3, 0, $3)",
    )
    .bind(user.0)
    .bind(VERIFY_KIND)
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// A fresh token for a verification message about to go to `email`; its
/// digest is stored, the token goes in the link.
pub async fn token(db: &Db, user: UserId, email: &str) -> Result<String> {
    let token = secret::random_hex(32);
    let now = now_ms();
    sqlx::query(
        "INSERT INTO email_verifications (token_hash, user_id, email, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(secret::digest(&token))
    .bind(user.0)
    .bind(email)
    .bind(now)
    .bind(now + VALID_MS)
    .execute(db.pool())
    .await?;
    Ok(token)
}

/// Whether `token` is a link that would verify an address now (for the
/// confirmation page, which changes nothing).
pub async fn is_valid(db: &Db, token: &str) -> Result<bool> {
    let row = sqlx::query(
        "SELECT v.user_id FROM email_verifications v JOIN users u ON u.id = v.user_id \
         WHERE v.token_hash = $1 AND v.used_at IS NULL AND v.expires_at > $2 \
         AND u.email = v.email AND u.deleted_at IS NULL",
    )
    .bind(secret::digest(token.trim()))
    .bind(now_ms())
    .fetch_optional(db.pool())
    .await?;
    Ok(row.is_some())
}

/// Follows a verification link: verifies the address it was sent to,
/// once. Returns the user whose address it verified; a token used,
/// expired, unknown, or sent to an address the user no longer has is
/// "not found".
pub async fn confirm(db: &Db, token: &str) -> Result<UserId> {
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    let row = sqlx::query(
        "UPDATE email_verifications SET used_at = $1 \
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id, email",
    )
    .bind(now)
    .bind(secret::digest(token.trim()))
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Error::not_found("error-verify-email-link"))?;
    let user: i64 = row.try_get("user_id")?;
    let email: String = row.try_get("email")?;
    let done = sqlx::query(
        "UPDATE users SET email_verified_at = COALESCE(email_verified_at, $1) \
         WHERE id = $2 AND email = $3 AND deleted_at IS NULL",
    )
    .bind(now)
    .bind(user)
    .bind(&email)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::not_found("error-verify-email-link"));
    }
    // Other links of the user are spent too.
    sqlx::query(
        "UPDATE email_verifications SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL",
    )
    .bind(now)
    .bind(user)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(UserId(user))
}
