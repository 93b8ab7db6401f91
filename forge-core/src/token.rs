//! Personal access tokens: shown once, stored as digests, listed and revoked
//! by their owner, accepted wherever a password is.

use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Problem, Result};
use crate::ids::{TokenId, UserId};
use crate::secret;
use crate::user::{self, User};
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessToken {
    pub id: TokenId,
    pub name: String,
    /// The last eight characters, so people can tell their tokens apart.
    pub last_eight: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// Tokens are 40 hexadecimal characters (160 random bits), the shape Gitea
/// clients expect in the `sha1` field.
const TOKEN_BYTES: usize = 20;

/// Creates a token named `name` for `user` and returns it with its secret,
/// which is never shown again.
pub async fn create(db: &Db, user: UserId, name: &str) -> Result<(AccessToken, String)> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid("name", "error-token-name-empty"));
    }
    // Control characters (NUL first: PostgreSQL refuses it in text) and
    // marks that reorder text have no place in a label people read.
    if name
        .chars()
        .any(|c| c.is_control() || crate::names::is_bidi_control(c))
    {
        return Err(Error::invalid("name", "error-token-name-characters"));
    }
    if name.chars().count() > 100 {
        return Err(Error::Invalid {
            field: "name",
            problem: Problem::new("error-text-too-long").arg("max", "100"),
        });
    }
    let plain = secret::random_hex(TOKEN_BYTES);
    let last_eight = plain[plain.len() - 8..].to_string();
    let now = now_ms();
    let inserted = sqlx::query(
        "INSERT INTO access_tokens (user_id, name, token_hash, last_eight, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(user.0)
    .bind(name)
    .bind(secret::digest(&plain))
    .bind(&last_eight)
    .bind(now)
    .fetch_one(db.pool())
    .await
    .map_err(Error::from);
    let id: i64 = match inserted {
        Ok(row) => row.try_get("id")?,
        Err(e) if e.is_unique_violation() => {
            return Err(Error::conflict(Some("name"), "error-token-name-taken"));
        }
        Err(e) => return Err(e),
    };
    let token = AccessToken {
        id: TokenId(id),
        name: name.to_string(),
        last_eight,
        created_at: now,
        last_used_at: None,
    };
    Ok((token, plain))
}

pub async fn list(db: &Db, user: UserId) -> Result<Vec<AccessToken>> {
    let rows = sqlx::query(
        "SELECT id, name, last_eight, created_at, last_used_at FROM access_tokens \
         WHERE user_id = $1 ORDER BY created_at, id",
    )
    .bind(user.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(AccessToken {
                id: TokenId(row.try_get("id")?),
                name: row.try_get("name")?,
                last_eight: row.try_get("last_eight")?,
                created_at: row.try_get("created_at")?,
                last_used_at: row.try_get("last_used_at")?,
            })
        })
        .collect()
}

/// Revokes one of `user`'s tokens; someone else's token is "not found".
pub async fn revoke(db: &Db, user: UserId, token: TokenId) -> Result<()> {
    let deleted = sqlx::query("DELETE FROM access_tokens WHERE id = $1 AND user_id = $2")
        .bind(token.0)
        .bind(user.0)
        .execute(db.pool())
        .await?
        .rows_affected();
    if deleted == 0 {
        Err(Error::not_found("error-token-not-found"))
    } else {
        Ok(())
    }
}

/// The user a presented token belongs to, if it is a live token.
pub async fn authenticate(db: &Db, presented: &str) -> Result<Option<User>> {
    let presented = presented.trim();
    if presented.len() != TOKEN_BYTES * 2 || !presented.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    // The lookup is by digest, so timing reveals nothing about stored tokens.
    let row = sqlx::query("SELECT id, user_id FROM access_tokens WHERE token_hash = $1")
        .bind(secret::digest(&presented.to_ascii_lowercase()))
        .fetch_optional(db.pool())
        .await?;
    let Some(row) = row else { return Ok(None) };
    let token_id: i64 = row.try_get("id")?;
    let user_id: i64 = row.try_get("user_id")?;
    sqlx::query("UPDATE access_tokens SET last_used_at = $1 WHERE id = $2")
        .bind(now_ms())
        .bind(token_id)
        .execute(db.pool())
        .await?;
    user::by_id(db, UserId(user_id)).await
}
