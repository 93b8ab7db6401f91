//! Confirmation messages ("Pledge recorded.") shown once, on the page a
//! form's redirect lands on, without JavaScript.
//!
//! The message travels in a short-lived cookie that names one of a fixed
//! set of messages, never free text, and is signed with HMAC-SHA256 keyed
//! by the visitor's session cookie: only the forge, answering that
//! browser's signed-in session, can have made it, and it is worthless in
//! another session. The next page shown reads it and deletes it.

use crate::cookies;
use axum::http::{HeaderMap, HeaderValue, header::SET_COOKIE};
use axum::response::Response;
use ring::hmac;

pub const COOKIE: &str = "forge_flash";

/// How long a confirmation waits for the page it is meant for, in seconds:
/// long enough for a slow redirect, short enough not to greet a later
/// visit.
const MAX_AGE_SECS: i64 = 60;

/// The confirmations the forge can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flash {
    GoalSaved,
    GoalCancelled,
    PledgeRecorded,
    PledgeWithdrawn,
    DeliveryRecorded,
    ReviewRecorded,
    ResolutionRecorded,
    VoteRecorded,
    PaymentRecorded,
    OrgCreated,
    RepoCreated,
}

impl Flash {
    const ALL: [Flash; 11] = [
        Flash::GoalSaved,
        Flash::GoalCancelled,
        Flash::PledgeRecorded,
        Flash::PledgeWithdrawn,
        Flash::DeliveryRecorded,
        Flash::ReviewRecorded,
        Flash::ResolutionRecorded,
        Flash::VoteRecorded,
        Flash::PaymentRecorded,
        Flash::OrgCreated,
        Flash::RepoCreated,
    ];

    /// The message's catalogue key, also its name in the cookie.
    pub fn key(self) -> &'static str {
        match self {
            Flash::GoalSaved => "flash-goal-saved",
            Flash::GoalCancelled => "flash-goal-cancelled",
            Flash::PledgeRecorded => "flash-pledge-recorded",
            Flash::PledgeWithdrawn => "flash-pledge-withdrawn",
            Flash::DeliveryRecorded => "flash-delivery-recorded",
            Flash::ReviewRecorded => "flash-review-recorded",
            Flash::ResolutionRecorded => "flash-resolution-recorded",
            Flash::VoteRecorded => "flash-vote-recorded",
            Flash::OrgCreated => "flash-org-created",
            Flash::RepoCreated => "flash-repo-created",
            Flash::PaymentRecorded => "flash-payment-recorded",
        }
    }

    fn from_key(key: &str) -> Option<Flash> {
        Flash::ALL.into_iter().find(|f| f.key() == key)
    }
}

/// The signing key of a browser's confirmations: its session cookie.
pub fn key_of(headers: &HeaderMap) -> Option<hmac::Key> {
    cookies::get(headers, cookies::SESSION)
        .filter(|session| !session.is_empty())
        .map(|session| hmac::Key::new(hmac::HMAC_SHA256, session.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The cookie's value: `KEY.EXPIRES.SIGNATURE`, expiry in unix seconds.
fn encode(key: &hmac::Key, flash: Flash, now_secs: i64) -> String {
    let payload = format!("{}.{}", flash.key(), now_secs + MAX_AGE_SECS);
    let tag = hmac::sign(key, payload.as_bytes());
    format!("{payload}.{}", hex(tag.as_ref()))
}

/// The confirmation a cookie value carries, if it is signed with `key` and
/// not expired.
fn decode(key: &hmac::Key, value: &str, now_secs: i64) -> Option<Flash> {
    let (payload, tag) = value.rsplit_once('.')?;
    hmac::verify(key, payload.as_bytes(), &unhex(tag)?).ok()?;
    let (name, expires) = payload.split_once('.')?;
    let expires: i64 = expires.parse().ok()?;
    if expires < now_secs {
        return None;
    }
    Flash::from_key(name)
}

fn now_secs() -> i64 {
    forge_core::clock::now_ms() / 1000
}

/// The confirmation waiting for this request, if any.
pub fn waiting(headers: &HeaderMap, key: Option<&hmac::Key>) -> Option<Flash> {
    let value = cookies::get(headers, COOKIE)?;
    decode(key?, &value, now_secs())
}

/// Adds the `Set-Cookie` that carries `flash` to the next page.
pub fn attach(response: &mut Response, key: Option<&hmac::Key>, flash: Flash, secure: bool) {
    let Some(key) = key else { return };
    let cookie = cookies::set(
        COOKIE,
        &encode(key, flash, now_secs()),
        Some(MAX_AGE_SECS),
        secure,
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(SET_COOKIE, value);
    }
}

/// Deletes the confirmation cookie once a page has shown it, unless the
/// response sets a new one.
pub fn consume(response: &mut Response, secure: bool) {
    let sets_new = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.starts_with(&format!("{COOKIE}=")));
    if sets_new {
        return;
    }
    let cookie = cookies::set(COOKIE, "", Some(0), secure);
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_confirmation_reads_back_only_with_its_key_and_in_time() {
        let key = hmac::Key::new(hmac::HMAC_SHA256, b"session one");
        let other = hmac::Key::new(hmac::HMAC_SHA256, b"session two");
        let value = encode(&key, Flash::PledgeRecorded, 1000);
        assert_eq!(decode(&key, &value, 1000), Some(Flash::PledgeRecorded));
        assert_eq!(decode(&key, &value, 1000 + MAX_AGE_SECS + 1), None);
        assert_eq!(decode(&other, &value, 1000), None);
        let forged = value.replace("pledge-recorded", "goal-cancelled");
        assert_eq!(decode(&key, &forged, 1000), None);
        assert_eq!(decode(&key, "flash-goal-saved.99999999999.00", 1000), None);
        assert_eq!(decode(&key, "", 1000), None);
        for flash in Flash::ALL {
            assert_eq!(Flash::from_key(flash.key()), Some(flash));
        }
    }
}
