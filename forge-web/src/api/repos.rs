use super::ApiJson;
use super::issue_common::query_pairs;
use super::list_url;
use super::paging::{self, Paging, page_response};
use crate::AppState;
use crate::auth::{MaybeCaller, RequireCaller};
use crate::error::ApiError;
use axum::Json;
use axum::extract::{OriginalUri, RawQuery};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use forge_core::account;
use forge_core::clock::rfc3339;
use forge_core::pull::{self, MergeStyle};
use forge_core::repo::{self, Access, NewRepo, Repo, RepoChanges};
use serde::Deserialize;
use serde_json::{Value, json};

/// Gitea's repository shape.
pub(super) async fn repo_json(
    state: &AppState,
    repo: &Repo,
    access: Access,
) -> Result<Value, ApiError> {
    let empty = state.forge.is_empty(repo).await?;
    let fork = repo::parent_of(&state.db, repo.id).await?.is_some();
    let styles = pull::merge_styles(&state.db, repo.id).await?;
    let allows = |style| styles.contains(&style);
    let html_url = format!("{}/{}", state.config.base_url, repo.full_name());
    Ok(json!({
        "id": repo.id,
        "owner": super::users::gitea_user(
            &state.config.base_url,
            super::users::UserFields {
                id: repo.owner_id.0,
                login: &repo.owner_name,
                is_org: repo.owner_is_org,
                ..Default::default()
            },
        ),
        "name": repo.name,
        "full_name": repo.full_name(),
        "description": repo.description,
        "empty": empty,
        "private": repo.private,
        "fork": fork,
        "mirror": false,
        "html_url": html_url,
        "clone_url": state.clone_url(repo),
        "ssh_url": "",
        "default_branch": repo.default_branch,
        "created_at": rfc3339(repo.created_at),
        "updated_at": rfc3339(repo.updated_at),
        "has_pull_requests": true,
        "allow_merge_commits": allows(MergeStyle::Merge),
        "allow_squash_merge": allows(MergeStyle::Squash),
        "allow_rebase": allows(MergeStyle::Rebase),
        "allow_fast_forward_only_merge": allows(MergeStyle::FastForwardOnly),
        "permissions": {
            "admin": access >= Access::Admin,
            "push": access >= Access::Write,
            "pull": access >= Access::Read,
        },
    }))
}

#[derive(Deserialize)]
pub struct CreateRepo {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    private: bool,
    #[serde(default)]
    default_branch: Option<String>,
}

async fn create(
    state: AppState,
    caller: RequireCaller,
    owner: &str,
    body: CreateRepo,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let RequireCaller(caller) = caller;
    let created = state
        .forge
        .create_repo(
            &caller.user,
            owner,
            NewRepo {
                name: body.name,
                description: body.description,
                private: body.private,
                default_branch: body.default_branch,
            },
        )
        .await?;
    let access = repo::access(&state.db, Some(&caller.user), &created).await?;
    Ok((
        StatusCode::CREATED,
        Json(repo_json(&state, &created, access).await?),
    ))
}

pub async fn create_for_user(
    State(state): State<AppState>,
    caller: RequireCaller,
    ApiJson(body): ApiJson<CreateRepo>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let owner = caller.0.user.name.clone();
    create(state, caller, &owner, body).await
}

pub async fn create_for_org(
    State(state): State<AppState>,
    caller: RequireCaller,
    Path(org): Path<String>,
    ApiJson(body): ApiJson<CreateRepo>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if forge_core::org::by_name(&state.db, &org).await?.is_none() {
        return Err(ApiError::not_found());
    }
    create(state, caller, &org, body).await
}

pub async fn get(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    Path((owner, name)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let user = caller.map(|c| c.user);
    let (found, access) = repo::find_readable(&state.db, user.as_ref(), &owner, &name).await?;
    Ok(Json(repo_json(&state, &found, access).await?))
}

#[derive(Deserialize)]
pub struct EditRepo {
    description: Option<String>,
    private: Option<bool>,
    default_branch: Option<String>,
    allow_merge_commits: Option<bool>,
    allow_squash_merge: Option<bool>,
    allow_rebase: Option<bool>,
    allow_fast_forward_only_merge: Option<bool>,
}

pub async fn edit(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    Path((owner, name)): Path<(String, String)>,
    ApiJson(body): ApiJson<EditRepo>,
) -> Result<Json<Value>, ApiError> {
    let (found, _) = repo::find_readable(&state.db, Some(&caller.user), &owner, &name).await?;
    let changes = RepoChanges {
        description: body.description,
        private: body.private,
        default_branch: body.default_branch,
    };
    let wanted = [
        (MergeStyle::Merge, body.allow_merge_commits),
        (MergeStyle::Squash, body.allow_squash_merge),
        (MergeStyle::Rebase, body.allow_rebase),
        (
            MergeStyle::FastForwardOnly,
            body.allow_fast_forward_only_merge,
        ),
    ];
    let updated = state
        .forge
        .update_repo(&caller.user, &found, changes)
        .await?;
    if wanted.iter().any(|(_, allow)| allow.is_some()) {
        let current = pull::merge_styles(&state.db, found.id).await?;
        let styles: Vec<MergeStyle> = wanted
            .into_iter()
            .filter(|(style, allow)| allow.unwrap_or(current.contains(style)))
            .map(|(style, _)| style)
            .collect();
        pull::set_merge_styles(&state.db, &caller.user, &updated, &styles).await?;
    }
    let access = repo::access(&state.db, Some(&caller.user), &updated).await?;
    Ok(Json(repo_json(&state, &updated, access).await?))
}

pub async fn delete(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    Path((owner, name)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (found, _) = repo::find_readable(&state.db, Some(&caller.user), &owner, &name).await?;
    state.forge.delete_repo(&caller.user, &found).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One page of an owner's repositories that `viewer` may see; only that
/// page's repositories are looked at on disk.
async fn list(
    state: &AppState,
    viewer: Option<&forge_core::user::User>,
    owner: &str,
    raw: Option<&str>,
    url: &str,
) -> Result<Response, ApiError> {
    let account = account::by_name(&state.db, owner)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let pairs = query_pairs(raw)?;
    let paging = Paging::from_pairs(&pairs, paging::MAX_LIMIT)?;
    let all = repo::list_for_owner(&state.db, viewer, account.id).await?;
    let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
    let mut out = Vec::new();
    for found in paging.slice(all) {
        let access = repo::access(&state.db, viewer, &found).await?;
        out.push(repo_json(state, &found, access).await?);
    }
    page_response(out, total, paging, url, &pairs)
}

pub async fn list_for_owner(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    Path(owner): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let user = caller.map(|c| c.user);
    let url = list_url(&state, &uri);
    list(&state, user.as_ref(), &owner, raw.as_deref(), &url).await
}

pub async fn list_mine(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let url = list_url(&state, &uri);
    list(
        &state,
        Some(&caller.user),
        &caller.user.name,
        raw.as_deref(),
        &url,
    )
    .await
}
