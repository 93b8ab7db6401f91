//! Everything HTTP: server-rendered pages, the JSON API and git over HTTP.
//! Handlers are thin: they parse the request, call `forge-service` (for
//! what touches both the database and the repositories, and git
//! transfers) or `forge-core` (which decides and stores), and render a
//! view.

pub mod api;
pub mod auth;
pub mod context;
mod cookies;
pub mod error;
pub mod format;
mod git_http;
mod highlight;
pub mod i18n;
pub mod markdown;
pub mod oidc;
mod pages;
pub mod pdf;
mod view_cache;
mod views;

use axum::Router;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use forge_core::Db;
use std::sync::Arc;

/// The settings the web layer needs, resolved by the server at start-up.
#[derive(Debug, Clone)]
pub struct WebConfig {
    pub site_name: String,
    /// The public URL of the forge, e.g. `https://forge.example.org`.
    pub base_url: String,
    /// Whether visitors may create accounts themselves.
    pub local_signup: bool,
    /// Whether people may sign in with a password. When not, only site
    /// administrators may (through `/user/login?local=1`); everyone else
    /// signs in with a provider.
    pub local_signin: bool,
    /// The OpenID Connect and OAuth2 providers people may sign in with.
    pub providers: Vec<oidc::ProviderConfig>,
    /// The deadline of one exchange with a provider (connecting, then
    /// answering); a slower provider gives an error page.
    pub provider_timeout: std::time::Duration,
}

impl Default for WebConfig {
    /// A forge named "Forge" with local accounts and no provider; the base
    /// URL is left for the caller.
    fn default() -> Self {
        WebConfig {
            site_name: "Forge".into(),
            base_url: String::new(),
            local_signup: true,
            local_signin: true,
            providers: Vec::new(),
            provider_timeout: oidc::DEFAULT_TIMEOUT,
        }
    }
}

impl WebConfig {
    /// Cookies get the `Secure` flag when the forge is served over https.
    pub fn secure_cookies(&self) -> bool {
        self.base_url.starts_with("https://")
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<WebConfig>,
    /// Where the bare repositories live, for reading them.
    pub storage: forge_git::Storage,
    /// The operations every transport shares (repositories, git
    /// transfers, what a push causes).
    pub forge: forge_service::Forge,
    /// The sign-in providers, with their discovery and key caches.
    pub oidc: Arc<oidc::Providers>,
    /// Highlighted files and commit diffs, kept between requests.
    pub views: Arc<view_cache::ViewCaches>,
}

impl AppState {
    pub fn new(db: Db, config: WebConfig, storage: forge_git::Storage) -> AppState {
        let oidc = Arc::new(oidc::Providers::new(
            config.providers.clone(),
            config.provider_timeout,
        ));
        AppState {
            forge: forge_service::Forge::new(db.clone(), storage.clone()),
            db,
            oidc,
            config: Arc::new(config),
            storage,
            views: Arc::new(view_cache::ViewCaches::new(view_cache::BUDGET_BYTES)),
        }
    }
}

impl AppState {
    /// The clone URL of a repository.
    pub fn clone_url(&self, repo: &forge_core::repo::Repo) -> String {
        format!("{}/{}.git", self.config.base_url, repo.full_name())
    }
}

/// The whole forge as one router, ready for `axum::serve` or for tests.
pub fn app(state: AppState) -> Router {
    let pages = pages::router().layer(axum::middleware::from_fn_with_state(
        state.clone(),
        context::page_context,
    ));
    Router::new()
        .route("/-/health", get(health))
        .route("/-/assets/style.css", get(stylesheet))
        .route("/-/assets/copy.js", get(copy_script))
        .nest("/api/v1", api::router())
        .merge(git_http::router())
        .merge(pages)
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// 200 when the database answers, 503 otherwise; for load balancers.
async fn health(State(state): State<AppState>) -> impl IntoResponse {
    if state.db.ping().await {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}

const STYLESHEET: &str = include_str!("../assets/style.css");

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
}

const COPY_SCRIPT: &str = include_str!("../assets/copy.js");

async fn copy_script() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        COPY_SCRIPT,
    )
}

/// Headers every response carries: no framing by other sites, no MIME
/// sniffing, and a content security policy that allows only this origin.
async fn security_headers(mut response: Response) -> Response {
    const HEADERS: [(&str, &str); 4] = [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
        (
            "content-security-policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
    ];
    for (name, value) in HEADERS {
        response
            .headers_mut()
            .entry(HeaderName::from_static(name))
            .or_insert(HeaderValue::from_static(value));
    }
    response
}
