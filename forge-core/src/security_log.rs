//! The security log: what happened to the security of each account
//! (sign-ins and their failures, guessing limits reached and lifted, new
//! tokens), for the account's owner and, site-wide, for the administrators.
//!
//! Each entry is also written to the outbox in the same transaction, as
//! every event is, for the consumers that will tell people by e-mail.

use crate::db::Db;
use crate::error::Result;
use crate::ids::{AccountId, UserId};
use crate::outbox::{self, NewEvent};
use serde_json::json;
use sqlx::Row;

/// The kinds of entries.
pub mod kind {
    pub const SIGN_IN: &str = "sign-in";
    pub const SIGN_IN_FAILED: &str = "sign-in-failed";
    /// A guessing limit now delays checks for this account and address.
    pub const LIMITED: &str = "limited";
    pub const LIMIT_LIFTED: &str = "limit-lifted";
    pub const TOKEN_CREATED: &str = "token-created";
    pub const TOTP_ENABLED: &str = "totp-enabled";
    pub const TOTP_DISABLED: &str = "totp-disabled";
    pub const SECOND_FACTOR_FAILED: &str = "second-factor-failed";
}

/// One entry of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityEvent {
    pub id: i64,
    /// The account's name, when the entry concerns an existing account.
    pub user_name: Option<String>,
    pub kind: String,
    /// The address the request came from.
    pub address: String,
    /// What the entry says beyond its kind: a token's name, a delay.
    pub detail: String,
    pub created_at: i64,
}

/// Writes an entry, and its event in the outbox, in one transaction.
pub async fn record(
    db: &Db,
    user: Option<UserId>,
    kind: &str,
    address: &str,
    detail: &str,
    now: i64,
) -> Result<()> {
    let mut tx = db.pool().begin().await?;
    sqlx::query(
        "INSERT INTO security_events (user_id, kind, address, detail, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(user.map(|u| u.0))
    .bind(kind)
    .bind(address)
    .bind(detail)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    outbox::record(
        &mut tx,
        NewEvent {
            kind: "security",
            actor: user.map(AccountId::from),
            repo: None,
            issue: None,
            payload: json!({"kind": kind, "address": address, "detail": detail}),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<SecurityEvent> {
    Ok(SecurityEvent {
        id: row.try_get("id")?,
        user_name: row.try_get("user_name")?,
        kind: row.try_get("kind")?,
        address: row.try_get("address")?,
        detail: row.try_get("detail")?,
        created_at: row.try_get("created_at")?,
    })
}

/// The latest `limit` entries of one account, newest first.
pub async fn of_user(db: &Db, user: UserId, limit: i64) -> Result<Vec<SecurityEvent>> {
    const QUERY: &str = "SELECT e.id, a.name AS user_name, e.kind, e.address, e.detail, e.created_at \
         FROM security_events e LEFT JOIN accounts a ON a.id = e.user_id \
         WHERE e.user_id = $1 ORDER BY e.id DESC LIMIT $2";
    let rows = sqlx::query(QUERY)
        .bind(user.0)
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(from_row).collect()
}

/// The latest `limit` entries of the whole site, newest first.
pub async fn recent(db: &Db, limit: i64) -> Result<Vec<SecurityEvent>> {
    const QUERY: &str = "SELECT e.id, a.name AS user_name, e.kind, e.address, e.detail, e.created_at \
         FROM security_events e LEFT JOIN accounts a ON a.id = e.user_id \
         ORDER BY e.id DESC LIMIT $1";
    let rows = sqlx::query(QUERY).bind(limit).fetch_all(db.pool()).await?;
    rows.iter().map(from_row).collect()
}
