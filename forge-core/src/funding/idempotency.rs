//! `Idempotency-Key`s: a request that repeats a key answers with what the
//! first request made, and changes nothing. A key sent again with a
//! different request is refused: answering it with the first result would
//! tell the client that something it did not ask for was done.
//!
//! A key is stored with its scope, `KIND:GOAL:DIGEST`, where the digest is
//! the SHA-256 of the request's canonical form (its fields after parsing,
//! one per line), so a body sent with other spacing or key order is the
//! same request. Keys stored before digests were kept (`KIND:GOAL`) are
//! replayed as before.

use crate::error::{Error, Result};
use crate::ids::GoalId;
use crate::secret;
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

/// The canonical form of a request, for its digest: each field on a line
/// of its own as `name=value`, with backslashes and line breaks escaped,
/// so two different requests never share a form.
pub(super) fn canonical(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(name, value)| {
            let escaped = value.replace('\\', "\\\\").replace('\n', "\\n");
            format!("{name}={escaped}\n")
        })
        .collect()
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

    /// The scope stored with the key: the scope and the digest of the
    /// request's canonical form.
    fn stored_scope(self, goal: GoalId, body: &str) -> String {
        format!("{}:{}", self.scope(goal), secret::digest(body))
    }

    /// The result of the first request that carried the key, when this
    /// request replays it. A key is remembered with its scope: the same key
    /// on another goal, or for another kind of request, is refused as a
    /// conflict; with the same scope but another request body (`body`, the
    /// canonical form), as an invalid request.
    pub(super) async fn replayed(
        self,
        tx: &mut Tx<'_>,
        actor: &User,
        goal: GoalId,
        body: &str,
    ) -> Result<Option<i64>> {
        let Some(key) = self.key else { return Ok(None) };
        let row = sqlx::query(
            "SELECT scope, result_id FROM idempotency_keys WHERE user_id = $1 AND key = $2",
        )
        .bind(actor.id.0)
        .bind(key)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let stored: String = row.try_get("scope")?;
        let scope = self.scope(goal);
        let digest = match stored.strip_prefix(scope.as_str()) {
            Some("") => None,
            Some(rest) => match rest.strip_prefix(':') {
                Some(digest) => Some(digest),
                None => return Err(Error::conflict(None, "error-idempotency-reused")),
            },
            None => return Err(Error::conflict(None, "error-idempotency-reused")),
        };
        match digest {
            Some(digest) if !secret::constant_time_eq(digest, &secret::digest(body)) => Err(
                Error::invalid("idempotency_key", "error-idempotency-other-request"),
            ),
            _ => Ok(Some(row.try_get("result_id")?)),
        }
    }

    /// Remembers the result of the request that carried the key, in the
    /// transaction that made it.
    pub(super) async fn remember(
        self,
        tx: &mut Tx<'_>,
        actor: &User,
        goal: GoalId,
        body: &str,
        result: i64,
        now: i64,
    ) -> Result<()> {
        if let Some(key) = self.key {
            let inserted = sqlx::query("INSERT INTO idempotency_keys (user_id, key, scope, result_id, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(actor.id.0)
                .bind(key)
                .bind(self.stored_scope(goal, body))
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
