//! The e-mail section: whether the address is verified (and a button that
//! sends the verification link again), and which notifications are sent
//! by e-mail (every one, a daily digest, only what needs the user's
//! action, none).

use crate::AppState;
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::pages::see_other;
use crate::views::render;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use forge_core::notification::mail::{self, MailMode};
use forge_core::notification::verify;
use serde::Deserialize;

pub struct ModeChoice {
    value: &'static str,
    label: String,
    chosen: bool,
}

#[derive(Template)]
#[template(path = "settings_notifications.html")]
struct NotificationsView<'a> {
    ctx: &'a PageCtx,
    email: String,
    verified: bool,
    modes: Vec<ModeChoice>,
    saved: bool,
    /// The verification link was just sent again.
    sent: bool,
    /// Why it could not be sent again, in words.
    refused: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct Saved {
    #[serde(default)]
    done: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(saved): Query<Saved>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let done = saved.done.as_deref();
    page(
        &state,
        &ctx,
        &user,
        done == Some("1"),
        done == Some("sent"),
        None,
    )
    .await
}

async fn page(
    state: &AppState,
    ctx: &PageCtx,
    user: &forge_core::user::User,
    saved: bool,
    sent: bool,
    refused: Option<String>,
) -> Result<Response, PageError> {
    let (mode, verified_at) = mail::settings_of(&state.db, user.id).await?;
    let modes = MailMode::ALL
        .into_iter()
        .map(|m| ModeChoice {
            value: m.as_str(),
            label: ctx.t(&format!("settings-mail-{}", m.as_str())),
            chosen: m == mode,
        })
        .collect();
    Ok(render(&NotificationsView {
        email: user.email.clone(),
        verified: verified_at.is_some(),
        modes,
        saved,
        sent,
        refused,
        ctx,
    }))
}

#[derive(Deserialize)]
pub struct ResendForm {}

/// Sends the verification link again, at most every few minutes and a few
/// times a day.
pub async fn resend(
    State(state): State<AppState>,
    ctx: PageCtx,
    CsrfForm(_): CsrfForm<ResendForm>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    match verify::request(&state.db, user.id, verify::Reason::Again).await {
        Ok(()) => Ok(see_other("/user/settings/notifications?done=sent")),
        Err(forge_core::Error::Conflict { problem, .. }) => {
            let refused = Some(ctx.problem(&problem));
            let mut response = page(&state, &ctx, &user, false, false, refused).await?;
            *response.status_mut() = axum::http::StatusCode::TOO_MANY_REQUESTS;
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct ModeForm {
    #[serde(default)]
    mode: String,
}

pub async fn save(
    State(state): State<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<ModeForm>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let mode = MailMode::parse(&form.mode)?;
    mail::set_mode(&state.db, user.id, mode).await?;
    Ok(see_other("/user/settings/notifications?done=1"))
}

/// Asks for the verification link of a new address (sign-up, a change of
/// address). A user past the day's limit gets no more today, and what
/// caused it still succeeds: they may ask again tomorrow.
pub async fn request_verification(
    state: &AppState,
    user: forge_core::ids::UserId,
) -> Result<(), PageError> {
    match verify::request(&state.db, user, verify::Reason::NewAddress).await {
        Ok(()) => Ok(()),
        Err(forge_core::Error::Conflict { .. }) => {
            tracing::info!(user = %user, "no verification link: too many today");
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}
