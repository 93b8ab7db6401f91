//! Deliveries: the requests of a hook, to send or sent, with what each
//! attempt sent and received.
//!
//! Several processes send deliveries. Each attempt is made by the one that
//! claims the row ([`claim_due`]: `claimed_by`, `claimed_until`, longer
//! than a request may take), and only its holder may record the outcome
//! ([`finish_attempt`]); a process that dies while sending loses its claim
//! when it lapses, and the attempt is made again by another one. A hook
//! keeps the history of its last [`KEEP`] deliveries.

use super::HookEvent;
use super::consume::Request;
use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{DeliveryId, EventId, WebhookId};
use crate::outbox::Tx;
use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;

/// Finished deliveries kept per hook; older ones are removed.
pub const KEEP: i64 = 50;

/// Response bodies are kept up to this many bytes.
pub const MAX_KEPT_BODY: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Pending,
    Delivered,
    /// No attempt left.
    Failed,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Delivered => "delivered",
            State::Failed => "failed",
        }
    }

    fn parse(text: &str) -> State {
        match text {
            "delivered" => State::Delivered,
            "failed" => State::Failed,
            _ => State::Pending,
        }
    }
}

/// One delivery and its last attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: DeliveryId,
    pub hook: WebhookId,
    pub event_id: Option<EventId>,
    /// Gitea's event name (`push`, `issues`, …).
    pub event: String,
    pub action: String,
    pub detail: Value,
    pub guid: String,
    pub state: State,
    pub attempts: i64,
    pub next_attempt_at: i64,
    /// The request as sent, once built: headers as `(name, value)` pairs.
    pub request_headers: Option<Vec<(String, String)>>,
    pub request_body: Option<String>,
    pub response_status: Option<i64>,
    pub response_headers: Option<Vec<(String, String)>>,
    pub response_body: Option<String>,
    /// Why the last attempt failed without an answer (unreachable,
    /// refused address, timeout).
    pub error: Option<String>,
    pub duration_ms: Option<i64>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

impl Delivery {
    /// Whether the last attempt got a 2xx answer.
    pub fn succeeded(&self) -> bool {
        self.state == State::Delivered
    }
}

/// The columns of a delivery, in every query that reads one.
macro_rules! columns {
    () => {
        "id, hook_id, event_id, event, action, detail, guid, state, attempts, next_attempt_at, \
         request_headers, request_body, response_status, response_headers, response_body, error, \
         duration_ms, created_at, delivered_at"
    };
}

fn headers_of(text: Option<String>) -> Option<Vec<(String, String)>> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

fn from_row(row: &AnyRow) -> Result<Delivery> {
    let detail: String = row.try_get("detail")?;
    Ok(Delivery {
        id: DeliveryId(row.try_get("id")?),
        hook: WebhookId(row.try_get("hook_id")?),
        event_id: row.try_get::<Option<i64>, _>("event_id")?.map(EventId),
        event: row.try_get("event")?,
        action: row.try_get("action")?,
        detail: serde_json::from_str(&detail).unwrap_or(Value::Null),
        guid: row.try_get("guid")?,
        state: State::parse(&row.try_get::<String, _>("state")?),
        attempts: row.try_get("attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        request_headers: headers_of(row.try_get("request_headers")?),
        request_body: row.try_get("request_body")?,
        response_status: row.try_get("response_status")?,
        response_headers: headers_of(row.try_get("response_headers")?),
        response_body: row.try_get("response_body")?,
        error: row.try_get("error")?,
        duration_ms: row.try_get("duration_ms")?,
        created_at: row.try_get("created_at")?,
        delivered_at: row.try_get("delivered_at")?,
    })
}

/// A new delivery's id for `X-Gitea-Delivery`: 128 random bits written
/// like a UUID (version 4).
pub fn new_guid() -> String {
    let hex = crate::secret::random_hex(16);
    format!(
        "{}-{}-4{}-a{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

/// Writes a delivery of `request` for `hook`, due at once.
pub(crate) async fn insert(
    tx: &mut Tx<'_>,
    hook: WebhookId,
    event: Option<EventId>,
    request: &Request,
    at: i64,
) -> Result<()> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO webhook_deliveries (hook_id, event_id, event, action, detail, guid, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(hook.0)
    .bind(event.map(|e| e.0))
    .bind(request.event.as_str())
    .bind(&request.action)
    .bind(request.detail.to_string())
    .bind(new_guid())
    .bind(now)
    .bind(at.max(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Queues a test delivery of `hook`: a `push` of the default branch, as
/// Gitea's "Test delivery" sends.
pub async fn queue_test(db: &Db, hook: WebhookId) -> Result<()> {
    let mut tx = db.pool().begin().await?;
    let request = Request {
        event: HookEvent::Push,
        action: String::new(),
        detail: serde_json::json!({"test": true}),
    };
    insert(&mut tx, hook, None, &request, now_ms()).await?;
    tx.commit().await?;
    Ok(())
}

/// Queues delivery `id` of `hook` again: a new delivery (new id) sending
/// the same request body.
pub async fn redeliver(db: &Db, hook: WebhookId, id: DeliveryId) -> Result<DeliveryId> {
    let old = get(db, hook, id).await?;
    let now = now_ms();
    let row = sqlx::query(
        "INSERT INTO webhook_deliveries (hook_id, event_id, event, action, detail, guid, request_body, \
         next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(hook.0)
    .bind(old.event_id.map(|e| e.0))
    .bind(&old.event)
    .bind(&old.action)
    .bind(old.detail.to_string())
    .bind(new_guid())
    .bind(old.request_body)
    .bind(now)
    .fetch_one(db.pool())
    .await?;
    Ok(DeliveryId(row.try_get("id")?))
}

/// Delivery `id` of `hook`.
pub async fn get(db: &Db, hook: WebhookId, id: DeliveryId) -> Result<Delivery> {
    let row = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM webhook_deliveries WHERE id = $1 AND hook_id = $2"
    ))
    .bind(id.0)
    .bind(hook.0)
    .fetch_optional(db.pool())
    .await?
    .ok_or_else(|| Error::not_found("error-webhook-delivery-not-found"))?;
    from_row(&row)
}

/// The last deliveries of `hook`, newest first.
pub async fn history(db: &Db, hook: WebhookId, limit: i64) -> Result<Vec<Delivery>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM webhook_deliveries WHERE hook_id = $1 ORDER BY id DESC LIMIT $2"
    ))
    .bind(hook.0)
    .bind(limit.clamp(1, KEEP))
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

/// Claims up to `limit` deliveries due at `now` for `holder` until
/// `until`: nobody else attempts them before it records the outcome or
/// the claim lapses.
pub async fn claim_due(
    db: &Db,
    holder: &str,
    now: i64,
    until: i64,
    limit: i64,
) -> Result<Vec<Delivery>> {
    // The outer conditions are checked again on the row itself: a process
    // that picked the same row waits for the first one's update, then
    // finds it claimed (PostgreSQL); SQLite writes one at a time.
    let rows = sqlx::query(concat!(
        "UPDATE webhook_deliveries SET claimed_by = $1, claimed_until = $2 \
         WHERE id IN (SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= $3 \
                      AND (claimed_until IS NULL OR claimed_until <= $3) ORDER BY id LIMIT $4) \
         AND state = 'pending' AND (claimed_until IS NULL OR claimed_until <= $3) RETURNING ",
        columns!()
    ))
    .bind(holder)
    .bind(until)
    .bind(now)
    .bind(limit.clamp(1, 100))
    .fetch_all(db.pool())
    .await?;
    let mut claimed = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    claimed.sort_by_key(|d| d.id);
    Ok(claimed)
}

/// When the next attempt is due, if any remains.
pub fn next_attempt(attempts: i64, base_ms: i64, max_attempts: i64, now: i64) -> Option<i64> {
    if attempts >= max_attempts {
        return None;
    }
    // base, 6×, 30×, 180×, 720×: with 10 s, 10 s, 1 min, 5 min, 30 min, 2 h.
    const FACTORS: [i64; 5] = [1, 6, 30, 180, 720];
    let index = usize::try_from(attempts - 1)
        .unwrap_or(0)
        .min(FACTORS.len() - 1);
    Some(now + base_ms.saturating_mul(FACTORS[index]))
}

/// What one attempt sent and got.
#[derive(Debug, Clone, Default)]
pub struct Attempt {
    pub request_headers: Vec<(String, String)>,
    pub request_body: String,
    /// The answer's status, when there was one.
    pub status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    pub response_body: String,
    pub error: Option<String>,
    pub duration_ms: i64,
}

impl Attempt {
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

fn truncated(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Records the outcome of an attempt by `holder` on `delivery`, schedules
/// the next one (`next_at`) or ends it, and releases the claim. Does
/// nothing if the claim was lost meanwhile. Older deliveries of the hook
/// past the last [`KEEP`] are removed.
pub async fn finish_attempt(
    db: &Db,
    delivery: &Delivery,
    holder: &str,
    attempt: &Attempt,
    next_at: Option<i64>,
) -> Result<bool> {
    let now = now_ms();
    let state = match (attempt.succeeded(), next_at) {
        (true, _) => State::Delivered,
        (false, Some(_)) => State::Pending,
        (false, None) => State::Failed,
    };
    let headers = |h: &Vec<(String, String)>| serde_json::to_string(h).unwrap_or_default();
    let mut tx = db.pool().begin().await?;
    let updated = sqlx::query(
        "UPDATE webhook_deliveries SET state = $1, attempts = attempts + 1, next_attempt_at = $2, \
         claimed_by = NULL, claimed_until = NULL, request_headers = $3, request_body = $4, \
         response_status = $5, response_headers = $6, response_body = $7, error = $8, duration_ms = $9, \
         delivered_at = $10 WHERE id = $11 AND claimed_by = $12",
    )
    .bind(state.as_str())
    .bind(next_at.unwrap_or(now))
    .bind(headers(&attempt.request_headers))
    .bind(&attempt.request_body)
    .bind(attempt.status.map(i64::from))
    .bind(headers(&attempt.response_headers))
    .bind(truncated(&attempt.response_body, MAX_KEPT_BODY))
    .bind(attempt.error.as_deref())
    .bind(attempt.duration_ms)
    .bind(now)
    .bind(delivery.id.0)
    .bind(holder)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        tx.rollback().await?;
        return Ok(false);
    }
    sqlx::query(
        "DELETE FROM webhook_deliveries WHERE hook_id = $1 AND state <> 'pending' AND id < \
         COALESCE((SELECT MIN(id) FROM (SELECT id FROM webhook_deliveries WHERE hook_id = $1 \
                   ORDER BY id DESC LIMIT $2) AS kept), 0)",
    )
    .bind(delivery.hook.0)
    .bind(KEEP)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Ends a delivery that can no longer be sent (its hook was deactivated
/// or removed meanwhile) without an attempt.
pub async fn abandon(db: &Db, delivery: &Delivery, holder: &str, why: &str) -> Result<()> {
    sqlx::query(
        "UPDATE webhook_deliveries SET state = 'failed', claimed_by = NULL, claimed_until = NULL, error = $1 \
         WHERE id = $2 AND claimed_by = $3",
    )
    .bind(why)
    .bind(delivery.id.0)
    .bind(holder)
    .execute(db.pool())
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_look_like_uuids_and_differ() {
        let a = new_guid();
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
        assert_ne!(a, new_guid());
    }

    #[test]
    fn retries_back_off_then_stop() {
        assert_eq!(next_attempt(1, 10, 6, 0), Some(10));
        assert_eq!(next_attempt(2, 10, 6, 0), Some(60));
        assert_eq!(next_attempt(5, 10, 6, 0), Some(7200));
        assert_eq!(next_attempt(6, 10, 6, 0), None);
    }

    #[test]
    fn kept_bodies_are_cut_on_a_character_boundary() {
        assert_eq!(truncated("héllo", 2), "h");
        assert_eq!(truncated("abc", 10), "abc");
    }
}
