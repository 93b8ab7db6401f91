//! Repositories: who owns them, who may read and write them, and their
//! settings. The git data itself lives on disk (see `forge-git`), in a folder
//! named after the repository's id.
//!
//! Access rules: a site admin may do everything; a user administers their own
//! repositories; in an organisation, `owner`s administer, `maintainer`s
//! write, `treasurer`s and `member`s read. Public repositories are readable
//! by everyone, private ones by nobody else, and to those they are "not
//! found" rather than "forbidden".

use crate::account::{self, AccountKind};
use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Problem, Result};
use crate::ids::{AccountId, OrgId, RepoId};
use crate::org::{self, Role};
use crate::outbox::{self, kind as event};
use crate::user::User;
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

pub const MAX_NAME_LEN: usize = 100;
pub const DEFAULT_BRANCH: &str = "main";

/// What someone may do with a repository, in increasing order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    None,
    Read,
    Write,
    Admin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    pub id: RepoId,
    pub owner_id: AccountId,
    pub owner_name: String,
    pub owner_is_org: bool,
    pub name: String,
    pub description: String,
    pub private: bool,
    pub default_branch: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Repo {
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner_name, self.name)
    }
}

#[derive(Debug, Clone, Default)]
pub struct NewRepo {
    pub name: String,
    pub description: String,
    pub private: bool,
    pub default_branch: Option<String>,
}

/// Changes to a repository's settings; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default)]
pub struct RepoChanges {
    pub description: Option<String>,
    pub private: Option<bool>,
    pub default_branch: Option<String>,
}

macro_rules! select_repo {
    ($filter:literal) => {
        concat!(
            "SELECT r.id, r.owner_id, a.name AS owner_name, a.kind AS owner_kind, r.name, r.description, \
             r.is_private, r.default_branch, r.created_at, r.updated_at \
             FROM repositories r JOIN accounts a ON a.id = r.owner_id ",
            $filter
        )
    };
}

pub(crate) fn from_row(row: &AnyRow) -> Result<Repo> {
    Ok(Repo {
        id: RepoId(row.try_get("id")?),
        owner_id: AccountId(row.try_get("owner_id")?),
        owner_name: row.try_get("owner_name")?,
        owner_is_org: row.try_get::<String, _>("owner_kind")? == "org",
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        private: row.try_get::<i64, _>("is_private")? != 0,
        default_branch: row.try_get("default_branch")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Checks a repository name: letters, digits, `-`, `_`, `.`; not `.` or
/// `..` or anything with `..`; not ending in `.git` (clone URLs add it).
pub fn validate_name(raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(Error::invalid("name", "error-name-empty"));
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Err(Error::Invalid {
            field: "name",
            problem: Problem::new("error-name-too-long").arg("max", MAX_NAME_LEN.to_string()),
        });
    }
    let allowed = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !allowed
        || name.contains("..")
        || name.to_ascii_lowercase().ends_with(".git")
        || name.starts_with('.')
    {
        return Err(Error::invalid("name", "error-repo-name"));
    }
    Ok(name.to_string())
}

/// Checks a branch name the way git's `check-ref-format --branch` would,
/// for the characters that matter here.
pub fn validate_branch(raw: &str) -> Result<String> {
    let name = raw.trim();
    let bad = name.is_empty()
        || name.len() > 255
        || name.starts_with(['-', '/', '.'])
        || name.ends_with(['/', '.'])
        || name.ends_with(".lock")
        || name.contains("..")
        || name.contains("//")
        || name.contains("@{")
        || name
            .chars()
            .any(|c| c.is_ascii_control() || " ~^:?*[\\".contains(c));
    if bad {
        Err(Error::invalid("default_branch", "error-branch-name"))
    } else {
        Ok(name.to_string())
    }
}

/// What `actor` may do with `repo`.
pub async fn access(db: &Db, actor: Option<&User>, repo: &Repo) -> Result<Access> {
    let public = if repo.private {
        Access::None
    } else {
        Access::Read
    };
    let Some(actor) = actor else {
        return Ok(public);
    };
    if actor.is_admin || actor.id.0 == repo.owner_id.0 {
        return Ok(Access::Admin);
    }
    if !repo.owner_is_org {
        return Ok(public);
    }
    let role = org::role_of(db, OrgId(repo.owner_id.0), actor.id).await?;
    let by_role = role.map_or(Access::None, crate::collaborator::access_of);
    Ok(by_role.max(public))
}

/// Whether `actor` may create repositories under the account `owner`.
async fn may_create_under(db: &Db, actor: &User, owner: &account::Account) -> Result<bool> {
    if actor.is_admin || actor.id.0 == owner.id.0 {
        return Ok(true);
    }
    if owner.kind == AccountKind::User {
        return Ok(false);
    }
    let role = org::role_of(db, OrgId(owner.id.0), actor.id).await?;
    Ok(role.is_some_and(Role::maintains))
}

/// Records a new repository owned by `owner_name`. The caller creates its
/// folder on disk inside `create_on_disk`, which runs before the row is
/// committed: when it fails, no row remains.
pub async fn create<F>(
    db: &Db,
    actor: &User,
    owner_name: &str,
    new: NewRepo,
    create_on_disk: F,
) -> Result<Repo>
where
    F: AsyncFnOnce(&Repo) -> Result<()>,
{
    insert(db, actor, owner_name, new, None, create_on_disk).await
}

/// Records a fork of `parent` owned by `owner_name` (the actor, or an
/// organisation in which the actor may create repositories), named `name`
/// or like its parent. Anyone who may read a repository may fork it; a
/// private repository's forks are private. `copy_on_disk` creates the
/// fork's folder with the parent's branches and tags before the row is
/// committed.
pub async fn fork<F>(
    db: &Db,
    actor: &User,
    parent: &Repo,
    owner_name: &str,
    name: Option<String>,
    copy_on_disk: F,
) -> Result<Repo>
where
    F: AsyncFnOnce(&Repo) -> Result<()>,
{
    if access(db, Some(actor), parent).await? == Access::None {
        return Err(Error::not_found("error-repo-not-found"));
    }
    let new = NewRepo {
        name: name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| parent.name.clone()),
        description: parent.description.clone(),
        private: parent.private,
        default_branch: Some(parent.default_branch.clone()),
    };
    insert(db, actor, owner_name, new, Some(parent), copy_on_disk).await
}

async fn insert<F>(
    db: &Db,
    actor: &User,
    owner_name: &str,
    new: NewRepo,
    parent: Option<&Repo>,
    create_on_disk: F,
) -> Result<Repo>
where
    F: AsyncFnOnce(&Repo) -> Result<()>,
{
    let owner = account::by_name(db, owner_name)
        .await?
        .ok_or_else(|| Error::not_found("error-owner-not-found"))?;
    if !may_create_under(db, actor, &owner).await? {
        return Err(Error::forbidden("error-repo-create-forbidden"));
    }
    let name = validate_name(&new.name)?;
    let description = new.description.trim().to_string();
    if description.chars().count() > 1000 {
        return Err(Error::Invalid {
            field: "description",
            problem: Problem::new("error-text-too-long").arg("max", "1000"),
        });
    }
    let default_branch = match new.default_branch.as_deref().map(str::trim) {
        Some(branch) if !branch.is_empty() => validate_branch(branch)?,
        _ => DEFAULT_BRANCH.to_string(),
    };
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    // A plain repository names no fork column, so this code also writes to
    // a database whose schema predates forks (the upgrade test does).
    let sql = match parent {
        None => {
            "INSERT INTO repositories (owner_id, name, lower_name, description, is_private, default_branch, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id"
        }
        Some(_) => {
            "INSERT INTO repositories (owner_id, name, lower_name, description, is_private, default_branch, created_at, updated_at, fork_of) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) RETURNING id"
        }
    };
    let mut query = sqlx::query(sql)
        .bind(owner.id.0)
        .bind(&name)
        .bind(name.to_lowercase())
        .bind(&description)
        .bind(i64::from(new.private))
        .bind(&default_branch)
        .bind(now);
    if let Some(parent) = parent {
        query = query.bind(parent.id.0);
    }
    let inserted = query.fetch_one(&mut *tx).await.map_err(Error::from);
    let id: i64 = match inserted {
        Ok(row) => row.try_get("id")?,
        Err(e) if e.is_unique_violation() => {
            return Err(Error::conflict(Some("name"), "error-repo-exists"));
        }
        Err(e) => return Err(e),
    };
    let repo = Repo {
        id: RepoId(id),
        owner_id: owner.id,
        owner_name: owner.name,
        owner_is_org: owner.kind == AccountKind::Org,
        name,
        description,
        private: new.private,
        default_branch,
        created_at: now,
        updated_at: now,
    };
    match parent {
        None => {
            let payload =
                json!({"owner": repo.owner_name, "name": repo.name, "private": repo.private});
            outbox::record_change(
                &mut tx,
                event::REPO_CREATED,
                actor.id,
                repo.id,
                None,
                payload,
            )
            .await?;
        }
        Some(parent) => {
            // Told on the parent, whose watchers learn of the fork; the
            // fork's own id is in the payload.
            let payload = json!({
                "fork": {"id": repo.id, "owner": repo.owner_name, "name": repo.name},
                "private": repo.private,
            });
            outbox::record_change(
                &mut tx,
                event::REPO_FORKED,
                actor.id,
                parent.id,
                None,
                payload,
            )
            .await?;
        }
    }
    create_on_disk(&repo).await?;
    tx.commit().await?;
    Ok(repo)
}

/// The repository `repo` was forked from, if it is a fork and its parent
/// still exists (whoever may see it: callers check [`access`]).
pub async fn parent_of(db: &Db, repo: RepoId) -> Result<Option<Repo>> {
    let row = sqlx::query(select_repo!(
        "WHERE r.id = (SELECT fork_of FROM repositories WHERE id = $1)"
    ))
    .bind(repo.0)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The forks of `repo` that `viewer` may read, oldest first.
pub async fn forks_of(db: &Db, viewer: Option<&User>, repo: RepoId) -> Result<Vec<Repo>> {
    let rows = sqlx::query(select_repo!("WHERE r.fork_of = $1 ORDER BY r.id"))
        .bind(repo.0)
        .fetch_all(db.pool())
        .await?;
    let mut visible = Vec::with_capacity(rows.len());
    for row in &rows {
        let fork = from_row(row)?;
        if access(db, viewer, &fork).await? > Access::None {
            visible.push(fork);
        }
    }
    Ok(visible)
}

/// The repository `owner/name` (case-insensitive), whoever may see it.
/// Callers check [`access`] before showing anything.
pub async fn find(db: &Db, owner: &str, name: &str) -> Result<Option<Repo>> {
    let name = name.trim();
    let name = name.strip_suffix(".git").unwrap_or(name);
    let row = sqlx::query(select_repo!("WHERE a.name = $1 AND r.lower_name = $2"))
        .bind(owner.trim().to_lowercase())
        .bind(name.to_lowercase())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The repository `owner/name` if `actor` may at least read it; otherwise
/// "not found", so private repositories stay invisible.
pub async fn find_readable(
    db: &Db,
    actor: Option<&User>,
    owner: &str,
    name: &str,
) -> Result<(Repo, Access)> {
    let repo = find(db, owner, name)
        .await?
        .ok_or_else(|| Error::not_found("error-repo-not-found"))?;
    let access = access(db, actor, &repo).await?;
    if access == Access::None {
        return Err(Error::not_found("error-repo-not-found"));
    }
    Ok((repo, access))
}

pub async fn find_by_id(db: &Db, id: RepoId) -> Result<Option<Repo>> {
    let row = sqlx::query(select_repo!("WHERE r.id = $1"))
        .bind(id.0)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The repositories of an account that `viewer` may read, most recently
/// updated first.
pub async fn list_for_owner(db: &Db, viewer: Option<&User>, owner: AccountId) -> Result<Vec<Repo>> {
    let rows = sqlx::query(select_repo!(
        "WHERE r.owner_id = $1 ORDER BY r.updated_at DESC, r.id DESC"
    ))
    .bind(owner.0)
    .fetch_all(db.pool())
    .await?;
    let mut visible = Vec::with_capacity(rows.len());
    for row in &rows {
        let repo = from_row(row)?;
        if !repo.private || access(db, viewer, &repo).await? > Access::None {
            visible.push(repo);
        }
    }
    Ok(visible)
}

/// Changes settings; needs admin access to the repository.
pub async fn update(db: &Db, actor: &User, repo: &Repo, changes: RepoChanges) -> Result<Repo> {
    if access(db, Some(actor), repo).await? < Access::Admin {
        return Err(Error::forbidden("error-repo-admin-only"));
    }
    let mut updated = repo.clone();
    if let Some(description) = changes.description {
        let description = description.trim().to_string();
        if description.chars().count() > 1000 {
            return Err(Error::Invalid {
                field: "description",
                problem: Problem::new("error-text-too-long").arg("max", "1000"),
            });
        }
        updated.description = description;
    }
    if let Some(private) = changes.private {
        updated.private = private;
    }
    if let Some(branch) = changes.default_branch {
        updated.default_branch = validate_branch(&branch)?;
    }
    updated.updated_at = now_ms();
    let mut tx = db.pool().begin().await?;
    sqlx::query(
        "UPDATE repositories SET description = $1, is_private = $2, default_branch = $3, updated_at = $4 WHERE id = $5",
    )
    .bind(&updated.description)
    .bind(i64::from(updated.private))
    .bind(&updated.default_branch)
    .bind(updated.updated_at)
    .bind(repo.id.0)
    .execute(&mut *tx)
    .await?;
    let payload = json!({
        "description": updated.description,
        "private": updated.private,
        "default_branch": updated.default_branch,
    });
    outbox::record_change(
        &mut tx,
        event::REPO_UPDATED,
        actor.id,
        repo.id,
        None,
        payload,
    )
    .await?;
    tx.commit().await?;
    Ok(updated)
}

/// Deletes the repository's row; needs admin access. The caller removes the
/// folder afterwards (a leftover folder is harmless: nothing points to it).
pub async fn delete(db: &Db, actor: &User, repo: &Repo) -> Result<()> {
    if access(db, Some(actor), repo).await? < Access::Admin {
        return Err(Error::forbidden("error-repo-admin-only"));
    }
    // The funding ledger is permanent and public: a repository whose issues
    // carried money cannot disappear with it.
    let goals: i64 = sqlx::query("SELECT COUNT(*) AS n FROM funding_goals WHERE repo_id = $1")
        .bind(repo.id.0)
        .fetch_one(db.pool())
        .await?
        .try_get("n")?;
    if goals > 0 {
        return Err(Error::conflict(None, "error-repo-has-funding"));
    }
    let mut tx = db.pool().begin().await?;
    crate::pull::head_repo_deleted(&mut tx, repo.id).await?;
    sqlx::query("DELETE FROM repositories WHERE id = $1")
        .bind(repo.id.0)
        .execute(&mut *tx)
        .await?;
    let payload = json!({"owner": repo.owner_name, "name": repo.name});
    outbox::record_change(
        &mut tx,
        event::REPO_DELETED,
        actor.id,
        repo.id,
        None,
        payload,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_names() {
        for good in ["forge", "My.Repo", "a-b_c", "x1"] {
            assert_eq!(validate_name(good).unwrap(), good);
        }
        for bad in [
            "", ".", "..", "a..b", "x.git", "X.GIT", "a b", "a/b", ".hidden", "é",
        ] {
            assert!(validate_name(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(validate_name(&"a".repeat(101)).is_err());
    }

    #[test]
    fn branch_names() {
        for good in ["main", "release/1.0", "feature-x"] {
            assert!(validate_branch(good).is_ok(), "{good}");
        }
        for bad in [
            "", "-x", "a..b", "a b", "a:b", "x.lock", "a//b", "/a", "a/", "a@{1}",
        ] {
            assert!(validate_branch(bad).is_err(), "{bad:?}");
        }
    }
}
