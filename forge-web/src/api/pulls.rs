//! Pull requests in Gitea's shapes: the list, opening, reading and editing
//! one, merging (`pulls/{n}/merge`), its changed files and its commits.

use super::issue_common::{Lookups, query_pairs, readable_repo, repo_path, state_filter, user_ref};
use super::issues::issue_json;
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
use forge_core::clock::rfc3339;
use forge_core::issue::{self, CloseReason, IssueChanges};
use forge_core::issue_query::StateFilter;
use forge_core::pull::{self, ListState, MergeStyle, PullRequest, Status};
use forge_core::repo::{self, Repo};
use forge_core::user::User;
use forge_core::{Db, Error, RepoId};
use forge_git::browse::{DiffLimits, FileStatus};
use forge_service::pulls::{MergeOptions, OpenPull};
use serde::Deserialize;
use serde_json::{Value, json};

/// One side of a pull request: `{label, ref, sha, repo_id, repo}`.
async fn branch_json(
    state: &AppState,
    viewer: Option<&User>,
    repo: Option<&Repo>,
    branch: &str,
    sha: &str,
) -> Result<Value, ApiError> {
    let Some(repo) = repo else {
        return Ok(json!({"label": branch, "ref": branch, "sha": sha, "repo_id": 0, "repo": null}));
    };
    let access = repo::access(&state.db, viewer, repo).await?;
    let repo_value = if access > repo::Access::None {
        repo_json(state, repo, access).await?
    } else {
        Value::Null
    };
    Ok(json!({
        "label": format!("{}:{branch}", repo.owner_name),
        "ref": branch,
        "sha": sha,
        "repo_id": repo.id,
        "repo": repo_value,
    }))
}

async fn find_repo(db: &Db, id: Option<RepoId>) -> Result<Option<Repo>, ApiError> {
    Ok(match id {
        Some(id) => repo::find_by_id(db, id).await?,
        None => None,
    })
}

async fn pull_json(
    state: &AppState,
    viewer: Option<&User>,
    repo: &Repo,
    pr: &PullRequest,
) -> Result<Value, ApiError> {
    let mut value = issue_json(state, repo, &pr.issue, &mut Lookups::default()).await?;
    let (html, api) = repo_path(state, repo);
    let head_repo = find_repo(&state.db, pr.head_repo_id).await?;
    let merged_by = match &pr.merged {
        Some(merged) => match (&merged.by, &merged.by_name) {
            (Some(id), Some(name)) => user_ref(state, id.0, name),
            _ => Value::Null,
        },
        None => Value::Null,
    };
    let extra = json!({
        "url": format!("{api}/pulls/{}", pr.number()),
        "html_url": format!("{html}/pulls/{}", pr.number()),
        "diff_url": format!("{html}/pulls/{}.diff", pr.number()),
        "patch_url": format!("{html}/pulls/{}.patch", pr.number()),
        "mergeable": pr.status == Status::Mergeable,
        "mergeable_state": pr.status.as_str(),
        "conflicted_files": pr.conflicts,
        "merged": pr.merged.is_some(),
        "merged_at": pr.merged.as_ref().map(|m| rfc3339(m.at)),
        "merge_commit_sha": pr.merged.as_ref().map(|m| m.commit.clone()),
        "merged_by": merged_by,
        "merge_base": pr.merge_base,
        "allow_maintainer_edit": false,
        "base": branch_json(state, viewer, Some(repo), &pr.base_branch, &pr.base_commit).await?,
        "head": branch_json(state, viewer, head_repo.as_ref(), &pr.head_branch, &pr.head_commit).await?,
    });
    if let (Value::Object(map), Value::Object(extra)) = (&mut value, extra) {
        map.remove("pull_request");
        map.remove("repository");
        map.extend(extra);
    }
    Ok(value)
}

pub(super) async fn readable_pull(
    state: &AppState,
    viewer: Option<&User>,
    owner: &str,
    name: &str,
    index: i64,
) -> Result<(Repo, PullRequest), ApiError> {
    let repo = readable_repo(state, viewer, owner, name).await?;
    let (pr, _) = pull::find_readable(&state.db, viewer, &repo, index).await?;
    Ok((repo, pr))
}

pub(super) async fn list(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let viewer = caller.map(|c| c.user);
    let repo = readable_repo(&state, viewer.as_ref(), &owner, &name).await?;
    let pairs = query_pairs(raw.as_deref())?;
    let paging = Paging::from_pairs(&pairs, paging::MAX_LIMIT)?;
    let list_state = match state_filter(&pairs)? {
        StateFilter::Open => ListState::Open,
        StateFilter::Closed => ListState::Closed,
        StateFilter::All => ListState::All,
    };
    let (pulls, total) = pull::list(
        &state.db,
        repo.id,
        list_state,
        paging.offset(),
        paging.limit,
    )
    .await?;
    let mut out = Vec::with_capacity(pulls.len());
    for pr in &pulls {
        out.push(pull_json(&state, viewer.as_ref(), &repo, pr).await?);
    }
    page_response(out, total, paging, &list_url(&state, &uri), &pairs)
}

#[derive(Deserialize)]
pub(super) struct CreatePull {
    /// `branch`, `owner:branch` (that owner's fork) or `owner/repo:branch`.
    head: String,
    base: String,
    title: String,
    #[serde(default)]
    body: Option<String>,
}

/// The repository and branch `head` names: a branch of `base`, or of the
/// fork of `base` that `owner` (or `owner/repo`) names.
async fn head_of(
    state: &AppState,
    viewer: &User,
    base: &Repo,
    head: &str,
) -> Result<(Repo, String), ApiError> {
    let Some((owner, branch)) = head.split_once(':') else {
        return Ok((base.clone(), head.trim().to_string()));
    };
    let branch = branch.trim().to_string();
    if let Some((owner, name)) = owner.split_once('/') {
        let (found, _) = repo::find_readable(&state.db, Some(viewer), owner, name)
            .await
            .map_err(|_| Error::invalid("head", "error-pull-head-missing"))?;
        return Ok((found, branch));
    }
    if owner.trim().eq_ignore_ascii_case(&base.owner_name) {
        return Ok((base.clone(), branch));
    }
    let forks = repo::forks_of(&state.db, Some(viewer), base.id).await?;
    let fork = forks
        .into_iter()
        .find(|f| f.owner_name.eq_ignore_ascii_case(owner.trim()))
        .ok_or_else(|| Error::invalid("head", "error-pull-head-missing"))?;
    Ok((fork, branch))
}

pub(super) async fn create(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<CreatePull>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let actor = caller.user;
    let base = readable_repo(&state, Some(&actor), &owner, &name).await?;
    let (head_repo, head_branch) = head_of(&state, &actor, &base, &body.head).await?;
    let opened = state
        .forge
        .open_pull(
            &actor,
            &base,
            OpenPull {
                title: body.title,
                body: body.body.unwrap_or_default(),
                head_repo,
                head_branch,
                base_branch: body.base,
            },
        )
        .await?;
    let value = pull_json(&state, Some(&actor), &base, &opened).await?;
    Ok((StatusCode::CREATED, Json(value)))
}

pub(super) async fn get(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, index)): ApiPath<(String, String, i64)>,
) -> Result<Json<Value>, ApiError> {
    let viewer = caller.map(|c| c.user);
    let (repo, pr) = readable_pull(&state, viewer.as_ref(), &owner, &name, index).await?;
    Ok(Json(pull_json(&state, viewer.as_ref(), &repo, &pr).await?))
}

#[derive(Deserialize)]
pub(super) struct EditPull {
    title: Option<String>,
    body: Option<String>,
    state: Option<String>,
}

/// Gitea answers an edited pull request with 201.
pub(super) async fn edit(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, index)): ApiPath<(String, String, i64)>,
    ApiJson(body): ApiJson<EditPull>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let actor = caller.user;
    let (repo, pr) = readable_pull(&state, Some(&actor), &owner, &name, index).await?;
    let new_state = match body.state.as_deref().map(str::trim) {
        None => None,
        Some("open") => Some(None),
        Some("closed") => Some(Some(CloseReason::Completed)),
        Some(_) => return Err(Error::invalid("state", "error-issue-state").into()),
    };
    let changes = IssueChanges {
        title: body.title,
        body: body.body,
        state: new_state,
        ..IssueChanges::default()
    };
    issue::update(&state.db, &actor, &repo, &pr.issue, changes).await?;
    let (_, updated) = readable_pull(&state, Some(&actor), &owner, &name, index).await?;
    let value = pull_json(&state, Some(&actor), &repo, &updated).await?;
    Ok((StatusCode::CREATED, Json(value)))
}

/// 204 when merged, 404 otherwise (Gitea's "is it merged?").
pub(super) async fn is_merged(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, index)): ApiPath<(String, String, i64)>,
) -> Result<StatusCode, ApiError> {
    let viewer = caller.map(|c| c.user);
    let (_, pr) = readable_pull(&state, viewer.as_ref(), &owner, &name, index).await?;
    if pr.merged.is_some() {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}

#[derive(Deserialize)]
pub(super) struct MergePull {
    #[serde(rename = "Do")]
    style: String,
    #[serde(rename = "MergeTitleField", default)]
    title: Option<String>,
    #[serde(rename = "MergeMessageField", default)]
    message: Option<String>,
    #[serde(default)]
    head_commit_id: Option<String>,
}

pub(super) async fn merge(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, index)): ApiPath<(String, String, i64)>,
    ApiJson(body): ApiJson<MergePull>,
) -> Result<Json<Value>, ApiError> {
    let actor = caller.user;
    let (repo, pr) = readable_pull(&state, Some(&actor), &owner, &name, index).await?;
    let style = MergeStyle::parse(&body.style)?;
    let message = match (body.title.filter(|t| !t.trim().is_empty()), body.message) {
        (Some(title), Some(message)) if !message.trim().is_empty() => {
            Some(format!("{title}\n\n{message}"))
        }
        (Some(title), _) => Some(title),
        (None, Some(message)) if !message.trim().is_empty() => Some(message),
        (None, _) => None,
    };
    let commit = state
        .forge
        .merge_pull(
            &actor,
            &repo,
            &pr,
            MergeOptions {
                style,
                message,
                expected_head: body.head_commit_id,
            },
        )
        .await?;
    Ok(Json(json!({"merged": true, "sha": commit})))
}

fn status_name(status: FileStatus) -> &'static str {
    match status {
        FileStatus::Added => "added",
        FileStatus::Deleted => "deleted",
        FileStatus::Modified | FileStatus::TypeChanged => "modified",
        FileStatus::Renamed => "renamed",
        FileStatus::Copied => "copied",
    }
}

pub(super) async fn files(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, index)): ApiPath<(String, String, i64)>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let viewer = caller.map(|c| c.user);
    let (repo, pr) = readable_pull(&state, viewer.as_ref(), &owner, &name, index).await?;
    let pairs = query_pairs(raw.as_deref())?;
    let paging = Paging::from_pairs(&pairs, paging::MAX_LIMIT)?;
    let diff = state
        .forge
        .pull_files(&repo, &pr, DiffLimits::default())
        .await?;
    let (html, _) = repo_path(&state, &repo);
    let total = i64::try_from(diff.files.len()).unwrap_or(i64::MAX);
    let out: Vec<Value> = paging
        .slice(diff.files)
        .into_iter()
        .map(|file| {
            json!({
                "filename": file.new_path,
                "previous_filename": if file.old_path != file.new_path { file.old_path.clone() } else { String::new() },
                "status": status_name(file.status),
                "additions": file.additions,
                "deletions": file.deletions,
                "changes": file.additions + file.deletions,
                "html_url": format!("{html}/src/commit/{}/{}", pr.head_commit, file.new_path),
                "raw_url": format!("{html}/raw/commit/{}/{}", pr.head_commit, file.new_path),
            })
        })
        .collect();
    page_response(out, total, paging, &list_url(&state, &uri), &pairs)
}

pub(super) async fn commits(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, index)): ApiPath<(String, String, i64)>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let viewer = caller.map(|c| c.user);
    let (repo, pr) = readable_pull(&state, viewer.as_ref(), &owner, &name, index).await?;
    let pairs = query_pairs(raw.as_deref())?;
    let paging = Paging::from_pairs(&pairs, paging::MAX_LIMIT)?;
    let commits = state.forge.pull_commits(&repo, &pr).await?;
    let (html, api) = repo_path(&state, &repo);
    let total = i64::try_from(commits.len()).unwrap_or(i64::MAX);
    let out: Vec<Value> = paging
        .slice(commits)
        .into_iter()
        .map(|c| {
            let who = json!({
                "name": c.author_name,
                "email": c.author_email,
                "date": rfc3339(c.time.saturating_mul(1000)),
            });
            json!({
                "sha": c.id,
                "url": format!("{api}/git/commits/{}", c.id),
                "html_url": format!("{html}/commit/{}", c.id),
                "commit": {"message": c.message, "author": who, "committer": who},
                "author": null,
                "committer": null,
            })
        })
        .collect();
    page_response(out, total, paging, &list_url(&state, &uri), &pairs)
}
