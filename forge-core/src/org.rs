//! Organisations, their members and roles.
//!
//! Rules kept here: any signed-in user may create an organisation and becomes
//! its first owner; only owners (and site admins) manage members; an
//! organisation always keeps at least one owner.

use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Problem, Result};
use crate::ids::{OrgId, UserId};
use crate::names;
use crate::outbox::{self, kind as event};
use crate::user::{self, User};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    Association,
    Cooperative,
    Mutual,
    Foundation,
    Company,
    PublicBody,
    Other,
}

impl OrgKind {
    pub const ALL: [OrgKind; 7] = [
        OrgKind::Association,
        OrgKind::Cooperative,
        OrgKind::Mutual,
        OrgKind::Foundation,
        OrgKind::Company,
        OrgKind::PublicBody,
        OrgKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Association => "association",
            OrgKind::Cooperative => "cooperative",
            OrgKind::Mutual => "mutual",
            OrgKind::Foundation => "foundation",
            OrgKind::Company => "company",
            OrgKind::PublicBody => "public_body",
            OrgKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Result<OrgKind> {
        OrgKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| Error::invalid("kind", "error-org-kind"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Treasurer,
    Maintainer,
    Member,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Treasurer, Role::Maintainer, Role::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Treasurer => "treasurer",
            Role::Maintainer => "maintainer",
            Role::Member => "member",
        }
    }

    pub fn parse(s: &str) -> Result<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| Error::invalid("role", "error-role"))
    }

    /// May pledge and record payments in the organisation's name.
    pub fn handles_money(self) -> bool {
        matches!(self, Role::Owner | Role::Treasurer)
    }

    /// May create and triage the organisation's repositories.
    pub fn maintains(self) -> bool {
        matches!(self, Role::Owner | Role::Maintainer)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    pub id: OrgId,
    pub name: String,
    pub full_name: String,
    pub description: String,
    pub kind: OrgKind,
    pub website: String,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewOrg {
    pub name: String,
    pub full_name: String,
    pub description: String,
    pub kind: OrgKind,
    pub website: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user_id: UserId,
    pub name: String,
    pub full_name: String,
    pub role: Role,
}

pub(crate) fn from_row(row: &AnyRow) -> Result<Org> {
    Ok(Org {
        id: OrgId(row.try_get("id")?),
        name: row.try_get("name")?,
        full_name: row.try_get("full_name")?,
        description: row.try_get("description")?,
        kind: OrgKind::parse(&row.try_get::<String, _>("kind")?)?,
        website: row.try_get("website")?,
        created_at: row.try_get("created_at")?,
    })
}

macro_rules! select_org {
    ($filter:literal) => {
        concat!(
            "SELECT a.id, a.name, a.full_name, a.description, a.created_at, o.kind, o.website \
             FROM accounts a JOIN organisations o ON o.id = a.id ",
            $filter
        )
    };
}

/// Whether a user or an organisation already has this name.
pub async fn name_taken(db: &Db, name: &str) -> Result<bool> {
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM accounts WHERE name = $1")
        .bind(name)
        .fetch_one(db.pool())
        .await?
        .try_get("n")?;
    Ok(n > 0)
}

fn validate_text(field: &'static str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(Error::Invalid {
            field,
            problem: Problem::new("error-text-too-long").arg("max", max.to_string()),
        });
    }
    Ok(value.to_string())
}

fn validate_website(value: &str) -> Result<String> {
    let value = validate_text("website", value, 255)?;
    if !(value.is_empty() || value.starts_with("https://") || value.starts_with("http://")) {
        return Err(Error::invalid("website", "error-website"));
    }
    Ok(value)
}

/// Creates an organisation whose first owner is `creator`.
pub async fn create(db: &Db, creator: &User, new: NewOrg) -> Result<Org> {
    let name = names::validate_name("username", &new.name)?;
    let full_name = validate_text("full_name", &new.full_name, 100)?;
    let description = validate_text("description", &new.description, 1000)?;
    let website = validate_website(&new.website)?;
    if name_taken(db, &name).await? {
        return Err(Error::conflict(Some("username"), "error-name-taken"));
    }
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO accounts (name, kind, full_name, description, created_at) \
         VALUES ($1, 'org', $2, $3, $4) RETURNING id",
    )
    .bind(&name)
    .bind(&full_name)
    .bind(&description)
    .bind(now)
    .fetch_one(&mut *tx)
    .await;
    let id: i64 = match inserted {
        Ok(row) => row.try_get("id")?,
        Err(e) => {
            let e = Error::from(e);
            return Err(if e.is_unique_violation() {
                Error::conflict(Some("username"), "error-name-taken")
            } else {
                e
            });
        }
    };
    sqlx::query("INSERT INTO organisations (id, kind, website) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(new.kind.as_str())
        .bind(&website)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO org_members (org_id, user_id, role, created_at) VALUES ($1, $2, 'owner', $3)",
    )
    .bind(id)
    .bind(creator.id.0)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let payload = json!({"org": id, "name": name});
    record(&mut tx, event::ORG_CREATED, creator, payload, now).await?;
    tx.commit().await?;
    Ok(Org {
        id: OrgId(id),
        name,
        full_name,
        description,
        kind: new.kind,
        website,
        created_at: now,
    })
}

pub async fn by_name(db: &Db, name: &str) -> Result<Option<Org>> {
    let row = sqlx::query(select_org!("WHERE a.name = $1"))
        .bind(name.trim().to_lowercase())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The organisations `user` belongs to, with the user's role in each.
pub async fn of_user(db: &Db, user: UserId) -> Result<Vec<(Org, Role)>> {
    let rows = sqlx::query(
        "SELECT a.id, a.name, a.full_name, a.description, a.created_at, o.kind, o.website, m.role \
         FROM org_members m JOIN accounts a ON a.id = m.org_id JOIN organisations o ON o.id = a.id \
         WHERE m.user_id = $1 ORDER BY a.name",
    )
    .bind(user.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                from_row(row)?,
                Role::parse(&row.try_get::<String, _>("role")?)?,
            ))
        })
        .collect()
}

pub async fn members(db: &Db, org: OrgId) -> Result<Vec<Member>> {
    let rows = sqlx::query(
        "SELECT m.user_id, a.name, a.full_name, m.role FROM org_members m \
         JOIN accounts a ON a.id = m.user_id WHERE m.org_id = $1 ORDER BY a.name",
    )
    .bind(org.0)
    .fetch_all(db.pool())
    .await?;
    let mut members = rows
        .iter()
        .map(|row| {
            Ok(Member {
                user_id: UserId(row.try_get("user_id")?),
                name: row.try_get("name")?,
                full_name: row.try_get("full_name")?,
                role: Role::parse(&row.try_get::<String, _>("role")?)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    members.sort_by(|a, b| a.role.cmp(&b.role).then_with(|| a.name.cmp(&b.name)));
    Ok(members)
}

pub async fn role_of(db: &Db, org: OrgId, user: UserId) -> Result<Option<Role>> {
    let row = sqlx::query("SELECT role FROM org_members WHERE org_id = $1 AND user_id = $2")
        .bind(org.0)
        .bind(user.0)
        .fetch_optional(db.pool())
        .await?;
    row.map(|r| Role::parse(&r.try_get::<String, _>("role")?))
        .transpose()
}

async fn ensure_manager(db: &Db, actor: &User, org: &Org) -> Result<()> {
    if actor.is_admin || role_of(db, org.id, actor.id).await? == Some(Role::Owner) {
        Ok(())
    } else {
        Err(Error::forbidden("error-org-owner-only"))
    }
}

/// Adds `username` to the organisation with `role`, or changes its role.
/// Returns `true` when the user was not a member before.
pub async fn set_member(
    db: &Db,
    actor: &User,
    org: &Org,
    username: &str,
    role: Role,
) -> Result<bool> {
    ensure_manager(db, actor, org).await?;
    let member = user::by_name(db, username)
        .await?
        .ok_or_else(|| Error::not_found("error-user-not-found"))?;
    let mut tx = db.pool().begin().await?;
    lock_org(&mut tx, org.id).await?;
    let previous = sqlx::query("SELECT role FROM org_members WHERE org_id = $1 AND user_id = $2")
        .bind(org.id.0)
        .bind(member.id.0)
        .fetch_optional(&mut *tx)
        .await?;
    let added = previous.is_none();
    if added {
        sqlx::query(
            "INSERT INTO org_members (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(org.id.0)
        .bind(member.id.0)
        .bind(role.as_str())
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
    } else {
        sqlx::query("UPDATE org_members SET role = $1 WHERE org_id = $2 AND user_id = $3")
            .bind(role.as_str())
            .bind(org.id.0)
            .bind(member.id.0)
            .execute(&mut *tx)
            .await?;
        ensure_an_owner_remains(&mut tx, org.id).await?;
    }
    let payload = json!({"org": org.id.0, "member": member.id.0, "role": role.as_str()});
    record(&mut tx, event::ORG_MEMBER_SET, actor, payload, now_ms()).await?;
    tx.commit().await?;
    Ok(added)
}

/// Removes `username` from the organisation. Owners manage everyone; any
/// member may leave on their own.
pub async fn remove_member(db: &Db, actor: &User, org: &Org, username: &str) -> Result<()> {
    let member = user::by_name(db, username)
        .await?
        .ok_or_else(|| Error::not_found("error-user-not-found"))?;
    if member.id != actor.id {
        ensure_manager(db, actor, org).await?;
    }
    let mut tx = db.pool().begin().await?;
    lock_org(&mut tx, org.id).await?;
    let removed = sqlx::query("DELETE FROM org_members WHERE org_id = $1 AND user_id = $2")
        .bind(org.id.0)
        .bind(member.id.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if removed == 0 {
        return Err(Error::not_found("error-member-not-found"));
    }
    ensure_an_owner_remains(&mut tx, org.id).await?;
    let payload = json!({"org": org.id.0, "member": member.id.0});
    record(&mut tx, event::ORG_MEMBER_REMOVED, actor, payload, now_ms()).await?;
    tx.commit().await?;
    Ok(())
}

/// The outbox event of a change to an organisation.
async fn record(
    tx: &mut outbox::Tx<'_>,
    kind: &str,
    actor: &User,
    payload: serde_json::Value,
    at: i64,
) -> Result<()> {
    let event = outbox::NewEvent {
        kind,
        actor: Some(actor.id.into()),
        repo: None,
        issue: None,
        payload,
    };
    outbox::record(tx, event, at).await?;
    Ok(())
}

/// Serialises changes to one organisation's members: a no-op write on its
/// row takes a row lock on PostgreSQL and the writer lock on SQLite, so two
/// owners demoting each other at once cannot leave the organisation ownerless.
async fn lock_org(tx: &mut sqlx::Transaction<'_, sqlx::Any>, org: OrgId) -> Result<()> {
    sqlx::query("UPDATE organisations SET id = id WHERE id = $1")
        .bind(org.0)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn ensure_an_owner_remains(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    org: OrgId,
) -> Result<()> {
    let owners: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM org_members WHERE org_id = $1 AND role = 'owner'")
            .bind(org.0)
            .fetch_one(&mut **tx)
            .await?
            .try_get("n")?;
    if owners == 0 {
        Err(Error::conflict(Some("role"), "error-last-owner"))
    } else {
        Ok(())
    }
}
