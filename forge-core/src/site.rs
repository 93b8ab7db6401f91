//! Site-wide settings changed from the web by the instance admin.

use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Problem, Result};
use crate::user::User;
use sqlx::Row;

const SITE_NAME: &str = "site_name";

/// The site name set by the admin, if any (the configuration file gives the
/// default).
pub async fn site_name(db: &Db) -> Result<Option<String>> {
    let row = sqlx::query("SELECT value FROM site_settings WHERE key = $1")
        .bind(SITE_NAME)
        .fetch_optional(db.pool())
        .await?;
    row.map(|r| Ok(r.try_get("value")?)).transpose()
}

/// Sets the site name; site admins only.
pub async fn set_site_name(db: &Db, actor: &User, name: &str) -> Result<String> {
    if !actor.is_admin {
        return Err(Error::forbidden("error-admin-only"));
    }
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid("site_name", "error-name-empty"));
    }
    if name.chars().count() > 60 || name.chars().any(char::is_control) {
        return Err(Error::Invalid {
            field: "site_name",
            problem: Problem::new("error-text-too-long").arg("max", "60"),
        });
    }
    sqlx::query(
        "INSERT INTO site_settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at",
    )
    .bind(SITE_NAME)
    .bind(name)
    .bind(now_ms())
    .execute(db.pool())
    .await?;
    Ok(name.to_string())
}

/// Whether the forge has at least one organisation (the first-run page
/// helps create one).
pub async fn has_organisation(db: &Db) -> Result<bool> {
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM organisations")
        .fetch_one(db.pool())
        .await?
        .try_get("n")?;
    Ok(n > 0)
}
