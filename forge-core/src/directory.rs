//! Finding repositories, users and organisations: the searches and admin
//! listings of the API, a page at a time with the total count.
//!
//! A search shows only what the viewer may read: public repositories, and
//! private ones of the viewer or of organisations the viewer belongs to
//! (all of them for site admins), the rule of [`crate::repo::access`].

use crate::dashboard::like_pattern;
use crate::db::Db;
use crate::error::Result;
use crate::org::{self, Org};
use crate::repo::{self, Repo};
use crate::user::{self, User};
use sqlx::Row;

/// A page of a search: `offset` items skipped, at most `limit` returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub offset: i64,
    pub limit: i64,
}

/// What to look for among repositories.
#[derive(Debug, Clone, Default)]
pub struct RepoSearch {
    /// Text in the name (and in the description when `in_description`).
    pub q: String,
    pub in_description: bool,
    /// Only the repositories of this account.
    pub owner: Option<i64>,
    /// Only private (`Some(true)`) or public (`Some(false)`) ones.
    pub private: Option<bool>,
}

/// The filter of [`search_repos`], as a literal for `concat!`.
macro_rules! visible {
    () => {
        "($1 = 1 OR r.is_private = 0 OR r.owner_id = $2 \
     OR EXISTS (SELECT 1 FROM org_members m WHERE m.org_id = r.owner_id AND m.user_id = $2)) \
     AND (lower(r.name) LIKE $3 ESCAPE '\\' OR ($4 = 1 AND lower(r.description) LIKE $3 ESCAPE '\\')) \
     AND ($5 = 0 OR r.owner_id = $5) AND ($6 = -1 OR r.is_private = $6)"
    };
}

/// Repositories `viewer` may read that match `search`, by owner and name,
/// with how many match in all.
pub async fn search_repos(
    db: &Db,
    viewer: Option<&User>,
    search: &RepoSearch,
    window: Window,
) -> Result<(Vec<Repo>, i64)> {
    let admin = i64::from(viewer.is_some_and(|v| v.is_admin));
    let viewer_id = viewer.map_or(0, |v| v.id.0);
    let pattern = like_pattern(&search.q);
    let in_description = i64::from(search.in_description);
    let owner = search.owner.unwrap_or(0);
    let private = search.private.map_or(-1, i64::from);
    let total: i64 = sqlx::query(concat!(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM repositories r WHERE ",
        visible!()
    ))
    .bind(admin)
    .bind(viewer_id)
    .bind(&pattern)
    .bind(in_description)
    .bind(owner)
    .bind(private)
    .fetch_one(db.pool())
    .await?
    .try_get("n")?;
    let rows = sqlx::query(concat!(
        "SELECT r.id, r.owner_id, a.name AS owner_name, a.kind AS owner_kind, r.name, r.description, \
         r.is_private, r.default_branch, r.created_at, r.updated_at \
         FROM repositories r JOIN accounts a ON a.id = r.owner_id WHERE ",
        visible!(),
        " ORDER BY a.name, r.lower_name LIMIT $7 OFFSET $8"
    ))
    .bind(admin)
    .bind(viewer_id)
    .bind(&pattern)
    .bind(in_description)
    .bind(owner)
    .bind(private)
    .bind(window.limit)
    .bind(window.offset)
    .fetch_all(db.pool())
    .await?;
    let repos = rows
        .iter()
        .map(repo::from_row)
        .collect::<Result<Vec<_>>>()?;
    Ok((repos, total))
}

/// Users (not closed) whose name or full name contains `q`, by name, with
/// how many match in all. An empty `q` lists every user.
pub async fn search_users(db: &Db, q: &str, window: Window) -> Result<(Vec<User>, i64)> {
    let pattern = like_pattern(q);
    let total: i64 = sqlx::query(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM accounts a JOIN users u ON u.id = a.id \
         WHERE u.deleted_at IS NULL AND (a.name LIKE $1 ESCAPE '\\' OR lower(a.full_name) LIKE $1 ESCAPE '\\')",
    )
    .bind(&pattern)
    .fetch_one(db.pool())
    .await?
    .try_get("n")?;
    let rows = sqlx::query(
        "SELECT a.id, a.name, a.full_name, a.created_at, u.email, u.is_admin, u.locale \
         FROM accounts a JOIN users u ON u.id = a.id \
         WHERE u.deleted_at IS NULL AND (a.name LIKE $1 ESCAPE '\\' OR lower(a.full_name) LIKE $1 ESCAPE '\\') \
         ORDER BY a.name LIMIT $2 OFFSET $3",
    )
    .bind(&pattern)
    .bind(window.limit)
    .bind(window.offset)
    .fetch_all(db.pool())
    .await?;
    let users = rows
        .iter()
        .map(user::from_row)
        .collect::<Result<Vec<_>>>()?;
    Ok((users, total))
}

/// Every organisation, by name, with how many there are.
pub async fn organisations(db: &Db, window: Window) -> Result<(Vec<Org>, i64)> {
    let total: i64 = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM organisations")
        .fetch_one(db.pool())
        .await?
        .try_get("n")?;
    let rows = sqlx::query(
        "SELECT a.id, a.name, a.full_name, a.description, a.created_at, o.kind, o.website \
         FROM accounts a JOIN organisations o ON o.id = a.id ORDER BY a.name LIMIT $1 OFFSET $2",
    )
    .bind(window.limit)
    .bind(window.offset)
    .fetch_all(db.pool())
    .await?;
    let orgs = rows.iter().map(org::from_row).collect::<Result<Vec<_>>>()?;
    Ok((orgs, total))
}
