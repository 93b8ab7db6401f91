use super::ApiJson;
use super::ApiPath;
use super::issue_common::query_pairs;
use super::list_url;
use super::paging::{self, Paging, page_response};
use crate::AppState;
use crate::auth::{MaybeCaller, RequireCaller};
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use axum::extract::{OriginalUri, RawQuery};
use axum::http::StatusCode;
use axum::response::Response;
use forge_core::account;
use forge_core::clock::rfc3339;
use forge_core::pull::{self, MergeStyle};
use forge_core::repo::{self, Access, NewRepo, Repo, RepoChanges};
use forge_service::templates::InitFiles;
use serde::Deserialize;
use serde_json::{Value, json};

/// Gitea's `Repository` object. Fields without meaning here take neutral
/// values: no stars, watchers, releases, wiki, mirrors, templates or
/// archiving (`false`, `0`, `null` or `""`); `size` is 0 (not measured);
/// `language` is empty. Issues and pull requests are always on
/// (`has_issues`, `internal_tracker`, `has_pull_requests`).
pub(super) async fn repo_json(
    state: &AppState,
    repo: &Repo,
    access: Access,
) -> Result<Value, ApiError> {
    let empty = state.forge.is_empty(repo).await?;
    // The stored counter counts pull requests too (they are issues); Gitea
    // counts them apart.
    let (open_issues, _) = forge_core::issue::issue_counts(&state.db, repo.id).await?;
    let (open_pulls, _) = pull::counts(&state.db, repo.id).await?;
    let topics = forge_core::topic::list(&state.db, repo).await?;
    let fork = repo::parent_of(&state.db, repo.id).await?.is_some();
    let styles = pull::merge_styles(&state.db, repo.id).await?;
    let allows = |style| styles.contains(&style);
    let base = &state.config.base_url;
    let html_url = format!("{base}/{}", repo.full_name());
    let mut value = json!({
        "id": repo.id,
        "owner": super::users::gitea_user(
            base,
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
        "template": false,
        "parent": null,
        "mirror": false,
        "size": 0,
        "language": "",
        "languages_url": format!("{base}/api/v1/repos/{}/languages", repo.full_name()),
        "html_url": html_url,
        "url": format!("{base}/api/v1/repos/{}", repo.full_name()),
        "link": "",
        "ssh_url": state.ssh_url(repo).unwrap_or_default(),
        "clone_url": state.clone_url(repo),
        "original_url": "",
        "website": "",
        "stars_count": 0,
        "forks_count": 0,
        "watchers_count": 0,
        "open_issues_count": open_issues - open_pulls,
        "open_pr_counter": open_pulls,
        "release_counter": 0,
        "default_branch": repo.default_branch,
        "archived": false,
        "created_at": rfc3339(repo.created_at),
        "updated_at": rfc3339(repo.updated_at),
        "archived_at": "1970-01-01T00:00:00Z",
        "permissions": {
            "admin": access >= Access::Admin,
            "push": access >= Access::Write,
            "pull": access >= Access::Read,
        },
    });
    let settings = json!({
        "has_issues": true,
        "internal_tracker": {
            "enable_time_tracker": false,
            "allow_only_contributors_to_track_time": true,
            "enable_issue_dependencies": false,
        },
        "has_wiki": false,
        "has_pull_requests": true,
        "has_projects": false,
        "has_releases": false,
        "has_packages": false,
        "has_actions": false,
        "ignore_whitespace_conflicts": false,
        "allow_merge_commits": allows(MergeStyle::Merge),
        "allow_rebase": allows(MergeStyle::Rebase),
        "allow_rebase_explicit": allows(MergeStyle::Rebase),
        "allow_squash_merge": allows(MergeStyle::Squash),
        "allow_fast_forward_only_merge": allows(MergeStyle::FastForwardOnly),
        "allow_rebase_update": true,
        "default_delete_branch_after_merge": false,
        "default_merge_style": "merge",
        "default_allow_maintainer_edit": false,
        "avatar_url": "",
        "internal": false,
        "mirror_interval": "",
        "mirror_updated": "0001-01-01T00:00:00Z",
        "repo_transfer": null,
        "topics": topics,
    });
    if let (Value::Object(into), Value::Object(more)) = (&mut value, settings) {
        into.extend(more);
    }
    Ok(value)
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
    /// Gitea's `auto_init`: start with a README (and the licence and
    /// `.gitignore` asked for).
    #[serde(default)]
    auto_init: bool,
    /// An SPDX identifier (`MIT`, `Apache-2.0`, `GPL-3.0-or-later`,
    /// `AGPL-3.0-or-later`, `EUPL-1.2`).
    #[serde(default)]
    license: Option<String>,
    /// Template names separated by commas (`Rust`, `Python`, `Node`, `Go`,
    /// `Java`).
    #[serde(default)]
    gitignores: Option<String>,
}

async fn create(
    state: AppState,
    caller: RequireCaller,
    owner: &str,
    body: CreateRepo,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let RequireCaller(caller) = caller;
    let new = NewRepo {
        name: body.name,
        description: body.description,
        private: body.private,
        default_branch: body.default_branch,
    };
    let created = if body.auto_init {
        let init = InitFiles {
            readme: true,
            license: body.license.filter(|l| !l.trim().is_empty()),
            gitignores: body
                .gitignores
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .map(str::to_string)
                .collect(),
        };
        state
            .forge
            .create_repo_with_files(&caller.user, owner, new, &init)
            .await?
    } else {
        state.forge.create_repo(&caller.user, owner, new).await?
    };
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
    ApiPath(org): ApiPath<String>,
    ApiJson(body): ApiJson<CreateRepo>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if forge_core::org::by_name(&state.db, &org).await?.is_none() {
        return Err(ApiError::not_found());
    }
    create(state, caller, &org, body).await
}

/// `POST /admin/users/{username}/repos`: a site admin creates a
/// repository for a user or an organisation, as Gitea's admin API does.
pub async fn create_by_admin(
    State(state): State<AppState>,
    caller: RequireCaller,
    ApiPath(owner): ApiPath<String>,
    ApiJson(body): ApiJson<CreateRepo>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if !caller.0.user.is_admin {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "error-admin-only"));
    }
    if account::by_name(&state.db, &owner).await?.is_none() {
        return Err(ApiError::not_found());
    }
    create(state, caller, &owner, body).await
}

pub async fn get(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
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
    ApiPath((owner, name)): ApiPath<(String, String)>,
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
    ApiPath((owner, name)): ApiPath<(String, String)>,
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
    ApiPath(owner): ApiPath<String>,
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
