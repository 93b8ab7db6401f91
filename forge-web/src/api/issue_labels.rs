//! The labels of one issue (`/issues/{index}/labels`): listing, adding,
//! replacing, clearing, removing one.

use super::ApiJson;
use super::ApiPath;
use super::issue_common::{LabelRef, existing_label, label_json, readable_issue, resolve_labels};
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
use forge_core::issue::{self, Issue};
use forge_core::repo::Repo;
use forge_core::user::User;
use serde::Deserialize;
use serde_json::Value;

async fn issue_labels_json(
    state: &AppState,
    repo: &Repo,
    found: &Issue,
) -> Result<Value, ApiError> {
    Ok(issue::labels_of(&state.db, found.id)
        .await?
        .iter()
        .map(|l| label_json(state, repo, l))
        .collect())
}

pub(super) async fn list_issue_labels(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, index)): ApiPath<(String, String, i64)>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let viewer = caller.map(|c| c.user);
    let (repo, found, _) = readable_issue(&state, viewer.as_ref(), &owner, &name, index).await?;
    let items = match issue_labels_json(&state, &repo, &found).await? {
        Value::Array(items) => items,
        other => vec![other],
    };
    paged(items, raw.as_deref(), &list_url(&state, &uri))
}

#[derive(Deserialize)]
pub(super) struct IssueLabels {
    labels: Vec<LabelRef>,
}

/// Adds (or, with `replace`, sets) an issue's labels; answers its labels.
async fn change_issue_labels(
    state: &AppState,
    actor: &User,
    (owner, name, index): (String, String, i64),
    labels: &[LabelRef],
    replace: bool,
) -> Result<Value, ApiError> {
    let (repo, found, _) = readable_issue(state, Some(actor), &owner, &name, index).await?;
    let ids = resolve_labels(&state.db, &repo, labels).await?;
    if replace {
        issue::set_labels(&state.db, actor, &repo, &found, &ids).await?;
    } else {
        issue::add_labels(&state.db, actor, &repo, &found, &ids).await?;
    }
    issue_labels_json(state, &repo, &found).await
}

pub(super) async fn add_issue_labels(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath(path): ApiPath<(String, String, i64)>,
    ApiJson(body): ApiJson<IssueLabels>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        change_issue_labels(&state, &caller.user, path, &body.labels, false).await?,
    ))
}

pub(super) async fn replace_issue_labels(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath(path): ApiPath<(String, String, i64)>,
    ApiJson(body): ApiJson<IssueLabels>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        change_issue_labels(&state, &caller.user, path, &body.labels, true).await?,
    ))
}

/// Removes every label.
pub(super) async fn clear_issue_labels(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath(path): ApiPath<(String, String, i64)>,
) -> Result<StatusCode, ApiError> {
    change_issue_labels(&state, &caller.user, path, &[], true).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn remove_issue_label(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, index, id)): ApiPath<(String, String, i64, i64)>,
) -> Result<StatusCode, ApiError> {
    let actor = caller.user;
    let (repo, found, _) = readable_issue(&state, Some(&actor), &owner, &name, index).await?;
    let target = existing_label(&state, &repo, id).await?;
    issue::remove_label(&state.db, &actor, &repo, &found, target.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
