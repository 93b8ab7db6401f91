//! A repository's topics: `GET`/`PUT /repos/{owner}/{repo}/topics`, and
//! `PUT`/`DELETE .../topics/{topic}` for one. Those who administer the
//! repository change them; `forge-core` (`topic`) decides and stores.

use super::ApiJson;
use super::ApiPath;
use super::issue_common::readable_repo;
use crate::AppState;
use crate::auth::{MaybeCaller, RequireCaller};
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use forge_core::topic;
use serde::Deserialize;
use serde_json::{Value, json};

/// `GET .../topics`: Gitea's `TopicName`.
pub async fn list(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let viewer = caller.map(|c| c.user);
    let repo = readable_repo(&state, viewer.as_ref(), &owner, &name).await?;
    Ok(Json(
        json!({ "topics": topic::list(&state.db, &repo).await? }),
    ))
}

/// Gitea's `RepoTopicOptions`.
#[derive(Deserialize)]
pub struct Topics {
    topics: Vec<String>,
}

/// `PUT .../topics`: replaces them all.
pub async fn replace(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<Topics>,
) -> Result<StatusCode, ApiError> {
    let repo = readable_repo(&state, Some(&caller.user), &owner, &name).await?;
    topic::replace(&state.db, &caller.user, &repo, &body.topics).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT .../topics/{topic}`.
pub async fn add(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, one)): ApiPath<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let repo = readable_repo(&state, Some(&caller.user), &owner, &name).await?;
    topic::add(&state.db, &caller.user, &repo, &one).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE .../topics/{topic}`.
pub async fn remove(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, one)): ApiPath<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let repo = readable_repo(&state, Some(&caller.user), &owner, &name).await?;
    topic::remove(&state.db, &caller.user, &repo, &one).await?;
    Ok(StatusCode::NO_CONTENT)
}
