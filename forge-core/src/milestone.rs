//! Milestones of a repository (maintainers manage them). Their open and
//! closed issue counts are stored and kept right by `issue`.

use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Problem, Result};
use crate::ids::{MilestoneId, RepoId};
use crate::issue::Rights;
use crate::outbox::{self, kind};
use crate::repo::Repo;
use crate::user::User;
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestone {
    pub id: MilestoneId,
    pub repo_id: RepoId,
    pub title: String,
    pub description: String,
    pub due_at: Option<i64>,
    pub closed: bool,
    pub open_issues: i64,
    pub closed_issues: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Milestone {
    /// Closed issues as a whole percentage of all its issues.
    pub fn progress_percent(&self) -> i64 {
        let total = self.open_issues + self.closed_issues;
        if total == 0 {
            0
        } else {
            self.closed_issues * 100 / total
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct MilestoneInput {
    pub title: String,
    pub description: String,
    pub due_at: Option<i64>,
    pub closed: bool,
}

const SELECT: &str = "SELECT id, repo_id, title, description, due_at, is_closed, open_issues, closed_issues, \
                      created_at, updated_at FROM milestones ";

fn from_row(row: &AnyRow) -> Result<Milestone> {
    Ok(Milestone {
        id: MilestoneId(row.try_get("id")?),
        repo_id: RepoId(row.try_get("repo_id")?),
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        due_at: row.try_get("due_at")?,
        closed: row.try_get::<i64, _>("is_closed")? != 0,
        open_issues: row.try_get("open_issues")?,
        closed_issues: row.try_get("closed_issues")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn validate(input: &MilestoneInput) -> Result<(String, String)> {
    crate::issue::refuse_nul("title", &input.title)?;
    crate::issue::refuse_nul("description", &input.description)?;
    let title = input.title.trim();
    if title.is_empty() {
        return Err(Error::invalid("title", "error-milestone-title-empty"));
    }
    if title.chars().count() > 100 {
        return Err(Error::Invalid {
            field: "title",
            problem: Problem::new("error-text-too-long").arg("max", "100"),
        });
    }
    let description = input.description.trim();
    if description.chars().count() > 5000 {
        return Err(Error::Invalid {
            field: "description",
            problem: Problem::new("error-text-too-long").arg("max", "5000"),
        });
    }
    Ok((title.to_string(), description.to_string()))
}

fn taken(e: Error) -> Error {
    if e.is_unique_violation() {
        Error::conflict(Some("title"), "error-milestone-exists")
    } else {
        e
    }
}

pub async fn create(
    db: &Db,
    actor: &User,
    repo: &Repo,
    input: MilestoneInput,
) -> Result<Milestone> {
    Rights::require_maintainer(db, actor, repo).await?;
    let (title, description) = validate(&input)?;
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO milestones (repo_id, title, description, due_at, is_closed, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(repo.id.0)
    .bind(&title)
    .bind(&description)
    .bind(input.due_at)
    .bind(i64::from(input.closed))
    .bind(now)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| taken(e.into()))?
    .try_get("id")?;
    let payload = json!({"milestone": id, "title": title, "closed": input.closed});
    outbox::record_change(
        &mut tx,
        kind::MILESTONE_CREATED,
        actor.id,
        repo.id,
        None,
        payload,
    )
    .await?;
    tx.commit().await?;
    get(db, repo.id, MilestoneId(id))
        .await?
        .ok_or_else(|| Error::Internal("a new milestone vanished".into()))
}

pub async fn update(
    db: &Db,
    actor: &User,
    repo: &Repo,
    milestone: MilestoneId,
    input: MilestoneInput,
) -> Result<Milestone> {
    Rights::require_maintainer(db, actor, repo).await?;
    let (title, description) = validate(&input)?;
    let mut tx = db.pool().begin().await?;
    let changed = sqlx::query(
        "UPDATE milestones SET title = $1, description = $2, due_at = $3, is_closed = $4, updated_at = $5 \
         WHERE id = $6 AND repo_id = $7",
    )
    .bind(&title)
    .bind(&description)
    .bind(input.due_at)
    .bind(i64::from(input.closed))
    .bind(now_ms())
    .bind(milestone.0)
    .bind(repo.id.0)
    .execute(&mut *tx)
    .await
    .map_err(|e| taken(e.into()))?
    .rows_affected();
    if changed == 0 {
        return Err(Error::not_found("error-milestone-not-found"));
    }
    let payload = json!({"milestone": milestone.0, "title": title, "closed": input.closed});
    outbox::record_change(
        &mut tx,
        kind::MILESTONE_UPDATED,
        actor.id,
        repo.id,
        None,
        payload,
    )
    .await?;
    tx.commit().await?;
    get(db, repo.id, milestone)
        .await?
        .ok_or_else(|| Error::not_found("error-milestone-not-found"))
}

pub async fn delete(db: &Db, actor: &User, repo: &Repo, milestone: MilestoneId) -> Result<()> {
    Rights::require_maintainer(db, actor, repo).await?;
    let mut tx = db.pool().begin().await?;
    let deleted =
        sqlx::query("DELETE FROM milestones WHERE id = $1 AND repo_id = $2 RETURNING title")
            .bind(milestone.0)
            .bind(repo.id.0)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(deleted) = deleted else {
        return Err(Error::not_found("error-milestone-not-found"));
    };
    let title: String = deleted.try_get("title")?;
    let payload = json!({"milestone": milestone.0, "title": title});
    outbox::record_change(
        &mut tx,
        kind::MILESTONE_DELETED,
        actor.id,
        repo.id,
        None,
        payload,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn get(db: &Db, repo: RepoId, milestone: MilestoneId) -> Result<Option<Milestone>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE id = $1 AND repo_id = $2"
    )))
    .bind(milestone.0)
    .bind(repo.0)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn by_title(db: &Db, repo: RepoId, title: &str) -> Result<Option<Milestone>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE repo_id = $1 AND title = $2"
    )))
    .bind(repo.0)
    .bind(title.trim())
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Open milestones first (soonest due first), then closed ones.
pub async fn list(db: &Db, repo: RepoId) -> Result<Vec<Milestone>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE repo_id = $1 ORDER BY is_closed, CASE WHEN due_at IS NULL THEN 1 ELSE 0 END, due_at, title"
    )))
    .bind(repo.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}
