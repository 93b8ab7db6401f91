//! SSH keys: the user's public keys for git over SSH, listed with their
//! fingerprints, added and deleted by their owner.

use super::super::see_other;
use crate::AppState;
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::views::{FormErrors, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use forge_core::SshKeyId;
use forge_core::ssh_key::{self, SshKey};
use serde::Deserialize;

/// One key as the settings pages list it.
pub(crate) struct KeyRow {
    pub id: i64,
    pub title: String,
    pub algorithm: String,
    pub fingerprint: String,
    pub read_only: bool,
    pub created: String,
    pub last_used: Option<String>,
}

impl KeyRow {
    pub fn of(ctx: &PageCtx, key: SshKey) -> KeyRow {
        KeyRow {
            id: key.id.0,
            algorithm: key.algorithm().to_string(),
            read_only: key.read_only(),
            title: key.title,
            fingerprint: key.fingerprint,
            created: crate::format::long_date(ctx.lang, key.created_at),
            last_used: key
                .last_used_at
                .map(|ms| crate::format::long_date(ctx.lang, ms)),
        }
    }
}

#[derive(Template)]
#[template(path = "settings_ssh_keys.html")]
struct KeysView<'a> {
    ctx: &'a PageCtx,
    keys: Vec<KeyRow>,
    /// Where git over SSH connects, when the forge serves it.
    ssh_on: bool,
    /// The forms deleting a key post to `DELETE_BASE/ID/delete`.
    delete_base: String,
    title: String,
    key: String,
    errors: FormErrors,
}

async fn page(
    state: &AppState,
    ctx: &PageCtx,
    form: NewKey,
    errors: FormErrors,
) -> Result<Response, PageError> {
    let Some(user) = &ctx.user else {
        return Err(PageError::not_found());
    };
    let keys = ssh_key::list_user_keys(&state.db, user.id)
        .await?
        .into_iter()
        .map(|key| KeyRow::of(ctx, key))
        .collect();
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let view = KeysView {
        ctx,
        keys,
        ssh_on: state.config.ssh.is_some(),
        delete_base: "/user/settings/keys".into(),
        title: form.title,
        key: form.key,
        errors,
    };
    let mut response = render(&view).into_response();
    *response.status_mut() = status;
    Ok(response)
}

pub async fn show(State(state): State<AppState>, ctx: PageCtx) -> Result<Response, PageError> {
    if let Err(redirect) = ctx.require_user() {
        return Ok(redirect.into_response());
    }
    page(&state, &ctx, NewKey::default(), FormErrors::default()).await
}

#[derive(Deserialize, Default)]
pub struct NewKey {
    #[serde(default)]
    title: String,
    #[serde(default)]
    key: String,
}

pub async fn add(
    State(state): State<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<NewKey>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    match ssh_key::add_user_key(&state.db, &user, user.id, &form.title, &form.key).await {
        Ok(_) => Ok(see_other("/user/settings/keys")),
        Err(e) => {
            let errors = FormErrors::from_error(&ctx, e)?;
            page(&state, &ctx, form, errors).await
        }
    }
}

pub async fn delete(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    ssh_key::delete_user_key(&state.db, &user, user.id, SshKeyId(id)).await?;
    Ok(see_other("/user/settings/keys"))
}
