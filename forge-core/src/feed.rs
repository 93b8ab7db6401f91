//! What Atom feeds read: the outbox's events of a repository, of its
//! issues, of one issue, of an organisation's funding, of a user, newest
//! first, with the names they refer to; and each user's feed token, which
//! lets a feed reader see the private content its user may see
//! (`?token=`). Tokens are stored as SHA-256 digests, shown once.

use crate::clock::now_ms;
use crate::db::Db;
use crate::error::Result;
use crate::ids::{AccountId, EventId, IssueId, OrgId, RepoId, UserId};
use crate::secret;
use crate::user::{self, User};
use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;

/// Entries per feed.
pub const ENTRIES: i64 = 50;

/// One event as a feed shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: EventId,
    pub kind: String,
    pub actor: Option<String>,
    pub repo: RepoId,
    /// `owner/name`.
    pub repo_name: String,
    pub repo_private: bool,
    pub issue_number: Option<i64>,
    pub issue_title: Option<String>,
    pub payload: Value,
    pub created_at: i64,
}

macro_rules! select_entries {
    ($filter:literal) => {
        concat!(
            "SELECT e.id, e.kind, a.name AS actor_name, e.repo_id, o.name AS owner_name, r.name AS repo_name, \
             r.is_private, i.number AS issue_number, i.title AS issue_title, e.payload, e.created_at \
             FROM events e JOIN repositories r ON r.id = e.repo_id JOIN accounts o ON o.id = r.owner_id \
             LEFT JOIN accounts a ON a.id = e.actor_id LEFT JOIN issues i ON i.id = e.issue_id ",
            $filter,
            " ORDER BY e.id DESC LIMIT $2"
        )
    };
}

fn from_row(row: &AnyRow) -> Result<Entry> {
    let payload: String = row.try_get("payload")?;
    Ok(Entry {
        id: EventId(row.try_get("id")?),
        kind: row.try_get("kind")?,
        actor: row.try_get("actor_name")?,
        repo: RepoId(row.try_get("repo_id")?),
        repo_name: format!(
            "{}/{}",
            row.try_get::<String, _>("owner_name")?,
            row.try_get::<String, _>("repo_name")?
        ),
        repo_private: row.try_get::<i64, _>("is_private")? != 0,
        issue_number: row.try_get("issue_number")?,
        issue_title: row.try_get("issue_title")?,
        payload: serde_json::from_str(&payload).unwrap_or(Value::Null),
        created_at: row.try_get("created_at")?,
    })
}

/// Whether a feed shows events of this kind: what people did, not the
/// forge's bookkeeping.
pub fn shown(kind: &str) -> bool {
    !matches!(
        kind,
        "payee.updated" | "org.member_set" | "org.member_removed" | "comment.hidden"
    )
}

async fn entries(db: &Db, query: &'static str, id: i64) -> Result<Vec<Entry>> {
    let rows = sqlx::query(query)
        .bind(id)
        .bind(ENTRIES * 4)
        .fetch_all(db.pool())
        .await?;
    let mut all = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    all.retain(|e| shown(&e.kind));
    all.truncate(usize::try_from(ENTRIES).unwrap_or(50));
    Ok(all)
}

/// A repository's activity. The caller checked that the reader may see it.
pub async fn of_repo(db: &Db, repo: RepoId) -> Result<Vec<Entry>> {
    entries(db, select_entries!("WHERE e.repo_id = $1"), repo.0).await
}

/// The events of a repository's issues.
pub async fn of_repo_issues(db: &Db, repo: RepoId) -> Result<Vec<Entry>> {
    entries(
        db,
        select_entries!("WHERE e.repo_id = $1 AND e.issue_id IS NOT NULL"),
        repo.0,
    )
    .await
}

/// The events of one issue.
pub async fn of_issue(db: &Db, issue: IssueId) -> Result<Vec<Entry>> {
    entries(db, select_entries!("WHERE e.issue_id = $1"), issue.0).await
}

/// An organisation's funding activity: the funding events of the goals
/// of its repositories and of the goals it pledged to. The caller keeps
/// only what the reader may see.
pub async fn of_org_funding(db: &Db, org: OrgId) -> Result<Vec<Entry>> {
    let mut all = entries(
        db,
        select_entries!(
            "WHERE e.issue_id IS NOT NULL AND (r.owner_id = $1 OR EXISTS \
             (SELECT 1 FROM issue_events t WHERE t.issue_id = e.issue_id AND t.subject_id = $1)) \
             AND e.kind LIKE 'issue.%'"
        ),
        org.0,
    )
    .await?;
    all.retain(|e| {
        e.kind
            .strip_prefix("issue.")
            .is_some_and(crate::webhook::consume::is_funding_kind)
    });
    Ok(all)
}

/// What a user did. The caller keeps only what the reader may see.
pub async fn of_user(db: &Db, user: AccountId) -> Result<Vec<Entry>> {
    entries(db, select_entries!("WHERE e.actor_id = $1"), user.0).await
}

/// Creates or replaces `user`'s feed token; returns it (shown once).
pub async fn reset_token(db: &Db, user: UserId) -> Result<String> {
    let token = secret::random_hex(20);
    sqlx::query(
        "INSERT INTO feed_tokens (user_id, digest, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET digest = excluded.digest, created_at = excluded.created_at",
    )
    .bind(user.0)
    .bind(secret::digest(&token))
    .bind(now_ms())
    .execute(db.pool())
    .await?;
    Ok(token)
}

/// Removes `user`'s feed token: feeds are public-only again.
pub async fn delete_token(db: &Db, user: UserId) -> Result<()> {
    sqlx::query("DELETE FROM feed_tokens WHERE user_id = $1")
        .bind(user.0)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// When `user`'s feed token was made, if they have one.
pub async fn token_created(db: &Db, user: UserId) -> Result<Option<i64>> {
    let row = sqlx::query("SELECT created_at FROM feed_tokens WHERE user_id = $1")
        .bind(user.0)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.map(|r| r.try_get("created_at")).transpose()?)
}

/// The user a feed token belongs to (looked up by digest).
pub async fn user_of_token(db: &Db, token: &str) -> Result<Option<User>> {
    // A closed account's token opens nothing.
    let row = sqlx::query(
        "SELECT f.user_id FROM feed_tokens f JOIN users u ON u.id = f.user_id \
         WHERE f.digest = $1 AND u.deleted_at IS NULL",
    )
    .bind(secret::digest(token.trim()))
    .fetch_optional(db.pool())
    .await?;
    match row {
        Some(row) => user::by_id(db, UserId(row.try_get("user_id")?)).await,
        None => Ok(None),
    }
}
