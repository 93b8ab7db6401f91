//! Commit statuses in Gitea's shapes: `POST/GET .../statuses/{sha}` and the
//! combined status of a ref, `GET .../commits/{ref}/status`.

use super::issue_common::{readable_repo, repo_path, user_ref};
use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::auth::{MaybeCaller, RequireCaller};
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use forge_core::Error;
use forge_core::clock::rfc3339;
use forge_core::commit_status::{self, CommitStatus, NewStatus};
use forge_core::repo::Repo;
use serde::Deserialize;
use serde_json::{Value, json};

fn status_json(state: &AppState, repo: &Repo, status: &CommitStatus) -> Value {
    let (_, api) = repo_path(state, repo);
    json!({
        "id": status.id,
        "status": status.state.as_str(),
        "target_url": status.target_url,
        "description": status.description,
        "url": format!("{api}/statuses/{}", status.sha),
        "context": status.context,
        "creator": user_ref(state, status.creator_id.0, &status.creator_name),
        "created_at": rfc3339(status.created_at),
        "updated_at": rfc3339(status.created_at),
    })
}

/// The commit `name` names in `repo`, or "not found".
async fn commit_of(state: &AppState, repo: &Repo, name: &str) -> Result<String, ApiError> {
    state
        .forge
        .resolve_commit(repo, name)
        .await?
        .ok_or_else(|| Error::not_found("error-commit-not-found").into())
}

#[derive(Deserialize)]
pub(super) struct CreateStatus {
    state: String,
    #[serde(default)]
    target_url: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    context: String,
}

pub(super) async fn create(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, sha)): ApiPath<(String, String, String)>,
    ApiJson(body): ApiJson<CreateStatus>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let actor = caller.user;
    let repo = readable_repo(&state, Some(&actor), &owner, &name).await?;
    let sha = commit_of(&state, &repo, &sha).await?;
    let created = commit_status::create(
        &state.db,
        &actor,
        &repo,
        &sha,
        NewStatus {
            state: body.state,
            context: body.context,
            description: body.description,
            target_url: body.target_url,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(status_json(&state, &repo, &created)),
    ))
}

pub(super) async fn list(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, sha)): ApiPath<(String, String, String)>,
) -> Result<Json<Value>, ApiError> {
    let viewer = caller.map(|c| c.user);
    let repo = readable_repo(&state, viewer.as_ref(), &owner, &name).await?;
    let sha = commit_of(&state, &repo, &sha).await?;
    let statuses = commit_status::list(&state.db, repo.id, &sha).await?;
    Ok(Json(Value::Array(
        statuses
            .iter()
            .map(|s| status_json(&state, &repo, s))
            .collect(),
    )))
}

pub(super) async fn combined(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, reference)): ApiPath<(String, String, String)>,
) -> Result<Json<Value>, ApiError> {
    let viewer = caller.map(|c| c.user);
    let repo = readable_repo(&state, viewer.as_ref(), &owner, &name).await?;
    let sha = commit_of(&state, &repo, &reference).await?;
    let (combined, latest) = commit_status::combined(&state.db, repo.id, &sha).await?;
    let (_, api) = repo_path(&state, &repo);
    Ok(Json(json!({
        "state": combined.as_str(),
        "sha": sha,
        "total_count": latest.len(),
        "statuses": latest.iter().map(|s| status_json(&state, &repo, s)).collect::<Vec<_>>(),
        "repository": {"id": repo.id, "name": repo.name, "full_name": repo.full_name()},
        "commit_url": format!("{api}/git/commits/{sha}"),
        "url": format!("{api}/commits/{sha}/status"),
    })))
}
