//! What users change on their own account: profile, password, e-mail address,
//! and closing the account.
//!
//! Changing the password or the e-mail address, and closing the account, ask
//! for the current password: a session left open on a shared computer must
//! not be enough to take the account over or lose it.

use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::UserId;
use crate::user::User;
use crate::{names, password, secret};
use sqlx::Row;

/// The longest full name and description kept.
const MAX_FULL_NAME: usize = 100;
const MAX_DESCRIPTION: usize = 255;

#[derive(Debug, Clone, Default)]
pub struct ProfileChange {
    pub full_name: Option<String>,
    pub description: Option<String>,
    /// A language tag the forge speaks (`en`, `fr`); empty to follow the browser.
    pub locale: Option<String>,
}

/// The description shown on a user's profile.
pub async fn description(db: &Db, id: UserId) -> Result<String> {
    Ok(
        sqlx::query("SELECT description FROM accounts WHERE id = $1")
            .bind(id.0)
            .fetch_optional(db.pool())
            .await?
            .map(|row| row.try_get::<String, _>("description"))
            .transpose()?
            .unwrap_or_default(),
    )
}

/// Applies the fields given; the others stay as they are.
pub async fn update_profile(
    db: &Db,
    id: UserId,
    change: ProfileChange,
    locales: &[&str],
) -> Result<()> {
    let full_name = change.full_name.map(|s| s.trim().to_string());
    if let Some(full_name) = &full_name {
        if full_name.chars().count() > MAX_FULL_NAME {
            return Err(Error::invalid("full_name", "error-full-name-too-long"));
        }
        if full_name.chars().any(char::is_control) {
            return Err(Error::invalid("full_name", "error-control-characters"));
        }
    }
    let description = change.description.map(|s| s.trim().to_string());
    if let Some(description) = &description
        && description.chars().count() > MAX_DESCRIPTION
    {
        return Err(Error::invalid("description", "error-description-too-long"));
    }
    let locale = change.locale.map(|s| s.trim().to_string());
    if let Some(locale) = &locale
        && !locale.is_empty()
        && !locales.contains(&locale.as_str())
    {
        return Err(Error::invalid("language", "error-language-unknown"));
    }

    let mut tx = db.pool().begin().await?;
    if let Some(full_name) = &full_name {
        sqlx::query("UPDATE accounts SET full_name = $1 WHERE id = $2")
            .bind(full_name)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
    }
    if let Some(description) = &description {
        sqlx::query("UPDATE accounts SET description = $1 WHERE id = $2")
            .bind(description)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
    }
    if let Some(locale) = &locale {
        sqlx::query("UPDATE users SET locale = $1 WHERE id = $2")
            .bind((!locale.is_empty()).then_some(locale.as_str()))
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Checks the current password of an account that has one. An account made
/// through another site has none, and is confirmed by its session alone.
async fn confirm_current(db: &Db, id: UserId, current: &str) -> Result<()> {
    let stored: Option<String> = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
        .bind(id.0)
        .fetch_optional(db.pool())
        .await?
        .map(|row| row.try_get::<Option<String>, _>("password_hash"))
        .transpose()?
        .flatten();
    if stored.is_none() {
        return Ok(());
    }
    if password::verify(current.to_string(), stored).await? {
        Ok(())
    } else {
        Err(Error::invalid(
            "current_password",
            "error-current-password-wrong",
        ))
    }
}

/// Sets a new password after checking the current one, and signs the account
/// out everywhere else: whoever knew the old password loses their sessions.
/// Returns nothing about the kept session; the caller keeps it by passing its
/// cookie.
pub async fn change_password(
    db: &Db,
    id: UserId,
    current: &str,
    new: &str,
    keep_session: Option<&str>,
) -> Result<()> {
    password::validate(new).map_err(|e| match e {
        Error::Invalid { problem, .. } => Error::Invalid {
            field: "new_password",
            problem,
        },
        other => other,
    })?;
    confirm_current(db, id, current).await?;
    let hash = password::hash(new.to_string()).await?;
    let mut tx = db.pool().begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(&hash)
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
        .bind(id.0)
        .bind(keep_session.map(secret::digest).unwrap_or_default())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Changes the e-mail address after checking the current password; the new
/// address must be free.
pub async fn change_email(db: &Db, id: UserId, current: &str, email: &str) -> Result<String> {
    let email = names::validate_email(email)?;
    confirm_current(db, id, current).await?;
    let taken: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM users WHERE lower(email) = lower($1) AND id <> $2")
            .bind(&email)
            .bind(id.0)
            .fetch_one(db.pool())
            .await?
            .try_get("n")?;
    if taken > 0 {
        return Err(Error::conflict(Some("email"), "error-email-taken"));
    }
    // A new address is not verified: nothing is sent to it until it is.
    let updated =
        sqlx::query("UPDATE users SET email = $1, email_verified_at = NULL WHERE id = $2")
            .bind(&email)
            .bind(id.0)
            .execute(db.pool())
            .await;
    match updated {
        Ok(_) => Ok(email),
        Err(e) => {
            let e = Error::from(e);
            if e.is_unique_violation() {
                Err(Error::conflict(Some("email"), "error-email-taken"))
            } else {
                Err(e)
            }
        }
    }
}

/// Why an account cannot be closed yet, each with what to do first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Obstacle {
    /// Repositories the user owns: delete them or give them to an organisation.
    OwnsRepositories(Vec<String>),
    /// Organisations the user is the only owner of: name another owner first.
    LastOwnerOf(Vec<String>),
    /// The only administrator of the forge.
    LastAdmin,
}

/// What stands in the way of closing `user`'s account; empty when nothing does.
pub async fn closing_obstacles(db: &Db, user: &User) -> Result<Vec<Obstacle>> {
    let mut obstacles = Vec::new();
    let repos: Vec<String> =
        sqlx::query("SELECT name FROM repositories WHERE owner_id = $1 ORDER BY name")
            .bind(user.id.0)
            .fetch_all(db.pool())
            .await?
            .iter()
            .map(|row| row.try_get("name"))
            .collect::<std::result::Result<_, _>>()?;
    if !repos.is_empty() {
        obstacles.push(Obstacle::OwnsRepositories(repos));
    }
    let orgs: Vec<String> = sqlx::query(
        "SELECT a.name FROM org_members m JOIN accounts a ON a.id = m.org_id \
         WHERE m.user_id = $1 AND m.role = 'owner' AND NOT EXISTS ( \
           SELECT 1 FROM org_members o WHERE o.org_id = m.org_id AND o.role = 'owner' \
             AND o.user_id <> m.user_id) \
         ORDER BY a.name",
    )
    .bind(user.id.0)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|row| row.try_get("name"))
    .collect::<std::result::Result<_, _>>()?;
    if !orgs.is_empty() {
        obstacles.push(Obstacle::LastOwnerOf(orgs));
    }
    if user.is_admin {
        let admins: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM users WHERE is_admin <> 0 AND deleted_at IS NULL",
        )
        .fetch_one(db.pool())
        .await?
        .try_get("n")?;
        if admins <= 1 {
            obstacles.push(Obstacle::LastAdmin);
        }
    }
    Ok(obstacles)
}

/// Closes the account after checking the current password. What the user
/// wrote (issues, comments) and the funding records they signed stay, under
/// their name, which is never given to anyone else; everything that lets
/// anyone act as them goes: password, sessions, tokens, sign-in identities,
/// memberships. Their e-mail address is forgotten and may be used again.
pub async fn close(db: &Db, user: &User, current: &str) -> Result<()> {
    confirm_current(db, user.id, current).await?;
    if !closing_obstacles(db, user).await?.is_empty() {
        return Err(Error::conflict(None, "error-account-close-obstacles"));
    }
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    // The account's own SSH keys go with it (a closed account's key would
    // not let anyone in, but would stop its holder adding it elsewhere).
    crate::ssh_key::remove_all_of_user(&mut tx, user.id, now).await?;
    for statement in [
        "DELETE FROM sessions WHERE user_id = $1",
        "DELETE FROM access_tokens WHERE user_id = $1",
        "DELETE FROM identities WHERE user_id = $1",
        "DELETE FROM org_members WHERE user_id = $1",
        "UPDATE accounts SET full_name = '', description = '' WHERE id = $1",
    ] {
        sqlx::query(statement)
            .bind(user.id.0)
            .execute(&mut *tx)
            .await?;
    }
    // The address column is unique and required: a placeholder that cannot
    // receive mail keeps both true and frees the real address.
    sqlx::query(
        "UPDATE users SET password_hash = NULL, is_admin = 0, locale = NULL, \
         email = $1, deleted_at = $2 WHERE id = $3",
    )
    .bind(format!("closed-{}@invalid", user.id.0))
    .bind(now)
    .bind(user.id.0)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether the account was closed.
pub async fn is_closed(db: &Db, id: UserId) -> Result<bool> {
    Ok(sqlx::query("SELECT deleted_at FROM users WHERE id = $1")
        .bind(id.0)
        .fetch_optional(db.pool())
        .await?
        .map(|row| row.try_get::<Option<i64>, _>("deleted_at"))
        .transpose()?
        .flatten()
        .is_some())
}

/// A valid user name derived from what someone typed ("Camille Martin" gives
/// `camille-martin`), or `None` when nothing usable is left.
pub fn suggest_name(typed: &str) -> Option<String> {
    let mut out = String::new();
    for c in typed.trim().chars().flat_map(fold_accent) {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed: String = out
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .chars()
        .take(40)
        .collect();
    let trimmed = trimmed.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
    names::validate_name("username", trimmed).ok()
}

/// The letters of `c` without accents, for the Latin letters of the
/// languages the forge speaks; other characters pass through unchanged.
fn fold_accent(c: char) -> Vec<char> {
    let plain = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => "a",
        'æ' | 'Æ' => "ae",
        'ç' | 'Ç' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => "i",
        'ñ' | 'Ñ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => "o",
        'œ' | 'Œ' => "oe",
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => "u",
        'ý' | 'ÿ' | 'Ý' => "y",
        'ß' => "ss",
        _ => return vec![c],
    };
    plain.chars().collect()
}

#[cfg(test)]
mod tests {
    use super::suggest_name;

    #[test]
    fn suggested_names_are_valid_and_readable() {
        assert_eq!(
            suggest_name("Camille Martin").as_deref(),
            Some("camille-martin")
        );
        assert_eq!(
            suggest_name("  Élodie  D'Aubigné ").as_deref(),
            Some("elodie-d-aubigne")
        );
        assert_eq!(suggest_name("Zoë_Œuvre.2").as_deref(), Some("zoe_oeuvre.2"));
        assert_eq!(suggest_name("--x--").as_deref(), Some("x"));
        assert_eq!(suggest_name("日本"), None);
        assert_eq!(suggest_name(""), None);
        let long = suggest_name(&"a b ".repeat(30)).expect("a long name is cut, not refused");
        assert!(long.len() <= 40 && !long.ends_with('-'), "{long}");
    }
}
