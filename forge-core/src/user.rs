//! User accounts.

use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::UserId;
use crate::{names, password};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub full_name: String,
    pub email: String,
    pub is_admin: bool,
    pub locale: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: String,
    pub email: String,
    pub password: String,
    pub full_name: String,
    pub is_admin: bool,
}

/// The columns of a [`User`], followed by a literal `WHERE` clause. A macro
/// rather than a `format!`, so the query text stays a `&'static str`.
macro_rules! select_user {
    ($filter:literal) => {
        concat!(
            "SELECT a.id, a.name, a.full_name, a.created_at, u.email, u.is_admin, u.locale \
             FROM accounts a JOIN users u ON u.id = a.id ",
            $filter
        )
    };
}

pub(crate) fn from_row(row: &AnyRow) -> Result<User> {
    Ok(User {
        id: UserId(row.try_get("id")?),
        name: row.try_get("name")?,
        full_name: row.try_get("full_name")?,
        email: row.try_get("email")?,
        is_admin: row.try_get::<i64, _>("is_admin")? != 0,
        locale: row.try_get("locale")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Creates a user after checking every field; a taken name or e-mail address
/// is a [`Error::Conflict`] naming the field.
pub async fn create(db: &Db, new: NewUser) -> Result<User> {
    let name = names::validate_name("username", &new.name)?;
    let email = names::validate_email(&new.email)?;
    password::validate(&new.password)?;
    let full_name = new.full_name.trim().to_string();
    if full_name.chars().count() > 100 {
        return Err(Error::invalid("full_name", "error-full-name-too-long"));
    }
    // Cheap checks first, so that a taken name does not cost a password hash.
    ensure_available(db, &name, &email).await?;
    let hash = password::hash(new.password).await?;

    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    let inserted = async {
        let id: i64 = sqlx::query(
            "INSERT INTO accounts (name, kind, full_name, created_at) VALUES ($1, 'user', $2, $3) RETURNING id",
        )
        .bind(&name)
        .bind(&full_name)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        sqlx::query("INSERT INTO users (id, email, password_hash, is_admin) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(&email)
            .bind(&hash)
            .bind(i64::from(new.is_admin))
            .execute(&mut *tx)
            .await?;
        Ok::<i64, Error>(id)
    }
    .await;
    match inserted {
        Ok(id) => {
            tx.commit().await?;
            Ok(User {
                id: UserId(id),
                name,
                full_name,
                email,
                is_admin: new.is_admin,
                locale: None,
                created_at: now,
            })
        }
        Err(e) if e.is_unique_violation() => {
            tx.rollback().await?;
            // Someone took the name or address between the check and the insert.
            ensure_available(db, &name, &email).await?;
            Err(e)
        }
        Err(e) => Err(e),
    }
}

async fn ensure_available(db: &Db, name: &str, email: &str) -> Result<()> {
    if crate::org::name_taken(db, name).await? {
        return Err(Error::conflict(Some("username"), "error-name-taken"));
    }
    let email_taken: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM users WHERE lower(email) = lower($1)")
            .bind(email)
            .fetch_one(db.pool())
            .await?
            .try_get("n")?;
    if email_taken > 0 {
        return Err(Error::conflict(Some("email"), "error-email-taken"));
    }
    Ok(())
}

pub async fn by_id(db: &Db, id: UserId) -> Result<Option<User>> {
    let row = sqlx::query(select_user!("WHERE a.id = $1"))
        .bind(id.0)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The user called `name`; a closed account is not found by its name.
pub async fn by_name(db: &Db, name: &str) -> Result<Option<User>> {
    let row = sqlx::query(select_user!("WHERE a.name = $1 AND u.deleted_at IS NULL"))
        .bind(name.trim().to_lowercase())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Finds the user signing in with `login` (a name or an e-mail address) and
/// `password`. Unknown users cost as much time as wrong passwords.
/// The user a login (name or e-mail address) names, if any.
pub async fn id_of_login(db: &Db, login: &str) -> Result<Option<UserId>> {
    let login = login.trim();
    let row = sqlx::query(
        "SELECT u.id FROM users u JOIN accounts a ON a.id = u.id \
         WHERE a.name = $1 OR lower(u.email) = lower($2)",
    )
    .bind(login.to_lowercase())
    .bind(login)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| Ok(UserId(r.try_get("id")?))).transpose()
}

pub async fn authenticate(db: &Db, login: &str, password: &str) -> Result<Option<User>> {
    let login = login.trim();
    let row = sqlx::query(
        "SELECT u.id, u.password_hash FROM users u JOIN accounts a ON a.id = u.id \
         WHERE a.name = $1 OR lower(u.email) = lower($2)",
    )
    .bind(login.to_lowercase())
    .bind(login)
    .fetch_optional(db.pool())
    .await?;
    let (id, stored) = match row {
        Some(row) => (
            Some(UserId(row.try_get("id")?)),
            row.try_get::<Option<String>, _>("password_hash")?,
        ),
        None => (None, None),
    };
    if !password::verify(password.to_string(), stored).await? {
        return Ok(None);
    }
    match id {
        Some(id) => by_id(db, id).await,
        None => Ok(None),
    }
}

pub async fn set_locale(db: &Db, id: UserId, locale: &str) -> Result<()> {
    sqlx::query("UPDATE users SET locale = $1 WHERE id = $2")
        .bind(locale)
        .bind(id.0)
        .execute(db.pool())
        .await?;
    Ok(())
}

pub async fn count(db: &Db) -> Result<i64> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM users")
        .fetch_one(db.pool())
        .await?
        .try_get("n")?)
}

/// A user who signs in through another site (an OpenID Connect or OAuth2
/// provider) and so has no password here.
#[derive(Debug, Clone)]
pub struct NewExternalUser {
    pub name: String,
    pub email: String,
    pub full_name: String,
}

/// Creates a user without a password inside the caller's transaction, after
/// checking every field; a taken name or e-mail address is a
/// [`Error::Conflict`] naming the field. The caller links the identity that
/// vouches for the user in the same transaction.
pub async fn create_external(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    new: &NewExternalUser,
) -> Result<User> {
    let name = names::validate_name("username", &new.name)?;
    let email = names::validate_email(&new.email)?;
    let full_name = new.full_name.trim().to_string();
    if full_name.chars().count() > 100 {
        return Err(Error::invalid("full_name", "error-full-name-too-long"));
    }
    let name_taken: i64 = sqlx::query("SELECT COUNT(*) AS n FROM accounts WHERE name = $1")
        .bind(&name)
        .fetch_one(&mut **tx)
        .await?
        .try_get("n")?;
    if name_taken > 0 {
        return Err(Error::conflict(Some("username"), "error-name-taken"));
    }
    let email_taken: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM users WHERE lower(email) = lower($1)")
            .bind(&email)
            .fetch_one(&mut **tx)
            .await?
            .try_get("n")?;
    if email_taken > 0 {
        return Err(Error::conflict(Some("email"), "error-email-taken"));
    }
    let now = now_ms();
    let id: i64 = sqlx::query(
        "INSERT INTO accounts (name, kind, full_name, created_at) VALUES ($1, 'user', $2, $3) RETURNING id",
    )
    .bind(&name)
    .bind(&full_name)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    sqlx::query("INSERT INTO users (id, email, password_hash, is_admin) VALUES ($1, $2, NULL, 0)")
        .bind(id)
        .bind(&email)
        .execute(&mut **tx)
        .await?;
    Ok(User {
        id: UserId(id),
        name,
        full_name,
        email,
        is_admin: false,
        locale: None,
        created_at: now,
    })
}

/// Whether the user can sign in with a password (users created through a
/// provider have none).
pub async fn has_password(db: &Db, id: UserId) -> Result<bool> {
    let row = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
        .bind(id.0)
        .fetch_optional(db.pool())
        .await?;
    Ok(match row {
        Some(row) => row.try_get::<Option<String>, _>("password_hash")?.is_some(),
        None => false,
    })
}

/// Whether `name` is free for a new user or organisation.
pub async fn name_available(db: &Db, name: &str) -> Result<bool> {
    Ok(!crate::org::name_taken(db, name).await?)
}
