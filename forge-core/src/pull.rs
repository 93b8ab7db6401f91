//! Pull requests: an issue (shared numbering, comments, labels, milestone,
//! assignees, funding) with one `pull_requests` row saying where its
//! commits come from (a branch of the repository or of a fork), where they
//! go (a branch of the repository), and what the background check found
//! about merging them.
//!
//! Mergeability is never computed while a request waits: pushes to either
//! branch mark the pull request "checking" ([`mark_checking`], which moves
//! `check_seq`), a background job computes, and its result is stored only
//! if no push came in meanwhile ([`record_check`]). A merge made by the
//! forge is noted before the base branch moves ([`begin_merge`]) and
//! recorded ([`record_merged`]) by the push consequences that see the branch
//! holding it, so a crash between the two loses nothing.

use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{AccountId, IssueId, RepoId, UserId};
use crate::issue::{self, CloseReason, Issue, NewIssue, Rights};
use crate::outbox::{self, NewEvent, kind as event};
use crate::repo::{self, Access, Repo};
use crate::timeline::Tx;
use crate::user::User;
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

/// What the last check found about merging the head into the base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// A push moved a branch since the last check; the job has not run yet.
    Checking,
    Mergeable,
    Conflict,
    /// The branches share no commit.
    Unrelated,
    /// The head branch (or its repository) is gone.
    HeadMissing,
    /// The base branch is gone.
    BaseMissing,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Checking,
        Status::Mergeable,
        Status::Conflict,
        Status::Unrelated,
        Status::HeadMissing,
        Status::BaseMissing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Checking => "checking",
            Status::Mergeable => "mergeable",
            Status::Conflict => "conflict",
            Status::Unrelated => "unrelated",
            Status::HeadMissing => "head_missing",
            Status::BaseMissing => "base_missing",
        }
    }

    fn parse(text: &str) -> Status {
        Status::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .unwrap_or(Status::Checking)
    }
}

/// How the forge merges a pull request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeStyle {
    /// A merge commit with the base and the head as parents.
    Merge,
    /// One new commit on the base with the head's changes.
    Squash,
    /// The head's commits copied one by one onto the base.
    Rebase,
    /// The base moves to the head; refused unless the head descends from it.
    FastForwardOnly,
}

impl MergeStyle {
    pub const ALL: [MergeStyle; 4] = [
        MergeStyle::Merge,
        MergeStyle::Squash,
        MergeStyle::Rebase,
        MergeStyle::FastForwardOnly,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MergeStyle::Merge => "merge",
            MergeStyle::Squash => "squash",
            MergeStyle::Rebase => "rebase",
            MergeStyle::FastForwardOnly => "fast-forward-only",
        }
    }

    /// Gitea's names (`Do` of the merge request).
    pub fn parse(text: &str) -> Result<MergeStyle> {
        match text.trim() {
            "merge" => Ok(MergeStyle::Merge),
            "squash" => Ok(MergeStyle::Squash),
            "rebase" | "rebase-merge" => Ok(MergeStyle::Rebase),
            "fast-forward-only" => Ok(MergeStyle::FastForwardOnly),
            _ => Err(Error::invalid("Do", "error-merge-style")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    pub commit: String,
    pub by: Option<AccountId>,
    pub by_name: Option<String>,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    pub issue: Issue,
    /// `None` once the head repository (a fork) was deleted.
    pub head_repo_id: Option<RepoId>,
    pub head_branch: String,
    pub base_branch: String,
    /// The head commit as last seen (at opening, then by each check).
    pub head_commit: String,
    pub base_commit: String,
    pub merge_base: String,
    pub status: Status,
    pub conflicts: Vec<String>,
    pub check_seq: i64,
    /// A merge the forge started and has not seen land yet.
    pub merging: Option<String>,
    pub merging_by: Option<UserId>,
    pub merged: Option<Merged>,
}

impl PullRequest {
    pub fn number(&self) -> i64 {
        self.issue.number
    }

    pub fn is_open(&self) -> bool {
        !self.issue.closed
    }

    /// The ref of the base repository that holds a copy of the head, so
    /// that checks and merges find the head's commits there.
    pub fn head_ref(&self) -> String {
        format!("refs/pull/{}/head", self.issue.number)
    }
}

macro_rules! select_pull {
    ($filter:literal) => {
        concat!(
            "SELECT i.id, i.repo_id, i.number, i.title, i.body, i.author_id, a.name AS author_name, i.is_closed, \
             i.close_reason, i.closed_at, i.is_locked, i.milestone_id, i.comment_count, i.created_at, i.updated_at, \
             p.head_repo_id, p.head_branch, p.base_branch, p.head_commit, p.base_commit, p.merge_base, p.status, \
             p.conflicts, p.check_seq, p.merging, p.merging_by, p.merged_commit, p.merged_by, p.merged_at, \
             m.name AS merged_by_name \
             FROM pull_requests p JOIN issues i ON i.id = p.issue_id JOIN accounts a ON a.id = i.author_id \
             LEFT JOIN accounts m ON m.id = p.merged_by ",
            $filter
        )
    };
}

fn from_row(row: &AnyRow) -> Result<PullRequest> {
    let conflicts: String = row.try_get("conflicts")?;
    let merged = match row.try_get::<Option<String>, _>("merged_commit")? {
        Some(commit) => Some(Merged {
            commit,
            by: row.try_get::<Option<i64>, _>("merged_by")?.map(AccountId),
            by_name: row.try_get("merged_by_name")?,
            at: row.try_get::<Option<i64>, _>("merged_at")?.unwrap_or(0),
        }),
        None => None,
    };
    Ok(PullRequest {
        issue: issue::from_row(row)?,
        head_repo_id: row.try_get::<Option<i64>, _>("head_repo_id")?.map(RepoId),
        head_branch: row.try_get("head_branch")?,
        base_branch: row.try_get("base_branch")?,
        head_commit: row.try_get("head_commit")?,
        base_commit: row.try_get("base_commit")?,
        merge_base: row.try_get("merge_base")?,
        status: Status::parse(&row.try_get::<String, _>("status")?),
        conflicts: conflicts.lines().map(str::to_string).collect(),
        check_seq: row.try_get("check_seq")?,
        merging: row.try_get("merging")?,
        merging_by: row.try_get::<Option<i64>, _>("merging_by")?.map(UserId),
        merged,
    })
}

/// A pull request to open.
#[derive(Debug, Clone)]
pub struct NewPull {
    pub title: String,
    pub body: String,
    pub head_repo: Repo,
    pub head_branch: String,
    pub base_branch: String,
    /// The head branch's commit now (read by the caller from the head
    /// repository).
    pub head_commit: String,
}

/// The pull request's own row, inserted in the transaction that opens its
/// issue.
#[derive(Debug, Clone)]
pub(crate) struct PullRow {
    head_repo: RepoId,
    head_repo_name: String,
    head_branch: String,
    base_branch: String,
    head_commit: String,
}

impl PullRow {
    pub(crate) async fn insert(
        &self,
        tx: &mut Tx<'_>,
        actor: &User,
        repo: &Repo,
        issue: IssueId,
        number: i64,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO pull_requests (issue_id, repo_id, head_repo_id, head_branch, base_branch, head_commit, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(issue.0)
        .bind(repo.id.0)
        .bind(self.head_repo.0)
        .bind(&self.head_branch)
        .bind(&self.base_branch)
        .bind(&self.head_commit)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        let payload = json!({
            "number": number,
            "head_repo": self.head_repo_name,
            "head_branch": self.head_branch,
            "base_branch": self.base_branch,
            "head_commit": self.head_commit,
        });
        outbox::record(
            tx,
            NewEvent {
                kind: event::PULL_OPENED,
                actor: Some(actor.id.into()),
                repo: Some(repo.id),
                issue: Some(issue),
                payload,
            },
            now,
        )
        .await?;
        Ok(())
    }
}

fn is_commit_id(text: &str) -> bool {
    text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Opens a pull request on `base` from `new.head_repo` (the repository
/// itself or one of its forks). Anyone who may open issues on `base` and
/// read the head repository may open one.
pub async fn open(db: &Db, actor: &User, base: &Repo, new: NewPull) -> Result<PullRequest> {
    let rights = Rights::of(db, Some(actor), base).await?;
    if !rights.read() {
        return Err(Error::not_found("error-repo-not-found"));
    }
    if repo::access(db, Some(actor), &new.head_repo).await? == Access::None {
        return Err(Error::not_found("error-repo-not-found"));
    }
    let head_branch = repo::validate_branch(&new.head_branch)
        .map_err(|_| Error::invalid("head", "error-branch-name"))?;
    let base_branch = repo::validate_branch(&new.base_branch)
        .map_err(|_| Error::invalid("base", "error-branch-name"))?;
    if !is_commit_id(&new.head_commit) {
        return Err(Error::invalid("head", "error-pull-head-missing"));
    }
    if new.head_repo.id != base.id {
        let parent = repo::parent_of(db, new.head_repo.id).await?;
        if parent.is_none_or(|p| p.id != base.id) {
            return Err(Error::invalid("head", "error-pull-not-a-fork"));
        }
    } else if head_branch == base_branch {
        return Err(Error::invalid("head", "error-pull-same-branch"));
    }
    let existing = sqlx::query(
        "SELECT i.number FROM pull_requests p JOIN issues i ON i.id = p.issue_id \
         WHERE p.repo_id = $1 AND p.head_repo_id = $2 AND p.head_branch = $3 AND p.base_branch = $4 AND i.is_closed = 0",
    )
    .bind(base.id.0)
    .bind(new.head_repo.id.0)
    .bind(&head_branch)
    .bind(&base_branch)
    .fetch_optional(db.pool())
    .await?;
    if existing.is_some() {
        return Err(Error::conflict(Some("head"), "error-pull-exists"));
    }
    let row = PullRow {
        head_repo: new.head_repo.id,
        head_repo_name: new.head_repo.full_name(),
        head_branch,
        base_branch,
        head_commit: new.head_commit.to_ascii_lowercase(),
    };
    let created = issue::create_with(
        db,
        actor,
        base,
        NewIssue {
            title: new.title,
            body: new.body,
            ..Default::default()
        },
        Some(&row),
    )
    .await?;
    get(db, base.id, created.number)
        .await?
        .ok_or_else(|| Error::Internal("a new pull request vanished".into()))
}

/// The pull request `number` of `repo`, whoever may see it.
pub async fn get(db: &Db, repo: RepoId, number: i64) -> Result<Option<PullRequest>> {
    let row = sqlx::query(select_pull!("WHERE i.repo_id = $1 AND i.number = $2"))
        .bind(repo.0)
        .bind(number)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The pull request `number` of `repo` if the actor may read the
/// repository; "not found" otherwise, and for plain issues.
pub async fn find_readable(
    db: &Db,
    actor: Option<&User>,
    repo: &Repo,
    number: i64,
) -> Result<(PullRequest, Rights)> {
    let rights = Rights::of(db, actor, repo).await?;
    if !rights.read() {
        return Err(Error::not_found("error-repo-not-found"));
    }
    let pull = get(db, repo.id, number)
        .await?
        .ok_or_else(|| Error::not_found("error-pull-not-found"))?;
    Ok((pull, rights))
}

/// Which pull requests a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListState {
    Open,
    Closed,
    All,
}

/// One page of the pull requests of `repo`, newest first, and how many
/// there are in all.
pub async fn list(
    db: &Db,
    repo: RepoId,
    state: ListState,
    offset: i64,
    limit: i64,
) -> Result<(Vec<PullRequest>, i64)> {
    let (closed_min, closed_max) = match state {
        ListState::Open => (0, 0),
        ListState::Closed => (1, 1),
        ListState::All => (0, 1),
    };
    let total: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM pull_requests p JOIN issues i ON i.id = p.issue_id \
         WHERE p.repo_id = $1 AND i.is_closed BETWEEN $2 AND $3",
    )
    .bind(repo.0)
    .bind(closed_min)
    .bind(closed_max)
    .fetch_one(db.pool())
    .await?
    .try_get("n")?;
    let rows = sqlx::query(select_pull!(
        "WHERE p.repo_id = $1 AND i.is_closed BETWEEN $2 AND $3 ORDER BY i.number DESC LIMIT $4 OFFSET $5"
    ))
    .bind(repo.0)
    .bind(closed_min)
    .bind(closed_max)
    .bind(limit)
    .bind(offset)
    .fetch_all(db.pool())
    .await?;
    let pulls = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    Ok((pulls, total))
}

/// How many pull requests of `repo` are open and closed (the issue
/// counters count them too, as issues).
pub async fn counts(db: &Db, repo: RepoId) -> Result<(i64, i64)> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(CASE WHEN i.is_closed = 0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS open, \
         CAST(COALESCE(SUM(CASE WHEN i.is_closed = 0 THEN 0 ELSE 1 END), 0) AS BIGINT) AS closed \
         FROM pull_requests p JOIN issues i ON i.id = p.issue_id WHERE p.repo_id = $1",
    )
    .bind(repo.0)
    .fetch_one(db.pool())
    .await?;
    Ok((row.try_get("open")?, row.try_get("closed")?))
}

/// Whether issue `issue` is a pull request, and if so when it was merged:
/// `None` for a plain issue, `Some(None)` for an unmerged pull request.
pub async fn merged_at_of(db: &Db, issue: IssueId) -> Result<Option<Option<i64>>> {
    let row = sqlx::query("SELECT merged_at FROM pull_requests WHERE issue_id = $1")
        .bind(issue.0)
        .fetch_optional(db.pool())
        .await?;
    row.map(|row| row.try_get::<Option<i64>, _>("merged_at"))
        .transpose()
        .map_err(Into::into)
}

/// Marks "checking" the open pull requests that `branch` of `repo` is the
/// base or the head of, after it moved. Returns how many.
pub async fn mark_checking(db: &Db, repo: RepoId, branch: &str) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE pull_requests SET status = 'checking', check_seq = check_seq + 1 \
         WHERE merged_at IS NULL \
         AND ((repo_id = $1 AND base_branch = $2) OR (head_repo_id = $1 AND head_branch = $2)) \
         AND issue_id IN (SELECT id FROM issues WHERE is_closed = 0)",
    )
    .bind(repo.0)
    .bind(branch)
    .execute(db.pool())
    .await?
    .rows_affected())
}

/// Marks "checking" the open pull requests of other repositories whose
/// head is in `repo`, which is being deleted in `tx`: the check then finds
/// their head gone and says so.
pub(crate) async fn head_repo_deleted(tx: &mut Tx<'_>, repo: RepoId) -> Result<()> {
    sqlx::query(
        "UPDATE pull_requests SET status = 'checking', check_seq = check_seq + 1 \
         WHERE head_repo_id = $1 AND repo_id <> $1 AND merged_at IS NULL",
    )
    .bind(repo.0)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Open pull requests waiting for a check, oldest first.
pub async fn to_check(db: &Db, limit: i64) -> Result<Vec<PullRequest>> {
    let rows = sqlx::query(select_pull!(
        "WHERE p.status = 'checking' AND p.merged_at IS NULL AND i.is_closed = 0 ORDER BY p.issue_id LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

/// The open pull requests whose base is `branch` of `repo` (to learn,
/// after it moved, whether it now holds their commits).
pub async fn open_on_base(db: &Db, repo: RepoId, branch: &str) -> Result<Vec<PullRequest>> {
    let rows = sqlx::query(select_pull!(
        "WHERE p.repo_id = $1 AND p.base_branch = $2 AND p.merged_at IS NULL AND i.is_closed = 0 ORDER BY p.issue_id"
    ))
    .bind(repo.0)
    .bind(branch)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub head_commit: String,
    pub base_commit: String,
    pub merge_base: String,
    pub status: Status,
    pub conflicts: Vec<String>,
}

/// Stores what a check of `pull` (as read before the check) found, unless
/// a push marked it again meanwhile; a new head commit is told as
/// `pull_request.synchronized`. Returns whether it was stored.
pub async fn record_check(db: &Db, pull: &PullRequest, check: &Check) -> Result<bool> {
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    let stored = sqlx::query(
        "UPDATE pull_requests SET head_commit = $1, base_commit = $2, merge_base = $3, status = $4, conflicts = $5, updated_at = $6 \
         WHERE issue_id = $7 AND check_seq = $8 AND merged_at IS NULL",
    )
    .bind(&check.head_commit)
    .bind(&check.base_commit)
    .bind(&check.merge_base)
    .bind(check.status.as_str())
    .bind(check.conflicts.join("\n"))
    .bind(now)
    .bind(pull.issue.id.0)
    .bind(pull.check_seq)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        > 0;
    if !stored {
        tx.rollback().await?;
        return Ok(false);
    }
    if check.status != Status::HeadMissing && check.head_commit != pull.head_commit {
        let payload = json!({
            "number": pull.issue.number,
            "before": pull.head_commit,
            "after": check.head_commit,
        });
        outbox::record(
            &mut tx,
            NewEvent {
                kind: event::PULL_SYNCHRONIZED,
                actor: None,
                repo: Some(pull.issue.repo_id),
                issue: Some(pull.issue.id),
                payload,
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Whether `actor` may merge pull requests of `repo` (write access).
pub async fn may_merge(db: &Db, actor: &User, repo: &Repo) -> Result<bool> {
    Ok(repo::access(db, Some(actor), repo).await? >= Access::Write)
}

/// Notes the merge commit the forge is about to put on the base branch.
/// Refused when the pull request is closed or merged, or when another
/// merge of it is under way.
pub async fn begin_merge(db: &Db, pull: &PullRequest, commit: &str, by: &User) -> Result<()> {
    let noted = sqlx::query(
        "UPDATE pull_requests SET merging = $1, merging_by = $2 \
         WHERE issue_id = $3 AND merged_at IS NULL AND (merging IS NULL OR merging = $4) \
         AND issue_id IN (SELECT id FROM issues WHERE is_closed = 0)",
    )
    .bind(commit)
    .bind(by.id.0)
    .bind(pull.issue.id.0)
    .bind(pull.merging.as_deref().unwrap_or(""))
    .execute(db.pool())
    .await?
    .rows_affected();
    if noted == 0 {
        return Err(Error::conflict(None, "error-pull-not-open"));
    }
    Ok(())
}

/// Forgets a merge that did not happen (the base moved, git failed).
pub async fn abandon_merge(db: &Db, pull: &PullRequest, commit: &str) -> Result<()> {
    sqlx::query("UPDATE pull_requests SET merging = NULL, merging_by = NULL WHERE issue_id = $1 AND merging = $2")
        .bind(pull.issue.id.0)
        .bind(commit)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Records that `pull` was merged as `commit`: the pull request closes
/// (as merged, without a `pull_request.closed` event) and
/// `pull_request.merged` is told. `false` when it was already recorded.
pub async fn record_merged(
    db: &Db,
    pull: &PullRequest,
    commit: &str,
    by: Option<UserId>,
    style: Option<MergeStyle>,
) -> Result<bool> {
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    let recorded = sqlx::query(
        "UPDATE pull_requests SET merged_commit = $1, merged_by = $2, merged_at = $3, merging = NULL, merging_by = NULL, updated_at = $3 \
         WHERE issue_id = $4 AND merged_at IS NULL",
    )
    .bind(commit)
    .bind(by.map(|u| u.0))
    .bind(now)
    .bind(pull.issue.id.0)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        > 0;
    if !recorded {
        tx.rollback().await?;
        return Ok(false);
    }
    let actor = by.map(AccountId::from);
    let payload = json!({
        "number": pull.issue.number,
        "style": style.map(MergeStyle::as_str),
        "merged_commit": commit,
        "base_branch": pull.base_branch,
    });
    outbox::record(
        &mut tx,
        NewEvent {
            kind: event::PULL_MERGED,
            actor,
            repo: Some(pull.issue.repo_id),
            issue: Some(pull.issue.id),
            payload,
        },
        now,
    )
    .await?;
    issue::set_state_tx(
        &mut tx,
        &pull.issue,
        Some(CloseReason::Completed),
        actor,
        Some(commit),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Called when an issue opens or closes: a pull request tells it as
/// `pull_request.closed` / `reopened` (a merge tells `merged` instead), a
/// reopened one is checked again, and a merged one never reopens.
pub(crate) async fn on_state_change(
    tx: &mut Tx<'_>,
    issue: &Issue,
    closing: bool,
    actor: Option<AccountId>,
    now: i64,
) -> Result<()> {
    let Some(row) = sqlx::query("SELECT merged_at FROM pull_requests WHERE issue_id = $1")
        .bind(issue.id.0)
        .fetch_optional(&mut **tx)
        .await?
    else {
        return Ok(());
    };
    let merged = row.try_get::<Option<i64>, _>("merged_at")?.is_some();
    if merged {
        if closing {
            return Ok(());
        }
        return Err(Error::conflict(None, "error-pull-merged-reopen"));
    }
    if !closing {
        sqlx::query(
            "UPDATE pull_requests SET status = 'checking', check_seq = check_seq + 1 WHERE issue_id = $1",
        )
        .bind(issue.id.0)
        .execute(&mut **tx)
        .await?;
    }
    outbox::record(
        tx,
        NewEvent {
            kind: if closing {
                event::PULL_CLOSED
            } else {
                event::PULL_REOPENED
            },
            actor,
            repo: Some(issue.repo_id),
            issue: Some(issue.id),
            payload: json!({"number": issue.number}),
        },
        now,
    )
    .await?;
    Ok(())
}

/// The merge styles `repo` allows, in [`MergeStyle::ALL`]'s order.
pub async fn merge_styles(db: &Db, repo: RepoId) -> Result<Vec<MergeStyle>> {
    let text: String = sqlx::query("SELECT merge_styles FROM repositories WHERE id = $1")
        .bind(repo.0)
        .fetch_optional(db.pool())
        .await?
        .map(|row| row.try_get("merge_styles"))
        .transpose()?
        .unwrap_or_default();
    Ok(MergeStyle::ALL
        .into_iter()
        .filter(|style| text.split(',').any(|s| s == style.as_str()))
        .collect())
}

/// Chooses the merge styles `repo` allows (at least one); needs admin
/// access.
pub async fn set_merge_styles(
    db: &Db,
    actor: &User,
    repo: &Repo,
    styles: &[MergeStyle],
) -> Result<()> {
    if repo::access(db, Some(actor), repo).await? < Access::Admin {
        return Err(Error::forbidden("error-repo-admin-only"));
    }
    if styles.is_empty() {
        return Err(Error::invalid("merge_styles", "error-merge-styles-empty"));
    }
    let text = MergeStyle::ALL
        .into_iter()
        .filter(|s| styles.contains(s))
        .map(MergeStyle::as_str)
        .collect::<Vec<_>>()
        .join(",");
    let mut tx = db.pool().begin().await?;
    sqlx::query("UPDATE repositories SET merge_styles = $1 WHERE id = $2")
        .bind(&text)
        .bind(repo.id.0)
        .execute(&mut *tx)
        .await?;
    outbox::record_change(
        &mut tx,
        outbox::kind::REPO_UPDATED,
        actor.id,
        repo.id,
        None,
        json!({"merge_styles": text}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back() {
        for style in MergeStyle::ALL {
            assert_eq!(MergeStyle::parse(style.as_str()).unwrap(), style);
        }
        assert_eq!(
            MergeStyle::parse("rebase-merge").unwrap(),
            MergeStyle::Rebase
        );
        assert!(MergeStyle::parse("octopus").is_err());
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), status);
        }
    }
}
