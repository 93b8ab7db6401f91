//! The e-mail section: whether the address is verified, and which
//! notifications are sent by e-mail (every one, a daily digest, only what
//! needs the user's action, none).

use crate::AppState;
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::pages::see_other;
use crate::views::render;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use forge_core::notification::mail::{self, MailMode};
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
        saved: saved.done.is_some(),
        ctx: &ctx,
    }))
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
