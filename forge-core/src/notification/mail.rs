//! Notification e-mail: the messages the notifications consumer writes in
//! its transaction, claimed and sent afterwards by a job (one process at a
//! time, each message under a lease of its own too), retried with backoff
//! until sent or given up; verified addresses; each user's choice of what
//! is sent; one-click unsubscribing from an issue by a token that needs no
//! sign-in.

use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{IssueId, UserId};
use crate::secret;
use sqlx::Row;

/// What a user receives by e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailMode {
    /// A message for every notification.
    Every,
    /// One message a day with the day's notifications.
    Digest,
    /// Only funding events, the ones that may need the user's action.
    Action,
    /// Nothing.
    None,
}

impl MailMode {
    pub const ALL: [MailMode; 4] = [
        MailMode::Every,
        MailMode::Digest,
        MailMode::Action,
        MailMode::None,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MailMode::Every => "every",
            MailMode::Digest => "digest",
            MailMode::Action => "action",
            MailMode::None => "none",
        }
    }

    pub fn parse(text: &str) -> Result<MailMode> {
        MailMode::ALL
            .into_iter()
            .find(|m| m.as_str() == text.trim())
            .ok_or_else(|| Error::invalid("email_mode", "error-mail-mode"))
    }
}

/// The messages one event causes: one per user the consumer has just
/// notified of it (their thread carries the event) whose address is
/// verified and who wants it. `$4` is 1 for funding events.
pub(crate) const QUEUE: &str = "\
    INSERT INTO mail_messages (user_id, issue_id, event_id, kind, actor_id, state, attempts, \
        next_attempt_at, lease_until, created_at) \
    SELECT n.user_id, n.issue_id, $2, $3, n.last_actor_id, 'pending', 0, $5, 0, $5 \
    FROM notifications n JOIN users u ON u.id = n.user_id \
    WHERE n.issue_id = $1 AND n.last_event_id = $2 AND u.email_verified_at IS NOT NULL \
        AND u.deleted_at IS NULL \
        AND (u.email_mode = 'every' OR (u.email_mode = 'action' AND $4 = 1))";

/// The kind of the message that verifies an address, the only one sent to
/// an address not verified yet.
pub const VERIFY_KIND: &str = "verify_email";

/// The kind of the daily digest.
pub const DIGEST_KIND: &str = "digest";

/// A message to send, with what its text needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub id: i64,
    pub user_id: UserId,
    pub user_name: String,
    pub email: String,
    pub locale: Option<String>,
    /// The issue the message is about; `None` for a verification link or
    /// a digest (whose issue fields are then empty).
    pub issue_id: Option<IssueId>,
    pub repo_owner: String,
    pub repo_name: String,
    pub issue_number: i64,
    pub issue_title: String,
    /// The timeline kind (`commented`, `funded`, …), a reminder's kind,
    /// [`VERIFY_KIND`] or [`DIGEST_KIND`].
    pub kind: String,
    pub actor: Option<String>,
    pub attempts: i64,
    /// What a digest tells of, grouped by repository then issue; empty for
    /// other messages.
    pub digest: Vec<super::digest::Item>,
}

/// How long a claimed message stays with its sender.
const CLAIM_MS: i64 = 120_000;

/// After this many failed attempts a message is given up.
pub const MAX_ATTEMPTS: i64 = 8;

/// Claims up to `limit` messages due now; each claim counts an attempt.
pub async fn claim(db: &Db, now: i64, limit: i64) -> Result<Vec<Pending>> {
    let claimed = sqlx::query(
        "UPDATE mail_messages SET lease_until = $1, attempts = attempts + 1 \
         WHERE state = 'pending' AND next_attempt_at <= $2 AND lease_until <= $2 AND id IN \
         (SELECT id FROM mail_messages WHERE state = 'pending' AND next_attempt_at <= $2 \
          AND lease_until <= $2 ORDER BY id LIMIT $3) RETURNING id",
    )
    .bind(now + CLAIM_MS)
    .bind(now)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    let mut pending = Vec::new();
    for row in claimed {
        let id: i64 = row.try_get("id")?;
        let row = sqlx::query(
            "SELECT m.id, u.email, a.name AS user_name, u.locale, m.issue_id, \
             COALESCE(o.name, '') AS repo_owner, COALESCE(r.name, '') AS repo_name, \
             COALESCE(i.number, 0) AS number, COALESCE(i.title, '') AS title, m.kind, \
             actor.name AS actor, m.attempts, m.user_id, m.digest_since, m.digest_until \
             FROM mail_messages m JOIN users u ON u.id = m.user_id \
             JOIN accounts a ON a.id = m.user_id LEFT JOIN issues i ON i.id = m.issue_id \
             LEFT JOIN repositories r ON r.id = i.repo_id LEFT JOIN accounts o ON o.id = r.owner_id \
             LEFT JOIN accounts actor ON actor.id = m.actor_id WHERE m.id = $1 \
             AND (u.email_verified_at IS NOT NULL OR m.kind = 'verify_email')",
        )
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
        if let Some(row) = row {
            let kind: String = row.try_get("kind")?;
            let window = (
                row.try_get::<Option<i64>, _>("digest_since")?,
                row.try_get::<Option<i64>, _>("digest_until")?,
            );
            let digest = match window {
                (Some(since), Some(until)) if kind == DIGEST_KIND => {
                    let user = UserId(row.try_get("user_id")?);
                    super::digest::items(db, user, since, until).await?
                }
                _ => Vec::new(),
            };
            pending.push(Pending {
                id: row.try_get("id")?,
                user_id: UserId(row.try_get("user_id")?),
                user_name: row.try_get("user_name")?,
                email: row.try_get("email")?,
                locale: row.try_get("locale")?,
                issue_id: row.try_get::<Option<i64>, _>("issue_id")?.map(IssueId),
                repo_owner: row.try_get("repo_owner")?,
                repo_name: row.try_get("repo_name")?,
                issue_number: row.try_get("number")?,
                issue_title: row.try_get("title")?,
                kind,
                actor: row.try_get("actor")?,
                attempts: row.try_get("attempts")?,
                digest,
            });
        } else {
            // The address changed since the message was written and is not
            // verified yet: nothing is sent to it.
            sqlx::query(
                "UPDATE mail_messages SET state = 'failed', lease_until = 0, \
                 last_error = 'the address is not verified' WHERE id = $1",
            )
            .bind(id)
            .execute(db.pool())
            .await?;
        }
    }
    Ok(pending)
}

/// A fresh one-click unsubscribe token for message `id` (its digest is
/// stored; the token goes in the message).
pub async fn unsubscribe_token(db: &Db, id: i64) -> Result<String> {
    let token = secret::random_hex(32);
    sqlx::query("UPDATE mail_messages SET unsubscribe_hash = $1 WHERE id = $2")
        .bind(secret::digest(&token))
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(token)
}

pub async fn mark_sent(db: &Db, id: i64) -> Result<()> {
    sqlx::query(
        "UPDATE mail_messages SET state = 'sent', sent_at = $1, last_error = NULL WHERE id = $2",
    )
    .bind(now_ms())
    .bind(id)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Records a failed attempt: tried again after a delay that doubles with
/// each attempt (a minute, two, four…), given up after [`MAX_ATTEMPTS`].
/// Returns whether it was given up.
pub async fn mark_failed(db: &Db, id: i64, attempts: i64, error: &str) -> Result<bool> {
    let now = now_ms();
    let delay = 60_000_i64.saturating_mul(1 << attempts.clamp(0, 20));
    let state = if attempts >= MAX_ATTEMPTS {
        "failed"
    } else {
        "pending"
    };
    sqlx::query(
        "UPDATE mail_messages SET state = $1, next_attempt_at = $2, lease_until = 0, \
         last_error = $3 WHERE id = $4",
    )
    .bind(state)
    .bind(now.saturating_add(delay))
    .bind(error)
    .bind(id)
    .execute(db.pool())
    .await?;
    Ok(state == "failed")
}

/// What a message's one-click unsubscribe link stops: the messages of its
/// issue, or, for a daily digest, the digest itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsubscribe {
    Issue,
    Digest,
}

/// What the link with `token` would stop, if a message carries it.
pub async fn unsubscribe_target(db: &Db, token: &str) -> Result<Option<Unsubscribe>> {
    let row = sqlx::query("SELECT kind FROM mail_messages WHERE unsubscribe_hash = $1")
        .bind(secret::digest(token.trim()))
        .fetch_optional(db.pool())
        .await?;
    Ok(match row {
        Some(row) if row.try_get::<String, _>("kind")? == DIGEST_KIND => Some(Unsubscribe::Digest),
        Some(_) => Some(Unsubscribe::Issue),
        None => None,
    })
}

/// Follows the one-click link with `token` (RFC 8058): mutes the message's
/// issue for its recipient, or, from a digest, stops e-mail for them (the
/// mode becomes "none"; the settings page turns it back on). `None` when
/// no message carries the token.
pub async fn unsubscribe(db: &Db, token: &str) -> Result<Option<Unsubscribe>> {
    let row = sqlx::query(
        "SELECT user_id, issue_id, kind FROM mail_messages WHERE unsubscribe_hash = $1",
    )
    .bind(secret::digest(token.trim()))
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let user = UserId(row.try_get::<i64, _>("user_id")?);
    let issue: Option<i64> = row.try_get("issue_id")?;
    match (row.try_get::<String, _>("kind")?.as_str(), issue) {
        (DIGEST_KIND, _) => {
            set_mode(db, user, MailMode::None).await?;
            Ok(Some(Unsubscribe::Digest))
        }
        (_, Some(issue)) => {
            sqlx::query(
                "INSERT INTO issue_subscriptions (user_id, issue_id, subscribed, created_at) \
                 VALUES ($1, $2, 0, $3) \
                 ON CONFLICT (user_id, issue_id) DO UPDATE SET subscribed = 0",
            )
            .bind(user.0)
            .bind(issue)
            .bind(now_ms())
            .execute(db.pool())
            .await?;
            Ok(Some(Unsubscribe::Issue))
        }
        // A message of no issue that is not a digest carries no link.
        (_, None) => Ok(None),
    }
}

/// Marks a user's address verified (the admin command; the link of the
/// verification message goes through [`super::verify::confirm`]).
pub async fn verify_email(db: &Db, user: UserId) -> Result<()> {
    sqlx::query(
        "UPDATE users SET email_verified_at = $1 WHERE id = $2 AND email_verified_at IS NULL",
    )
    .bind(now_ms())
    .bind(user.0)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Sets what a user receives by e-mail.
pub async fn set_mode(db: &Db, user: UserId, mode: MailMode) -> Result<()> {
    sqlx::query("UPDATE users SET email_mode = $1 WHERE id = $2")
        .bind(mode.as_str())
        .bind(user.0)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// One message as the site admin sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub id: i64,
    pub user_name: String,
    pub kind: String,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

/// The latest messages, newest first.
pub async fn recent(db: &Db, limit: i64) -> Result<Vec<Sent>> {
    let rows = sqlx::query(
        "SELECT m.id, a.name, m.kind, m.state, m.attempts, m.last_error, m.created_at, m.sent_at \
         FROM mail_messages m JOIN accounts a ON a.id = m.user_id \
         ORDER BY m.created_at DESC, m.id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Sent {
                id: row.try_get("id")?,
                user_name: row.try_get("name")?,
                kind: row.try_get("kind")?,
                state: row.try_get("state")?,
                attempts: row.try_get("attempts")?,
                last_error: row.try_get("last_error")?,
                created_at: row.try_get("created_at")?,
                sent_at: row.try_get("sent_at")?,
            })
        })
        .collect()
}

/// What a user receives by e-mail, and when their address was verified.
pub async fn settings_of(db: &Db, user: UserId) -> Result<(MailMode, Option<i64>)> {
    let row = sqlx::query("SELECT email_mode, email_verified_at FROM users WHERE id = $1")
        .bind(user.0)
        .fetch_one(db.pool())
        .await?;
    let mode: String = row.try_get("email_mode")?;
    Ok((MailMode::parse(&mode)?, row.try_get("email_verified_at")?))
}
