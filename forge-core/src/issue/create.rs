//! Opening an issue: its number, its first events, and the labels,
//! assignees and milestone a maintainer gives it at once.

use super::assignees::{add_assignee_tx, assignable};
use super::labels::add_label_tx;
use super::notes::{record_notes, resolve_notes};
use super::state::adjust_milestone;
use super::validate::{validate_body, validate_title};
use super::{Issue, Rights, get};
use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{AccountId, IssueId, LabelId, MilestoneId, RepoId};
use crate::repo::Repo;
use crate::timeline::{self, NewEvent, Tx, kind};
use crate::user::User;
use sqlx::Row;

#[derive(Debug, Clone, Default)]
pub struct NewIssue {
    pub title: String,
    pub body: String,
    /// Set only when the author maintains the repository; ignored otherwise.
    pub labels: Vec<LabelId>,
    pub assignees: Vec<String>,
    pub milestone: Option<MilestoneId>,
}

/// Takes the next issue number of the repository. The increment is a write,
/// so concurrent creators queue on the repository's row (PostgreSQL) or the
/// database's writer lock (SQLite) and each gets its own number.
async fn next_number(tx: &mut Tx<'_>, repo: RepoId) -> Result<i64> {
    Ok(sqlx::query(
        "UPDATE repositories SET issue_seq = issue_seq + 1 WHERE id = $1 RETURNING issue_seq",
    )
    .bind(repo.0)
    .fetch_one(&mut **tx)
    .await?
    .try_get("issue_seq")?)
}

pub async fn create(db: &Db, actor: &User, repo: &Repo, new: NewIssue) -> Result<Issue> {
    create_with(db, actor, repo, new, None).await
}

/// Opens an issue and, with `pull`, the pull request it is, in one
/// transaction: pull requests take their numbers from the issues' counter.
pub(crate) async fn create_with(
    db: &Db,
    actor: &User,
    repo: &Repo,
    new: NewIssue,
    pull: Option<&crate::pull::PullRow>,
) -> Result<Issue> {
    let rights = Rights::of(db, Some(actor), repo).await?;
    if !rights.read() {
        return Err(Error::not_found("error-repo-not-found"));
    }
    if !rights.participate(None) {
        return Err(Error::forbidden("error-issue-forbidden"));
    }
    let title = validate_title(&new.title)?;
    let body = validate_body("body", &new.body)?;
    let mut assignees = Vec::new();
    if rights.maintain() {
        for name in &new.assignees {
            assignees.push(assignable(db, repo, name).await?);
        }
        if let Some(milestone) = new.milestone {
            crate::milestone::get(db, repo.id, milestone)
                .await?
                .ok_or_else(|| Error::invalid("milestone", "error-milestone-not-found"))?;
        }
        for label in &new.labels {
            crate::label::get(db, repo.id, *label)
                .await?
                .ok_or_else(|| Error::invalid("labels", "error-label-not-found"))?;
        }
    }
    let notes = resolve_notes(db, repo, actor, &body).await?;
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    let number = next_number(&mut tx, repo.id).await?;
    let search = format!("{title}\n{body}").to_lowercase();
    let milestone = new.milestone.filter(|_| rights.maintain());
    let id: i64 = sqlx::query(
        "INSERT INTO issues (repo_id, number, title, body, author_id, milestone_id, search_text, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(repo.id.0)
    .bind(number)
    .bind(&title)
    .bind(&body)
    .bind(actor.id.0)
    .bind(milestone.map(|m| m.0))
    .bind(&search)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    let issue_id = IssueId(id);
    sqlx::query("UPDATE repositories SET open_issues = open_issues + 1 WHERE id = $1")
        .bind(repo.id.0)
        .execute(&mut *tx)
        .await?;
    let me = Some(AccountId::from(actor.id));
    timeline::record(
        &mut tx,
        issue_id,
        NewEvent {
            kind: kind::OPENED,
            actor: me,
            ..Default::default()
        },
        now,
    )
    .await?;
    if let Some(milestone) = milestone {
        adjust_milestone(&mut tx, milestone, false, 1).await?;
        timeline::record(
            &mut tx,
            issue_id,
            NewEvent {
                kind: kind::MILESTONED,
                actor: me,
                milestone: Some(milestone),
                ..Default::default()
            },
            now,
        )
        .await?;
    }
    if rights.maintain() {
        for label in &new.labels {
            add_label_tx(&mut tx, issue_id, *label, me, now).await?;
        }
    }
    for user_id in assignees {
        add_assignee_tx(&mut tx, issue_id, user_id, me, now).await?;
    }
    record_notes(&mut tx, actor, issue_id, &notes, now).await?;
    if let Some(pull) = pull {
        pull.insert(&mut tx, actor, repo, issue_id, number, now)
            .await?;
    }
    tx.commit().await?;
    get(db, repo.id, number)
        .await?
        .ok_or_else(|| Error::Internal("a new issue vanished".into()))
}
