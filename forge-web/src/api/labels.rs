//! The labels of a repository: listing, creating, reading, editing,
//! deleting.

use super::ApiJson;
use super::ApiPath;
use super::issue_common::{existing_label, label_json, readable_repo};
use super::list_url;
use super::paging::paged;
use crate::AppState;
use crate::auth::{MaybeCaller, RequireCaller};
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use axum::extract::{OriginalUri, RawQuery};
use axum::http::StatusCode;
use axum::response::Response;
use forge_core::LabelId;
use forge_core::label::{self, LabelInput};
use serde::Deserialize;
use serde_json::Value;

pub(super) async fn list_labels(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let viewer = caller.map(|c| c.user);
    let repo = readable_repo(&state, viewer.as_ref(), &owner, &name).await?;
    let labels = label::list(&state.db, repo.id).await?;
    let items = labels
        .iter()
        .map(|l| label_json(&state, &repo, l))
        .collect();
    paged(items, raw.as_deref(), &list_url(&state, &uri))
}

#[derive(Deserialize)]
pub(super) struct CreateLabel {
    name: String,
    color: String,
    #[serde(default)]
    description: Option<String>,
}

pub(super) async fn create_label(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<CreateLabel>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let actor = caller.user;
    let repo = readable_repo(&state, Some(&actor), &owner, &name).await?;
    let input = LabelInput {
        name: body.name,
        color: body.color,
        description: body.description.unwrap_or_default(),
    };
    let created = label::create(&state.db, &actor, &repo, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(label_json(&state, &repo, &created)),
    ))
}

pub(super) async fn get_label(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, id)): ApiPath<(String, String, i64)>,
) -> Result<Json<Value>, ApiError> {
    let viewer = caller.map(|c| c.user);
    let repo = readable_repo(&state, viewer.as_ref(), &owner, &name).await?;
    let found = existing_label(&state, &repo, id).await?;
    Ok(Json(label_json(&state, &repo, &found)))
}

#[derive(Deserialize)]
pub(super) struct EditLabel {
    name: Option<String>,
    color: Option<String>,
    description: Option<String>,
}

pub(super) async fn edit_label(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, id)): ApiPath<(String, String, i64)>,
    ApiJson(body): ApiJson<EditLabel>,
) -> Result<Json<Value>, ApiError> {
    let actor = caller.user;
    let repo = readable_repo(&state, Some(&actor), &owner, &name).await?;
    let found = existing_label(&state, &repo, id).await?;
    let input = LabelInput {
        name: body.name.unwrap_or(found.name),
        color: body.color.unwrap_or(found.color),
        description: body.description.unwrap_or(found.description),
    };
    let updated = label::update(&state.db, &actor, &repo, found.id, input).await?;
    Ok(Json(label_json(&state, &repo, &updated)))
}

pub(super) async fn delete_label(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, id)): ApiPath<(String, String, i64)>,
) -> Result<StatusCode, ApiError> {
    let actor = caller.user;
    let repo = readable_repo(&state, Some(&actor), &owner, &name).await?;
    label::delete(&state.db, &actor, &repo, LabelId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
