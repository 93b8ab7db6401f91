//! What every page needs to know about its request: who is signed in, which
//! language to speak, and the CSRF token its forms must carry.
//!
//! The [`page_context`] middleware computes it once per request, and renders
//! the error pages that handlers return as [`PageError`]s.

use crate::error::{ErrorPage, PageError};
use crate::i18n::{self, Lang};
use crate::{AppState, cookies, flash, views};
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::header::{ACCEPT_LANGUAGE, HOST, ORIGIN, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use forge_core::secret;
use forge_core::user::User;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug, Clone)]
pub struct PageCtx {
    pub lang: Lang,
    pub user: Option<User>,
    pub csrf: String,
    pub site_name: String,
    /// Whether visitors may create accounts (the sign-up link shows).
    pub signup_open: bool,
    /// The path and query of this page, for "come back here" links.
    pub here: String,
    /// Set once the page shows something of a private repository: the
    /// answer then tells caches not to keep it.
    pub private_view: Arc<AtomicBool>,
    /// The confirmation of what the visitor just did, in words.
    pub flash: Option<String>,
    /// The key that signs this visitor's confirmations (see `flash`).
    pub(crate) flash_key: Option<ring::hmac::Key>,
    /// The signed-in user's unread notification threads, for the header.
    pub unread: i64,
}

impl PageCtx {
    pub fn t(&self, key: &str) -> String {
        i18n::t(self.lang, key)
    }

    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        i18n::catalogue().message(self.lang, key, &[(name, value)])
    }

    pub fn problem(&self, problem: &forge_core::Problem) -> String {
        i18n::problem(self.lang, problem)
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    /// Marks this page as showing private things (see `private_view`).
    pub fn mark_private(&self) {
        self.private_view.store(true, Ordering::Relaxed);
    }

    pub fn signed_in(&self) -> bool {
        self.user.is_some()
    }

    /// The languages of the switch: code, name, and whether it is current.
    pub fn languages(&self) -> Vec<(&'static str, String, bool)> {
        Lang::ALL
            .iter()
            .map(|l| {
                (
                    l.code(),
                    self.t(&format!("lang-name-{}", l.code())),
                    *l == self.lang,
                )
            })
            .collect()
    }

    /// The signed-in user, or a redirect to the sign-in page that comes back.
    pub fn require_user(&self) -> Result<&User, axum::response::Redirect> {
        self.user.as_ref().ok_or_else(|| {
            let target = format!("/user/login?redirect_to={}", views::url_encode(&self.here));
            axum::response::Redirect::to(&target)
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageCtx {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Arc<PageCtx>>()
            .map(|ctx| PageCtx::clone(ctx))
            .ok_or_else(|| {
                tracing::error!("a page handler runs outside the page_context middleware");
                PageError::new(StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
            })
    }
}

fn looks_like_secret(value: &str) -> bool {
    value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether a state-changing request comes from a page of this site. Browsers
/// send `Origin` on cross-site form posts; when present it must name this
/// host. The CSRF token is checked as well, by [`CsrfForm`].
fn same_origin(parts: &Parts) -> bool {
    let Some(origin) = parts.headers.get(ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let Some(host) = parts.headers.get(HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    origin
        .split_once("://")
        .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host))
}

pub async fn page_context(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    // A session that cannot be read (the database is down) is not an
    // anonymous visit: the visitor gets a 503 page, not a sign-in form.
    let mut unavailable = false;
    let user = match cookies::get(&parts.headers, cookies::SESSION) {
        Some(cookie) => match forge_core::session::user_of(&state.db, &cookie).await {
            Ok(user) => user,
            Err(e) => {
                tracing::error!(error = %e, "could not read a session");
                unavailable = e.is_unavailable();
                None
            }
        },
        None => None,
    };
    let existing_csrf =
        cookies::get(&parts.headers, cookies::CSRF).filter(|c| looks_like_secret(c));
    let new_csrf = existing_csrf.is_none();
    let csrf = existing_csrf.unwrap_or_else(|| secret::random_hex(32));
    let lang = user
        .as_ref()
        .and_then(|u| u.locale.as_deref())
        .and_then(Lang::from_code)
        .or_else(|| {
            cookies::get(&parts.headers, cookies::LANG)
                .as_deref()
                .and_then(Lang::from_code)
        })
        .or_else(|| {
            parts
                .headers
                .get(ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or(Lang::En);
    let here = parts
        .uri
        .path_and_query()
        .map_or_else(|| "/".to_string(), |pq| pq.as_str().to_string());
    // The name the admin chose on the first-run page wins over the file's.
    let site_name = match forge_core::site::site_name(&state.db).await {
        Ok(Some(name)) => name,
        Ok(None) => state.config.site_name.clone(),
        Err(e) => {
            tracing::error!(error = %e, "could not read the site name");
            state.config.site_name.clone()
        }
    };
    // Only a signed-in session has confirmations: every funding action
    // needs one, and the session cookie is their key.
    let flash_key = user.as_ref().and_then(|_| flash::key_of(&parts.headers));
    let reads_flash =
        parts.method == Method::GET && cookies::get(&parts.headers, flash::COOKIE).is_some();
    let waiting = if reads_flash {
        flash::waiting(&parts.headers, flash_key.as_ref())
    } else {
        None
    };
    // One count on the inbox's index, for pages only (not form posts).
    let unread = match &user {
        Some(user) if parts.method == Method::GET => {
            match forge_core::notification::unread_count(&state.db, user).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::error!(error = %e, "could not count unread notifications");
                    0
                }
            }
        }
        _ => 0,
    };
    let ctx = Arc::new(PageCtx {
        unread,
        flash: waiting.map(|f| i18n::t(lang, f.key())),
        flash_key,
        lang,
        user,
        csrf: csrf.clone(),
        site_name,
        signup_open: state.config.local_signup,
        here,
        private_view: Arc::default(),
    });
    // Someone who must use two-factor sign-in and has not enrolled may only
    // enrol (or sign out) until they do.
    let must_enrol = match &ctx.user {
        Some(user) => match forge_core::two_factor_policy::must_enrol(&state.db, user).await {
            Ok(must) => must,
            Err(e) => {
                tracing::error!(error = %e, "could not read the two-factor requirement");
                false
            }
        },
        None => false,
    };
    let path = parts.uri.path();
    let enrolling = [
        "/user/settings/two_factor",
        "/user/logout",
        "/-/lang",
        "/-/assets/",
    ]
    .iter()
    .any(|allowed| path.starts_with(allowed));
    if must_enrol && !enrolling {
        return axum::response::Redirect::to("/user/settings/two_factor?required=1")
            .into_response();
    }
    let cross_site =
        parts.method != Method::GET && parts.method != Method::HEAD && !same_origin(&parts);
    parts.extensions.insert(ctx.clone());

    let mut response = if cross_site {
        PageError::csrf().into_response()
    } else if unavailable {
        PageError::new(StatusCode::SERVICE_UNAVAILABLE, "error-unavailable").into_response()
    } else {
        next.run(Request::from_parts(parts, body)).await
    };

    if let Some(ErrorPage(problem)) = response.extensions_mut().remove::<ErrorPage>() {
        let status = response.status();
        let mut page = views::error_page(&ctx, status, &problem);
        *page.status_mut() = status;
        for cookie in response.headers().get_all(SET_COOKIE) {
            page.headers_mut().append(SET_COOKIE, cookie.clone());
        }
        if let Some(wait) = response.headers().get(axum::http::header::RETRY_AFTER) {
            page.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, wait.clone());
        }
        response = page;
    }
    // A page shown consumes the confirmation; a redirect passes it on.
    if reads_flash && !response.status().is_redirection() {
        flash::consume(&mut response, state.config.secure_cookies());
    }
    if new_csrf {
        let cookie = cookies::set(cookies::CSRF, &csrf, None, state.config.secure_cookies());
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    if ctx.private_view.load(Ordering::Relaxed) {
        response
            .headers_mut()
            .insert(axum::http::header::CACHE_CONTROL, crate::PRIVATE_NO_STORE);
    }
    response
        .headers_mut()
        .entry(axum::http::header::CONTENT_LANGUAGE)
        .or_insert(HeaderValue::from_static(lang.code()));
    response
}

/// A form whose `_csrf` field must match the visitor's CSRF cookie.
pub struct CsrfForm<T>(pub T);

#[derive(Deserialize)]
struct CsrfField {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// Form bodies are small; anything larger is refused before parsing.
const MAX_FORM_BYTES: usize = 64 * 1024;

impl<S, T> FromRequest<S> for CsrfForm<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Response;

    async fn from_request(request: Request<Body>, state: &S) -> Result<Self, Self::Rejection> {
        let expected = request
            .extensions()
            .get::<Arc<PageCtx>>()
            .map(|ctx| ctx.csrf.clone())
            .ok_or_else(|| PageError::csrf().into_response())?;
        let body = Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if body.len() > MAX_FORM_BYTES {
            return Err(
                PageError::new(StatusCode::PAYLOAD_TOO_LARGE, "error-form-too-large")
                    .into_response(),
            );
        }
        let field: CsrfField = serde_urlencoded::from_bytes(&body).map_err(|_| {
            PageError::new(StatusCode::BAD_REQUEST, "error-bad-form").into_response()
        })?;
        if !secret::constant_time_eq(&field.csrf, &expected) {
            return Err(PageError::csrf().into_response());
        }
        let form = serde_urlencoded::from_bytes(&body).map_err(|_| {
            PageError::new(StatusCode::BAD_REQUEST, "error-bad-form").into_response()
        })?;
        Ok(CsrfForm(form))
    }
}
