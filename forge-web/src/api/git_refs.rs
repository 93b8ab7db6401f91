//! Branches, tags and commits as Gitea shows them: `/branches`,
//! `/branches/{branch}`, `/tags`, `/commits` (from `sha`, changing `path`,
//! by page) and `/git/commits/{sha}`.
//!
//! Neutral values: no branch protection (`protected` false, no status
//! checks, no approvals required), no signature verification
//! (`verified` false), commit authors matched to accounts by e-mail
//! address when one has it (else `null`).

use super::ApiPath;
use super::issue_common::{first, query_pairs, readable_repo};
use super::list_url;
use super::paging::{self, MAX_LIMIT, Paging, page_response};
use crate::AppState;
use crate::auth::MaybeCaller;
use crate::error::ApiError;
use axum::Json;
use axum::extract::{OriginalUri, RawQuery, State};
use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;
use forge_core::Error;
use forge_core::clock::rfc3339;
use forge_core::repo::{self, Access, Repo};
use forge_core::user::User;
use forge_git::browse::{self, BrowseError, Details, Oid, Repository, Signed};
use serde_json::{Value, json};
use std::collections::HashMap;

/// Runs `work` on a repository on the blocking pool: a missing ref, commit
/// or path is a 404, anything else a logged 500.
pub(super) async fn read_git<T, F>(state: &AppState, repo: &Repo, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Repository) -> Result<T, BrowseError> + Send + 'static,
{
    let storage = state.storage.clone();
    let id = repo.id.0;
    let task = move || -> Result<T, BrowseError> { work(&storage.open(id)?) };
    match tokio::task::spawn_blocking(task).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(BrowseError::NotFound)) => Err(ApiError::not_found()),
        Ok(Err(BrowseError::Git(e))) => {
            Err(Error::Internal(format!("reading a repository: {e}")).into())
        }
        Err(e) => Err(Error::Internal(format!("a repository task failed: {e}")).into()),
    }
}

/// A git time in RFC 3339 with the signer's offset, as Gitea writes it.
pub(super) fn git_time(signed: &Signed) -> String {
    let local = rfc3339((signed.time_s + i64::from(signed.offset_min) * 60) * 1000);
    let offset = signed.offset_min;
    if offset == 0 {
        return local;
    }
    let sign = if offset < 0 { '-' } else { '+' };
    let abs = offset.abs();
    format!(
        "{}{sign}{:02}:{:02}",
        local.trim_end_matches('Z'),
        abs / 60,
        abs % 60
    )
}

fn api_base(state: &AppState, repo: &Repo) -> String {
    format!(
        "{}/api/v1/repos/{}",
        state.config.base_url,
        repo.full_name()
    )
}

fn html_base(state: &AppState, repo: &Repo) -> String {
    format!("{}/{}", state.config.base_url, repo.full_name())
}

/// The branch or tag or commit a request names, else the default branch.
async fn start_of(state: &AppState, repo: &Repo, wanted: Option<&str>) -> Result<Oid, ApiError> {
    let wanted = wanted.map(str::to_string);
    let preferred = repo.default_branch.clone();
    let found = read_git(state, repo, move |git| match wanted {
        Some(name) => browse::resolve_name(git, &name).map(|(_, id)| Some(id)),
        None => browse::home_branch(git, &preferred).map(|b| b.map(|(_, id)| id)),
    })
    .await?;
    found.ok_or_else(|| Error::conflict(None, "error-repo-empty").into())
}

/// Accounts matched to commit addresses, once per response.
#[derive(Default)]
struct Authors(HashMap<String, Value>);

impl Authors {
    async fn of(&mut self, state: &AppState, email: &str) -> Result<Value, ApiError> {
        if let Some(found) = self.0.get(email) {
            return Ok(found.clone());
        }
        let mut value = Value::Null;
        if email.contains('@')
            && let Some(id) = forge_core::user::id_of_login(&state.db, email).await?
            && let Some(user) = forge_core::user::by_id(&state.db, id).await?
        {
            value = super::users::user_json(&state.config.base_url, &user, None);
        }
        self.0.insert(email.to_string(), value.clone());
        Ok(value)
    }
}

fn verification() -> Value {
    json!({
        "verified": false,
        "reason": "gpg.error.not_signed_commit",
        "signature": "",
        "signer": null,
        "payload": "",
    })
}

fn person(signed: &Signed) -> Value {
    json!({ "name": signed.name, "email": signed.email, "date": git_time(signed) })
}

/// Gitea's `Commit` object (with its `RepoCommit`).
async fn commit_json(
    state: &AppState,
    repo: &Repo,
    commit: &Details,
    authors: &mut Authors,
) -> Result<Value, ApiError> {
    let api = api_base(state, repo);
    let sha = commit.id.to_string();
    let url = format!("{api}/git/commits/{sha}");
    let created = git_time(&commit.committer);
    let parents: Vec<Value> = commit
        .parents
        .iter()
        .map(|p| json!({ "url": format!("{api}/git/commits/{p}"), "sha": p.to_string(), "created": created }))
        .collect();
    let mut value = json!({
        "url": url,
        "sha": sha,
        "created": created,
        "html_url": format!("{}/commit/{sha}", html_base(state, repo)),
        "commit": {
            "url": url,
            "author": person(&commit.author),
            "committer": person(&commit.committer),
            "message": commit.message,
            "tree": {
                "url": format!("{api}/git/trees/{}", commit.tree),
                "sha": commit.tree.to_string(),
                "created": created,
            },
            "verification": verification(),
        },
        "author": authors.of(state, &commit.author.email).await?,
        "committer": authors.of(state, &commit.committer.email).await?,
        "parents": parents,
    });
    if let Some(files) = &commit.files {
        value["files"] = files
            .iter()
            .map(|f| json!({ "filename": f.path, "status": f.status }))
            .collect();
        value["stats"] = json!({
            "total": commit.additions + commit.deletions,
            "additions": commit.additions,
            "deletions": commit.deletions,
        });
    }
    Ok(value)
}

/// Gitea's `PayloadCommit`: a commit as branches and pushes show it.
fn payload_commit(state: &AppState, repo: &Repo, commit: &Details) -> Value {
    let sha = commit.id.to_string();
    let user = |s: &Signed| json!({ "name": s.name, "email": s.email, "username": "" });
    json!({
        "id": sha,
        "message": commit.message,
        "url": format!("{}/commit/{sha}", html_base(state, repo)),
        "author": user(&commit.author),
        "committer": user(&commit.committer),
        "verification": verification(),
        "timestamp": git_time(&commit.committer),
        "added": [],
        "removed": [],
        "modified": [],
    })
}

fn branch_json(
    state: &AppState,
    repo: &Repo,
    name: &str,
    commit: &Details,
    access: Access,
) -> Value {
    json!({
        "name": name,
        "commit": payload_commit(state, repo, commit),
        "protected": false,
        "required_approvals": 0,
        "enable_status_check": false,
        "status_check_contexts": [],
        "user_can_push": access >= Access::Write,
        "user_can_merge": access >= Access::Write,
        "effective_branch_protection_name": "",
    })
}

async fn readable(
    state: &AppState,
    caller: Option<crate::auth::Caller>,
    owner: &str,
    name: &str,
) -> Result<(Repo, Access, Option<User>), ApiError> {
    let viewer = caller.map(|c| c.user);
    let found = readable_repo(state, viewer.as_ref(), owner, name).await?;
    let access = repo::access(&state.db, viewer.as_ref(), &found).await?;
    Ok((found, access, viewer))
}

/// How many branches or tags one list reads at most.
const MAX_REFS: usize = 5000;

/// `GET /repos/{owner}/{repo}/branches`.
pub async fn branches(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let (repo, access, _) = readable(&state, caller, &owner, &name).await?;
    let pairs = query_pairs(raw.as_deref())?;
    let paging = Paging::from_pairs(&pairs, MAX_LIMIT)?;
    let (skip, take) = (paging.offset(), paging.limit);
    let (page, total) = read_git(&state, &repo, move |git| {
        let mut names = browse::branch_names(git, MAX_REFS)?;
        let total = names.len();
        let skip = usize::try_from(skip).unwrap_or(usize::MAX);
        let take = usize::try_from(take).unwrap_or(usize::MAX);
        names = names.into_iter().skip(skip).take(take).collect();
        let mut page = Vec::with_capacity(names.len());
        for branch in names {
            let (_, id) = browse::resolve_name(git, &branch)?;
            page.push((branch, browse::details(git, id, false)?));
        }
        Ok((page, total))
    })
    .await?;
    let items = page
        .iter()
        .map(|(b, c)| branch_json(&state, &repo, b, c, access))
        .collect();
    let total = i64::try_from(total).unwrap_or(i64::MAX);
    page_response(items, total, paging, &list_url(&state, &uri), &pairs)
}

/// `GET /repos/{owner}/{repo}/branches/{branch}` (names may hold `/`).
pub async fn branch(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, branch)): ApiPath<(String, String, String)>,
) -> Result<Json<Value>, ApiError> {
    let (repo, access, _) = readable(&state, caller, &owner, &name).await?;
    let wanted = branch.clone();
    let commit = read_git(&state, &repo, move |git| {
        let parts: Vec<Vec<u8>> = wanted.split('/').map(|c| c.as_bytes().to_vec()).collect();
        let found = browse::resolve(git, browse::RefKind::Branch, &parts)?;
        if found.consumed != parts.len() {
            return Err(BrowseError::NotFound);
        }
        browse::details(git, found.commit, false)
    })
    .await?;
    Ok(Json(branch_json(&state, &repo, &branch, &commit, access)))
}

/// `GET /repos/{owner}/{repo}/tags`: Gitea's `Tag` objects, newest first.
pub async fn tags(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let (repo, _, _) = readable(&state, caller, &owner, &name).await?;
    let (tags, _) = read_git(&state, &repo, |git| browse::tags(git, MAX_REFS)).await?;
    let api = api_base(&state, &repo);
    let html = html_base(&state, &repo);
    let items = tags
        .iter()
        .map(|tag| {
            let sha = tag.commit.id.to_string();
            let encoded = crate::views::url_encode(&tag.name);
            json!({
                "name": tag.name,
                "message": tag.message,
                "id": tag.object.to_string(),
                "commit": {
                    "url": format!("{api}/git/commits/{sha}"),
                    "sha": sha,
                    "created": rfc3339(tag.commit.time_ms),
                },
                "zipball_url": format!("{html}/archive/{encoded}.zip"),
                "tarball_url": format!("{html}/archive/{encoded}.tar.gz"),
            })
        })
        .collect();
    paging::paged(items, raw.as_deref(), &list_url(&state, &uri))
}

fn wants(pairs: &[(String, String)], name: &str) -> bool {
    !matches!(first(pairs, &[name]), Some("false" | "0"))
}

/// `GET /repos/{owner}/{repo}/commits?sha=&path=&stat=&files=&page=&limit=`.
/// The total counts up to [`browse::MAX_COUNTED`] commits.
pub async fn commits(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let (repo, _, _) = readable(&state, caller, &owner, &name).await?;
    let pairs = query_pairs(raw.as_deref())?;
    let paging = Paging::from_pairs(&pairs, MAX_LIMIT)?;
    let start = start_of(&state, &repo, first(&pairs, &["sha"])).await?;
    let path: Option<Vec<Vec<u8>>> = first(&pairs, &["path"]).map(|p| {
        p.split('/')
            .filter(|c| !c.is_empty())
            .map(|c| c.as_bytes().to_vec())
            .collect()
    });
    let files = wants(&pairs, "stat") || wants(&pairs, "files");
    let skip = usize::try_from(paging.offset()).unwrap_or(usize::MAX);
    let take = usize::try_from(paging.limit).unwrap_or(usize::MAX);
    let (page, total) = read_git(&state, &repo, move |git| {
        browse::history_page(git, start, path.as_deref(), skip, take, files)
    })
    .await?;
    let mut authors = Authors::default();
    let mut items = Vec::with_capacity(page.len());
    for commit in &page {
        items.push(commit_json(&state, &repo, commit, &mut authors).await?);
    }
    let total = i64::try_from(total).unwrap_or(i64::MAX);
    let has_more = paging.offset().saturating_add(paging.limit) < total;
    let mut response = page_response(items, total, paging, &list_url(&state, &uri), &pairs)?;
    response.headers_mut().insert(
        HeaderName::from_static("x-hasmore"),
        HeaderValue::from_static(if has_more { "true" } else { "false" }),
    );
    Ok(response)
}

/// `GET /repos/{owner}/{repo}/git/commits/{sha}`: one commit with its files.
pub async fn commit(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, sha)): ApiPath<(String, String, String)>,
) -> Result<Json<Value>, ApiError> {
    let (repo, _, _) = readable(&state, caller, &owner, &name).await?;
    let found = read_git(&state, &repo, move |git| {
        let (_, id) = browse::resolve_name(git, &sha)?;
        browse::details(git, id, true)
    })
    .await?;
    let mut authors = Authors::default();
    Ok(Json(
        commit_json(&state, &repo, &found, &mut authors).await?,
    ))
}
