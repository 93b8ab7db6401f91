//! Everything HTTP: server-rendered pages, the JSON API and git over HTTP.
//! Handlers are thin: they parse the request, call `forge-service` (for
//! what touches both the database and the repositories, and git
//! transfers) or `forge-core` (which decides and stores), and render a
//! view.

pub mod api;
mod atom;
pub mod auth;
pub mod context;
mod cookies;
pub mod error;
mod flash;
pub mod format;
mod git_http;
mod highlight;
pub mod i18n;
pub mod mail_text;
pub mod markdown;
pub mod metrics;
pub mod oidc;
mod pages;
pub mod pdf;
mod spreadsheet;
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
    /// Whether `/metrics` is served, and with which token.
    pub metrics: metrics::MetricsConfig,
    /// Which addresses webhooks may reach, timeouts and retries (the base
    /// URL of their payloads is `base_url`).
    pub webhooks: forge_service::webhooks::Settings,
    /// Git over SSH, when the forge serves it.
    pub ssh: Option<SshInfo>,
}

/// Git over SSH as pages and the API show it: where to connect, and the
/// host keys' fingerprints people check on their first connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SshInfo {
    pub host: String,
    pub port: u16,
    /// Each host key's algorithm and SHA-256 fingerprint.
    pub fingerprints: Vec<(String, String)>,
}

impl SshInfo {
    /// The SSH clone URL of `owner/name`: the short scp-like form on port
    /// 22, an `ssh://` URL on any other.
    pub fn clone_url(&self, full_name: &str) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == 22 {
            format!("git@{host}:{full_name}.git")
        } else {
            format!("ssh://git@{host}:{}/{full_name}.git", self.port)
        }
    }
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
            metrics: metrics::MetricsConfig::default(),
            ssh: None,
            webhooks: forge_service::webhooks::Settings::default(),
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
    /// Requests, git transfers and their timings, counted in memory.
    pub metrics: Arc<metrics::Metrics>,
}

impl AppState {
    pub fn new(db: Db, config: WebConfig, storage: forge_git::Storage) -> AppState {
        let oidc = Arc::new(oidc::Providers::new(
            config.providers.clone(),
            config.provider_timeout,
        ));
        AppState {
            forge: forge_service::Forge::with_webhooks(
                db.clone(),
                storage.clone(),
                forge_service::webhooks::Settings {
                    base_url: config.base_url.clone(),
                    ..config.webhooks.clone()
                },
            ),
            db,
            oidc,
            config: Arc::new(config),
            storage,
            views: Arc::new(view_cache::ViewCaches::new(view_cache::BUDGET_BYTES)),
            metrics: Arc::new(metrics::Metrics::default()),
        }
    }
}

impl AppState {
    /// The clone URL of a repository.
    pub fn clone_url(&self, repo: &forge_core::repo::Repo) -> String {
        format!("{}/{}.git", self.config.base_url, repo.full_name())
    }

    /// The SSH clone URL of a repository, when SSH is on.
    pub fn ssh_url(&self, repo: &forge_core::repo::Repo) -> Option<String> {
        self.config
            .ssh
            .as_ref()
            .map(|ssh| ssh.clone_url(&repo.full_name()))
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
        .route("/api/swagger", get(api::openapi::page))
        .route("/-/ready", get(ready))
        .route("/-/assets/style.css", get(stylesheet))
        .route("/-/assets/copy.js", get(copy_script))
        .route("/metrics", get(metrics::metrics))
        .nest(
            "/api/v1",
            api::router().layer(axum::middleware::from_fn(private_if_credentials)),
        )
        .merge(git_http::router().layer(axum::middleware::from_fn(private_if_credentials)))
        .merge(pages)
        .route_layer(axum::middleware::from_fn(metrics::route_label))
        .layer(axum::middleware::map_response_with_state(
            state.clone(),
            security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .with_state(state)
}

/// 200 when the database and the repository storage both accept a small
/// write, 503 otherwise, with a JSON body saying which part fails (the
/// details are logged, not shown). For monitoring: reads may still work
/// while writes fail (a full disk, a read-only file system).
async fn health(State(state): State<AppState>) -> Response {
    let database = match forge_core::health::probe_write(&state.db).await {
        Ok(()) => "ok",
        Err(e) => {
            tracing::error!(error = %e, "health: the database refuses writes");
            "failing"
        }
    };
    let storage = state.storage.clone();
    let storage = match tokio::task::spawn_blocking(move || storage.probe_write()).await {
        Ok(Ok(())) => "ok",
        Ok(Err(e)) => {
            tracing::error!(error = %e, "health: the repository storage refuses writes");
            "failing"
        }
        Err(e) => {
            tracing::error!(error = %e, "health: the storage probe did not finish");
            "failing"
        }
    };
    let healthy = database == "ok" && storage == "ok";
    let status = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = serde_json::json!({
        "status": if healthy { "ok" } else { "failing" },
        "database": database,
        "storage": storage,
    });
    (status, [(CACHE_CONTROL, "no-store")], axum::Json(body)).into_response()
}

/// 200 when this process can serve requests (the database answers a read
/// and the repository storage is there), 503 otherwise; cheap, for load
/// balancers deciding where to send traffic.
async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    let storage = state.storage.clone();
    let storage_ok = tokio::task::spawn_blocking(move || storage.is_readable())
        .await
        .unwrap_or(false);
    if state.db.ping().await && storage_ok {
        (StatusCode::OK, [(CACHE_CONTROL, "no-store")], "ready\n")
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(CACHE_CONTROL, "no-store")],
            "not ready\n",
        )
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

/// What a cache may do with an answer meant for one reader only: neither a
/// shared cache nor the browser's disk keeps it.
pub(crate) const PRIVATE_NO_STORE: HeaderValue = HeaderValue::from_static("private, no-store");

/// Answers to requests that carry credentials are for that caller alone.
async fn private_if_credentials(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let credentials = request
        .headers()
        .contains_key(axum::http::header::AUTHORIZATION);
    let mut response = next.run(request).await;
    if credentials {
        response
            .headers_mut()
            .insert(CACHE_CONTROL, PRIVATE_NO_STORE);
    }
    response
}

/// Headers every response carries: no framing by other sites, no MIME
/// sniffing, a content security policy that allows only this origin, and,
/// when the forge is served over https, HSTS so that browsers never try
/// plain http again.
async fn security_headers(State(state): State<AppState>, mut response: Response) -> Response {
    if state.config.base_url.starts_with("https://") {
        response.headers_mut().insert(
            HeaderName::from_static("strict-transport-security"),
            HeaderValue::from_static("max-age=31536000"),
        );
    }
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
