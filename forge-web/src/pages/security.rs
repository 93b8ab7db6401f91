//! The security log: each user's own, in their settings, and the whole
//! site's for administrators.

use crate::AppState;
use crate::context::PageCtx;
use crate::error::PageError;
use crate::views::render;
use askama::Template;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::http::header::CACHE_CONTROL;
use axum::response::{IntoResponse, Response};
use forge_core::security_log::{self, SecurityEvent};

/// How many entries a page shows, newest first.
const SHOWN: i64 = 200;

struct Row {
    when: String,
    account: Option<String>,
    what: String,
    address: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "security_log.html")]
struct LogView<'a> {
    ctx: &'a PageCtx,
    heading: String,
    /// The site-wide log names the account of each entry.
    site_wide: bool,
    /// Site-wide: whether administrators must use two-factor sign-in.
    admins_required: bool,
    rows: Vec<Row>,
}

fn rows(ctx: &PageCtx, events: Vec<SecurityEvent>) -> Vec<Row> {
    events
        .into_iter()
        .map(|e| Row {
            when: forge_core::clock::rfc3339(e.created_at),
            account: e.user_name,
            what: ctx.t(&format!("security-kind-{}", e.kind)),
            address: e.address,
            detail: e.detail,
        })
        .collect()
}

/// The log is for its reader alone: no cache keeps it.
fn private(view: &LogView<'_>) -> Response {
    let mut response = render(view).into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    response
}

/// `/user/settings/security`: the signed-in user's own log.
pub async fn mine(State(state): State<AppState>, ctx: PageCtx) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let events = security_log::of_user(&state.db, user.id, SHOWN).await?;
    Ok(private(&LogView {
        heading: ctx.t("security-log-title"),
        site_wide: false,
        admins_required: false,
        rows: rows(&ctx, events),
        ctx: &ctx,
    }))
}

/// `/-/admin/security`: every account's log, for site administrators; a
/// page that does not exist for anyone else.
pub async fn site(State(state): State<AppState>, ctx: PageCtx) -> Result<Response, PageError> {
    if !ctx.user.as_ref().is_some_and(|u| u.is_admin) {
        return Err(PageError::not_found());
    }
    let events = security_log::recent(&state.db, SHOWN).await?;
    Ok(private(&LogView {
        heading: ctx.t("security-log-site-title"),
        site_wide: true,
        admins_required: forge_core::two_factor_policy::admins_required(&state.db).await?,
        rows: rows(&ctx, events),
        ctx: &ctx,
    }))
}
