//! The milestones of a repository: listing (by state), creating, reading,
//! editing, deleting. A milestone is named by id or, like Gitea, by title.

use super::ApiJson;
use super::ApiPath;
use super::issue_common::{milestone_json, present, query_pairs, readable_repo, state_filter};
use super::list_url;
use super::paging::paged;
use crate::AppState;
use crate::auth::{MaybeCaller, RequireCaller};
use crate::error::ApiError;
use axum::Json;
use axum::extract::OriginalUri;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use forge_core::clock::parse_rfc3339;
use forge_core::issue_query::StateFilter;
use forge_core::milestone::{self, Milestone, MilestoneInput};
use forge_core::repo::Repo;
use forge_core::{Error, MilestoneId};
use serde::Deserialize;
use serde_json::Value;

fn parse_due(text: &str) -> Result<i64, ApiError> {
    parse_rfc3339(text).ok_or_else(|| Error::invalid("due_on", "error-date").into())
}

fn parse_milestone_state(text: &str) -> Result<bool, ApiError> {
    match text.trim() {
        "open" => Ok(false),
        "closed" => Ok(true),
        _ => Err(Error::invalid("state", "error-issue-state").into()),
    }
}

pub(super) async fn list_milestones(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let viewer = caller.map(|c| c.user);
    let repo = readable_repo(&state, viewer.as_ref(), &owner, &name).await?;
    let pairs = query_pairs(raw.as_deref())?;
    let wanted = state_filter(&pairs)?;
    let milestones = milestone::list(&state.db, repo.id).await?;
    let items = milestones
        .iter()
        .filter(|m| match wanted {
            StateFilter::Open => !m.closed,
            StateFilter::Closed => m.closed,
            StateFilter::All => true,
        })
        .map(milestone_json)
        .collect();
    paged(items, raw.as_deref(), &list_url(&state, &uri))
}

#[derive(Deserialize)]
pub(super) struct CreateMilestone {
    title: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    due_on: Option<String>,
    #[serde(default)]
    state: Option<String>,
}

pub(super) async fn create_milestone(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<CreateMilestone>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let actor = caller.user;
    let repo = readable_repo(&state, Some(&actor), &owner, &name).await?;
    let input = MilestoneInput {
        title: body.title,
        description: body.description.unwrap_or_default(),
        due_at: body.due_on.as_deref().map(parse_due).transpose()?,
        closed: body
            .state
            .as_deref()
            .map(parse_milestone_state)
            .transpose()?
            .unwrap_or(false),
    };
    let created = milestone::create(&state.db, &actor, &repo, input).await?;
    Ok((StatusCode::CREATED, Json(milestone_json(&created))))
}

/// A milestone by id, or by title like Gitea.
async fn existing_milestone(
    state: &AppState,
    repo: &Repo,
    id_or_title: &str,
) -> Result<Milestone, ApiError> {
    let mut found = None;
    if let Ok(id) = id_or_title.parse::<i64>() {
        found = milestone::get(&state.db, repo.id, MilestoneId(id)).await?;
    }
    if found.is_none() {
        found = milestone::by_title(&state.db, repo.id, id_or_title).await?;
    }
    Ok(found.ok_or_else(|| Error::not_found("error-milestone-not-found"))?)
}

pub(super) async fn get_milestone(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, id)): ApiPath<(String, String, String)>,
) -> Result<Json<Value>, ApiError> {
    let viewer = caller.map(|c| c.user);
    let repo = readable_repo(&state, viewer.as_ref(), &owner, &name).await?;
    let found = existing_milestone(&state, &repo, &id).await?;
    Ok(Json(milestone_json(&found)))
}

#[derive(Deserialize)]
pub(super) struct EditMilestone {
    title: Option<String>,
    description: Option<String>,
    /// `null` removes the due date.
    #[serde(default, deserialize_with = "present")]
    due_on: Option<Option<String>>,
    state: Option<String>,
}

pub(super) async fn edit_milestone(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, id)): ApiPath<(String, String, String)>,
    ApiJson(body): ApiJson<EditMilestone>,
) -> Result<Json<Value>, ApiError> {
    let actor = caller.user;
    let repo = readable_repo(&state, Some(&actor), &owner, &name).await?;
    let found = existing_milestone(&state, &repo, &id).await?;
    let due_at = match body.due_on {
        None => found.due_at,
        Some(None) => None,
        Some(Some(text)) if text.trim().is_empty() => None,
        Some(Some(text)) => Some(parse_due(&text)?),
    };
    let input = MilestoneInput {
        title: body.title.unwrap_or(found.title),
        description: body.description.unwrap_or(found.description),
        due_at,
        closed: match body.state.as_deref() {
            Some(text) => parse_milestone_state(text)?,
            None => found.closed,
        },
    };
    let updated = milestone::update(&state.db, &actor, &repo, found.id, input).await?;
    Ok(Json(milestone_json(&updated)))
}

pub(super) async fn delete_milestone(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, id)): ApiPath<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let actor = caller.user;
    let repo = readable_repo(&state, Some(&actor), &owner, &name).await?;
    let found = existing_milestone(&state, &repo, &id).await?;
    milestone::delete(&state.db, &actor, &repo, found.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
