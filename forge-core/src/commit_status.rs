//! Commit statuses: what CI (or anyone with write access) says about a
//! commit, per context (`ci/build`, `lint`…), in Gitea's states. The latest
//! status of each context counts; the combined state is the worst of them.

use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Problem, Result};
use crate::ids::{AccountId, RepoId};
use crate::outbox::{self, kind as event};
use crate::repo::{self, Access, Repo};
use crate::user::User;
use serde_json::json;
use sqlx::Row;

/// Gitea's states, from the best to the worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum State {
    Success,
    Warning,
    Pending,
    Failure,
    Error,
}

impl State {
    pub const ALL: [State; 5] = [
        State::Success,
        State::Warning,
        State::Pending,
        State::Failure,
        State::Error,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Success => "success",
            State::Warning => "warning",
            State::Pending => "pending",
            State::Failure => "failure",
            State::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Result<State> {
        State::ALL
            .into_iter()
            .find(|s| s.as_str() == text.trim())
            .ok_or_else(|| Error::invalid("state", "error-status-state"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitStatus {
    pub id: i64,
    pub sha: String,
    pub state: State,
    pub context: String,
    pub description: String,
    pub target_url: String,
    pub creator_id: AccountId,
    pub creator_name: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Default)]
pub struct NewStatus {
    pub state: String,
    pub context: String,
    pub description: String,
    pub target_url: String,
}

fn is_commit_id(text: &str) -> bool {
    text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

fn too_long(field: &'static str, text: &str, max: usize) -> Result<()> {
    if text.chars().count() > max || text.contains('\0') {
        return Err(Error::Invalid {
            field,
            problem: Problem::new("error-text-too-long").arg("max", max.to_string()),
        });
    }
    Ok(())
}

/// Records a status of commit `sha` (a full id, which the caller found in
/// the repository); needs write access.
pub async fn create(
    db: &Db,
    actor: &User,
    repo: &Repo,
    sha: &str,
    new: NewStatus,
) -> Result<CommitStatus> {
    let access = repo::access(db, Some(actor), repo).await?;
    if access == Access::None {
        return Err(Error::not_found("error-repo-not-found"));
    }
    if access < Access::Write {
        return Err(Error::forbidden("error-maintainers-only"));
    }
    if !is_commit_id(sha) {
        return Err(Error::not_found("error-commit-not-found"));
    }
    let state = State::parse(&new.state)?;
    let context = match new.context.trim() {
        "" => "default".to_string(),
        context => context.to_string(),
    };
    too_long("context", &context, 255)?;
    too_long("description", &new.description, 1000)?;
    too_long("target_url", &new.target_url, 2000)?;
    let target_url = new.target_url.trim().to_string();
    let web_address = target_url.starts_with("https://") || target_url.starts_with("http://");
    if !(target_url.is_empty() || web_address) {
        return Err(Error::invalid("target_url", "error-status-url"));
    }
    let sha = sha.to_ascii_lowercase();
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO commit_statuses (repo_id, sha, state, context, description, target_url, creator_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(repo.id.0)
    .bind(&sha)
    .bind(state.as_str())
    .bind(&context)
    .bind(new.description.trim())
    .bind(&target_url)
    .bind(actor.id.0)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    outbox::record_change(
        &mut tx,
        event::COMMIT_STATUS,
        actor.id,
        repo.id,
        None,
        json!({"sha": sha, "state": state.as_str(), "context": context, "target_url": target_url}),
    )
    .await?;
    tx.commit().await?;
    Ok(CommitStatus {
        id,
        sha,
        state,
        context,
        description: new.description.trim().to_string(),
        target_url,
        creator_id: actor.id.into(),
        creator_name: actor.name.clone(),
        created_at: now,
    })
}

/// Every status of commit `sha`, newest first.
pub async fn list(db: &Db, repo: RepoId, sha: &str) -> Result<Vec<CommitStatus>> {
    let rows = sqlx::query(
        "SELECT s.id, s.sha, s.state, s.context, s.description, s.target_url, s.creator_id, a.name AS creator_name, s.created_at \
         FROM commit_statuses s JOIN accounts a ON a.id = s.creator_id \
         WHERE s.repo_id = $1 AND s.sha = $2 ORDER BY s.id DESC",
    )
    .bind(repo.0)
    .bind(sha.to_ascii_lowercase())
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(CommitStatus {
                id: row.try_get("id")?,
                sha: row.try_get("sha")?,
                state: State::parse(&row.try_get::<String, _>("state")?)?,
                context: row.try_get("context")?,
                description: row.try_get("description")?,
                target_url: row.try_get("target_url")?,
                creator_id: AccountId(row.try_get("creator_id")?),
                creator_name: row.try_get("creator_name")?,
                created_at: row.try_get("created_at")?,
            })
        })
        .collect()
}

/// The latest status of each context, and their combined state (the worst;
/// `pending` when there is none).
pub async fn combined(db: &Db, repo: RepoId, sha: &str) -> Result<(State, Vec<CommitStatus>)> {
    let mut latest: Vec<CommitStatus> = Vec::new();
    for status in list(db, repo, sha).await? {
        if !latest.iter().any(|s| s.context == status.context) {
            latest.push(status);
        }
    }
    let state = latest
        .iter()
        .map(|s| s.state)
        .max()
        .unwrap_or(State::Pending);
    Ok((state, latest))
}

/// The combined state of each of `shas` (full ids) that has a status, for
/// a list of commits: one query, whatever the number of commits.
pub async fn combined_of_many(
    db: &Db,
    repo: RepoId,
    shas: &[String],
) -> Result<std::collections::HashMap<String, State>> {
    let mut out = std::collections::HashMap::new();
    if shas.is_empty() {
        return Ok(out);
    }
    let placeholders: Vec<String> = (0..shas.len()).map(|i| format!("${}", i + 2)).collect();
    // Only placeholders are written into the text; every value is bound.
    let sql = format!(
        "SELECT sha, context, state FROM commit_statuses WHERE repo_id = $1 AND sha IN ({}) ORDER BY id DESC",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(repo.0);
    for sha in shas {
        query = query.bind(sha.to_ascii_lowercase());
    }
    let mut seen: Vec<(String, String)> = Vec::new();
    for row in query.fetch_all(db.pool()).await? {
        let sha: String = row.try_get("sha")?;
        let context: String = row.try_get("context")?;
        // The newest status of each context counts.
        if seen.iter().any(|(s, c)| *s == sha && *c == context) {
            continue;
        }
        let state = State::parse(&row.try_get::<String, _>("state")?)?;
        seen.push((sha.clone(), context));
        let worst = out.get(&sha).map_or(state, |&old: &State| old.max(state));
        out.insert(sha, worst);
    }
    Ok(out)
}
