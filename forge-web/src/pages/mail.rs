//! What e-mail needs from the web: the one-click unsubscribe link of every
//! message (RFC 8058: a `POST` without sign-in or CSRF token, the token in
//! the link being the credential; a `GET` shows a button that posts it),
//! the link that verifies an address (a `GET` shows a button whose form,
//! with its CSRF token, verifies; so a mail scanner following links
//! verifies nothing), and the site admin's list of recent messages and
//! their state.

use crate::AppState;
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::views::render;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderValue;
use axum::http::header::CACHE_CONTROL;
use axum::response::Response;
use axum::routing::get;
use forge_core::clock;
use forge_core::notification::{mail, verify};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/-/unsubscribe/{token}",
            get(unsubscribe_page).post(unsubscribe),
        )
        .route("/-/verify-email/{token}", get(verify_page).post(verify))
        .route("/-/admin/mail", get(admin_list))
}

#[derive(Template)]
#[template(path = "mail_verify.html")]
struct VerifyView<'a> {
    ctx: &'a PageCtx,
    action: String,
    done: bool,
}

/// The page of a verification link: a button, when the link is still
/// good; "not found" when it is used, expired or unknown.
pub async fn verify_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    if !valid_token(&token) || !verify::is_valid(&state.db, &token).await? {
        return Err(PageError::not_found());
    }
    Ok(no_store(render(&VerifyView {
        action: format!("/-/verify-email/{token}"),
        done: false,
        ctx: &ctx,
    })))
}

/// Verifies the address the link was sent to.
pub async fn verify(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(token): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    if !valid_token(&token) {
        return Err(PageError::not_found());
    }
    let user = verify::confirm(&state.db, &token).await?;
    tracing::info!(user = %user, "an e-mail address was verified");
    Ok(no_store(render(&VerifyView {
        action: String::new(),
        done: true,
        ctx: &ctx,
    })))
}

/// A form with nothing but its CSRF token.
#[derive(serde::Deserialize)]
pub struct Empty {}

#[derive(Template)]
#[template(path = "mail_unsubscribe.html")]
struct UnsubscribeView<'a> {
    ctx: &'a PageCtx,
    action: String,
    done: bool,
    /// The link came with a daily digest: it stops e-mail, not one issue's.
    digest: bool,
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    response
}

fn valid_token(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The page of the link: a button, so that a mail scanner following links
/// changes nothing.
pub async fn unsubscribe_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    if !valid_token(&token) {
        return Err(PageError::not_found());
    }
    let Some(target) = mail::unsubscribe_target(&state.db, &token).await? else {
        return Err(PageError::not_found());
    };
    Ok(no_store(render(&UnsubscribeView {
        action: format!("/-/unsubscribe/{token}"),
        done: false,
        digest: target == mail::Unsubscribe::Digest,
        ctx: &ctx,
    })))
}

/// Mutes the message's issue for its recipient, or stops the digest.
pub async fn unsubscribe(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    if !valid_token(&token) {
        return Err(PageError::not_found());
    }
    let Some(target) = mail::unsubscribe(&state.db, &token).await? else {
        return Err(PageError::not_found());
    };
    Ok(no_store(render(&UnsubscribeView {
        action: String::new(),
        done: true,
        digest: target == mail::Unsubscribe::Digest,
        ctx: &ctx,
    })))
}

struct MessageRow {
    id: i64,
    user: String,
    kind: String,
    state: String,
    attempts: i64,
    error: String,
    created: String,
    sent: String,
}

#[derive(Template)]
#[template(path = "mail_admin.html")]
struct AdminView<'a> {
    ctx: &'a PageCtx,
    rows: Vec<MessageRow>,
}

/// `/-/admin/mail`: the latest messages for site administrators; a page
/// that does not exist for anyone else.
pub async fn admin_list(
    State(state): State<AppState>,
    ctx: PageCtx,
) -> Result<Response, PageError> {
    if !ctx.user.as_ref().is_some_and(|u| u.is_admin) {
        return Err(PageError::not_found());
    }
    let rows = mail::recent(&state.db, 200)
        .await?
        .into_iter()
        .map(|m| MessageRow {
            id: m.id,
            user: m.user_name,
            kind: m.kind,
            state: ctx.t(&format!("mail-state-{}", m.state)),
            attempts: m.attempts,
            error: m.last_error.unwrap_or_default(),
            created: clock::rfc3339(m.created_at),
            sent: m.sent_at.map(clock::rfc3339).unwrap_or_default(),
        })
        .collect();
    Ok(no_store(render(&AdminView { ctx: &ctx, rows })))
}
