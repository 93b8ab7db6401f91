//! Personal access tokens: created, listed and revoked by their owner.

use super::super::see_other;
use crate::AppState;
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::views::{FormErrors, date, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use forge_core::{TokenId, token};
use serde::Deserialize;

struct TokenRow {
    id: i64,
    name: String,
    last_eight: String,
    created: String,
    last_used: Option<String>,
}

#[derive(Template)]
#[template(path = "settings_tokens.html")]
struct TokensView<'a> {
    ctx: &'a PageCtx,
    tokens: Vec<TokenRow>,
    /// A token just created: shown on this one page, never again.
    new_token: Option<String>,
    name: String,
    errors: FormErrors,
}

async fn page(
    state: &AppState,
    ctx: &PageCtx,
    new_token: Option<String>,
    name: String,
    errors: FormErrors,
) -> Result<Response, PageError> {
    let Some(user) = &ctx.user else {
        return Err(PageError::not_found());
    };
    let tokens = token::list(&state.db, user.id)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id.0,
            name: t.name,
            last_eight: t.last_eight,
            created: date(t.created_at),
            last_used: t.last_used_at.map(date),
        })
        .collect();
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let view = TokensView {
        ctx,
        tokens,
        new_token,
        name,
        errors,
    };
    let mut response = render(&view).into_response();
    *response.status_mut() = status;
    // The page may show a secret: keep it out of caches.
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

pub async fn tokens(State(state): State<AppState>, ctx: PageCtx) -> Result<Response, PageError> {
    if let Err(redirect) = ctx.require_user() {
        return Ok(redirect.into_response());
    }
    page(&state, &ctx, None, String::new(), FormErrors::default()).await
}

#[derive(Deserialize)]
pub struct NewToken {
    #[serde(default)]
    name: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<NewToken>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    match token::create(&state.db, user.id, &form.name).await {
        Ok((_, secret)) => {
            page(
                &state,
                &ctx,
                Some(secret),
                String::new(),
                FormErrors::default(),
            )
            .await
        }
        Err(e) => {
            let errors = FormErrors::from_error(&ctx, e)?;
            page(&state, &ctx, None, form.name, errors).await
        }
    }
}

pub async fn revoke_token(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    token::revoke(&state.db, user.id, TokenId(id)).await?;
    Ok(see_other("/user/settings/tokens"))
}
