//! Who must use two-factor sign-in: every site administrator when the
//! admin says so, and the owners and treasurers of an organisation whose
//! owners say so (they handle its money). Such a user who has not enrolled
//! may do nothing on the web but enrol (the pages enforce it).

use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::OrgId;
use crate::org::{self, Role};
use crate::totp;
use crate::user::User;
use sqlx::Row;

const ADMINS_KEY: &str = "require_two_factor_admins";

/// Whether every site administrator must use two-factor sign-in.
pub async fn admins_required(db: &Db) -> Result<bool> {
    let row = sqlx::query("SELECT value FROM site_settings WHERE key = $1")
        .bind(ADMINS_KEY)
        .fetch_optional(db.pool())
        .await?;
    Ok(match row {
        Some(row) => row.try_get::<String, _>("value")? == "1",
        None => false,
    })
}

/// Requires (or stops requiring) two-factor sign-in of administrators;
/// site administrators only.
pub async fn set_admins_required(db: &Db, actor: &User, required: bool) -> Result<()> {
    if !actor.is_admin {
        return Err(Error::forbidden("error-admin-only"));
    }
    sqlx::query(
        "INSERT INTO site_settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at",
    )
    .bind(ADMINS_KEY)
    .bind(if required { "1" } else { "0" })
    .bind(now_ms())
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Whether the organisation requires two-factor sign-in of its owners and
/// treasurers.
pub async fn org_required(db: &Db, org: OrgId) -> Result<bool> {
    let row = sqlx::query("SELECT 1 AS required FROM org_two_factor WHERE org_id = $1")
        .bind(org.0)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.is_some())
}

/// Sets the organisation's requirement; its owners (or a site admin) only.
pub async fn set_org_required(db: &Db, actor: &User, org: OrgId, required: bool) -> Result<()> {
    if !actor.is_admin && org::role_of(db, org, actor.id).await? != Some(Role::Owner) {
        return Err(Error::forbidden("error-org-owner-only"));
    }
    if required {
        sqlx::query(
            "INSERT INTO org_two_factor (org_id, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(org.0)
        .bind(now_ms())
        .execute(db.pool())
        .await?;
    } else {
        sqlx::query("DELETE FROM org_two_factor WHERE org_id = $1")
            .bind(org.0)
            .execute(db.pool())
            .await?;
    }
    Ok(())
}

/// Whether `user` must enrol before doing anything else on the web.
pub async fn must_enrol(db: &Db, user: &User) -> Result<bool> {
    if totp::enabled(db, user.id).await? {
        return Ok(false);
    }
    if user.is_admin && admins_required(db).await? {
        return Ok(true);
    }
    let row = sqlx::query(
        "SELECT 1 AS required FROM org_members m JOIN org_two_factor t ON t.org_id = m.org_id \
         WHERE m.user_id = $1 AND m.role IN ('owner', 'treasurer') LIMIT 1",
    )
    .bind(user.id.0)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.is_some())
}
