//! Signing in with OpenID Connect and OAuth2 providers, the confirmation
//! of an account made by a first sign-in, and the "linked accounts"
//! settings page.
//!
//! - `GET /user/oauth2/{provider}` starts a sign-in: it records a pending
//!   login (random state, PKCE verifier, nonce) bound to this browser by the
//!   `forge_oauth` cookie, then redirects to the provider. With
//!   `?link=1&_csrf=…` a signed-in user links the provider to their account
//!   instead (a link, not a form: the content security policy would stop a
//!   form's redirect to another site).
//! - `GET /user/oauth2/{provider}/callback` takes the pending login (once),
//!   finishes the flow with the provider, then signs in the identity's
//!   user, links the identity, or, for an unknown identity, proposes an
//!   account on the confirmation page.
//! - `GET/POST /user/oauth2/{provider}/confirm`: the person chooses their
//!   username (and address) and the account is created.
//! - `GET /user/settings/identities` and `POST …/{id}/unlink`.
//!
//! Every failure answers a page that says what happened with a way back,
//! logs a line for the administrator, and creates or changes no account.

use super::account::start_session;
use super::see_other;
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::oidc::FlowError;
use crate::views::{FormErrors, render, safe_next, url_encode};
use crate::{AppState, cookies};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use forge_core::identity::{self, PendingSignup};
use forge_core::user::{self, NewExternalUser};
use forge_core::{Error, secret};
use serde::Deserialize;

/// Binds a pending login to the browser that started it.
const BROWSER_COOKIE: &str = "forge_oauth";
/// Names the pending sign-up awaiting confirmation.
const SIGNUP_COOKIE: &str = "forge_oauth_signup";
/// Both cookies live as long as what they name: 10 minutes.
const PENDING_COOKIE_SECS: i64 = identity::PENDING_TTL_MS / 1000;

const IDENTITIES_PAGE: &str = "/user/settings/identities";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/user/oauth2/{provider}", get(start))
        .route("/user/oauth2/{provider}/callback", get(callback))
        .route(
            "/user/oauth2/{provider}/confirm",
            get(confirm_form).post(confirm),
        )
        .route(IDENTITIES_PAGE, get(identities))
        .route("/user/settings/identities/{id}/unlink", post(unlink))
}

/// A sign-in button of the sign-in page.
pub struct ProviderButton {
    pub href: String,
    pub label: String,
}

/// The buttons of the sign-in page, which come back to `redirect_to`.
pub fn buttons(state: &AppState, ctx: &PageCtx, redirect_to: &str) -> Vec<ProviderButton> {
    state
        .oidc
        .all()
        .map(|p| ProviderButton {
            href: if redirect_to == "/" {
                format!("/user/oauth2/{}", p.name)
            } else {
                format!(
                    "/user/oauth2/{}?redirect_to={}",
                    p.name,
                    url_encode(redirect_to)
                )
            },
            label: ctx.t1("auth-sign-in-with", "provider", &p.display_name),
        })
        .collect()
}

fn redirect_uri(state: &AppState, provider: &str) -> String {
    format!(
        "{}/user/oauth2/{provider}/callback",
        state.config.base_url.trim_end_matches('/')
    )
}

fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(SET_COOKIE, value);
    }
}

fn looks_like_secret(value: &str) -> bool {
    value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

#[derive(Template)]
#[template(path = "oauth_error.html")]
struct FailureView<'a> {
    ctx: &'a PageCtx,
    status: u16,
    message: String,
    back_href: &'a str,
    back_label: String,
}

/// A page saying why signing in with a provider did not work, with a way
/// back to where the person came from.
fn failure(ctx: &PageCtx, status: StatusCode, key: &str, back_href: &str) -> Response {
    let back_label = if back_href == IDENTITIES_PAGE {
        ctx.t("auth-back-to-identities")
    } else {
        ctx.t("auth-back-to-sign-in")
    };
    let mut response = render(&FailureView {
        ctx,
        status: status.as_u16(),
        message: ctx.t(key),
        back_href,
        back_label,
    });
    *response.status_mut() = status;
    response
}

fn flow_failure(ctx: &PageCtx, provider: &str, error: &FlowError, back_href: &str) -> Response {
    match error {
        FlowError::Denied(_) => {
            tracing::info!(provider, %error, "a sign-in with a provider was refused")
        }
        _ => tracing::warn!(provider, %error, "a sign-in with a provider failed"),
    }
    failure(ctx, error.status(), error.key(), back_href)
}

#[derive(Deserialize)]
pub struct StartQuery {
    redirect_to: Option<String>,
    link: Option<String>,
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
}

/// Starts a sign-in (or, with `link`, the linking of a provider to the
/// signed-in user) and sends the browser to the provider.
async fn start(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(name): Path<String>,
    Query(query): Query<StartQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let Some(provider) = state.oidc.get(&name) else {
        return Err(PageError::not_found());
    };
    let (link_user, redirect_to) = if query.link.is_some() {
        // Signing in first changes the CSRF token this link carries: come
        // back to the settings page rather than to the link.
        let Some(user) = &ctx.user else {
            return Ok(see_other(&format!(
                "/user/login?redirect_to={}",
                url_encode(IDENTITIES_PAGE)
            )));
        };
        // A link starts from the settings page, which gives its CSRF token.
        if !secret::constant_time_eq(query.csrf.as_deref().unwrap_or(""), &ctx.csrf) {
            return Err(PageError::csrf());
        }
        (Some(user.id), IDENTITIES_PAGE.to_string())
    } else {
        let redirect_to = safe_next(query.redirect_to.as_deref());
        if ctx.signed_in() {
            return Ok(see_other(&redirect_to));
        }
        (None, redirect_to)
    };
    let back = if link_user.is_some() {
        IDENTITIES_PAGE
    } else {
        "/user/login"
    };
    // Discovery first, so a provider that is down leaves nothing pending.
    if let Err(error) = state.oidc.discover(&provider).await {
        return Ok(flow_failure(&ctx, &name, &error, back));
    }
    // One secret per browser, kept while it is fresh, so that sign-ins
    // started in two tabs both work.
    let browser = cookies::get(&headers, BROWSER_COOKIE)
        .filter(|b| looks_like_secret(b))
        .unwrap_or_else(|| secret::random_hex(32));
    let started =
        identity::start_login(&state.db, &name, &browser, link_user, &redirect_to).await?;
    let url = match state
        .oidc
        .authorization_url(&provider, &redirect_uri(&state, &name), &started)
        .await
    {
        Ok(url) => url,
        Err(error) => return Ok(flow_failure(&ctx, &name, &error, back)),
    };
    let mut response = see_other(&url);
    set_cookie(
        &mut response,
        &cookies::set(
            BROWSER_COOKIE,
            &browser,
            Some(PENDING_COOKIE_SECS),
            state.config.secure_cookies(),
        ),
    );
    Ok(response)
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    iss: Option<String>,
}

/// The provider sends the browser back here with a code (or an error).
async fn callback(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(name): Path<String>,
    Query(query): Query<CallbackQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let Some(provider) = state.oidc.get(&name) else {
        return Err(PageError::not_found());
    };
    let browser = cookies::get(&headers, BROWSER_COOKIE);
    let pending = match &query.state {
        Some(s) => identity::take_login(&state.db, s, browser.as_deref()).await?,
        None => None,
    };
    let Some(pending) = pending.filter(|p| p.provider == name) else {
        tracing::warn!(
            provider = %name,
            "an answer from a provider matches no sign-in started in this browser \
             (a wrong, replayed or expired state, or another browser)"
        );
        return Ok(failure(
            &ctx,
            StatusCode::BAD_REQUEST,
            "auth-error-state",
            "/user/login",
        ));
    };
    let back = if pending.link_user.is_some() {
        IDENTITIES_PAGE
    } else {
        "/user/login"
    };
    if let Some(error) = query.error {
        let error = if error == "access_denied" {
            FlowError::Denied(error)
        } else {
            // Error codes are short ASCII words; nothing else reaches the log.
            FlowError::ProviderError(
                error
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
                    .take(64)
                    .collect(),
            )
        };
        return Ok(flow_failure(&ctx, &name, &error, back));
    }
    let Some(code) = query.code.filter(|c| !c.is_empty()) else {
        let error = FlowError::BadAnswer("the provider sent back no code".into());
        return Ok(flow_failure(&ctx, &name, &error, back));
    };
    let found = match state
        .oidc
        .finish(
            &provider,
            &redirect_uri(&state, &name),
            &code,
            query.iss.as_deref(),
            &pending,
        )
        .await
    {
        Ok(found) => found,
        Err(error) => return Ok(flow_failure(&ctx, &name, &error, back)),
    };

    if let Some(user_id) = pending.link_user {
        // The person who started linking must still be the one signed in.
        if ctx.user.as_ref().map(|u| u.id) != Some(user_id) {
            tracing::warn!(provider = %name, "a link finished in another session; refused");
            return Ok(failure(
                &ctx,
                StatusCode::FORBIDDEN,
                "auth-error-link-session",
                back,
            ));
        }
        return match identity::link(&state.db, user_id, &name, &found.subject).await {
            Ok(_) => {
                tracing::info!(provider = %name, user = %user_id, "a provider was linked");
                Ok(see_other(&format!("{IDENTITIES_PAGE}?linked={name}")))
            }
            Err(Error::Conflict { .. }) => {
                tracing::warn!(
                    provider = %name,
                    user = %user_id,
                    "refused to link an identity that belongs to another user"
                );
                Ok(failure(
                    &ctx,
                    StatusCode::CONFLICT,
                    "error-identity-taken",
                    back,
                ))
            }
            Err(e) => Err(e.into()),
        };
    }

    if let Some(existing) = identity::find(&state.db, &name, &found.subject).await? {
        let Some(user) = user::by_id(&state.db, existing.user_id).await? else {
            return Err(PageError::not_found());
        };
        tracing::info!(provider = %name, user = %user.id, "signed in with a provider");
        return start_session(&state, &user, &pending.redirect_to).await;
    }

    // A first sign-in: propose an account, which the person confirms.
    let hint = found.username_hint.clone().unwrap_or_else(|| name.clone());
    let username = identity::propose_username(&state.db, &hint).await?;
    let token = identity::start_signup(
        &state.db,
        &PendingSignup {
            provider: name.clone(),
            subject: found.subject,
            username,
            email: found.email.unwrap_or_default(),
            full_name: found.name.unwrap_or_default(),
            redirect_to: pending.redirect_to,
        },
    )
    .await?;
    let mut response = see_other(&format!("/user/oauth2/{name}/confirm"));
    set_cookie(
        &mut response,
        &cookies::set(
            SIGNUP_COOKIE,
            &token,
            Some(PENDING_COOKIE_SECS),
            state.config.secure_cookies(),
        ),
    );
    Ok(response)
}

#[derive(Template)]
#[template(path = "oauth_confirm.html")]
struct ConfirmView<'a> {
    ctx: &'a PageCtx,
    provider: &'a str,
    provider_name: &'a str,
    username: String,
    email: String,
    full_name: String,
    errors: FormErrors,
}

/// The pending sign-up of this browser for `provider`, if it lasts.
async fn pending_signup(
    state: &AppState,
    headers: &HeaderMap,
    provider: &str,
) -> Result<Option<(String, PendingSignup)>, PageError> {
    let Some(token) = cookies::get(headers, SIGNUP_COOKIE) else {
        return Ok(None);
    };
    Ok(identity::pending_signup(&state.db, &token)
        .await?
        .filter(|p| p.provider == provider)
        .map(|p| (token, p)))
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn confirm_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let Some(provider) = state.oidc.get(&name) else {
        return Err(PageError::not_found());
    };
    let Some((_, pending)) = pending_signup(&state, &headers, &name).await? else {
        return Ok(failure(
            &ctx,
            StatusCode::BAD_REQUEST,
            "error-signup-expired",
            "/user/login",
        ));
    };
    Ok(no_store(render(&ConfirmView {
        ctx: &ctx,
        provider: &name,
        provider_name: &provider.config.display_name,
        username: pending.username,
        email: pending.email,
        full_name: pending.full_name,
        errors: FormErrors::default(),
    })))
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    full_name: String,
}

async fn confirm(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(name): Path<String>,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Result<Response, PageError> {
    let Some(provider) = state.oidc.get(&name) else {
        return Err(PageError::not_found());
    };
    let Some((token, _)) = pending_signup(&state, &headers, &name).await? else {
        return Ok(failure(
            &ctx,
            StatusCode::BAD_REQUEST,
            "error-signup-expired",
            "/user/login",
        ));
    };
    let account = NewExternalUser {
        name: form.username.clone(),
        email: form.email.clone(),
        full_name: form.full_name.clone(),
    };
    match identity::complete_signup(&state.db, &token, &account).await {
        Ok((created, pending)) => {
            // People sign up in the language they are reading; keep it.
            user::set_locale(&state.db, created.id, ctx.lang.code()).await?;
            // A provider's address is verified here like any other: by
            // the link, before anything else is sent to it.
            super::settings::notifications::request_verification(&state, created.id).await?;
            tracing::info!(
                provider = %name,
                user = %created.id,
                "an account was created by a first sign-in with a provider"
            );
            let mut response = start_session(&state, &created, &pending.redirect_to).await?;
            set_cookie(
                &mut response,
                &cookies::set(SIGNUP_COOKIE, "", Some(0), state.config.secure_cookies()),
            );
            Ok(response)
        }
        Err(Error::NotFound(_)) => Ok(failure(
            &ctx,
            StatusCode::BAD_REQUEST,
            "error-signup-expired",
            "/user/login",
        )),
        Err(e) => {
            let errors = FormErrors::from_error(&ctx, e)?;
            let mut response = render(&ConfirmView {
                ctx: &ctx,
                provider: &name,
                provider_name: &provider.config.display_name,
                username: form.username,
                email: form.email,
                full_name: form.full_name,
                errors,
            });
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(no_store(response))
        }
    }
}

struct IdentityRow {
    id: i64,
    provider_name: String,
    subject: String,
    linked_on: String,
}

struct LinkButton {
    href: String,
    label: String,
}

#[derive(Template)]
#[template(path = "oauth_identities.html")]
struct IdentitiesView<'a> {
    ctx: &'a PageCtx,
    identities: Vec<IdentityRow>,
    links: Vec<LinkButton>,
    has_password: bool,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct IdentitiesQuery {
    linked: Option<String>,
    unlinked: Option<String>,
}

async fn identities_page(
    state: &AppState,
    ctx: &PageCtx,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let Some(user) = &ctx.user else {
        return Err(PageError::not_found());
    };
    let display_name = |provider: &str| {
        state
            .oidc
            .get(provider)
            .map_or_else(|| provider.to_string(), |p| p.config.display_name.clone())
    };
    let identities = identity::list(&state.db, user.id)
        .await?
        .into_iter()
        .map(|i| IdentityRow {
            id: i.id,
            provider_name: display_name(&i.provider),
            subject: i.subject,
            linked_on: crate::format::long_date(ctx.lang, i.created_at),
        })
        .collect();
    let links = state
        .oidc
        .all()
        .map(|p| LinkButton {
            href: format!("/user/oauth2/{}?link=1&_csrf={}", p.name, ctx.csrf),
            label: ctx.t1("auth-link-with", "provider", &p.display_name),
        })
        .collect();
    let mut response = render(&IdentitiesView {
        ctx,
        identities,
        links,
        has_password: user::has_password(&state.db, user.id).await?,
        notice,
        error,
    });
    *response.status_mut() = status;
    Ok(no_store(response))
}

async fn identities(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(query): Query<IdentitiesQuery>,
) -> Result<Response, PageError> {
    if let Err(redirect) = ctx.require_user() {
        return Ok(redirect.into_response());
    }
    let notice = match (&query.linked, &query.unlinked) {
        (Some(provider), _) => state
            .oidc
            .get(provider)
            .map(|p| ctx.t1("auth-linked", "provider", &p.config.display_name)),
        (None, Some(_)) => Some(ctx.t("auth-unlinked")),
        (None, None) => None,
    };
    identities_page(&state, &ctx, notice, None, StatusCode::OK).await
}

async fn unlink(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let usable: Vec<&str> = state.oidc.all().map(|p| p.name.as_str()).collect();
    let password_usable = state.config.local_signin || user.is_admin;
    match identity::unlink(&state.db, user, id, &usable, password_usable).await {
        Ok(()) => {
            tracing::info!(user = %user.id, identity = id, "a provider was unlinked");
            Ok(see_other(&format!("{IDENTITIES_PAGE}?unlinked=1")))
        }
        Err(Error::Conflict { problem, .. }) => {
            let message = ctx.problem(&problem);
            identities_page(&state, &ctx, None, Some(message), StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}
