//! Labels of issues: adding, replacing and removing them (maintainers
//! only), each with its timeline event, and reading them.

use super::{Issue, Rights};
use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{AccountId, IssueId, LabelId, RepoId};
use crate::repo::Repo;
use crate::timeline::{self, NewEvent, Tx, kind};
use crate::user::User;
use sqlx::Row;

pub(super) async fn add_label_tx(
    tx: &mut Tx<'_>,
    issue: IssueId,
    label: LabelId,
    actor: Option<AccountId>,
    now: i64,
) -> Result<()> {
    let added = sqlx::query(
        "INSERT INTO issue_labels (issue_id, label_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(issue.0)
    .bind(label.0)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if added > 0 {
        timeline::record(
            tx,
            issue,
            NewEvent {
                kind: kind::LABELED,
                actor,
                label: Some(label),
                ..Default::default()
            },
            now,
        )
        .await?;
    }
    Ok(())
}

async fn remove_label_tx(
    tx: &mut Tx<'_>,
    issue: IssueId,
    label: LabelId,
    actor: Option<AccountId>,
    now: i64,
) -> Result<()> {
    let removed = sqlx::query("DELETE FROM issue_labels WHERE issue_id = $1 AND label_id = $2")
        .bind(issue.0)
        .bind(label.0)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if removed > 0 {
        timeline::record(
            tx,
            issue,
            NewEvent {
                kind: kind::UNLABELED,
                actor,
                label: Some(label),
                ..Default::default()
            },
            now,
        )
        .await?;
    }
    Ok(())
}

async fn touch(tx: &mut Tx<'_>, issue: IssueId, now: i64) -> Result<()> {
    sqlx::query("UPDATE issues SET updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(issue.0)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Replaces the issue's labels (maintainers only).
pub async fn set_labels(
    db: &Db,
    actor: &User,
    repo: &Repo,
    issue: &Issue,
    labels: &[LabelId],
) -> Result<()> {
    change_labels(db, actor, repo, issue, labels, true).await
}

/// Adds labels to the issue (maintainers only).
pub async fn add_labels(
    db: &Db,
    actor: &User,
    repo: &Repo,
    issue: &Issue,
    labels: &[LabelId],
) -> Result<()> {
    change_labels(db, actor, repo, issue, labels, false).await
}

async fn change_labels(
    db: &Db,
    actor: &User,
    repo: &Repo,
    issue: &Issue,
    labels: &[LabelId],
    replace: bool,
) -> Result<()> {
    if !Rights::of(db, Some(actor), repo).await?.maintain() {
        return Err(Error::forbidden("error-issue-edit-forbidden"));
    }
    for label in labels {
        crate::label::get(db, repo.id, *label)
            .await?
            .ok_or_else(|| Error::invalid("labels", "error-label-not-found"))?;
    }
    let me = Some(AccountId::from(actor.id));
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    // First a write (see `update`): replacing reads the current labels.
    touch(&mut tx, issue.id, now).await?;
    if replace {
        let current = sqlx::query("SELECT label_id FROM issue_labels WHERE issue_id = $1")
            .bind(issue.id.0)
            .fetch_all(&mut *tx)
            .await?;
        for row in current {
            let label = LabelId(row.try_get("label_id")?);
            if !labels.contains(&label) {
                remove_label_tx(&mut tx, issue.id, label, me, now).await?;
            }
        }
    }
    for label in labels {
        add_label_tx(&mut tx, issue.id, *label, me, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Removes one label from the issue (maintainers only).
pub async fn remove_label(
    db: &Db,
    actor: &User,
    repo: &Repo,
    issue: &Issue,
    label: LabelId,
) -> Result<()> {
    if !Rights::of(db, Some(actor), repo).await?.maintain() {
        return Err(Error::forbidden("error-issue-edit-forbidden"));
    }
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    remove_label_tx(&mut tx, issue.id, label, Some(actor.id.into()), now).await?;
    touch(&mut tx, issue.id, now).await?;
    tx.commit().await?;
    Ok(())
}

/// The labels of an issue.
pub async fn labels_of(db: &Db, issue: IssueId) -> Result<Vec<crate::label::Label>> {
    crate::label::of_issue(db, issue).await
}

/// The labels of several issues at once (one page of a list, at most
/// `issue_query::MAX_LIMIT` issues), as `(issue, label)` pairs in label
/// order: one query per page instead of one per issue.
pub async fn labels_of_issues(
    db: &Db,
    issues: &[IssueId],
) -> Result<Vec<(IssueId, crate::label::Label)>> {
    let issues = &issues[..issues.len().min(crate::issue_query::MAX_LIMIT as usize)];
    if issues.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders = (1..=issues.len())
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ");
    // The text holds only numbered placeholders; every value is bound.
    let sql = format!(
        "SELECT il.issue_id, l.id, l.repo_id, l.name, l.color, l.description FROM issue_labels il \
         JOIN labels l ON l.id = il.label_id WHERE il.issue_id IN ({placeholders}) ORDER BY l.lower_name"
    );
    let mut statement = sqlx::query(sqlx::AssertSqlSafe(sql));
    for issue in issues {
        statement = statement.bind(issue.0);
    }
    let rows = statement.fetch_all(db.pool()).await?;
    rows.iter()
        .map(|row| {
            Ok((
                IssueId(row.try_get("issue_id")?),
                crate::label::Label {
                    id: LabelId(row.try_get("id")?),
                    repo_id: RepoId(row.try_get("repo_id")?),
                    name: row.try_get("name")?,
                    color: row.try_get("color")?,
                    description: row.try_get("description")?,
                },
            ))
        })
        .collect()
}
