//! What a Gitea client asks before anything else: the version, the
//! settings it adapts to, and Markdown rendered the way the forge renders
//! it (through the one renderer, [`crate::markdown`]).

use super::ApiJson;
use super::paging::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::AppState;
use crate::markdown;
use axum::Json;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

/// The Gitea version whose API the forge follows; clients compare it to
/// decide which calls they may make.
pub const GITEA_VERSION: &str = "1.21.0";

/// `GET /version`: Gitea's `ServerVersion`, with the forge's own version
/// after a `+` (as Gitea builds write theirs), so version parsers read
/// the Gitea version the API follows.
pub async fn version() -> Json<Value> {
    Json(json!({
        "version": format!("{GITEA_VERSION}+forge-{}", env!("CARGO_PKG_VERSION")),
    }))
}

/// `GET /settings/api`: the paging sizes every list follows.
pub async fn api_settings() -> Json<Value> {
    Json(json!({
        "max_response_items": MAX_LIMIT,
        "default_paging_num": DEFAULT_LIMIT,
        "default_git_trees_per_page": 1000,
        "default_max_blob_size": super::contents::MAX_INLINE_BLOB,
    }))
}

/// `GET /settings/repository`: what the forge does not offer is disabled.
pub async fn repository_settings() -> Json<Value> {
    Json(json!({
        "mirrors_disabled": true,
        "http_git_disabled": false,
        "migrations_disabled": true,
        "stars_disabled": true,
        "time_tracking_disabled": true,
        "lfs_disabled": true,
    }))
}

/// `GET /settings/ui`: no themes nor reactions here.
pub async fn ui_settings() -> Json<Value> {
    Json(json!({
        "default_theme": "auto",
        "allowed_reactions": [],
        "custom_emojis": [],
    }))
}

/// `GET /settings/attachment`: attachments are not offered.
pub async fn attachment_settings() -> Json<Value> {
    Json(json!({
        "enabled": false,
        "allowed_types": "",
        "max_size": 0,
        "max_files": 0,
    }))
}

/// Gitea's `MarkdownOption`, whose fields are capitalised.
#[derive(Deserialize)]
pub struct MarkdownOption {
    #[serde(rename = "Text", default)]
    text: String,
    #[serde(rename = "Mode", default)]
    mode: String,
    #[serde(rename = "Context", default)]
    context: String,
}

fn html(body: String) -> Response {
    ([(CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// `POST /markdown`: in `gfm` or `comment` mode with a context
/// `owner/repo`, references (`#12`, `@name`) become links into it.
pub async fn render(State(_): State<AppState>, ApiJson(body): ApiJson<MarkdownOption>) -> Response {
    let context = body
        .context
        .trim_matches('/')
        .rsplit_once('/')
        .map(|(owner, repo)| markdown::RefContext {
            owner: owner.rsplit('/').next().unwrap_or(owner).to_string(),
            repo: repo.to_string(),
        })
        .filter(|_| matches!(body.mode.as_str(), "gfm" | "comment"));
    let options = markdown::Options::default();
    html(match context {
        Some(context) => markdown::render_in(&body.text, &options, &context),
        None => markdown::render_with(&body.text, &options),
    })
}

/// `POST /markdown/raw`: the body is the text (bytes that are not UTF-8
/// are replaced, never refused in plain text).
pub async fn render_raw(body: axum::body::Bytes) -> Response {
    html(markdown::render(&String::from_utf8_lossy(&body)))
}
