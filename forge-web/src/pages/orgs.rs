//! Creating organisations and managing their members.

use super::profile::org_page;
use super::see_other;
use crate::AppState;
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::views::{FormErrors, render, url_encode};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use forge_core::org::{self, NewOrg, Org, OrgKind, Role};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "org_new.html")]
struct NewOrgView<'a> {
    ctx: &'a PageCtx,
    form: OrgForm,
    kinds: Vec<(&'static str, String)>,
    errors: FormErrors,
}

#[derive(Deserialize, Default)]
pub struct OrgForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    website: String,
}

fn kinds(ctx: &PageCtx) -> Vec<(&'static str, String)> {
    OrgKind::ALL
        .iter()
        .map(|k| (k.as_str(), ctx.t(&format!("org-kind-{}", k.as_str()))))
        .collect()
}

pub async fn new_form(ctx: PageCtx) -> Response {
    if let Err(redirect) = ctx.require_user() {
        return redirect.into_response();
    }
    render(&NewOrgView {
        kinds: kinds(&ctx),
        ctx: &ctx,
        form: OrgForm::default(),
        errors: FormErrors::default(),
    })
}

pub async fn create(
    State(state): State<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<OrgForm>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let result = match OrgKind::parse(&form.kind) {
        Ok(kind) => {
            org::create(
                &state.db,
                &user,
                NewOrg {
                    name: form.username.clone(),
                    full_name: form.full_name.clone(),
                    description: form.description.clone(),
                    kind,
                    website: form.website.clone(),
                },
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(created) => Ok(super::see_other_confirmed(
            &state,
            &ctx,
            &format!("/{}", url_encode(&created.name)),
            crate::flash::Flash::OrgCreated,
        )),
        Err(e) => {
            let errors = FormErrors::from_error(&ctx, e)?;
            let page = render(&NewOrgView {
                kinds: kinds(&ctx),
                ctx: &ctx,
                form,
                errors,
            });
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

async fn find(state: &AppState, name: &str) -> Result<Org, PageError> {
    org::by_name(&state.db, name)
        .await?
        .ok_or_else(PageError::not_found)
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    role: String,
}

pub async fn set_member(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(name): Path<String>,
    CsrfForm(form): CsrfForm<MemberForm>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let org = find(&state, &name).await?;
    let result = match Role::parse(&form.role) {
        Ok(role) => org::set_member(&state.db, &user, &org, &form.username, role).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/{}", url_encode(&org.name)))),
        Err(forge_core::Error::NotFound(problem)) => {
            let errors = FormErrors {
                fields: vec![("username", ctx.problem(&problem))],
                general: None,
            };
            org_page(&state, &ctx, &org, errors, form.username).await
        }
        Err(e) => {
            let errors = FormErrors::from_error(&ctx, e)?;
            org_page(&state, &ctx, &org, errors, form.username).await
        }
    }
}

pub async fn remove_member(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((name, username)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let org = find(&state, &name).await?;
    match org::remove_member(&state.db, &user, &org, &username).await {
        Ok(()) => Ok(see_other(&format!("/{}", url_encode(&org.name)))),
        Err(e) => {
            let errors = FormErrors::from_error(&ctx, e)?;
            org_page(&state, &ctx, &org, errors, String::new()).await
        }
    }
}
