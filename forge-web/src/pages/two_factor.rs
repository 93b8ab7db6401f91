//! Two-factor sign-in (TOTP): the second step of signing in, and setting
//! it up or turning it off in the settings. Works without JavaScript: the
//! secret is shown as text and as an `otpauth://` link.

use super::account::open_session;
use super::see_other;
use crate::auth::ClientAddress;
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::views::{FormErrors, render};
use crate::{AppState, cookies};
use askama::Template;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use forge_core::auth_limit::{self, Verdict};
use forge_core::clock::now_ms;
use forge_core::security_log::{self, kind};
use forge_core::{totp, user};
use serde::Deserialize;

/// Where a sign-in goes for its second factor.
pub const SIGN_IN_PAGE: &str = "/user/two_factor";
/// The settings page.
pub const SETTINGS_PAGE: &str = "/user/settings/two_factor";

#[derive(Template)]
#[template(path = "two_factor_sign_in.html")]
struct SignInView<'a> {
    ctx: &'a PageCtx,
    errors: FormErrors,
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// Pages with secrets or codes are kept by no cache.
fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    response
}

/// The account key of second-factor guessing limits.
fn limit_key(user: forge_core::UserId) -> String {
    format!("totp:{}", user.0)
}

pub async fn sign_in_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let Some(token) = cookies::get(&headers, cookies::SECOND_FACTOR) else {
        return Ok(see_other("/user/login"));
    };
    if totp::pending(&state.db, &token, now_ms()).await?.is_none() {
        return Ok(see_other("/user/login"));
    }
    Ok(no_store(render(&SignInView {
        ctx: &ctx,
        errors: FormErrors::default(),
    })))
}

pub async fn sign_in(
    State(state): State<AppState>,
    ctx: PageCtx,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Result<Response, PageError> {
    let now = now_ms();
    let Some(token) = cookies::get(&headers, cookies::SECOND_FACTOR) else {
        return Ok(see_other("/user/login"));
    };
    let Some((user_id, to)) = totp::pending(&state.db, &token, now).await? else {
        return Ok(see_other("/user/login"));
    };
    let key = limit_key(user_id);
    let refuse = |status: StatusCode, message: String| {
        let page = render(&SignInView {
            ctx: &ctx,
            errors: FormErrors {
                general: Some(message),
                ..FormErrors::default()
            },
        });
        Ok(no_store((status, page).into_response()))
    };
    if let Verdict::Wait { retry_after_ms } =
        auth_limit::check(&state.db, &address, &key, now).await?
    {
        let seconds = ((retry_after_ms + 999) / 1000).max(1);
        return refuse(
            StatusCode::TOO_MANY_REQUESTS,
            ctx.t1("login-wait", "seconds", &seconds.to_string()),
        );
    }
    if !totp::verify(&state.db, user_id, &form.code, now).await? {
        auth_limit::record_failure(&state.db, &address, &key, now).await?;
        security_log::record(
            &state.db,
            Some(user_id),
            kind::SECOND_FACTOR_FAILED,
            &address,
            "",
            now,
        )
        .await?;
        return refuse(StatusCode::UNAUTHORIZED, ctx.t("totp-wrong-code"));
    }
    auth_limit::record_success(&state.db, &address, &key).await?;
    totp::end_pending(&state.db, &token, now).await?;
    let Some(user) = user::by_id(&state.db, user_id).await? else {
        return Ok(see_other("/user/login"));
    };
    let mut response = open_session(&state, &user, &to).await?;
    let gone = cookies::set(
        cookies::SECOND_FACTOR,
        "",
        Some(0),
        state.config.secure_cookies(),
    );
    if let Ok(value) = HeaderValue::from_str(&gone) {
        response.headers_mut().append(SET_COOKIE, value);
    }
    Ok(response)
}

#[derive(Template)]
#[template(path = "two_factor_settings.html")]
struct SettingsView<'a> {
    ctx: &'a PageCtx,
    /// The user must enrol before doing anything else.
    required: bool,
    state: totp::State,
    /// For `Pending`: the link an authenticator app opens.
    uri: String,
    /// Just confirmed: the recovery codes, shown this once.
    recovery_codes: Vec<String>,
    errors: FormErrors,
}

async fn settings_page(
    state: &AppState,
    ctx: &PageCtx,
    recovery_codes: Vec<String>,
    errors: FormErrors,
) -> Result<Response, PageError> {
    let Some(user) = &ctx.user else {
        return Err(PageError::not_found());
    };
    let current = totp::state(&state.db, user.id).await?;
    let uri = match &current {
        totp::State::Pending { secret_base32 } => {
            totp::otpauth_uri(&ctx.site_name, &user.name, secret_base32)
        }
        _ => String::new(),
    };
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let required = forge_core::two_factor_policy::must_enrol(&state.db, user).await?;
    let page = render(&SettingsView {
        ctx,
        required,
        state: current,
        uri,
        recovery_codes,
        errors,
    });
    Ok(no_store((status, page).into_response()))
}

pub async fn settings(State(state): State<AppState>, ctx: PageCtx) -> Result<Response, PageError> {
    if let Err(redirect) = ctx.require_user() {
        return Ok(redirect.into_response());
    }
    settings_page(&state, &ctx, Vec::new(), FormErrors::default()).await
}

pub async fn enrol(
    State(state): State<AppState>,
    ctx: PageCtx,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    match totp::enrol(&state.db, user.id, now_ms()).await {
        Ok(_) => Ok(see_other(SETTINGS_PAGE)),
        Err(e) => settings_page(&state, &ctx, Vec::new(), FormErrors::from_error(&ctx, e)?).await,
    }
}

pub async fn confirm(
    State(state): State<AppState>,
    ctx: PageCtx,
    ClientAddress(address): ClientAddress,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let now = now_ms();
    match totp::confirm(&state.db, user.id, &form.code, now).await {
        Ok(codes) => {
            security_log::record(
                &state.db,
                Some(user.id),
                kind::TOTP_ENABLED,
                &address,
                "",
                now,
            )
            .await?;
            settings_page(&state, &ctx, codes, FormErrors::default()).await
        }
        Err(e) => settings_page(&state, &ctx, Vec::new(), FormErrors::from_error(&ctx, e)?).await,
    }
}

pub async fn disable(
    State(state): State<AppState>,
    ctx: PageCtx,
    ClientAddress(address): ClientAddress,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let now = now_ms();
    let key = limit_key(user.id);
    if let Verdict::Wait { .. } = auth_limit::check(&state.db, &address, &key, now).await? {
        let errors = FormErrors {
            fields: vec![("code", ctx.t("error-too-many-attempts"))],
            ..FormErrors::default()
        };
        return settings_page(&state, &ctx, Vec::new(), errors).await;
    }
    if !totp::verify(&state.db, user.id, &form.code, now).await? {
        auth_limit::record_failure(&state.db, &address, &key, now).await?;
        let errors = FormErrors {
            fields: vec![("code", ctx.t("totp-wrong-code"))],
            ..FormErrors::default()
        };
        return settings_page(&state, &ctx, Vec::new(), errors).await;
    }
    totp::disable(&state.db, user.id).await?;
    security_log::record(
        &state.db,
        Some(user.id),
        kind::TOTP_DISABLED,
        &address,
        "",
        now,
    )
    .await?;
    Ok(see_other(SETTINGS_PAGE))
}

#[derive(Deserialize)]
pub struct RequiredForm {
    #[serde(default)]
    required: String,
}

/// `/org/{org}/two_factor`: an owner requires (or stops requiring) two-factor
/// sign-in of the organisation's owners and treasurers.
pub async fn org_requirement(
    State(state): State<AppState>,
    ctx: PageCtx,
    axum::extract::Path(name): axum::extract::Path<String>,
    CsrfForm(form): CsrfForm<RequiredForm>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let Some(org) = forge_core::org::by_name(&state.db, &name).await? else {
        return Err(PageError::not_found());
    };
    forge_core::two_factor_policy::set_org_required(&state.db, &user, org.id, form.required == "1")
        .await?;
    Ok(see_other(&format!("/{}", org.name)))
}

/// `/-/admin/two_factor`: the site admin requires (or stops requiring)
/// two-factor sign-in of every administrator.
pub async fn admins_requirement(
    State(state): State<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<RequiredForm>,
) -> Result<Response, PageError> {
    let Some(user) = ctx.user.clone().filter(|u| u.is_admin) else {
        return Err(PageError::not_found());
    };
    forge_core::two_factor_policy::set_admins_required(&state.db, &user, form.required == "1")
        .await?;
    Ok(see_other("/-/admin/security"))
}
