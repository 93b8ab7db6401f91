//! Accounts at other sites (OpenID Connect and OAuth2 providers) that let
//! their owners sign in here.
//!
//! An identity is a `(provider, subject)` pair: the provider's name in the
//! forge's configuration and the provider's own, stable name for the person.
//! Identities are linked to users either when a first sign-in creates an
//! account (after the person confirms it) or when a signed-in user links a
//! provider from their settings; never by matching e-mail addresses.
//!
//! A sign-in in progress is a pending login: the random `state` sent to the
//! provider finds it (stored as a digest), it is bound to the browser that
//! started it by a second secret kept in a cookie, and it is used at most
//! once.

use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::UserId;
use crate::secret;
use crate::user::{self, NewExternalUser, User};
use sqlx::Row;

/// How long a sign-in may stay at the provider, and how long a confirmed
/// identity waits for its owner to choose a username: 10 minutes.
pub const PENDING_TTL_MS: i64 = 10 * 60 * 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub id: i64,
    pub provider: String,
    pub subject: String,
    pub user_id: UserId,
    pub created_at: i64,
}

fn identity_from_row(row: &sqlx::any::AnyRow) -> Result<Identity> {
    Ok(Identity {
        id: row.try_get("id")?,
        provider: row.try_get("provider")?,
        subject: row.try_get("subject")?,
        user_id: UserId(row.try_get("user_id")?),
        created_at: row.try_get("created_at")?,
    })
}

/// The identity `subject` at `provider`, whoever it belongs to.
pub async fn find(db: &Db, provider: &str, subject: &str) -> Result<Option<Identity>> {
    let row = sqlx::query(
        "SELECT id, provider, subject, user_id, created_at FROM identities \
         WHERE provider = $1 AND subject = $2",
    )
    .bind(provider)
    .bind(subject)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(identity_from_row).transpose()
}

/// The identities linked to `user`, oldest first.
pub async fn list(db: &Db, user: UserId) -> Result<Vec<Identity>> {
    let rows = sqlx::query(
        "SELECT id, provider, subject, user_id, created_at FROM identities \
         WHERE user_id = $1 ORDER BY id",
    )
    .bind(user.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(identity_from_row).collect()
}

/// How many identities exist in all; for tests and statistics.
pub async fn count(db: &Db) -> Result<i64> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM identities")
        .fetch_one(db.pool())
        .await?
        .try_get("n")?)
}

fn check_pair(provider: &str, subject: &str) -> Result<()> {
    if provider.is_empty() || provider.len() > 100 {
        return Err(Error::invalid("provider", "error-identity-invalid"));
    }
    if subject.is_empty() || subject.len() > 255 {
        return Err(Error::invalid("subject", "error-identity-invalid"));
    }
    Ok(())
}

/// Links `subject` at `provider` to `user`. Linking an identity the user
/// already has changes nothing; one that belongs to someone else is a
/// [`Error::Conflict`].
pub async fn link(db: &Db, user: UserId, provider: &str, subject: &str) -> Result<Identity> {
    check_pair(provider, subject)?;
    sqlx::query(
        "INSERT INTO identities (provider, subject, user_id, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING",
    )
    .bind(provider)
    .bind(subject)
    .bind(user.0)
    .bind(now_ms())
    .execute(db.pool())
    .await?;
    match find(db, provider, subject).await? {
        Some(identity) if identity.user_id == user => Ok(identity),
        Some(_) => Err(Error::conflict(None, "error-identity-taken")),
        None => Err(Error::Internal(
            "an identity just inserted cannot be found".into(),
        )),
    }
}

/// Removes identity `id` of `user`, unless the user would be left with no
/// way to sign in: no usable password and no other identity at a provider
/// in `usable_providers` (the providers still configured).
/// `password_usable` says whether this user may sign in with a password at
/// all (local sign-in may be turned off for everyone but administrators).
pub async fn unlink(
    db: &Db,
    user: &User,
    id: i64,
    usable_providers: &[&str],
    password_usable: bool,
) -> Result<()> {
    let mut tx = db.pool().begin().await?;
    // Serialises changes to one user's ways in: a no-op write on the user's
    // row takes a row lock on PostgreSQL and the writer lock on SQLite, so
    // two unlinks at once cannot both see the other identity.
    sqlx::query("UPDATE users SET id = id WHERE id = $1")
        .bind(user.id.0)
        .execute(&mut *tx)
        .await?;
    let rows = sqlx::query(
        "SELECT id, provider, subject, user_id, created_at FROM identities \
         WHERE user_id = $1 ORDER BY id",
    )
    .bind(user.id.0)
    .fetch_all(&mut *tx)
    .await?;
    let identities: Vec<Identity> = rows.iter().map(identity_from_row).collect::<Result<_>>()?;
    if !identities.iter().any(|i| i.id == id) {
        return Err(Error::not_found("error-identity-not-found"));
    }
    let has_password = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
        .bind(user.id.0)
        .fetch_optional(&mut *tx)
        .await?
        .map(|row| row.try_get::<Option<String>, _>("password_hash"))
        .transpose()?
        .flatten()
        .is_some();
    let other_ways = identities
        .iter()
        .filter(|i| i.id != id && usable_providers.contains(&i.provider.as_str()))
        .count();
    if other_ways == 0 && !(has_password && password_usable) {
        return Err(Error::conflict(None, "error-identity-last-way-in"));
    }
    sqlx::query("DELETE FROM identities WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user.id.0)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// What a sign-in sent to a provider needs to be finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingLogin {
    pub provider: String,
    pub pkce_verifier: String,
    pub nonce: String,
    /// The user linking the provider from their settings, if any.
    pub link_user: Option<UserId>,
    pub redirect_to: String,
}

/// The secrets of a new sign-in: `state` goes to the provider and comes
/// back; the verifier's digest and the nonce go to the provider too.
#[derive(Debug, Clone)]
pub struct StartedLogin {
    pub state: String,
    pub pkce_verifier: String,
    pub nonce: String,
}

fn looks_like_secret(value: &str) -> bool {
    value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Records a sign-in about to be sent to `provider`, bound to the browser
/// holding `browser_secret`. Expired sign-ins of anyone are removed here.
pub async fn start_login(
    db: &Db,
    provider: &str,
    browser_secret: &str,
    link_user: Option<UserId>,
    redirect_to: &str,
) -> Result<StartedLogin> {
    if !looks_like_secret(browser_secret) {
        return Err(Error::Internal(
            "a browser secret must be 64 hex digits".into(),
        ));
    }
    let now = now_ms();
    sqlx::query("DELETE FROM oauth_logins WHERE expires_at <= $1")
        .bind(now)
        .execute(db.pool())
        .await?;
    let started = StartedLogin {
        state: secret::random_hex(32),
        // 64 characters from the unreserved set: a valid PKCE verifier.
        pkce_verifier: secret::random_hex(32),
        nonce: secret::random_hex(16),
    };
    sqlx::query(
        "INSERT INTO oauth_logins (state_hash, browser_hash, provider, pkce_verifier, nonce, \
         link_user_id, redirect_to, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(secret::digest(&started.state))
    .bind(secret::digest(browser_secret))
    .bind(provider)
    .bind(&started.pkce_verifier)
    .bind(&started.nonce)
    .bind(link_user.map(|u| u.0))
    .bind(redirect_to)
    .bind(now)
    .bind(now + PENDING_TTL_MS)
    .execute(db.pool())
    .await?;
    Ok(started)
}

/// Takes the sign-in that `state` names, once: `None` when there is none
/// (never started, already used, expired) or when `browser_secret` is not
/// the one of the browser that started it. A wrong browser does not use it
/// up.
pub async fn take_login(
    db: &Db,
    state: &str,
    browser_secret: Option<&str>,
) -> Result<Option<PendingLogin>> {
    let Some(browser_secret) = browser_secret.filter(|b| looks_like_secret(b)) else {
        return Ok(None);
    };
    if !looks_like_secret(state) {
        return Ok(None);
    }
    let state_hash = secret::digest(state);
    let row = sqlx::query(
        "SELECT browser_hash, provider, pkce_verifier, nonce, link_user_id, redirect_to \
         FROM oauth_logins WHERE state_hash = $1 AND expires_at > $2",
    )
    .bind(&state_hash)
    .bind(now_ms())
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let browser_hash: String = row.try_get("browser_hash")?;
    if !secret::constant_time_eq(&browser_hash, &secret::digest(browser_secret)) {
        return Ok(None);
    }
    let pending = PendingLogin {
        provider: row.try_get("provider")?,
        pkce_verifier: row.try_get("pkce_verifier")?,
        nonce: row.try_get("nonce")?,
        link_user: row.try_get::<Option<i64>, _>("link_user_id")?.map(UserId),
        redirect_to: row.try_get("redirect_to")?,
    };
    // Whoever deletes the row uses the sign-in; a second request with the
    // same state, even at the same moment, deletes nothing.
    let deleted = sqlx::query("DELETE FROM oauth_logins WHERE state_hash = $1")
        .bind(&state_hash)
        .execute(db.pool())
        .await?
        .rows_affected();
    Ok((deleted == 1).then_some(pending))
}

/// An identity a provider vouched for, not linked to any user yet, with
/// what the provider said about its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSignup {
    pub provider: String,
    pub subject: String,
    /// The proposed username, free when it was proposed.
    pub username: String,
    pub email: String,
    pub full_name: String,
    pub redirect_to: String,
}

/// Keeps `pending` until its owner confirms the new account; returns the
/// secret for the owner's cookie.
pub async fn start_signup(db: &Db, pending: &PendingSignup) -> Result<String> {
    check_pair(&pending.provider, &pending.subject)?;
    let now = now_ms();
    sqlx::query("DELETE FROM oauth_signups WHERE expires_at <= $1")
        .bind(now)
        .execute(db.pool())
        .await?;
    let token = secret::random_hex(32);
    sqlx::query(
        "INSERT INTO oauth_signups (token_hash, provider, subject, username, email, full_name, \
         redirect_to, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(secret::digest(&token))
    .bind(&pending.provider)
    .bind(&pending.subject)
    .bind(&pending.username)
    .bind(truncate(&pending.email, 254))
    .bind(truncate(&pending.full_name, 100))
    .bind(&pending.redirect_to)
    .bind(now)
    .bind(now + PENDING_TTL_MS)
    .execute(db.pool())
    .await?;
    Ok(token)
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

fn signup_from_row(row: &sqlx::any::AnyRow) -> Result<PendingSignup> {
    Ok(PendingSignup {
        provider: row.try_get("provider")?,
        subject: row.try_get("subject")?,
        username: row.try_get("username")?,
        email: row.try_get("email")?,
        full_name: row.try_get("full_name")?,
        redirect_to: row.try_get("redirect_to")?,
    })
}

/// The pending sign-up of the cookie `token`, while it lasts.
pub async fn pending_signup(db: &Db, token: &str) -> Result<Option<PendingSignup>> {
    if !looks_like_secret(token) {
        return Ok(None);
    }
    let row = sqlx::query(
        "SELECT provider, subject, username, email, full_name, redirect_to FROM oauth_signups \
         WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(secret::digest(token))
    .bind(now_ms())
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(signup_from_row).transpose()
}

/// Creates the account of the pending sign-up `token` with the fields its
/// owner confirmed, links the identity to it and uses the sign-up up, all
/// in one transaction: on any error nothing is created and the sign-up can
/// be confirmed again with other fields.
pub async fn complete_signup(
    db: &Db,
    token: &str,
    account: &NewExternalUser,
) -> Result<(User, PendingSignup)> {
    if !looks_like_secret(token) {
        return Err(Error::not_found("error-signup-expired"));
    }
    let mut tx = db.pool().begin().await?;
    let row = sqlx::query(
        "DELETE FROM oauth_signups WHERE token_hash = $1 AND expires_at > $2 \
         RETURNING provider, subject, username, email, full_name, redirect_to",
    )
    .bind(secret::digest(token))
    .bind(now_ms())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Err(Error::not_found("error-signup-expired"));
    };
    let pending = signup_from_row(&row)?;
    let result = async {
        let created = user::create_external(&mut tx, account).await?;
        sqlx::query(
            "INSERT INTO identities (provider, subject, user_id, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&pending.provider)
        .bind(&pending.subject)
        .bind(created.id.0)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        Ok::<User, Error>(created)
    }
    .await;
    match result {
        Ok(created) => {
            tx.commit().await?;
            Ok((created, pending))
        }
        Err(e) if e.is_unique_violation() => {
            tx.rollback().await?;
            // Someone took the name or address between the check and the
            // insert, or the identity was linked meanwhile.
            if !user::name_available(db, &account.name.trim().to_lowercase()).await? {
                return Err(Error::conflict(Some("username"), "error-name-taken"));
            }
            if find(db, &pending.provider, &pending.subject)
                .await?
                .is_some()
            {
                return Err(Error::conflict(None, "error-identity-taken"));
            }
            Err(Error::conflict(Some("email"), "error-email-taken"))
        }
        Err(e) => {
            tx.rollback().await?;
            Err(e)
        }
    }
}

/// Removes expired pending sign-ins and sign-ups; returns how many.
pub async fn purge_expired(db: &Db) -> Result<u64> {
    let now = now_ms();
    let logins = sqlx::query("DELETE FROM oauth_logins WHERE expires_at <= $1")
        .bind(now)
        .execute(db.pool())
        .await?
        .rows_affected();
    let signups = sqlx::query("DELETE FROM oauth_signups WHERE expires_at <= $1")
        .bind(now)
        .execute(db.pool())
        .await?
        .rows_affected();
    Ok(logins + signups)
}

/// A free username for someone a provider calls `wanted` (its
/// `preferred_username`, or the start of an e-mail address): the name made
/// valid, then `-2`, `-3`… until one is free.
pub async fn propose_username(db: &Db, wanted: &str) -> Result<String> {
    let base = username_base(wanted);
    for n in 1..=50u32 {
        let candidate = if n == 1 {
            base.clone()
        } else {
            let suffix = format!("-{n}");
            let room = crate::names::MAX_NAME_LEN - suffix.len();
            let stem: String = base.chars().take(room).collect();
            format!("{}{suffix}", stem.trim_end_matches(['-', '_', '.']))
        };
        if crate::names::validate_name("username", &candidate).is_ok()
            && user::name_available(db, &candidate).await?
        {
            return Ok(candidate);
        }
    }
    Ok(format!("user-{}", secret::random_hex(4)))
}

/// `wanted` in the characters names allow: lowercase ASCII letters and
/// digits, `-`, `_` and `.`; anything else becomes `-`.
fn username_base(wanted: &str) -> String {
    let mut out = String::new();
    for c in wanted.trim().to_lowercase().chars() {
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.') {
            c
        } else {
            '-'
        };
        // No runs of punctuation, which also rules out "..".
        if matches!(c, '-' | '_' | '.') && out.ends_with(['-', '_', '.']) {
            continue;
        }
        out.push(c);
    }
    let out = out.trim_start_matches(['-', '_', '.']);
    let mut out: String = out.chars().take(crate::names::MAX_NAME_LEN).collect();
    loop {
        if let Some(stem) = out.strip_suffix(".git") {
            out = stem.to_string();
        } else if out.ends_with(['-', '_', '.']) {
            out.pop();
        } else {
            break;
        }
    }
    if out.is_empty() {
        "user".to_string()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_made_valid() {
        assert_eq!(username_base("Alice"), "alice");
        assert_eq!(username_base("Jean Dupont"), "jean-dupont");
        assert_eq!(username_base("élodie"), "lodie");
        assert_eq!(username_base("--x..y"), "x.y");
        assert_eq!(username_base("  "), "user");
        assert_eq!(username_base("repo.git"), "repo");
        assert_eq!(username_base(&"a".repeat(80)).len(), 40);
    }
}
