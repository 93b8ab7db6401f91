//! Labels of a repository's issues (maintainers manage them).

use crate::db::Db;
use crate::error::{Error, Problem, Result};
use crate::ids::{IssueId, LabelId, RepoId};
use crate::issue::Rights;
use crate::outbox::{self, kind};
use crate::repo::Repo;
use crate::user::User;
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub id: LabelId,
    pub repo_id: RepoId,
    pub name: String,
    /// `#rrggbb`.
    pub color: String,
    pub description: String,
}

#[derive(Debug, Clone, Default)]
pub struct LabelInput {
    pub name: String,
    pub color: String,
    pub description: String,
}

fn from_row(row: &AnyRow) -> Result<Label> {
    Ok(Label {
        id: LabelId(row.try_get("id")?),
        repo_id: RepoId(row.try_get("repo_id")?),
        name: row.try_get("name")?,
        color: row.try_get("color")?,
        description: row.try_get("description")?,
    })
}

/// A colour as `#rrggbb` (lowercase); `rrggbb` and `#rgb` are accepted too.
pub fn validate_color(raw: &str) -> Result<String> {
    let hex = raw.trim().trim_start_matches('#').to_ascii_lowercase();
    let hex = match hex.len() {
        3 => hex.chars().flat_map(|c| [c, c]).collect(),
        6 => hex,
        _ => String::new(),
    };
    if hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(format!("#{hex}"))
    } else {
        Err(Error::invalid("color", "error-label-color"))
    }
}

fn validate(input: &LabelInput) -> Result<(String, String, String)> {
    crate::issue::refuse_nul("name", &input.name)?;
    crate::issue::refuse_nul("description", &input.description)?;
    let name = input.name.trim();
    if name.is_empty() {
        return Err(Error::invalid("name", "error-name-empty"));
    }
    if name.chars().count() > 50 {
        return Err(Error::Invalid {
            field: "name",
            problem: Problem::new("error-text-too-long").arg("max", "50"),
        });
    }
    let description = input.description.trim();
    if description.chars().count() > 200 {
        return Err(Error::Invalid {
            field: "description",
            problem: Problem::new("error-text-too-long").arg("max", "200"),
        });
    }
    Ok((
        name.to_string(),
        validate_color(&input.color)?,
        description.to_string(),
    ))
}

fn taken(e: Error) -> Error {
    if e.is_unique_violation() {
        Error::conflict(Some("name"), "error-label-exists")
    } else {
        e
    }
}

pub async fn create(db: &Db, actor: &User, repo: &Repo, input: LabelInput) -> Result<Label> {
    Rights::require_maintainer(db, actor, repo).await?;
    let (name, color, description) = validate(&input)?;
    let mut tx = db.pool().begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO labels (repo_id, name, lower_name, color, description) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(repo.id.0)
    .bind(&name)
    .bind(name.to_lowercase())
    .bind(&color)
    .bind(&description)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| taken(e.into()))?
    .try_get("id")?;
    let payload = json!({"label": id, "name": name});
    outbox::record_change(
        &mut tx,
        kind::LABEL_CREATED,
        actor.id,
        repo.id,
        None,
        payload,
    )
    .await?;
    tx.commit().await?;
    Ok(Label {
        id: LabelId(id),
        repo_id: repo.id,
        name,
        color,
        description,
    })
}

pub async fn update(
    db: &Db,
    actor: &User,
    repo: &Repo,
    label: LabelId,
    input: LabelInput,
) -> Result<Label> {
    Rights::require_maintainer(db, actor, repo).await?;
    let (name, color, description) = validate(&input)?;
    let mut tx = db.pool().begin().await?;
    let changed = sqlx::query(
        "UPDATE labels SET name = $1, lower_name = $2, color = $3, description = $4 WHERE id = $5 AND repo_id = $6",
    )
    .bind(&name)
    .bind(name.to_lowercase())
    .bind(&color)
    .bind(&description)
    .bind(label.0)
    .bind(repo.id.0)
    .execute(&mut *tx)
    .await
    .map_err(|e| taken(e.into()))?
    .rows_affected();
    if changed == 0 {
        return Err(Error::not_found("error-label-not-found"));
    }
    let payload = json!({"label": label.0, "name": name});
    outbox::record_change(
        &mut tx,
        kind::LABEL_UPDATED,
        actor.id,
        repo.id,
        None,
        payload,
    )
    .await?;
    tx.commit().await?;
    get(db, repo.id, label)
        .await?
        .ok_or_else(|| Error::not_found("error-label-not-found"))
}

pub async fn delete(db: &Db, actor: &User, repo: &Repo, label: LabelId) -> Result<()> {
    Rights::require_maintainer(db, actor, repo).await?;
    let mut tx = db.pool().begin().await?;
    let deleted = sqlx::query("DELETE FROM labels WHERE id = $1 AND repo_id = $2 RETURNING name")
        .bind(label.0)
        .bind(repo.id.0)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(deleted) = deleted else {
        return Err(Error::not_found("error-label-not-found"));
    };
    let name: String = deleted.try_get("name")?;
    let payload = json!({"label": label.0, "name": name});
    outbox::record_change(
        &mut tx,
        kind::LABEL_DELETED,
        actor.id,
        repo.id,
        None,
        payload,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn get(db: &Db, repo: RepoId, label: LabelId) -> Result<Option<Label>> {
    let row = sqlx::query(
        "SELECT id, repo_id, name, color, description FROM labels WHERE id = $1 AND repo_id = $2",
    )
    .bind(label.0)
    .bind(repo.0)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn by_name(db: &Db, repo: RepoId, name: &str) -> Result<Option<Label>> {
    let row = sqlx::query("SELECT id, repo_id, name, color, description FROM labels WHERE repo_id = $1 AND lower_name = $2")
        .bind(repo.0)
        .bind(name.trim().to_lowercase())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn list(db: &Db, repo: RepoId) -> Result<Vec<Label>> {
    let rows = sqlx::query("SELECT id, repo_id, name, color, description FROM labels WHERE repo_id = $1 ORDER BY lower_name")
        .bind(repo.0)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn of_issue(db: &Db, issue: IssueId) -> Result<Vec<Label>> {
    let rows = sqlx::query(
        "SELECT l.id, l.repo_id, l.name, l.color, l.description FROM issue_labels il \
         JOIN labels l ON l.id = il.label_id WHERE il.issue_id = $1 ORDER BY l.lower_name",
    )
    .bind(issue.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours() {
        assert_eq!(validate_color("#AbCdEf").unwrap(), "#abcdef");
        assert_eq!(validate_color("abcdef").unwrap(), "#abcdef");
        assert_eq!(validate_color("#f00").unwrap(), "#ff0000");
        for bad in ["", "#12345", "red", "#ggg000", "javascript:x"] {
            assert!(validate_color(bad).is_err(), "{bad}");
        }
    }
}
