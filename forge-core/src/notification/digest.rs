//! The daily digest: users whose e-mail mode is "digest" get one message a
//! day telling what happened in the threads of their inbox since their
//! previous digest, grouped by repository and issue.
//!
//! A day (UTC) is claimed per user by a row of `mail_digests` (its key is
//! the user and the day), written with the message in one transaction, so
//! a day is told once however many processes look; a day with nothing to
//! tell writes the claim and no message. The job takes the time as an
//! argument, so tests choose the day.

use super::mail::DIGEST_KIND;
use crate::db::Db;
use crate::error::Result;
use crate::ids::UserId;
use sqlx::Row;

/// A day in unix milliseconds.
pub const DAY_MS: i64 = 24 * 3600 * 1000;

/// The most threads one digest lists.
pub const MAX_ITEMS: i64 = 200;

/// One thread of a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub repo_owner: String,
    pub repo_name: String,
    pub issue_number: i64,
    pub issue_title: String,
    /// The timeline kind of the thread's last event.
    pub last_kind: String,
    pub last_actor: Option<String>,
    pub updated_at: i64,
}

/// The threads of `user` updated after `since` and up to `until` that they
/// may still read, by repository then issue number.
pub async fn items(db: &Db, user: UserId, since: i64, until: i64) -> Result<Vec<Item>> {
    let rows = sqlx::query(
        "SELECT o.name AS repo_owner, r.name AS repo_name, i.number, i.title, n.last_kind, \
         a.name AS last_actor, n.updated_at \
         FROM notifications n JOIN users u ON u.id = n.user_id \
         JOIN issues i ON i.id = n.issue_id \
         JOIN repositories r ON r.id = n.repo_id \
         JOIN accounts o ON o.id = r.owner_id \
         LEFT JOIN accounts a ON a.id = n.last_actor_id \
         WHERE n.user_id = $1 AND n.updated_at > $2 AND n.updated_at <= $3 \
         AND (r.is_private = 0 OR u.is_admin = 1 OR r.owner_id = $1 OR EXISTS (SELECT 1 FROM \
             org_members om WHERE om.org_id = r.owner_id AND om.user_id = $1)) \
         ORDER BY o.name, r.name, i.number LIMIT $4",
    )
    .bind(user.0)
    .bind(since)
    .bind(until)
    .bind(MAX_ITEMS)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Item {
                repo_owner: row.try_get("repo_owner")?,
                repo_name: row.try_get("repo_name")?,
                issue_number: row.try_get("number")?,
                issue_title: row.try_get("title")?,
                last_kind: row.try_get("last_kind")?,
                last_actor: row.try_get("last_actor")?,
                updated_at: row.try_get("updated_at")?,
            })
        })
        .collect()
}

/// Writes the digests of the day that ended before `now` (UTC) not written
/// yet; returns how many messages were written. Each tells of the threads
/// updated after the end of the previous digest's day (or the start of
/// this day) and up to the end of this day; a thread updated since is told
/// the next day.
pub async fn queue(db: &Db, now: i64) -> Result<u64> {
    let day = now.div_euclid(DAY_MS) - 1;
    let day_start = day * DAY_MS;
    let mut tx = db.pool().begin().await?;
    let claimed = sqlx::query(
        "INSERT INTO mail_digests (user_id, day, until_at, created_at) \
         SELECT u.id, $1, $2, $3 FROM users u \
         WHERE u.email_mode = 'digest' AND u.email_verified_at IS NOT NULL AND u.deleted_at IS NULL \
         ON CONFLICT (user_id, day) DO NOTHING RETURNING user_id",
    )
    .bind(day)
    .bind(day_start + DAY_MS)
    .bind(now)
    .fetch_all(&mut *tx)
    .await?;
    let mut written = 0;
    for row in claimed {
        let user: i64 = row.try_get("user_id")?;
        // From the end of the previous digest, or the start of the day.
        let since: i64 = sqlx::query(
            "SELECT CAST(COALESCE(MAX(until_at), $2) AS BIGINT) AS since FROM mail_digests \
             WHERE user_id = $1 AND day < $3",
        )
        .bind(user)
        .bind(day_start)
        .bind(day)
        .fetch_one(&mut *tx)
        .await?
        .try_get("since")?;
        written += sqlx::query(
            "INSERT INTO mail_messages (user_id, issue_id, event_id, kind, state, attempts, \
             next_attempt_at, lease_until, created_at, digest_since, digest_until) \
             SELECT $1, NULL, 0, $2, 'pending', 0, 0, 0, $3, $4, $5 \
             WHERE EXISTS (SELECT 1 FROM notifications \
                 WHERE user_id = $1 AND updated_at > $4 AND updated_at <= $5)",
        )
        .bind(user)
        .bind(DIGEST_KIND)
        .bind(now)
        .bind(since)
        .bind(day_start + DAY_MS)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    tx.commit().await?;
    Ok(written)
}
