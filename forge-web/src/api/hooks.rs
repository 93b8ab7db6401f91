//! Webhooks of a repository (`/repos/{owner}/{repo}/hooks`) and of an
//! organisation (`/orgs/{org}/hooks`), in Gitea's shapes: list, create,
//! read, edit, delete, and `POST …/{id}/tests` to queue a test delivery.
//! Only the repository's administrators and the organisation's owners
//! see them; the secret is never shown back.

use super::issue_common::readable_repo;
use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::auth::RequireCaller;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use forge_core::clock::rfc3339;
use forge_core::user::User;
use forge_core::webhook::{self, Hook, HookSettings, Scope, delivery};
use forge_core::{Error, WebhookId, org};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Gitea's `Hook` object.
fn hook_json(hook: &Hook) -> Value {
    json!({
        "id": hook.id,
        "type": "gitea",
        "branch_filter": hook.branch_filter,
        "config": {
            "url": hook.url,
            "content_type": hook.content_type.as_str(),
            "http_method": "post",
        },
        "events": hook.events.iter().map(|e| e.as_str()).collect::<Vec<_>>(),
        // Never the credential: its scheme and a mask.
        "authorization_header": hook.authorization_masked,
        "active": hook.active,
        "updated_at": rfc3339(hook.updated_at),
        "created_at": rfc3339(hook.created_at),
    })
}

#[derive(Deserialize)]
pub(super) struct CreateHook {
    #[serde(rename = "type")]
    kind: String,
    config: BTreeMap<String, String>,
    #[serde(default)]
    events: Vec<String>,
    /// Gitea's default: a hook created without `active` does not fire.
    #[serde(default)]
    active: bool,
    #[serde(default)]
    branch_filter: Option<String>,
    #[serde(default)]
    authorization_header: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct EditHook {
    #[serde(default)]
    config: Option<BTreeMap<String, String>>,
    #[serde(default)]
    events: Option<Vec<String>>,
    #[serde(default)]
    active: Option<bool>,
    #[serde(default)]
    branch_filter: Option<String>,
    #[serde(default)]
    authorization_header: Option<String>,
}

/// The kinds of hook Gitea's clients ask for that send Gitea's payloads.
const KINDS: [&str; 3] = ["gitea", "gogs", "forgejo"];

fn new_settings(body: CreateHook) -> Result<HookSettings, ApiError> {
    if !KINDS.contains(&body.kind.as_str()) {
        return Err(Error::invalid("type", "error-webhook-type").into());
    }
    let url = body
        .config
        .get("url")
        .cloned()
        .ok_or_else(|| ApiError::from(Error::invalid("url", "error-webhook-url")))?;
    Ok(HookSettings {
        url,
        secret: body.config.get("secret").cloned(),
        content_type: body.config.get("content_type").cloned().unwrap_or_default(),
        events: if body.events.is_empty() {
            vec!["push".into()]
        } else {
            body.events
        },
        active: body.active,
        branch_filter: body.branch_filter,
        authorization_header: body.authorization_header,
    })
}

fn edited(hook: &Hook, body: EditHook) -> HookSettings {
    let config = body.config.unwrap_or_default();
    HookSettings {
        url: config
            .get("url")
            .cloned()
            .unwrap_or_else(|| hook.url.clone()),
        secret: config.get("secret").cloned(),
        content_type: config
            .get("content_type")
            .cloned()
            .unwrap_or_else(|| hook.content_type.as_str().to_string()),
        events: body
            .events
            .unwrap_or_else(|| hook.events.iter().map(|e| e.as_str().to_string()).collect()),
        active: body.active.unwrap_or(hook.active),
        branch_filter: body.branch_filter,
        authorization_header: body.authorization_header,
    }
}

async fn repo_scope(
    state: &AppState,
    actor: &User,
    owner: &str,
    name: &str,
) -> Result<Scope, ApiError> {
    let repo = readable_repo(state, Some(actor), owner, name).await?;
    Ok(webhook::repo_scope(&state.db, actor, &repo).await?)
}

async fn org_scope(state: &AppState, actor: &User, name: &str) -> Result<Scope, ApiError> {
    let found = org::by_name(&state.db, name)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(webhook::org_scope(&state.db, actor, &found).await?)
}

async fn list(state: &AppState, scope: Scope) -> Result<Json<Value>, ApiError> {
    let hooks = webhook::list(&state.db, scope).await?;
    Ok(Json(Value::Array(hooks.iter().map(hook_json).collect())))
}

async fn create(
    state: &AppState,
    scope: Scope,
    body: CreateHook,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let hook = webhook::create(&state.db, scope, new_settings(body)?).await?;
    Ok((StatusCode::CREATED, Json(hook_json(&hook))))
}

async fn edit(
    state: &AppState,
    scope: Scope,
    id: i64,
    body: EditHook,
) -> Result<Json<Value>, ApiError> {
    let hook = webhook::get(&state.db, scope, WebhookId(id)).await?;
    let settings = edited(&hook, body);
    let hook = webhook::update(&state.db, scope, hook.id, settings).await?;
    Ok(Json(hook_json(&hook)))
}

async fn test(state: &AppState, scope: Scope, id: i64) -> Result<StatusCode, ApiError> {
    let hook = webhook::get(&state.db, scope, WebhookId(id)).await?;
    delivery::queue_test(&state.db, hook.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn list_repo_hooks(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let scope = repo_scope(&state, &caller.user, &owner, &name).await?;
    list(&state, scope).await
}

pub(super) async fn create_repo_hook(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<CreateHook>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let scope = repo_scope(&state, &caller.user, &owner, &name).await?;
    create(&state, scope, body).await
}

pub(super) async fn get_repo_hook(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, id)): ApiPath<(String, String, i64)>,
) -> Result<Json<Value>, ApiError> {
    let scope = repo_scope(&state, &caller.user, &owner, &name).await?;
    let hook = webhook::get(&state.db, scope, WebhookId(id)).await?;
    Ok(Json(hook_json(&hook)))
}

pub(super) async fn edit_repo_hook(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, id)): ApiPath<(String, String, i64)>,
    ApiJson(body): ApiJson<EditHook>,
) -> Result<Json<Value>, ApiError> {
    let scope = repo_scope(&state, &caller.user, &owner, &name).await?;
    edit(&state, scope, id, body).await
}

pub(super) async fn delete_repo_hook(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, id)): ApiPath<(String, String, i64)>,
) -> Result<StatusCode, ApiError> {
    let scope = repo_scope(&state, &caller.user, &owner, &name).await?;
    webhook::delete(&state.db, scope, WebhookId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn test_repo_hook(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, id)): ApiPath<(String, String, i64)>,
) -> Result<StatusCode, ApiError> {
    let scope = repo_scope(&state, &caller.user, &owner, &name).await?;
    test(&state, scope, id).await
}

pub(super) async fn list_org_hooks(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    let scope = org_scope(&state, &caller.user, &name).await?;
    list(&state, scope).await
}

pub(super) async fn create_org_hook(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath(name): ApiPath<String>,
    ApiJson(body): ApiJson<CreateHook>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let scope = org_scope(&state, &caller.user, &name).await?;
    create(&state, scope, body).await
}

pub(super) async fn get_org_hook(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((name, id)): ApiPath<(String, i64)>,
) -> Result<Json<Value>, ApiError> {
    let scope = org_scope(&state, &caller.user, &name).await?;
    let hook = webhook::get(&state.db, scope, WebhookId(id)).await?;
    Ok(Json(hook_json(&hook)))
}

pub(super) async fn edit_org_hook(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((name, id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<EditHook>,
) -> Result<Json<Value>, ApiError> {
    let scope = org_scope(&state, &caller.user, &name).await?;
    edit(&state, scope, id, body).await
}

pub(super) async fn delete_org_hook(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((name, id)): ApiPath<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    let scope = org_scope(&state, &caller.user, &name).await?;
    webhook::delete(&state.db, scope, WebhookId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn test_org_hook(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((name, id)): ApiPath<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    let scope = org_scope(&state, &caller.user, &name).await?;
    test(&state, scope, id).await
}
