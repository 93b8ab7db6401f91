//! A repository's collaborators (see `forge_core::collaborator`: the
//! members of the organisation that owns it): the list, whether someone is
//! one (204 or 404), and what someone may do (`/permission`).

use super::ApiPath;
use super::issue_common::readable_repo;
use super::list_url;
use super::paging::paged;
use super::users::user_json;
use crate::AppState;
use crate::auth::{MaybeCaller, RequireCaller};
use crate::error::ApiError;
use axum::Json;
use axum::extract::{OriginalUri, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use forge_core::collaborator;
use forge_core::repo::{self, Access};
use forge_core::user;
use serde_json::{Value, json};

fn word(access: Access) -> &'static str {
    match access {
        Access::Admin => "admin",
        Access::Write => "write",
        Access::Read => "read",
        Access::None => "none",
    }
}

/// `GET /repos/{owner}/{repo}/collaborators`.
pub async fn list(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let viewer = caller.map(|c| c.user);
    let repo = readable_repo(&state, viewer.as_ref(), &owner, &name).await?;
    let mut items = Vec::new();
    for one in collaborator::list(&state.db, &repo).await? {
        if let Some(found) = user::by_id(&state.db, one.user_id).await? {
            items.push(user_json(&state.config.base_url, &found, viewer.as_ref()));
        }
    }
    paged(items, raw.as_deref(), &list_url(&state, &uri))
}

/// `GET /repos/{owner}/{repo}/collaborators/{username}`: 204 or 404.
pub async fn check(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, username)): ApiPath<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let viewer = caller.map(|c| c.user);
    let repo = readable_repo(&state, viewer.as_ref(), &owner, &name).await?;
    let wanted = username.trim().to_lowercase();
    let found = collaborator::list(&state.db, &repo)
        .await?
        .into_iter()
        .any(|c| c.name == wanted);
    if found {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}

/// `GET /repos/{owner}/{repo}/collaborators/{username}/permission`: Gitea's
/// `RepoCollaboratorPermission`, for the user themselves and for those who
/// administer the repository.
pub async fn permission(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, username)): ApiPath<(String, String, String)>,
) -> Result<Json<Value>, ApiError> {
    let repo = readable_repo(&state, Some(&caller.user), &owner, &name).await?;
    let target = user::by_name(&state.db, &username)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let mine = repo::access(&state.db, Some(&caller.user), &repo).await?;
    if target.id != caller.user.id && mine < Access::Admin {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "error-repo-admin-only",
        ));
    }
    let access = repo::access(&state.db, Some(&target), &repo).await?;
    Ok(Json(json!({
        "permission": word(access),
        "role_name": word(access),
        "user": user_json(&state.config.base_url, &target, Some(&caller.user)),
    })))
}
