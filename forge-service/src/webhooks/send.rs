//! The delivery job: claims the deliveries that are due, builds each
//! request once (the body is stored with the first attempt, so retries and
//! redeliveries send the same bytes), signs it, posts it within the
//! configured timeout, records the answer and schedules the next attempt.
//!
//! Headers, as Gitea sends them (and GitHub's, which many receivers
//! read): `X-Gitea-Event`, `X-Gitea-Event-Type`, `X-Gitea-Delivery`,
//! `X-GitHub-Event`, `X-GitHub-Delivery`, and with a secret
//! `X-Gitea-Signature` (hex HMAC-SHA256 of the JSON payload) and
//! `X-Hub-Signature-256: sha256=…` (the same). With the `form` content
//! type, the body is `payload=` and the URL-encoded JSON, and the
//! signatures are of the JSON itself, as Gitea does. A hook's
//! `Authorization` header goes with each request; the delivery history
//! keeps it masked.

use crate::Forge;
use crate::http::HttpError;
use crate::outcomes::{self, Channel, Outcome};
use bytes::Bytes;
use forge_core::clock::now_ms;
use forge_core::error::Result;
use forge_core::webhook::delivery::{self, Attempt, Delivery};
use forge_core::webhook::{self, ContentType, Hook, Scope};
use forge_core::{repo, webhook::consume};
use std::time::Instant;

/// Deliveries one process claims per round.
const CLAIM_BATCH: i64 = 16;

/// Runs the `webhooks` consumer (new events become deliveries), then sends
/// what is due. Returns how many deliveries were attempted.
pub async fn run(forge: &Forge, holder: &str) -> Result<usize> {
    consume::run(&forge.db).await?;
    deliver_due(forge, holder).await
}

/// Claims the deliveries due now and attempts each, concurrently.
pub async fn deliver_due(forge: &Forge, holder: &str) -> Result<usize> {
    let settings = &forge.webhooks.settings;
    let mut attempted = 0;
    loop {
        let now = now_ms();
        // A claim outlives any attempt: the request's deadline, twice,
        // and building the payload.
        let hold = i64::try_from(settings.timeout.as_millis() * 2).unwrap_or(i64::MAX / 4) + 30_000;
        let claimed = delivery::claim_due(&forge.db, holder, now, now + hold, CLAIM_BATCH).await?;
        if claimed.is_empty() {
            return Ok(attempted);
        }
        let count = claimed.len();
        let mut tasks = tokio::task::JoinSet::new();
        for claimed in claimed {
            let (forge, holder) = (forge.clone(), holder.to_string());
            tasks.spawn(async move {
                if let Err(e) = attempt(&forge, &holder, &claimed).await {
                    tracing::warn!(delivery = claimed.id.0, error = %e, "a webhook delivery failed to be recorded");
                }
            });
        }
        while tasks.join_next().await.is_some() {}
        attempted += count;
        if i64::try_from(count).unwrap_or(0) < CLAIM_BATCH {
            return Ok(attempted);
        }
    }
}

/// Percent-encodes a form value (`application/x-www-form-urlencoded`).
fn form_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3 / 2);
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The headers and body of a delivery of `hook`, from its JSON payload.
pub fn request(
    hook: &Hook,
    secret: &str,
    delivery: &Delivery,
    json: &str,
) -> (Vec<(String, String)>, String) {
    let event = delivery.event.as_str();
    let (content_type, body) = match hook.content_type {
        ContentType::Json => ("application/json", json.to_string()),
        ContentType::Form => (
            "application/x-www-form-urlencoded",
            format!("payload={}", form_encode(json)),
        ),
    };
    let mut headers = vec![
        ("Content-Type".to_string(), content_type.to_string()),
        ("X-Gitea-Event".to_string(), event.to_string()),
        ("X-Gitea-Event-Type".to_string(), event.to_string()),
        ("X-Gitea-Delivery".to_string(), delivery.guid.clone()),
        ("X-GitHub-Event".to_string(), event.to_string()),
        ("X-GitHub-Delivery".to_string(), delivery.guid.clone()),
    ];
    if !secret.is_empty() {
        let signature = webhook::sign(secret, json.as_bytes());
        headers.push((
            "X-Hub-Signature-256".to_string(),
            format!("sha256={signature}"),
        ));
        headers.push(("X-Gitea-Signature".to_string(), signature));
    }
    (headers, body)
}

/// The JSON payload a stored form body carries.
fn json_of_body(hook: &Hook, body: &str) -> Option<String> {
    match hook.content_type {
        ContentType::Json => Some(body.to_string()),
        ContentType::Form => body.strip_prefix("payload=").map(form_decode),
    }
}

fn form_decode(text: &str) -> String {
    let hex = |b: u8| char::from(b).to_digit(16);
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (
            bytes[i],
            bytes.get(i + 1).copied(),
            bytes.get(i + 2).copied(),
        ) {
            (b'+', _, _) => out.push(b' '),
            (b'%', Some(high), Some(low)) if hex(high).is_some() && hex(low).is_some() => {
                let value = hex(high).unwrap_or(0) * 16 + hex(low).unwrap_or(0);
                out.push(u8::try_from(value).unwrap_or(b'?'));
                i += 2;
            }
            (b, _, _) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One attempt of one claimed delivery.
async fn attempt(forge: &Forge, holder: &str, claimed: &Delivery) -> Result<()> {
    let settings = &forge.webhooks.settings;
    let Some(hook) = webhook::by_id(&forge.db, claimed.hook).await? else {
        return Ok(());
    };
    if !hook.active {
        return delivery::abandon(&forge.db, claimed, holder, "the webhook is inactive").await;
    }
    let hook_repo = match hook.scope {
        Scope::Repo(id) => repo::find_by_id(&forge.db, id).await?,
        Scope::Org(_) => None,
    };
    // The JSON payload: stored with the first attempt (a redelivery
    // copies it), built now otherwise.
    let json = match claimed
        .request_body
        .as_deref()
        .and_then(|b| json_of_body(&hook, b))
    {
        Some(json) => json,
        None => match super::payload::build(forge, claimed, hook_repo.as_ref()).await {
            Ok(payload) => payload.to_string(),
            Err(e) => {
                tracing::warn!(delivery = claimed.id.0, error = %e, "a webhook's payload cannot be built");
                return delivery::abandon(
                    &forge.db,
                    claimed,
                    holder,
                    &format!("the payload cannot be built: {e}"),
                )
                .await;
            }
        },
    };
    let secret = webhook::secret_of(&forge.db, hook.id).await?;
    let (mut headers, body) = request(&hook, &secret, claimed, &json);
    // The history keeps the header masked; only the request carries it.
    let mut attempt = Attempt {
        request_headers: headers.clone(),
        request_body: body.clone(),
        ..Attempt::default()
    };
    let authorization = webhook::authorization_of(&forge.db, hook.id).await?;
    if !authorization.is_empty() {
        attempt
            .request_headers
            .push(("Authorization".to_string(), webhook::mask(&authorization)));
        headers.push(("Authorization".to_string(), authorization));
    }
    let started = Instant::now();
    let sent = match forge.webhooks.client() {
        Ok(client) => client.post(&hook.url, &headers, Bytes::from(body)).await,
        Err(e) => Err(HttpError::Failed(e)),
    };
    attempt.duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    match sent {
        Ok(answer) => {
            attempt.status = Some(answer.status.as_u16());
            attempt.response_headers = answer.headers;
            attempt.response_body = String::from_utf8_lossy(&answer.body).into_owned();
        }
        Err(e) => attempt.error = Some(e.to_string()),
    }
    let attempts = claimed.attempts + 1;
    let next_at = if attempt.succeeded() {
        None
    } else {
        let base = i64::try_from(settings.retry_base.as_millis()).unwrap_or(i64::MAX / 1024);
        delivery::next_attempt(attempts, base, settings.max_attempts, now_ms())
    };
    if !attempt.succeeded() {
        tracing::info!(
            hook = hook.id.0,
            delivery = claimed.id.0,
            attempts,
            status = attempt.status,
            error = attempt.error.as_deref(),
            retry = next_at.is_some(),
            "a webhook delivery was not accepted"
        );
    }
    delivery::finish_attempt(&forge.db, claimed, holder, &attempt, next_at).await?;
    outcomes::record(
        Channel::Webhook,
        match (attempt.succeeded(), next_at) {
            (true, _) => Outcome::Delivered,
            (false, Some(_)) => Outcome::Retrying,
            (false, None) => Outcome::GaveUp,
        },
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_bodies_round_trip() {
        let json = r#"{"a":"b c&d=é%"}"#;
        let encoded = form_encode(json);
        assert!(!encoded.contains(['&', '=', ' ', '"']));
        assert_eq!(form_decode(&encoded), json);
    }
}
