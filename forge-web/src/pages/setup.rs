//! The first-run page: helps the instance admin name the site and create
//! the first organisation.

use super::see_other;
use crate::AppState;
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::views::{FormErrors, render};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use forge_core::site;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupView<'a> {
    ctx: &'a PageCtx,
    site_name: String,
    has_organisation: bool,
    errors: FormErrors,
    saved: bool,
}

/// Whether the admin still has something to do on the first-run page.
pub async fn needed(state: &AppState, ctx: &PageCtx) -> Result<bool, PageError> {
    let admin = ctx.user.as_ref().is_some_and(|u| u.is_admin);
    Ok(admin
        && (site::site_name(&state.db).await?.is_none()
            || !site::has_organisation(&state.db).await?))
}

async fn page(
    state: &AppState,
    ctx: &PageCtx,
    site_name: String,
    errors: FormErrors,
    saved: bool,
) -> Result<Response, PageError> {
    if !ctx.user.as_ref().is_some_and(|u| u.is_admin) {
        return Err(PageError::not_found());
    }
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let view = SetupView {
        ctx,
        site_name,
        has_organisation: site::has_organisation(&state.db).await?,
        errors,
        saved,
    };
    Ok((status, render(&view)).into_response())
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    axum::extract::Query(query): axum::extract::Query<SavedQuery>,
) -> Result<Response, PageError> {
    if let Err(redirect) = ctx.require_user() {
        return Ok(redirect.into_response());
    }
    let name = ctx.site_name.clone();
    page(
        &state,
        &ctx,
        name,
        FormErrors::default(),
        query.saved.is_some(),
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct SetupForm {
    #[serde(default)]
    site_name: String,
}

pub async fn save(
    State(state): State<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<SetupForm>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    match site::set_site_name(&state.db, &user, &form.site_name).await {
        Ok(_) => Ok(see_other("/-/setup?saved=1")),
        Err(forge_core::Error::Forbidden(_)) => Err(PageError::not_found()),
        Err(e) => {
            let errors = FormErrors::from_error(&ctx, e)?;
            page(&state, &ctx, form.site_name, errors, false).await
        }
    }
}
