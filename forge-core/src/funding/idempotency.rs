//! `Idempotency-Key`s: a request that repeats a key answers with what the
//! first request made, and changes nothing.

use crate::error::{Error, Result};
use crate::ids::GoalId;
use crate::timeline::Tx;
use crate::user::User;
use sqlx::Row;

/// The kinds of request that accept an `Idempotency-Key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Request {
    Pledge,
    Payment,
}

impl Request {
    /// The name the key's stored scope starts with.
    fn as_str(self) -> &'static str {
        match self {
            Request::Pledge => "pledge",
            Request::Payment => "payment",
        }
    }
}

/// A request's `Idempotency-Key`, checked, if one was sent.
#[derive(Debug, Clone, Copy)]
pub(super) struct IdempotencyKey<'a> {
    key: Option<&'a str>,
    request: Request,
}

impl<'a> IdempotencyKey<'a> {
    /// Checks the key sent with a request; a blank key counts as none.
    pub(super) fn parse(key: Option<&'a str>, request: Request) -> Result<IdempotencyKey<'a>> {
        let key = match key.map(str::trim) {
            Some("") | None => None,
            Some(k) if k.len() <= 255 && k.chars().all(|c| c.is_ascii_graphic()) => Some(k),
            Some(_) => return Err(Error::invalid("idempotency_key", "error-idempotency-key")),
        };
        Ok(IdempotencyKey { key, request })
    }

    /// The key's scope: the kind of request and the goal it was used on.
    fn scope(self, goal: GoalId) -> String {
        format!("{}:{goal}", self.request.as_str())
    }

    /// The result of the first request that carried the key, when this
    /// request replays it. A key is remembered with its scope: the same key
    /// on another goal, or for another kind of request, is refused rather
    /// than answered with something else.
    pub(super) async fn replayed(
        self,
        tx: &mut Tx<'_>,
        actor: &User,
        goal: GoalId,
    ) -> Result<Option<i64>> {
        let Some(key) = self.key else { return Ok(None) };
        let row = sqlx::query(
            "SELECT scope, result_id FROM idempotency_keys WHERE user_id = $1 AND key = $2",
        )
        .bind(actor.id.0)
        .bind(key)
        .fetch_optional(&mut **tx)
        .await?;
        match row {
            Some(row) if row.try_get::<String, _>("scope")? == self.scope(goal) => {
                Ok(Some(row.try_get("result_id")?))
            }
            Some(_) => Err(Error::conflict(None, "error-idempotency-reused")),
            None => Ok(None),
        }
    }

    /// Remembers the result of the request that carried the key, in the
    /// transaction that made it.
    pub(super) async fn remember(
        self,
        tx: &mut Tx<'_>,
        actor: &User,
        goal: GoalId,
        result: i64,
        now: i64,
    ) -> Result<()> {
        if let Some(key) = self.key {
            let inserted = sqlx::query("INSERT INTO idempotency_keys (user_id, key, scope, result_id, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(actor.id.0)
                .bind(key)
                .bind(self.scope(goal))
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
}
