//! Comments on issues. Authors edit and delete their own; maintainers hide
//! or delete any. Nobody comments on a locked issue but maintainers.

use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{AccountId, CommentId, IssueId, RepoId};
use crate::issue::{self, Issue, Rights};
use crate::outbox::{self, kind as event};
use crate::repo::Repo;
use crate::timeline::{self, NewEvent, kind};
use crate::user::User;
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: CommentId,
    pub issue_id: IssueId,
    pub author_id: AccountId,
    pub author_name: String,
    pub body: String,
    pub hidden: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

const SELECT: &str = "SELECT c.id, c.issue_id, c.author_id, a.name AS author_name, c.body, c.is_hidden, \
                      c.created_at, c.updated_at FROM comments c JOIN accounts a ON a.id = c.author_id ";

fn from_row(row: &AnyRow) -> Result<Comment> {
    Ok(Comment {
        id: CommentId(row.try_get("id")?),
        issue_id: IssueId(row.try_get("issue_id")?),
        author_id: AccountId(row.try_get("author_id")?),
        author_name: row.try_get("author_name")?,
        body: row.try_get("body")?,
        hidden: row.try_get::<i64, _>("is_hidden")? != 0,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub async fn create(
    db: &Db,
    actor: &User,
    repo: &Repo,
    issue: &Issue,
    body: &str,
) -> Result<Comment> {
    let rights = Rights::of(db, Some(actor), repo).await?;
    if !rights.read() {
        return Err(Error::not_found("error-repo-not-found"));
    }
    if !rights.participate(Some(issue)) {
        return Err(if issue.locked {
            Error::forbidden("error-issue-locked")
        } else {
            Error::forbidden("error-issue-forbidden")
        });
    }
    let body = issue::validate_body("body", body)?;
    if body.trim().is_empty() {
        return Err(Error::invalid("body", "error-comment-empty"));
    }
    let notes = issue::resolve_notes(db, repo, actor, &body).await?;
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO comments (issue_id, author_id, body, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id",
    )
    .bind(issue.id.0)
    .bind(actor.id.0)
    .bind(&body)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    let id = CommentId(id);
    sqlx::query(
        "UPDATE issues SET comment_count = comment_count + 1, updated_at = $1 WHERE id = $2",
    )
    .bind(now)
    .bind(issue.id.0)
    .execute(&mut *tx)
    .await?;
    timeline::record(
        &mut tx,
        issue.id,
        NewEvent {
            kind: kind::COMMENTED,
            actor: Some(actor.id.into()),
            comment: Some(id),
            ..Default::default()
        },
        now,
    )
    .await?;
    issue::record_notes(&mut tx, actor, issue.id, &notes, now).await?;
    issue::refresh_search(&mut tx, issue.id).await?;
    tx.commit().await?;
    Ok(Comment {
        id,
        issue_id: issue.id,
        author_id: actor.id.into(),
        author_name: actor.name.clone(),
        body,
        hidden: false,
        created_at: now,
        updated_at: now,
    })
}

pub async fn list(db: &Db, issue: IssueId) -> Result<Vec<Comment>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE c.issue_id = $1 ORDER BY c.id"
    )))
    .bind(issue.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn get(db: &Db, issue: IssueId, comment: CommentId) -> Result<Option<Comment>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE c.id = $1 AND c.issue_id = $2"
    )))
    .bind(comment.0)
    .bind(issue.0)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The comment `comment` if it belongs to an issue of `repo`, with that
/// issue's number (the API names comments by id alone, like Gitea).
pub async fn find_in_repo(
    db: &Db,
    repo: RepoId,
    comment: CommentId,
) -> Result<Option<(Comment, i64)>> {
    let row = sqlx::query(
        "SELECT c.id, c.issue_id, c.author_id, a.name AS author_name, c.body, c.is_hidden, \
         c.created_at, c.updated_at, i.number FROM comments c JOIN accounts a ON a.id = c.author_id \
         JOIN issues i ON i.id = c.issue_id WHERE c.id = $1 AND i.repo_id = $2",
    )
    .bind(comment.0)
    .bind(repo.0)
    .fetch_optional(db.pool())
    .await?;
    match row {
        Some(row) => Ok(Some((from_row(&row)?, row.try_get("number")?))),
        None => Ok(None),
    }
}

async fn load(
    db: &Db,
    actor: &User,
    repo: &Repo,
    issue: &Issue,
    comment: CommentId,
) -> Result<(Comment, Rights)> {
    let rights = Rights::of(db, Some(actor), repo).await?;
    if !rights.read() {
        return Err(Error::not_found("error-repo-not-found"));
    }
    let found = get(db, issue.id, comment)
        .await?
        .ok_or_else(|| Error::not_found("error-comment-not-found"))?;
    Ok((found, rights))
}

/// Edits a comment: its author only (maintainers hide instead).
pub async fn edit(
    db: &Db,
    actor: &User,
    repo: &Repo,
    issue: &Issue,
    comment: CommentId,
    body: &str,
) -> Result<Comment> {
    let (found, _) = load(db, actor, repo, issue, comment).await?;
    if found.author_id.0 != actor.id.0 {
        return Err(Error::forbidden("error-comment-own-only"));
    }
    let body = issue::validate_body("body", body)?;
    if body.trim().is_empty() {
        return Err(Error::invalid("body", "error-comment-empty"));
    }
    let notes = issue::resolve_notes(db, repo, actor, &body).await?;
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    sqlx::query("UPDATE comments SET body = $1, updated_at = $2 WHERE id = $3")
        .bind(&body)
        .bind(now)
        .bind(comment.0)
        .execute(&mut *tx)
        .await?;
    issue::record_notes(&mut tx, actor, issue.id, &notes, now).await?;
    issue::refresh_search(&mut tx, issue.id).await?;
    let payload = json!({"comment": comment.0});
    let (kind, on) = (event::COMMENT_EDITED, Some(issue.id));
    outbox::record_change(&mut tx, kind, actor.id, repo.id, on, payload).await?;
    tx.commit().await?;
    Ok(Comment {
        body,
        updated_at: now,
        ..found
    })
}

/// Deletes a comment: its author, or a maintainer.
pub async fn delete(
    db: &Db,
    actor: &User,
    repo: &Repo,
    issue: &Issue,
    comment: CommentId,
) -> Result<()> {
    let (found, rights) = load(db, actor, repo, issue, comment).await?;
    if found.author_id.0 != actor.id.0 && !rights.maintain() {
        return Err(Error::forbidden("error-comment-own-only"));
    }
    let mut tx = db.pool().begin().await?;
    let deleted = sqlx::query("DELETE FROM comments WHERE id = $1")
        .bind(comment.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    // Deleted meanwhile by someone else, who counted it.
    if deleted == 0 {
        return Err(Error::not_found("error-comment-not-found"));
    }
    sqlx::query("UPDATE issues SET comment_count = comment_count - 1 WHERE id = $1")
        .bind(issue.id.0)
        .execute(&mut *tx)
        .await?;
    issue::refresh_search(&mut tx, issue.id).await?;
    let payload = json!({"comment": comment.0});
    let (kind, on) = (event::COMMENT_DELETED, Some(issue.id));
    outbox::record_change(&mut tx, kind, actor.id, repo.id, on, payload).await?;
    tx.commit().await?;
    Ok(())
}

/// Hides or shows a comment (maintainers): hidden comments stay in the
/// timeline, folded, with their text out of sight.
pub async fn set_hidden(
    db: &Db,
    actor: &User,
    repo: &Repo,
    issue: &Issue,
    comment: CommentId,
    hidden: bool,
) -> Result<()> {
    let (_, rights) = load(db, actor, repo, issue, comment).await?;
    if !rights.maintain() {
        return Err(Error::forbidden("error-maintainers-only"));
    }
    // Hidden text leaves the search text too.
    let mut tx = db.pool().begin().await?;
    sqlx::query("UPDATE comments SET is_hidden = $1 WHERE id = $2")
        .bind(i64::from(hidden))
        .bind(comment.0)
        .execute(&mut *tx)
        .await?;
    issue::refresh_search(&mut tx, issue.id).await?;
    let payload = json!({"comment": comment.0, "hidden": hidden});
    let (kind, on) = (event::COMMENT_HIDDEN, Some(issue.id));
    outbox::record_change(&mut tx, kind, actor.id, repo.id, on, payload).await?;
    tx.commit().await?;
    Ok(())
}

/// A page of the comments of every issue of `repo` (each with its issue's
/// number), oldest first, those changed at or after `since` when given,
/// with how many there are in all. Callers check that the viewer may read
/// the repository.
pub async fn in_repo(
    db: &Db,
    repo: RepoId,
    since: Option<i64>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<(Comment, i64)>, i64)> {
    let since = since.unwrap_or(i64::MIN);
    let total: i64 = sqlx::query(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM comments c JOIN issues i ON i.id = c.issue_id \
         WHERE i.repo_id = $1 AND c.updated_at >= $2",
    )
    .bind(repo.0)
    .bind(since)
    .fetch_one(db.pool())
    .await?
    .try_get("n")?;
    let rows = sqlx::query(
        "SELECT c.id, c.issue_id, c.author_id, a.name AS author_name, c.body, c.is_hidden, \
         c.created_at, c.updated_at, i.number FROM comments c JOIN accounts a ON a.id = c.author_id \
         JOIN issues i ON i.id = c.issue_id WHERE i.repo_id = $1 AND c.updated_at >= $2 \
         ORDER BY c.id LIMIT $3 OFFSET $4",
    )
    .bind(repo.0)
    .bind(since)
    .bind(limit)
    .bind(offset)
    .fetch_all(db.pool())
    .await?;
    let found = rows
        .iter()
        .map(|row| Ok((from_row(row)?, row.try_get("number")?)))
        .collect::<Result<Vec<_>>>()?;
    Ok((found, total))
}
