//! `Idempotency-Key`s: a request that repeats a key answers with what the
//! first request made, and changes nothing.

use crate::error::{Error, Result};
use crate::timeline::Tx;
use crate::user::User;
use sqlx::Row;

/// The result of the first request that carried `key`, when this request
/// replays it. A key is remembered with its scope, the kind of request and
/// the goal it was used on: the same key on another goal, or for another
/// kind of request, is refused rather than answered with something else.
pub(super) async fn replayed(
    tx: &mut Tx<'_>,
    actor: &User,
    key: Option<&str>,
    scope: &str,
) -> Result<Option<i64>> {
    let Some(key) = key else { return Ok(None) };
    let row = sqlx::query(
        "SELECT scope, result_id FROM idempotency_keys WHERE user_id = $1 AND key = $2",
    )
    .bind(actor.id.0)
    .bind(key)
    .fetch_optional(&mut **tx)
    .await?;
    match row {
        Some(row) if row.try_get::<String, _>("scope")? == scope => {
            Ok(Some(row.try_get("result_id")?))
        }
        Some(_) => Err(Error::conflict(None, "error-idempotency-reused")),
        None => Ok(None),
    }
}

pub(super) async fn remember(
    tx: &mut Tx<'_>,
    actor: &User,
    key: Option<&str>,
    scope: &str,
    result: i64,
    now: i64,
) -> Result<()> {
    if let Some(key) = key {
        let inserted = sqlx::query("INSERT INTO idempotency_keys (user_id, key, scope, result_id, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(actor.id.0)
            .bind(key)
            .bind(scope)
            .bind(result)
            .bind(now)
            .execute(&mut **tx)
            .await
            .map_err(Error::from);
        match inserted {
            Ok(_) => {}
            // The same key used at the same moment on another goal.
            Err(e) if e.is_unique_violation() => {
                return Err(Error::conflict(None, "error-idempotency-reused"));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

pub(super) fn validate_key(key: Option<&str>) -> Result<Option<&str>> {
    match key.map(str::trim) {
        Some("") | None => Ok(None),
        Some(k) if k.len() <= 255 && k.chars().all(|c| c.is_ascii_graphic()) => Ok(Some(k)),
        Some(_) => Err(Error::invalid("idempotency_key", "error-idempotency-key")),
    }
}
