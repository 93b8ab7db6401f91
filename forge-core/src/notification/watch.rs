//! Watching a repository (every issue's news, or only mentions) and
//! subscribing to or muting one issue, which overrides the repository's
//! setting for that issue.

use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{IssueId, RepoId};
use crate::repo::{self, Access, Repo};
use crate::user::User;
use sqlx::Row;

/// How a user watches a repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchMode {
    /// Every event of every issue.
    All,
    /// Only issues that mention the user.
    Mentions,
}

impl WatchMode {
    pub fn as_str(self) -> &'static str {
        match self {
            WatchMode::All => "all",
            WatchMode::Mentions => "mentions",
        }
    }

    pub fn parse(text: &str) -> Result<WatchMode> {
        match text.trim() {
            "all" => Ok(WatchMode::All),
            "mentions" => Ok(WatchMode::Mentions),
            _ => Err(Error::invalid("mode", "error-watch-mode")),
        }
    }
}

/// A user's watch of a repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watch {
    pub mode: WatchMode,
    pub since: i64,
}

async fn require_read(db: &Db, user: &User, repo: &Repo) -> Result<()> {
    if repo::access(db, Some(user), repo).await? == Access::None {
        return Err(Error::not_found("error-repo-not-found"));
    }
    Ok(())
}

/// Starts watching `repo`, or changes how.
pub async fn watch(db: &Db, user: &User, repo: &Repo, mode: WatchMode) -> Result<()> {
    require_read(db, user, repo).await?;
    sqlx::query(
        "INSERT INTO repo_watches (user_id, repo_id, mode, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, repo_id) DO UPDATE SET mode = excluded.mode",
    )
    .bind(user.id.0)
    .bind(repo.id.0)
    .bind(mode.as_str())
    .bind(now_ms())
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Stops watching `repo` (nothing happens when not watching).
pub async fn unwatch(db: &Db, user: &User, repo: &Repo) -> Result<()> {
    require_read(db, user, repo).await?;
    sqlx::query("DELETE FROM repo_watches WHERE user_id = $1 AND repo_id = $2")
        .bind(user.id.0)
        .bind(repo.id.0)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// How `user` watches `repo`, if at all.
pub async fn watch_of(db: &Db, user: &User, repo: RepoId) -> Result<Option<Watch>> {
    let row = sqlx::query(
        "SELECT mode, created_at FROM repo_watches WHERE user_id = $1 AND repo_id = $2",
    )
    .bind(user.id.0)
    .bind(repo.0)
    .fetch_optional(db.pool())
    .await?;
    row.map(|row| {
        let mode: String = row.try_get("mode")?;
        Ok(Watch {
            mode: WatchMode::parse(&mode)?,
            since: row.try_get("created_at")?,
        })
    })
    .transpose()
}

/// How many users watch `repo` (either way).
pub async fn watchers(db: &Db, repo: RepoId) -> Result<i64> {
    let row =
        sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM repo_watches WHERE repo_id = $1")
            .bind(repo.0)
            .fetch_one(db.pool())
            .await?;
    Ok(row.try_get("n")?)
}

/// Subscribes `user` to the issue (`true`: every event) or mutes it
/// (`false`: none), whatever the repository's setting. The caller has
/// checked that the user may read the issue.
pub async fn subscribe(db: &Db, user: &User, issue: IssueId, subscribed: bool) -> Result<()> {
    sqlx::query(
        "INSERT INTO issue_subscriptions (user_id, issue_id, subscribed, created_at) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, issue_id) DO UPDATE SET subscribed = excluded.subscribed",
    )
    .bind(user.id.0)
    .bind(issue.0)
    .bind(i64::from(subscribed))
    .bind(now_ms())
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Whether `user` hears of the issue's events now: their own choice on
/// the issue when they made one, else whether they take part in it
/// (author, commenter, assignee, mentioned) or watch its repository.
pub async fn hears_of(db: &Db, user: &User, issue: IssueId) -> Result<bool> {
    let row = sqlx::query(
        "SELECT (SELECT subscribed FROM issue_subscriptions WHERE user_id = $1 AND issue_id = $2) \
             AS choice, \
         CAST(CASE WHEN EXISTS (SELECT 1 FROM issues WHERE id = $2 AND author_id = $1) \
             OR EXISTS (SELECT 1 FROM comments WHERE issue_id = $2 AND author_id = $1) \
             OR EXISTS (SELECT 1 FROM issue_assignees WHERE issue_id = $2 AND user_id = $1) \
             OR EXISTS (SELECT 1 FROM issue_mentions WHERE issue_id = $2 AND user_id = $1) \
             OR EXISTS (SELECT 1 FROM repo_watches w JOIN issues i ON i.repo_id = w.repo_id \
                 WHERE i.id = $2 AND w.user_id = $1 AND w.mode = 'all') \
         THEN 1 ELSE 0 END AS BIGINT) AS involved",
    )
    .bind(user.id.0)
    .bind(issue.0)
    .fetch_one(db.pool())
    .await?;
    let choice: Option<i64> = row.try_get("choice")?;
    let involved: i64 = row.try_get("involved")?;
    Ok(match choice {
        Some(choice) => choice != 0,
        None => involved != 0,
    })
}
