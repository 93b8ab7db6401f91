//! Assignees: who may be assigned, assigning in a transaction, and
//! reading an issue's assignees.

use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{AccountId, IssueId, UserId};
use crate::repo::{self, Access, Repo};
use crate::timeline::{self, NewEvent, Tx, kind};
use crate::user;
use sqlx::Row;

/// A user who may be assigned: someone who can read the repository.
pub(super) async fn assignable(db: &Db, repo: &Repo, name: &str) -> Result<UserId> {
    let assignee = user::by_name(db, name)
        .await?
        .ok_or_else(|| Error::invalid("assignees", "error-user-not-found"))?;
    if repo::access(db, Some(&assignee), repo).await? < Access::Read {
        return Err(Error::invalid("assignees", "error-assignee-cannot-read"));
    }
    Ok(assignee.id)
}

pub(super) async fn add_assignee_tx(
    tx: &mut Tx<'_>,
    issue: IssueId,
    user: UserId,
    actor: Option<AccountId>,
    now: i64,
) -> Result<()> {
    let added = sqlx::query(
        "INSERT INTO issue_assignees (issue_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(issue.0)
    .bind(user.0)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if added > 0 {
        timeline::record(
            tx,
            issue,
            NewEvent {
                kind: kind::ASSIGNED,
                actor,
                subject: Some(user.into()),
                ..Default::default()
            },
            now,
        )
        .await?;
    }
    Ok(())
}

pub(super) async fn assignee_ids(tx: &mut Tx<'_>, issue: IssueId) -> Result<Vec<UserId>> {
    let rows = sqlx::query("SELECT user_id FROM issue_assignees WHERE issue_id = $1")
        .bind(issue.0)
        .fetch_all(&mut **tx)
        .await?;
    rows.iter()
        .map(|r| Ok(UserId(r.try_get("user_id")?)))
        .collect()
}

/// The names of an issue's assignees.
pub async fn assignees_of(db: &Db, issue: IssueId) -> Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT a.name FROM issue_assignees ia JOIN accounts a ON a.id = ia.user_id WHERE ia.issue_id = $1 ORDER BY a.name",
    )
    .bind(issue.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(|r| Ok(r.try_get("name")?)).collect()
}
