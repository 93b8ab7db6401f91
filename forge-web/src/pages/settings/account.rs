//! The account section: password, e-mail address, and closing the account.
//! Each change asks for the current password (see
//! `forge_core::account_settings`).

use super::Done;
use super::notifications::request_verification;
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::pages::see_other;
use crate::views::{FormErrors, render};
use crate::{AppState, cookies};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use forge_core::account_settings::{self, Obstacle};
use forge_core::user::{self, User};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "settings_account.html")]
struct AccountView<'a> {
    ctx: &'a PageCtx,
    email: String,
    /// Accounts made through another site have no password to confirm with.
    has_password: bool,
    new_email: String,
    notice: Option<String>,
    password_errors: FormErrors,
    email_errors: FormErrors,
}

async fn account_page(
    state: &AppState,
    ctx: &PageCtx,
    user: &User,
    new_email: String,
    notice: Option<String>,
    password_errors: FormErrors,
    email_errors: FormErrors,
) -> Result<Response, PageError> {
    let failed = password_errors.any() || email_errors.any();
    let mut response = render(&AccountView {
        ctx,
        email: user.email.clone(),
        has_password: user::has_password(&state.db, user.id).await?,
        new_email,
        notice,
        password_errors,
        email_errors,
    });
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let notice = done.notice(&ctx);
    account_page(
        &state,
        &ctx,
        &user,
        String::new(),
        notice,
        FormErrors::default(),
        FormErrors::default(),
    )
    .await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_confirm: String,
}

pub async fn password(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let result = if form.new_password != form.new_password_confirm {
        Err(forge_core::Error::invalid(
            "new_password_confirm",
            "error-password-mismatch",
        ))
    } else {
        let kept = cookies::get(&headers, cookies::SESSION);
        account_settings::change_password(
            &state.db,
            user.id,
            &form.current_password,
            &form.new_password,
            kept.as_deref(),
        )
        .await
    };
    match result {
        Ok(()) => Ok(see_other("/user/settings/account?done=password")),
        Err(e) => {
            let errors = FormErrors::from_error(&ctx, e)?;
            account_page(
                &state,
                &ctx,
                &user,
                String::new(),
                None,
                errors,
                FormErrors::default(),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    current_password: String,
}

pub async fn email(
    State(state): State<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<EmailForm>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    match account_settings::change_email(&state.db, user.id, &form.current_password, &form.email)
        .await
    {
        Ok(_) => {
            // The new address is verified by a link sent to it.
            request_verification(&state, user.id).await?;
            Ok(see_other("/user/settings/account?done=email"))
        }
        Err(e) => {
            // The password field of this form is told apart from the one of
            // the password form, which has the same name.
            let mut errors = FormErrors::from_error(&ctx, e)?;
            for (field, _) in &mut errors.fields {
                if *field == "current_password" {
                    *field = "email_current_password";
                }
            }
            account_page(
                &state,
                &ctx,
                &user,
                form.email,
                None,
                FormErrors::default(),
                errors,
            )
            .await
        }
    }
}

/// What stands in the way of closing the account, in words.
pub struct ObstacleView {
    pub message: String,
    /// Links to what to change: repositories or organisations.
    pub links: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "settings_close.html")]
struct CloseView<'a> {
    ctx: &'a PageCtx,
    username: String,
    has_password: bool,
    obstacles: Vec<ObstacleView>,
    errors: FormErrors,
}

async fn close_page(
    state: &AppState,
    ctx: &PageCtx,
    user: &User,
    errors: FormErrors,
) -> Result<Response, PageError> {
    let obstacles = account_settings::closing_obstacles(&state.db, user)
        .await?
        .into_iter()
        .map(|obstacle| match obstacle {
            Obstacle::OwnsRepositories(names) => ObstacleView {
                message: ctx.t("settings-close-owns-repos"),
                links: names
                    .into_iter()
                    .map(|name| (format!("/{}/{name}/settings", user.name), name))
                    .collect(),
            },
            Obstacle::LastOwnerOf(orgs) => ObstacleView {
                message: ctx.t("settings-close-last-owner"),
                links: orgs
                    .into_iter()
                    .map(|org| (format!("/{org}"), org))
                    .collect(),
            },
            Obstacle::LastAdmin => ObstacleView {
                message: ctx.t("settings-close-last-admin"),
                links: Vec::new(),
            },
        })
        .collect();
    let failed = errors.any();
    let mut response = render(&CloseView {
        ctx,
        username: user.name.clone(),
        has_password: user::has_password(&state.db, user.id).await?,
        obstacles,
        errors,
    });
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

pub async fn close_form(
    State(state): State<AppState>,
    ctx: PageCtx,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    close_page(&state, &ctx, &user, FormErrors::default()).await
}

#[derive(Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    current_password: String,
    /// The user name typed again: closing cannot be undone.
    #[serde(default)]
    confirm_username: String,
}

#[derive(Template)]
#[template(path = "settings_closed.html")]
struct ClosedView<'a> {
    ctx: &'a PageCtx,
}

pub async fn close(
    State(state): State<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<CloseForm>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let result = if form.confirm_username.trim().to_lowercase() != user.name {
        Err(forge_core::Error::invalid(
            "confirm_username",
            "error-confirm-username",
        ))
    } else {
        account_settings::close(&state.db, &user, &form.current_password).await
    };
    if let Err(e) = result {
        let errors = FormErrors::from_error(&ctx, e)?;
        return close_page(&state, &ctx, &user, errors).await;
    }
    tracing::info!(user = %user.name, "account closed by its user");
    let visitor = PageCtx {
        user: None,
        ..ctx.clone()
    };
    let mut response = render(&ClosedView { ctx: &visitor });
    let cookie = cookies::set(cookies::SESSION, "", Some(0), state.config.secure_cookies());
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(SET_COOKIE, value);
    }
    Ok(response)
}
