//! The payee details page: where a user, or an organisation's owners and
//! treasurers, say how they want to be paid. Nobody else learns that the
//! page exists.

use super::see_other;
use crate::AppState;
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::views::{FormErrors, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use forge_core::AccountId;
use forge_core::funding::payee::{self, PayeeInput};
use forge_core::org;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "payee_edit.html")]
struct PayeeView<'a> {
    ctx: &'a PageCtx,
    /// Whose details these are, as shown in the heading.
    account: String,
    action: String,
    form: PayeeForm,
    errors: FormErrors,
    saved: bool,
}

#[derive(Deserialize, Default, Clone)]
pub struct PayeeForm {
    #[serde(default)]
    legal_name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    iban: String,
    #[serde(default)]
    bic: String,
    #[serde(default)]
    note: String,
}

/// The account the page is about, and where its form posts; "not found"
/// to anyone who does not manage it.
async fn target(
    state: &AppState,
    ctx: &PageCtx,
    org_name: Option<&str>,
) -> Result<(AccountId, String, String), PageError> {
    let user = ctx.user.as_ref().ok_or_else(PageError::not_found)?;
    match org_name {
        None => Ok((
            user.id.into(),
            user.name.clone(),
            "/user/settings/payee".into(),
        )),
        Some(name) => {
            let found = org::by_name(&state.db, name)
                .await?
                .ok_or_else(PageError::not_found)?;
            let account = AccountId(found.id.0);
            if !payee::manages(&state.db, user, account).await? {
                return Err(PageError::not_found());
            }
            let label = if found.full_name.is_empty() {
                found.name.clone()
            } else {
                found.full_name.clone()
            };
            Ok((account, label, format!("/org/{}/payee", found.name)))
        }
    }
}

async fn show(
    state: &AppState,
    ctx: &PageCtx,
    org_name: Option<&str>,
    saved: bool,
) -> Result<Response, PageError> {
    let (account, label, action) = target(state, ctx, org_name).await?;
    let form = match payee::get(&state.db, account).await? {
        Some(found) => PayeeForm {
            iban: found.iban_grouped(),
            legal_name: found.legal_name,
            address: found.address,
            bic: found.bic,
            note: found.note,
        },
        None => PayeeForm::default(),
    };
    Ok(private(
        render(&PayeeView {
            ctx,
            account: label,
            action,
            form,
            errors: FormErrors::default(),
            saved,
        })
        .into_response(),
    ))
}

/// Bank details stay out of shared caches.
fn private(mut response: Response) -> Response {
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("private, no-store"),
    );
    response
}

async fn save(
    state: &AppState,
    ctx: &PageCtx,
    org_name: Option<&str>,
    form: PayeeForm,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let (account, label, action) = target(state, ctx, org_name).await?;
    let input = PayeeInput {
        legal_name: form.legal_name.clone(),
        address: form.address.clone(),
        iban: form.iban.clone(),
        bic: form.bic.clone(),
        note: form.note.clone(),
    };
    match payee::save(&state.db, &user, account, &input).await {
        Ok(_) => Ok(see_other(&format!("{action}?saved=1"))),
        Err(e) => {
            let errors = FormErrors::from_error(ctx, e)?;
            let mut response = render(&PayeeView {
                ctx,
                account: label,
                action,
                form,
                errors,
                saved: false,
            })
            .into_response();
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(private(response))
        }
    }
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn user_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    axum::extract::Query(query): axum::extract::Query<SavedQuery>,
) -> Result<Response, PageError> {
    if let Err(redirect) = ctx.require_user() {
        return Ok(redirect.into_response());
    }
    show(&state, &ctx, None, query.saved.is_some()).await
}

pub async fn user_save(
    State(state): State<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<PayeeForm>,
) -> Result<Response, PageError> {
    save(&state, &ctx, None, form).await
}

pub async fn org_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(org_name): Path<String>,
    axum::extract::Query(query): axum::extract::Query<SavedQuery>,
) -> Result<Response, PageError> {
    show(&state, &ctx, Some(&org_name), query.saved.is_some()).await
}

pub async fn org_save(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(org_name): Path<String>,
    CsrfForm(form): CsrfForm<PayeeForm>,
) -> Result<Response, PageError> {
    save(&state, &ctx, Some(&org_name), form).await
}
