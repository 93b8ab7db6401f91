//! Forks: making one (`POST .../forks`) and listing those the caller may
//! see (`GET .../forks`).

use super::issue_common::{query_pairs, readable_repo};
use super::paging::{self, Paging, page_response};
use super::repos::repo_json;
use super::{ApiJson, ApiPath, list_url};
use crate::AppState;
use crate::auth::{MaybeCaller, RequireCaller};
use crate::error::ApiError;
use axum::Json;
use axum::extract::{OriginalUri, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use forge_core::repo;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize, Default)]
pub(super) struct CreateFork {
    /// The organisation to fork into; the caller's own account otherwise.
    #[serde(default)]
    organization: Option<String>,
    /// The fork's name; the parent's otherwise.
    #[serde(default)]
    name: Option<String>,
}

/// Gitea answers a fork with 202 and the new repository.
pub(super) async fn create(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<CreateFork>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let actor = caller.user;
    let parent = readable_repo(&state, Some(&actor), &owner, &name).await?;
    let into = body
        .organization
        .filter(|o| !o.trim().is_empty())
        .unwrap_or_else(|| actor.name.clone());
    let fork = state
        .forge
        .fork_repo(&actor, &parent, &into, body.name)
        .await?;
    let access = repo::access(&state.db, Some(&actor), &fork).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(repo_json(&state, &fork, access).await?),
    ))
}

pub(super) async fn list(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let viewer = caller.map(|c| c.user);
    let parent = readable_repo(&state, viewer.as_ref(), &owner, &name).await?;
    let pairs = query_pairs(raw.as_deref())?;
    let paging = Paging::from_pairs(&pairs, paging::MAX_LIMIT)?;
    let all = repo::forks_of(&state.db, viewer.as_ref(), parent.id).await?;
    let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
    let mut out = Vec::new();
    for fork in paging.slice(all) {
        let access = repo::access(&state.db, viewer.as_ref(), &fork).await?;
        out.push(repo_json(&state, &fork, access).await?);
    }
    page_response(out, total, paging, &list_url(&state, &uri), &pairs)
}
