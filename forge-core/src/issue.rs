//! Issues: numbering, state, assignees, labels, milestone, locking, and the
//! counters that go with them.
//!
//! Rules: anyone signed in who can read the repository opens issues (and
//! comments, unless the issue is locked); authors edit, close and reopen
//! their own; maintainers (write access: the owning user, an organisation's
//! owners and maintainers) do everything to any issue.

use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Problem, Result};
use crate::ids::{AccountId, IssueId, LabelId, MilestoneId, RepoId, UserId};
use crate::outbox;
use crate::repo::{self, Access, Repo};
use crate::timeline::{self, NewEvent, Tx, kind};
use crate::user::User;
use crate::{refs, user};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

pub const MAX_TITLE_LEN: usize = 255;
pub const MAX_BODY_LEN: usize = 65_536;

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

/// Refuses NUL characters: PostgreSQL cannot store them in text, and SQLite
/// would, so both engines refuse them alike.
pub(crate) fn refuse_nul(field: &'static str, text: &str) -> Result<()> {
    if text.contains('\0') {
        return Err(Error::invalid(field, "error-text-nul"));
    }
    Ok(())
}

pub(crate) fn validate_title(title: &str) -> Result<String> {
    refuse_nul("title", title)?;
    let title = title.trim();
    if title.is_empty() {
        return Err(Error::invalid("title", "error-issue-title-empty"));
    }
    if title.chars().count() > MAX_TITLE_LEN {
        return Err(Error::Invalid {
            field: "title",
            problem: Problem::new("error-text-too-long").arg("max", MAX_TITLE_LEN.to_string()),
        });
    }
    Ok(title.to_string())
}

pub(crate) fn validate_body(field: &'static str, body: &str) -> Result<String> {
    refuse_nul(field, body)?;
    if body.chars().count() > MAX_BODY_LEN {
        return Err(Error::Invalid {
            field,
            problem: Problem::new("error-text-too-long").arg("max", MAX_BODY_LEN.to_string()),
        });
    }
    Ok(body.trim_end().to_string())
}

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
    tx.commit().await?;
    get(db, repo.id, number)
        .await?
        .ok_or_else(|| Error::Internal("a new issue vanished".into()))
}

/// What a text refers to: `@mentions` of existing users and issues (in
/// this repository, or `owner/repo#N` ones the actor may read).
///
/// It is looked up before the transaction that records it: lookups through
/// the pool while a transaction holds the write lock (SQLite) or the
/// repository's row (PostgreSQL) would wait for connections held by the
/// writers queued behind it, and time out.
#[derive(Debug, Default)]
pub(crate) struct Notes {
    mentioned: Vec<UserId>,
    /// `(repository, number)` of each issue referred to.
    referenced: Vec<(RepoId, i64)>,
}

pub(crate) async fn resolve_notes(db: &Db, repo: &Repo, actor: &User, text: &str) -> Result<Notes> {
    let mut notes = Notes::default();
    for name in refs::mentions(text) {
        if let Some(mentioned) = user::by_name(db, &name).await? {
            notes.mentioned.push(mentioned.id);
        }
    }
    for reference in refs::issue_refs(text) {
        let target_repo = match &reference.repo {
            None => repo.id,
            Some((owner, name)) => match repo::find(db, owner, name).await? {
                Some(other) if repo::access(db, Some(actor), &other).await? >= Access::Read => {
                    other.id
                }
                _ => continue,
            },
        };
        notes.referenced.push((target_repo, reference.number));
    }
    Ok(notes)
}

/// Records the mentions and cross-references of `notes`, made in `issue`.
/// An issue cross-references another once: editing the text, or saying it
/// again in a comment, adds no event.
pub(crate) async fn record_notes(
    tx: &mut Tx<'_>,
    actor: &User,
    issue: IssueId,
    notes: &Notes,
    now: i64,
) -> Result<()> {
    for user_id in &notes.mentioned {
        sqlx::query(
            "INSERT INTO issue_mentions (issue_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(issue.0)
        .bind(user_id.0)
        .execute(&mut **tx)
        .await?;
    }
    for (repo, number) in &notes.referenced {
        let target = sqlx::query("SELECT id FROM issues WHERE repo_id = $1 AND number = $2")
            .bind(repo.0)
            .bind(number)
            .fetch_optional(&mut **tx)
            .await?;
        let Some(target) = target else {
            continue;
        };
        let target = IssueId(target.try_get("id")?);
        if target == issue {
            continue;
        }
        let known = sqlx::query(
            "SELECT 1 AS known FROM issue_events WHERE issue_id = $1 AND kind = $2 AND ref_issue_id = $3",
        )
        .bind(target.0)
        .bind(kind::CROSS_REFERENCED)
        .bind(issue.0)
        .fetch_optional(&mut **tx)
        .await?;
        if known.is_none() {
            timeline::record(
                tx,
                target,
                NewEvent {
                    kind: kind::CROSS_REFERENCED,
                    actor: Some(actor.id.into()),
                    ref_issue: Some(issue),
                    ..Default::default()
                },
                now,
            )
            .await?;
        }
    }
    Ok(())
}

pub async fn get(db: &Db, repo: RepoId, number: i64) -> Result<Option<Issue>> {
    let row = sqlx::query(select_issue!("WHERE i.repo_id = $1 AND i.number = $2"))
        .bind(repo.0)
        .bind(number)
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

/// A user who may be assigned: someone who can read the repository.
async fn assignable(db: &Db, repo: &Repo, name: &str) -> Result<UserId> {
    let assignee = user::by_name(db, name)
        .await?
        .ok_or_else(|| Error::invalid("assignees", "error-user-not-found"))?;
    if repo::access(db, Some(&assignee), repo).await? < Access::Read {
        return Err(Error::invalid("assignees", "error-assignee-cannot-read"));
    }
    Ok(assignee.id)
}

async fn add_assignee_tx(
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

pub(crate) async fn add_label_tx(
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

/// Adds `delta` to a milestone's open or closed count.
async fn adjust_milestone(
    tx: &mut Tx<'_>,
    milestone: MilestoneId,
    closed: bool,
    delta: i64,
) -> Result<()> {
    let sql = if closed {
        "UPDATE milestones SET closed_issues = closed_issues + $1 WHERE id = $2"
    } else {
        "UPDATE milestones SET open_issues = open_issues + $1 WHERE id = $2"
    };
    sqlx::query(sql)
        .bind(delta)
        .bind(milestone.0)
        .execute(&mut **tx)
        .await?;
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

/// Opens or closes an issue, keeping every counter right. `commit` names the
/// commit that closed it; `false` when nothing changed (already in that
/// state, or this commit already closed it once).
pub(crate) async fn set_state_tx(
    tx: &mut Tx<'_>,
    issue: &Issue,
    close: Option<CloseReason>,
    actor: Option<AccountId>,
    commit: Option<&str>,
    now: i64,
) -> Result<bool> {
    // Re-read the state inside the transaction: the caller's copy may be old.
    // A no-op UPDATE rather than a SELECT, so that the row stays locked until
    // the transaction ends (PostgreSQL: two concurrent closes would otherwise
    // both see it open and both count it) and, when it starts a transaction,
    // it takes SQLite's write lock at once, waiting its turn, instead of
    // failing to upgrade a read snapshot that another writer made stale.
    let closed_now =
        sqlx::query("UPDATE issues SET is_closed = is_closed WHERE id = $1 RETURNING is_closed")
            .bind(issue.id.0)
            .fetch_one(&mut **tx)
            .await?
            .try_get::<i64, _>("is_closed")?
            != 0;
    let closing = close.is_some();
    if closed_now == closing {
        return Ok(false);
    }
    let event = NewEvent {
        kind: if closing {
            kind::CLOSED
        } else {
            kind::REOPENED
        },
        actor,
        commit,
        new_value: close.map(CloseReason::as_str),
        ..Default::default()
    };
    if !timeline::record(tx, issue.id, event, now).await? {
        return Ok(false);
    }
    sqlx::query("UPDATE issues SET is_closed = $1, close_reason = $2, closed_at = $3, updated_at = $4 WHERE id = $5")
        .bind(i64::from(closing))
        .bind(close.map(CloseReason::as_str))
        .bind(closing.then_some(now))
        .bind(now)
        .bind(issue.id.0)
        .execute(&mut **tx)
        .await?;
    let (open_delta, closed_delta) = if closing { (-1, 1) } else { (1, -1) };
    sqlx::query("UPDATE repositories SET open_issues = open_issues + $1, closed_issues = closed_issues + $2 WHERE id = $3")
        .bind(open_delta)
        .bind(closed_delta)
        .bind(issue.repo_id.0)
        .execute(&mut **tx)
        .await?;
    let milestone = sqlx::query("SELECT milestone_id FROM issues WHERE id = $1")
        .bind(issue.id.0)
        .fetch_one(&mut **tx)
        .await?
        .try_get::<Option<i64>, _>("milestone_id")?;
    if let Some(milestone) = milestone.map(MilestoneId) {
        adjust_milestone(tx, milestone, false, open_delta).await?;
        adjust_milestone(tx, milestone, true, closed_delta).await?;
    }
    Ok(true)
}

/// Changes to an issue; `None` leaves a part as it is.
#[derive(Debug, Clone, Default)]
pub struct IssueChanges {
    pub title: Option<String>,
    pub body: Option<String>,
    /// `Some(Some(reason))` closes, `Some(None)` reopens.
    pub state: Option<Option<CloseReason>>,
    pub locked: Option<bool>,
    /// `Some(None)` removes the milestone.
    pub milestone: Option<Option<MilestoneId>>,
    /// The complete new list of assignees.
    pub assignees: Option<Vec<String>>,
}

pub async fn update(
    db: &Db,
    actor: &User,
    repo: &Repo,
    issue: &Issue,
    changes: IssueChanges,
) -> Result<Issue> {
    let rights = Rights::of(db, Some(actor), repo).await?;
    if !rights.read() {
        return Err(Error::not_found("error-repo-not-found"));
    }
    // Even an edit that changes nothing touches the issue: only its author
    // and maintainers may send one.
    let edits_triage =
        changes.locked.is_some() || changes.milestone.is_some() || changes.assignees.is_some();
    if !rights.edit(Some(actor), issue) || (edits_triage && !rights.maintain()) {
        return Err(Error::forbidden("error-issue-edit-forbidden"));
    }
    let title = changes.title.as_deref().map(validate_title).transpose()?;
    let body = changes
        .body
        .as_deref()
        .map(|b| validate_body("body", b))
        .transpose()?;
    if let Some(Some(milestone)) = changes.milestone {
        crate::milestone::get(db, repo.id, milestone)
            .await?
            .ok_or_else(|| Error::invalid("milestone", "error-milestone-not-found"))?;
    }
    let assignees = match &changes.assignees {
        Some(names) => {
            let mut ids = Vec::new();
            for name in names {
                ids.push(assignable(db, repo, name).await?);
            }
            Some(ids)
        }
        None => None,
    };
    let notes = match &body {
        Some(body) => Some(resolve_notes(db, repo, actor, body).await?),
        None => None,
    };
    let me = Some(AccountId::from(actor.id));
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    // Touching the issue first locks its row until the commit (PostgreSQL)
    // or takes the write lock (SQLite), so concurrent edits of one issue
    // queue, and each works from the values the previous one left (the
    // caller's copy may be old: counters follow the stored milestone and
    // state, not that copy's).
    let current = sqlx::query(
        "UPDATE issues SET updated_at = $1 WHERE id = $2 RETURNING title, body, is_locked, milestone_id",
    )
    .bind(now)
    .bind(issue.id.0)
    .fetch_one(&mut *tx)
    .await?;
    let issue = &Issue {
        title: current.try_get("title")?,
        body: current.try_get("body")?,
        locked: current.try_get::<i64, _>("is_locked")? != 0,
        milestone_id: current
            .try_get::<Option<i64>, _>("milestone_id")?
            .map(MilestoneId),
        ..issue.clone()
    };
    if let Some(title) = title.filter(|t| *t != issue.title) {
        sqlx::query("UPDATE issues SET title = $1 WHERE id = $2")
            .bind(&title)
            .bind(issue.id.0)
            .execute(&mut *tx)
            .await?;
        timeline::record(
            &mut tx,
            issue.id,
            NewEvent {
                kind: kind::RENAMED,
                actor: me,
                old_value: Some(&issue.title),
                new_value: Some(&title),
                ..Default::default()
            },
            now,
        )
        .await?;
    }
    if let Some(body) = body.filter(|b| *b != issue.body) {
        sqlx::query("UPDATE issues SET body = $1 WHERE id = $2")
            .bind(&body)
            .bind(issue.id.0)
            .execute(&mut *tx)
            .await?;
        if let Some(notes) = &notes {
            record_notes(&mut tx, actor, issue.id, notes, now).await?;
        }
        let (kind, on) = (outbox::kind::ISSUE_EDITED, Some(issue.id));
        let payload = serde_json::json!({"field": "body"});
        outbox::record_change(&mut tx, kind, actor.id, repo.id, on, payload).await?;
    }
    if let Some(state) = changes.state {
        set_state_tx(&mut tx, issue, state, me, None, now).await?;
    }
    if let Some(locked) = changes.locked.filter(|l| *l != issue.locked) {
        sqlx::query("UPDATE issues SET is_locked = $1 WHERE id = $2")
            .bind(i64::from(locked))
            .bind(issue.id.0)
            .execute(&mut *tx)
            .await?;
        let event = if locked { kind::LOCKED } else { kind::UNLOCKED };
        timeline::record(
            &mut tx,
            issue.id,
            NewEvent {
                kind: event,
                actor: me,
                ..Default::default()
            },
            now,
        )
        .await?;
    }
    if let Some(milestone) = changes.milestone.filter(|m| *m != issue.milestone_id) {
        let closed = sqlx::query("SELECT is_closed FROM issues WHERE id = $1")
            .bind(issue.id.0)
            .fetch_one(&mut *tx)
            .await?
            .try_get::<i64, _>("is_closed")?
            != 0;
        if let Some(old) = issue.milestone_id {
            adjust_milestone(&mut tx, old, closed, -1).await?;
        }
        if let Some(new) = milestone {
            adjust_milestone(&mut tx, new, closed, 1).await?;
        }
        sqlx::query("UPDATE issues SET milestone_id = $1 WHERE id = $2")
            .bind(milestone.map(|m| m.0))
            .bind(issue.id.0)
            .execute(&mut *tx)
            .await?;
        let event = match milestone {
            Some(new) => NewEvent {
                kind: kind::MILESTONED,
                actor: me,
                milestone: Some(new),
                ..Default::default()
            },
            None => NewEvent {
                kind: kind::DEMILESTONED,
                actor: me,
                milestone: issue.milestone_id,
                ..Default::default()
            },
        };
        timeline::record(&mut tx, issue.id, event, now).await?;
    }
    if let Some(wanted) = assignees {
        let current = assignee_ids(&mut tx, issue.id).await?;
        for user in current.iter().filter(|u| !wanted.contains(u)) {
            sqlx::query("DELETE FROM issue_assignees WHERE issue_id = $1 AND user_id = $2")
                .bind(issue.id.0)
                .bind(user.0)
                .execute(&mut *tx)
                .await?;
            timeline::record(
                &mut tx,
                issue.id,
                NewEvent {
                    kind: kind::UNASSIGNED,
                    actor: me,
                    subject: Some((*user).into()),
                    ..Default::default()
                },
                now,
            )
            .await?;
        }
        for user in wanted.iter().filter(|u| !current.contains(u)) {
            add_assignee_tx(&mut tx, issue.id, *user, me, now).await?;
        }
    }
    refresh_search(&mut tx, issue.id).await?;
    tx.commit().await?;
    get(db, repo.id, issue.number)
        .await?
        .ok_or_else(|| Error::Internal("an edited issue vanished".into()))
}

async fn assignee_ids(tx: &mut Tx<'_>, issue: IssueId) -> Result<Vec<UserId>> {
    let rows = sqlx::query("SELECT user_id FROM issue_assignees WHERE issue_id = $1")
        .bind(issue.0)
        .fetch_all(&mut **tx)
        .await?;
    rows.iter()
        .map(|r| Ok(UserId(r.try_get("user_id")?)))
        .collect()
}

/// Rebuilds the search text from the title, body and comments, but not
/// hidden comments: their text is for maintainers' eyes only.
pub(crate) async fn refresh_search(tx: &mut Tx<'_>, issue: IssueId) -> Result<()> {
    let head = sqlx::query("SELECT title, body FROM issues WHERE id = $1")
        .bind(issue.0)
        .fetch_one(&mut **tx)
        .await?;
    let mut text = format!(
        "{}\n{}",
        head.try_get::<String, _>("title")?,
        head.try_get::<String, _>("body")?
    );
    let comments =
        sqlx::query("SELECT body FROM comments WHERE issue_id = $1 AND is_hidden = 0 ORDER BY id")
            .bind(issue.0)
            .fetch_all(&mut **tx)
            .await?;
    for comment in comments {
        text.push('\n');
        text.push_str(&comment.try_get::<String, _>("body")?);
    }
    sqlx::query("UPDATE issues SET search_text = $1 WHERE id = $2")
        .bind(text.to_lowercase())
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
