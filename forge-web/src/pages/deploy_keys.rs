//! A repository's deploy keys (read-only or read-write SSH access to that
//! repository alone), managed by its administrators; and `/-/ssh`, the
//! page that tells how to reach git over SSH and the host keys'
//! fingerprints.

use super::see_other;
use crate::AppState;
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::pages::repo_settings::load_admin;
use crate::pages::settings::ssh_keys::KeyRow;
use crate::views::{FormErrors, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use forge_core::SshKeyId;
use forge_core::repo::Repo;
use forge_core::ssh_key;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "repo_deploy_keys.html")]
struct DeployKeysView<'a> {
    ctx: &'a PageCtx,
    owner: String,
    name: String,
    keys: Vec<KeyRow>,
    ssh_on: bool,
    delete_base: String,
    title: String,
    key: String,
    writable: bool,
    errors: FormErrors,
}

async fn page(
    state: &AppState,
    ctx: &PageCtx,
    repo: &Repo,
    form: NewDeployKey,
    errors: FormErrors,
) -> Result<Response, PageError> {
    let Some(user) = &ctx.user else {
        return Err(PageError::not_found());
    };
    let keys = ssh_key::list_deploy_keys(&state.db, user, repo)
        .await?
        .into_iter()
        .map(|key| KeyRow::of(ctx, key))
        .collect();
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let base = super::repo_head::base_of(repo);
    let view = DeployKeysView {
        ctx,
        owner: repo.owner_name.clone(),
        name: repo.name.clone(),
        keys,
        ssh_on: state.config.ssh.is_some(),
        delete_base: format!("{base}/settings/keys"),
        title: form.title,
        key: form.key,
        writable: form.writable.is_some(),
        errors,
    };
    let mut response = render(&view).into_response();
    *response.status_mut() = status;
    Ok(response)
}

pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
) -> Result<Response, PageError> {
    if let Err(redirect) = ctx.require_user() {
        return Ok(redirect.into_response());
    }
    let repo = load_admin(&state, &ctx, &owner, &name).await?;
    page(
        &state,
        &ctx,
        &repo,
        NewDeployKey::default(),
        FormErrors::default(),
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct NewDeployKey {
    #[serde(default)]
    title: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    writable: Option<String>,
}

pub async fn add(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<NewDeployKey>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let repo = load_admin(&state, &ctx, &owner, &name).await?;
    let writable = form.writable.is_some();
    match ssh_key::add_deploy_key(&state.db, &user, &repo, &form.title, &form.key, writable).await {
        Ok(_) => Ok(see_other(&format!(
            "{}/settings/keys",
            super::repo_head::base_of(&repo)
        ))),
        Err(e) => {
            let errors = FormErrors::from_error(&ctx, e)?;
            page(&state, &ctx, &repo, form, errors).await
        }
    }
}

pub async fn delete(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, id)): Path<(String, String, i64)>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let repo = load_admin(&state, &ctx, &owner, &name).await?;
    ssh_key::delete_deploy_key(&state.db, &user, &repo, SshKeyId(id)).await?;
    Ok(see_other(&format!(
        "{}/settings/keys",
        super::repo_head::base_of(&repo)
    )))
}

#[derive(Template)]
#[template(path = "ssh_info.html")]
struct SshInfoView<'a> {
    ctx: &'a PageCtx,
    /// An example clone URL, or none when SSH is off.
    example: Option<String>,
    fingerprints: Vec<(String, String)>,
}

/// `/-/ssh`: whether git over SSH is on, where, and the host keys.
pub async fn ssh_info(State(state): State<AppState>, ctx: PageCtx) -> Response {
    let (example, fingerprints) = match &state.config.ssh {
        Some(ssh) => (
            Some(ssh.clone_url("OWNER/REPOSITORY")),
            ssh.fingerprints.clone(),
        ),
        None => (None, Vec::new()),
    };
    render(&SshInfoView {
        ctx: &ctx,
        example,
        fingerprints,
    })
}
