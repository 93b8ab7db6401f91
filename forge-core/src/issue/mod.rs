//! Issues: numbering, state, assignees, labels, milestone, locking, and the
//! counters that go with them.
//!
//! Rules: anyone signed in who can read the repository opens issues (and
//! comments, unless the issue is locked); authors edit, close and reopen
//! their own; maintainers (write access: the owning user, an organisation's
//! owners and maintainers) do everything to any issue.
//!
//! This module holds the `Issue` type, reading issues and `Rights`; the
//! rest has one module per concern: validation of texts, creation, the
//! changes of `update`, opening and closing, labels, assignees, the
//! mentions and cross-references a text makes, and the search text.

mod assignees;
mod create;
mod labels;
mod notes;
mod search;
mod state;
mod update;
mod validate;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{AccountId, IssueId, MilestoneId, RepoId};
use crate::repo::{self, Access, Repo};
use crate::user::User;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

pub use assignees::assignees_of;
pub use create::{NewIssue, create};
pub use labels::{add_labels, labels_of, labels_of_issues, remove_label, set_labels};
pub use update::{IssueChanges, update};
pub use validate::{MAX_BODY_LEN, MAX_TITLE_LEN};

pub(crate) use create::create_with;
pub(crate) use notes::{record_notes, resolve_notes};
pub(crate) use search::refresh_search;
pub(crate) use state::set_state_tx;
pub(crate) use validate::{refuse_nul, validate_body};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    Completed,
    NotPlanned,
    Duplicate,
}

impl CloseReason {
    pub const ALL: [CloseReason; 3] = [
        CloseReason::Completed,
        CloseReason::NotPlanned,
        CloseReason::Duplicate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::Completed => "completed",
            CloseReason::NotPlanned => "not_planned",
            CloseReason::Duplicate => "duplicate",
        }
    }

    pub fn parse(s: &str) -> Result<CloseReason> {
        CloseReason::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| Error::invalid("state_reason", "error-close-reason"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub id: IssueId,
    pub repo_id: RepoId,
    pub number: i64,
    pub title: String,
    pub body: String,
    pub author_id: AccountId,
    pub author_name: String,
    pub closed: bool,
    pub close_reason: Option<CloseReason>,
    pub closed_at: Option<i64>,
    pub locked: bool,
    pub milestone_id: Option<MilestoneId>,
    pub comment_count: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

macro_rules! select_issue {
    ($filter:literal) => {
        concat!(
            "SELECT i.id, i.repo_id, i.number, i.title, i.body, i.author_id, a.name AS author_name, i.is_closed, \
             i.close_reason, i.closed_at, i.is_locked, i.milestone_id, i.comment_count, i.created_at, i.updated_at \
             FROM issues i JOIN accounts a ON a.id = i.author_id ",
            $filter
        )
    };
}
pub(crate) use select_issue;

pub(crate) fn from_row(row: &AnyRow) -> Result<Issue> {
    Ok(Issue {
        id: IssueId(row.try_get("id")?),
        repo_id: RepoId(row.try_get("repo_id")?),
        number: row.try_get("number")?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        author_id: AccountId(row.try_get("author_id")?),
        author_name: row.try_get("author_name")?,
        closed: row.try_get::<i64, _>("is_closed")? != 0,
        close_reason: row
            .try_get::<Option<String>, _>("close_reason")?
            .map(|r| CloseReason::parse(&r))
            .transpose()?,
        closed_at: row.try_get("closed_at")?,
        locked: row.try_get::<i64, _>("is_locked")? != 0,
        milestone_id: row
            .try_get::<Option<i64>, _>("milestone_id")?
            .map(MilestoneId),
        comment_count: row.try_get("comment_count")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// What the actor may do with the issues of `repo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rights {
    pub access: Access,
    pub signed_in: bool,
}

impl Rights {
    pub async fn of(db: &Db, actor: Option<&User>, repo: &Repo) -> Result<Rights> {
        Ok(Rights {
            access: repo::access(db, actor, repo).await?,
            signed_in: actor.is_some(),
        })
    }

    pub fn read(self) -> bool {
        self.access >= Access::Read
    }

    /// Succeeds for maintainers; the repository is "not found" to those who
    /// may not read it, and the action "forbidden" to mere readers.
    pub async fn require_maintainer(db: &Db, actor: &User, repo: &Repo) -> Result<()> {
        let rights = Rights::of(db, Some(actor), repo).await?;
        if !rights.read() {
            return Err(Error::not_found("error-repo-not-found"));
        }
        if !rights.maintain() {
            return Err(Error::forbidden("error-maintainers-only"));
        }
        Ok(())
    }

    pub fn maintain(self) -> bool {
        self.access >= Access::Write
    }

    /// May open issues, and comment on `issue` if given.
    pub fn participate(self, issue: Option<&Issue>) -> bool {
        self.signed_in && self.read() && (self.maintain() || !issue.is_some_and(|i| i.locked))
    }

    /// May edit, close and reopen `issue`.
    pub fn edit(self, actor: Option<&User>, issue: &Issue) -> bool {
        self.maintain() || actor.is_some_and(|a| a.id.0 == issue.author_id.0)
    }
}

pub async fn get(db: &Db, repo: RepoId, number: i64) -> Result<Option<Issue>> {
    let row = sqlx::query(select_issue!("WHERE i.repo_id = $1 AND i.number = $2"))
        .bind(repo.0)
        .bind(number)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Issue `id`, whatever its repository (for what reads the outbox).
pub async fn by_id(db: &Db, id: IssueId) -> Result<Option<Issue>> {
    let row = sqlx::query(select_issue!("WHERE i.id = $1"))
        .bind(id.0)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The issue `number` of `repo` if the actor may read the repository.
pub async fn find_readable(
    db: &Db,
    actor: Option<&User>,
    repo: &Repo,
    number: i64,
) -> Result<(Issue, Rights)> {
    let rights = Rights::of(db, actor, repo).await?;
    if !rights.read() {
        return Err(Error::not_found("error-repo-not-found"));
    }
    let issue = get(db, repo.id, number)
        .await?
        .ok_or_else(|| Error::not_found("error-issue-not-found"))?;
    Ok((issue, rights))
}

/// The stored open and closed issue counts of a repository (kept right in
/// the transaction of each change; nothing is counted here).
pub async fn issue_counts(db: &Db, repo: RepoId) -> Result<(i64, i64)> {
    let row = sqlx::query("SELECT open_issues, closed_issues FROM repositories WHERE id = $1")
        .bind(repo.0)
        .fetch_optional(db.pool())
        .await?;
    match row {
        Some(row) => Ok((row.try_get("open_issues")?, row.try_get("closed_issues")?)),
        None => Ok((0, 0)),
    }
}
