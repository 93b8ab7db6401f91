//! Signing up, in and out, and choosing a language.

use super::see_other;
use super::settings::notifications::request_verification;
use crate::auth::ClientAddress;
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::i18n::Lang;
use crate::views::{FormErrors, render, safe_next};
use crate::{AppState, cookies};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use forge_core::auth_limit::{self, Channel, Checked};
use forge_core::clock::now_ms;
use forge_core::session::SESSION_TTL_MS;
use forge_core::user::{self, NewUser, User};
use forge_core::{secret, session};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginView<'a> {
    ctx: &'a PageCtx,
    login: String,
    redirect_to: String,
    errors: FormErrors,
    /// "Sign in with …" buttons, one per configured provider.
    providers: Vec<super::oauth::ProviderButton>,
    /// Whether the password form shows: always when local sign-in is on;
    /// otherwise only at `/user/login?local=1`, for site administrators.
    password_form: bool,
    /// Local sign-in is off: only site administrators may use a password.
    admins_only: bool,
    /// Coming from the sign-up form: say what happened, the same for all.
    signed_up: bool,
}

#[derive(Deserialize)]
pub struct RedirectQuery {
    redirect_to: Option<String>,
    local: Option<String>,
    signed_up: Option<String>,
}

/// Where every sign-up ends, whether it created an account or not.
const SIGNED_UP: &str = "/user/login?signed_up=1";

pub async fn login_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(query): Query<RedirectQuery>,
) -> Response {
    let redirect_to = safe_next(query.redirect_to.as_deref());
    if ctx.signed_in() {
        return see_other(&redirect_to);
    }
    render(&LoginView {
        ctx: &ctx,
        login: String::new(),
        providers: super::oauth::buttons(&state, &ctx, &redirect_to),
        redirect_to,
        errors: FormErrors::default(),
        password_form: state.config.local_signin || query.local.is_some(),
        admins_only: !state.config.local_signin,
        signed_up: query.signed_up.is_some(),
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    redirect_to: Option<String>,
}

/// Ends a sign-in whose first factor was right (a password, a provider):
/// a user with two-factor sign-in gives the second first, on its own page;
/// anyone else gets a session now.
pub(super) async fn start_session(
    state: &AppState,
    user: &User,
    to: &str,
) -> Result<Response, PageError> {
    if forge_core::totp::enabled(&state.db, user.id).await? {
        let to = safe_next(Some(to));
        let token = forge_core::totp::start_pending(&state.db, user.id, &to, now_ms()).await?;
        let mut response = see_other(super::two_factor::SIGN_IN_PAGE);
        let cookie = cookies::set(
            cookies::SECOND_FACTOR,
            &token,
            Some(forge_core::totp::PENDING_TTL_MS / 1000),
            state.config.secure_cookies(),
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(SET_COOKIE, value);
        }
        return Ok(response);
    }
    open_session(state, user, to).await
}

/// Opens a session and answers a redirect that sets its cookie, with a fresh
/// CSRF token so that one planted before signing in is worthless after.
pub(super) async fn open_session(
    state: &AppState,
    user: &User,
    to: &str,
) -> Result<Response, PageError> {
    let cookie = session::create(&state.db, user.id).await?;
    let secure = state.config.secure_cookies();
    // Every way of signing in ends here; the target is checked once more so
    // that none, now or later, can skip the check.
    let mut response = see_other(&safe_next(Some(to)));
    let headers = response.headers_mut();
    for value in [
        cookies::set(
            cookies::SESSION,
            &cookie,
            Some(SESSION_TTL_MS / 1000),
            secure,
        ),
        cookies::set(cookies::CSRF, &secret::random_hex(32), None, secure),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.append(SET_COOKIE, value);
        }
    }
    Ok(response)
}

pub async fn login(
    State(state): State<AppState>,
    ctx: PageCtx,
    ClientAddress(address): ClientAddress,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<Response, PageError> {
    let redirect_to = safe_next(form.redirect_to.as_deref());
    let checked = auth_limit::authenticate_password(
        &state.db,
        &address,
        &form.login,
        &form.password,
        Channel::Web,
        now_ms(),
    )
    .await?;
    let (found, wait) = match checked {
        Checked::User(user) => (Some(user), None),
        Checked::Wrong => (None, None),
        Checked::Wait { retry_after_ms } => (None, Some(retry_after_ms)),
    };
    // With local sign-in off, only site administrators may use a password;
    // anyone else is told the same as for a wrong password.
    let allowed = found.filter(|u| state.config.local_signin || u.is_admin);
    match allowed {
        Some(user) => start_session(&state, &user, &redirect_to).await,
        None => {
            tracing::info!("a sign-in attempt failed");
            let seconds = wait.map(|ms| ((ms + 999) / 1000).max(1));
            let message = match seconds {
                Some(seconds) => ctx.t1("login-wait", "seconds", &seconds.to_string()),
                None => ctx.t("login-failed"),
            };
            let errors = FormErrors {
                general: Some(message),
                ..FormErrors::default()
            };
            let page = render(&LoginView {
                ctx: &ctx,
                login: form.login,
                providers: super::oauth::buttons(&state, &ctx, &redirect_to),
                redirect_to,
                errors,
                password_form: true,
                admins_only: !state.config.local_signin,
                signed_up: false,
            });
            let Some(seconds) = seconds else {
                return Ok((StatusCode::UNAUTHORIZED, page).into_response());
            };
            let mut response = (StatusCode::TOO_MANY_REQUESTS, page).into_response();
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, HeaderValue::from(seconds));
            Ok(response)
        }
    }
}

#[derive(Template)]
#[template(path = "sign_up.html")]
struct SignUpView<'a> {
    ctx: &'a PageCtx,
    username: String,
    email: String,
    full_name: String,
    errors: FormErrors,
}

pub async fn sign_up_form(ctx: PageCtx) -> Response {
    if ctx.signed_in() {
        return see_other("/");
    }
    let status = if ctx.signup_open {
        StatusCode::OK
    } else {
        StatusCode::FORBIDDEN
    };
    let page = render(&SignUpView {
        ctx: &ctx,
        username: String::new(),
        email: String::new(),
        full_name: String::new(),
        errors: FormErrors::default(),
    });
    (status, page).into_response()
}

#[derive(Deserialize)]
pub struct SignUpForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

pub async fn sign_up(
    State(state): State<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<SignUpForm>,
) -> Result<Response, PageError> {
    if !state.config.local_signup {
        return Err(PageError::new(StatusCode::FORBIDDEN, "sign-up-closed"));
    }
    let rerender = |errors: FormErrors| {
        let page = render(&SignUpView {
            ctx: &ctx,
            username: form.username.clone(),
            email: form.email.clone(),
            full_name: form.full_name.clone(),
            errors,
        });
        Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    };
    // Every field is checked before anything is stored, so a person sees all
    // the problems at once rather than one per attempt.
    let mut errors = FormErrors::default();
    let checks = [
        forge_core::names::validate_name("username", &form.username).err(),
        forge_core::names::validate_email(&form.email).err(),
        forge_core::password::validate(&form.password).err(),
    ];
    for error in checks.into_iter().flatten() {
        if let forge_core::Error::Invalid { field, problem } = error {
            errors.fields.push((field, ctx.problem(&problem)));
        }
    }
    if form.password != form.password_confirm {
        errors
            .fields
            .push(("password_confirm", ctx.t("error-password-mismatch")));
    }
    // "Camille Martin" typed as a user name: offer `camille-martin`, filled in,
    // and keep what was typed as the full name if that was left empty.
    let suggestion = match errors.of("username") {
        Some(_) => match forge_core::account_settings::suggest_name(&form.username) {
            Some(name) if user::name_available(&state.db, &name).await? => Some(name),
            _ => None,
        },
        None => None,
    };
    if let Some(name) = &suggestion {
        for (field, message) in &mut errors.fields {
            if *field == "username" {
                message.push(' ');
                message.push_str(&ctx.t1("sign-up-username-suggested", "name", name));
            }
        }
    }
    if errors.any() {
        let typed = form.username.trim();
        let page = render(&SignUpView {
            ctx: &ctx,
            username: suggestion.clone().unwrap_or_else(|| form.username.clone()),
            email: form.email.clone(),
            full_name: if form.full_name.trim().is_empty() && suggestion.is_some() {
                typed.to_string()
            } else {
                form.full_name.clone()
            },
            errors,
        });
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    // The very first account of a new forge administers it, as in Gitea.
    let first = user::count(&state.db).await? == 0;
    let created = user::create(
        &state.db,
        NewUser {
            name: form.username.clone(),
            email: form.email.clone(),
            password: form.password.clone(),
            full_name: form.full_name.clone(),
            is_admin: first,
        },
    )
    .await;
    // Whether the address was free or already registered, the answer is
    // the same, so that sign-up cannot tell who has an account here. Without
    // e-mail, a new account is not signed in at once (that would differ);
    // once the forge sends e-mail, the address's owner will be told.
    match created {
        Ok(created) => {
            // People sign up in the language they are reading; keep it.
            user::set_locale(&state.db, created.id, ctx.lang.code()).await?;
            tracing::info!(user = %created.id, "an account was created");
            // The address is verified by the link this sends, in the
            // language just kept, before anything else goes to it.
            request_verification(&state, created.id).await?;
            Ok(see_other(SIGNED_UP))
        }
        Err(forge_core::Error::Conflict {
            field: Some("email"),
            ..
        }) => {
            tracing::info!("a sign-up gave an e-mail address that is already registered");
            Ok(see_other(SIGNED_UP))
        }
        Err(e) => rerender(FormErrors::from_error(&ctx, e)?),
    }
}

pub async fn logout(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    if let Some(cookie) = cookies::get(&headers, cookies::SESSION) {
        session::delete(&state.db, &cookie).await?;
    }
    let secure = state.config.secure_cookies();
    let mut response = see_other("/");
    if let Ok(value) = HeaderValue::from_str(&cookies::set(cookies::SESSION, "", Some(0), secure)) {
        response.headers_mut().append(SET_COOKIE, value);
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct LangForm {
    lang: String,
    next: Option<String>,
}

/// Remembers the chosen language: in a cookie for everyone, and on the
/// account of a signed-in user so it follows them to other browsers.
pub async fn set_language(
    State(state): State<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<LangForm>,
) -> Result<Response, PageError> {
    let lang = Lang::from_code(&form.lang)
        .ok_or_else(|| PageError::new(StatusCode::BAD_REQUEST, "error-bad-form"))?;
    if let Some(user) = &ctx.user {
        user::set_locale(&state.db, user.id, lang.code()).await?;
    }
    let mut response = see_other(&safe_next(form.next.as_deref()));
    let cookie = cookies::set(
        cookies::LANG,
        lang.code(),
        Some(365 * 24 * 3600),
        state.config.secure_cookies(),
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(SET_COOKIE, value);
    }
    Ok(response)
}
