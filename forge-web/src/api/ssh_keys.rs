//! SSH keys in Gitea's shapes: a user's public keys (`/user/keys`,
//! `/users/{u}/keys`, `/admin/users/{u}/keys`) and a repository's deploy
//! keys (`/repos/{o}/{r}/keys`). The rules (who may add what, weak keys,
//! one account per key) are `forge-core`'s.

use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::auth::{MaybeCaller, RequireCaller};
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use forge_core::SshKeyId;
use forge_core::clock::rfc3339;
use forge_core::repo;
use forge_core::ssh_key::{self, KeyOwner, SshKey};
use forge_core::user::{self, User};
use serde::Deserialize;
use serde_json::{Value, json};

/// Gitea's `PublicKey`.
fn public_key_json(state: &AppState, key: &SshKey, owner: Option<&User>) -> Value {
    let mut value = json!({
        "id": key.id,
        "key": key.public_key,
        "url": format!("{}/api/v1/user/keys/{}", state.config.base_url, key.id),
        "title": key.title,
        "fingerprint": key.fingerprint,
        "created_at": rfc3339(key.created_at),
        "last_used_at": key.last_used_at.map(rfc3339),
        "read_only": false,
        "key_type": "user",
    });
    if let Some(owner) = owner {
        value["user"] = json!({"id": owner.id, "login": owner.name, "username": owner.name});
    }
    value
}

/// Gitea's `DeployKey`.
fn deploy_key_json(state: &AppState, key: &SshKey, full_name: &str) -> Value {
    json!({
        "id": key.id,
        "key_id": key.id,
        "key": key.public_key,
        "url": format!("{}/api/v1/repos/{full_name}/keys/{}", state.config.base_url, key.id),
        "title": key.title,
        "fingerprint": key.fingerprint,
        "created_at": rfc3339(key.created_at),
        "read_only": matches!(key.owner, KeyOwner::Deploy { can_write: false, .. }),
    })
}

#[derive(Deserialize)]
pub struct NewKey {
    #[serde(default)]
    title: String,
    key: String,
    /// Deploy keys only; Gitea's default is read-write, but a key that may
    /// push must be asked for.
    #[serde(default = "read_only_default")]
    read_only: bool,
}

fn read_only_default() -> bool {
    true
}

pub async fn list_mine(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
) -> Result<Json<Value>, ApiError> {
    let keys = ssh_key::list_user_keys(&state.db, caller.user.id).await?;
    Ok(Json(Value::Array(
        keys.iter()
            .map(|key| public_key_json(&state, key, Some(&caller.user)))
            .collect(),
    )))
}

pub async fn add_mine(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiJson(body): ApiJson<NewKey>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let user = &caller.user;
    let key = ssh_key::add_user_key(&state.db, user, user.id, &body.title, &body.key).await?;
    Ok((
        StatusCode::CREATED,
        Json(public_key_json(&state, &key, Some(user))),
    ))
}

pub async fn get_mine(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    let key = ssh_key::user_key(&state.db, caller.user.id, SshKeyId(id)).await?;
    Ok(Json(public_key_json(&state, &key, Some(&caller.user))))
}

pub async fn delete_mine(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    let user = &caller.user;
    ssh_key::delete_user_key(&state.db, user, user.id, SshKeyId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A user's public keys, which anyone may read (as on Gitea and GitHub).
pub async fn list_for_user(
    State(state): State<AppState>,
    ApiPath(username): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    let owner = user::by_name(&state.db, &username)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let keys = ssh_key::list_user_keys(&state.db, owner.id).await?;
    Ok(Json(Value::Array(
        keys.iter()
            .map(|key| public_key_json(&state, key, Some(&owner)))
            .collect(),
    )))
}

pub async fn admin_add(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath(username): ApiPath<String>,
    ApiJson(body): ApiJson<NewKey>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if !caller.user.is_admin {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "error-admin-only"));
    }
    let owner = user::by_name(&state.db, &username)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let key =
        ssh_key::add_user_key(&state.db, &caller.user, owner.id, &body.title, &body.key).await?;
    Ok((
        StatusCode::CREATED,
        Json(public_key_json(&state, &key, Some(&owner))),
    ))
}

/// The repository and the caller who must administer it; outsiders get
/// "not found" from `forge-core`.
async fn repo_of(
    state: &AppState,
    caller: Option<User>,
    owner: &str,
    name: &str,
) -> Result<(repo::Repo, User), ApiError> {
    let (found, _) = repo::find_readable(&state.db, caller.as_ref(), owner, name).await?;
    let caller = caller.ok_or_else(ApiError::not_found)?;
    Ok((found, caller))
}

pub async fn list_deploy(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let (found, caller) = repo_of(&state, caller.map(|c| c.user), &owner, &name).await?;
    let keys = ssh_key::list_deploy_keys(&state.db, &caller, &found).await?;
    let full_name = found.full_name();
    Ok(Json(Value::Array(
        keys.iter()
            .map(|key| deploy_key_json(&state, key, &full_name))
            .collect(),
    )))
}

pub async fn add_deploy(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<NewKey>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (found, caller) = repo_of(&state, Some(caller.user), &owner, &name).await?;
    let key = ssh_key::add_deploy_key(
        &state.db,
        &caller,
        &found,
        &body.title,
        &body.key,
        !body.read_only,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(deploy_key_json(&state, &key, &found.full_name())),
    ))
}

pub async fn get_deploy(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, id)): ApiPath<(String, String, i64)>,
) -> Result<Json<Value>, ApiError> {
    let (found, caller) = repo_of(&state, caller.map(|c| c.user), &owner, &name).await?;
    let key = ssh_key::deploy_key(&state.db, &caller, &found, SshKeyId(id)).await?;
    Ok(Json(deploy_key_json(&state, &key, &found.full_name())))
}

pub async fn delete_deploy(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, id)): ApiPath<(String, String, i64)>,
) -> Result<StatusCode, ApiError> {
    let (found, caller) = repo_of(&state, Some(caller.user), &owner, &name).await?;
    ssh_key::delete_deploy_key(&state.db, &caller, &found, SshKeyId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
