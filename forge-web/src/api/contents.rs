//! A repository's files: `/contents/{path}` (read a file or list a
//! folder; create, update and delete a file by a commit of the forge),
//! `/raw/{path}` and `/archive/{ref}.{zip|tar.gz}`, the last two served by
//! the code browser's own code.
//!
//! Commits are made by `forge-service` (see `Forge::edit_file`): the
//! branch moves only from the commit the change was made against, and the
//! move has the consequences of a push. Neutral values: `encoding` and
//! `content` are `null` for folders, and for files larger than
//! [`MAX_INLINE_BLOB`] (read those through `/raw`); `verification` is
//! unsigned.

use super::ApiJson;
use super::ApiPath;
use super::git_refs::{git_time, read_git};
use super::issue_common::{first, query_pairs, readable_repo};
use crate::AppState;
use crate::auth::{MaybeCaller, RequireCaller};
use crate::error::{ApiError, PageError};
use crate::i18n::{self, Lang};
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use forge_core::Error;
use forge_core::repo::Repo;
use forge_core::user::User;
use forge_git::browse::{self, BrowseError, Entry, EntryKind, Node, Oid, RefKind};
use forge_git::edit::Person;
use forge_git::process::ArchiveFormat;
use forge_service::contents::{FileEdit, FileOp};
use serde::Deserialize;
use serde_json::{Value, json};

/// Files up to this size come inline, in base64; larger ones have a `null`
/// content (Gitea's `default_max_blob_size`).
pub const MAX_INLINE_BLOB: u64 = 1024 * 1024;

/// A page's error as the API says it.
fn from_page(error: PageError) -> ApiError {
    ApiError {
        status: error.status,
        message: i18n::problem(Lang::En, &error.problem),
        retry_after: None,
    }
}

fn encode_path(path: &str) -> String {
    path.split('/')
        .map(crate::views::url_encode)
        .collect::<Vec<_>>()
        .join("/")
}

/// Where a contents answer points: the ref as asked for, and how it
/// resolved.
struct At {
    name: String,
    kind: RefKind,
    commit: Oid,
}

async fn resolve(state: &AppState, repo: &Repo, wanted: Option<&str>) -> Result<At, ApiError> {
    let wanted = wanted.map(str::to_string);
    let preferred = repo.default_branch.clone();
    let found = read_git(state, repo, move |git| match wanted {
        Some(name) => browse::resolve_name(git, &name).map(|(kind, id)| {
            Some(At {
                name: if kind == RefKind::Commit {
                    id.to_string()
                } else {
                    name
                },
                kind,
                commit: id,
            })
        }),
        None => browse::home_branch(git, &preferred).map(|b| {
            b.map(|(name, commit)| At {
                name,
                kind: RefKind::Branch,
                commit,
            })
        }),
    })
    .await?;
    found.ok_or_else(ApiError::not_found)
}

/// Gitea's `ContentsResponse` for one entry at `path`.
fn entry_json(
    state: &AppState,
    repo: &Repo,
    at: &At,
    path: &str,
    entry: &Entry,
    content: Option<String>,
    extra: Option<String>,
) -> Value {
    let base = &state.config.base_url;
    let full = repo.full_name();
    let api = format!("{base}/api/v1/repos/{full}");
    let encoded = encode_path(path);
    let reference = crate::views::url_encode(&at.name);
    let url = format!("{api}/contents/{encoded}?ref={reference}");
    let html_url = format!(
        "{base}/{full}/src/{}/{reference}/{encoded}",
        at.kind.as_str()
    );
    let kind = match entry.kind {
        EntryKind::Dir => "dir",
        EntryKind::Symlink => "symlink",
        EntryKind::Submodule => "submodule",
        EntryKind::File | EntryKind::Executable => "file",
    };
    let git_url = match entry.kind {
        EntryKind::Dir => format!("{api}/git/trees/{}", entry.id),
        _ => format!("{api}/git/blobs/{}", entry.id),
    };
    let download_url = entry.kind.is_blob().then(|| {
        format!(
            "{base}/{full}/raw/{}/{reference}/{encoded}",
            at.kind.as_str()
        )
    });
    let is_file = matches!(entry.kind, EntryKind::File | EntryKind::Executable);
    json!({
        "name": entry.name,
        "path": path,
        "sha": entry.id.to_string(),
        "type": kind,
        "size": entry.size.unwrap_or(0),
        "encoding": content.as_ref().filter(|_| is_file).map(|_| "base64"),
        "content": content.filter(|_| is_file),
        "target": extra.clone().filter(|_| entry.kind == EntryKind::Symlink),
        "url": url,
        "html_url": html_url,
        "git_url": git_url,
        "download_url": download_url,
        "submodule_git_url": extra.filter(|_| entry.kind == EntryKind::Submodule),
        "_links": { "self": url, "git": git_url, "html": html_url },
    })
}

/// What a path names, read for the answer: a folder's entries, or one
/// entry with its content (files within the limit, in base64) or its
/// target (symlinks, submodules).
enum Found {
    Dir(Vec<Entry>),
    Leaf(Entry, Option<String>, Option<String>),
}

async fn read_path(state: &AppState, repo: &Repo, at: &At, path: &str) -> Result<Found, ApiError> {
    let components: Vec<Vec<u8>> = path
        .split('/')
        .filter(|c| !c.is_empty())
        .map(|c| c.as_bytes().to_vec())
        .collect();
    let commit = at.commit;
    read_git(state, repo, move |git| {
        match browse::lookup(git, commit, &components)? {
            Node::Dir(entries) => Ok(Found::Dir(entries)),
            Node::Leaf(entry) => {
                let (content, extra) = match entry.kind {
                    EntryKind::File | EntryKind::Executable => {
                        let content = browse::read_raw(git, entry.id, MAX_INLINE_BLOB)?
                            .ok()
                            .map(|bytes| base64::engine::general_purpose::STANDARD.encode(bytes));
                        (content, None)
                    }
                    EntryKind::Symlink => (None, Some(browse::symlink_target(git, entry.id)?)),
                    EntryKind::Submodule => {
                        (None, browse::submodule_url(git, commit, &components)?)
                    }
                    EntryKind::Dir => return Err(BrowseError::NotFound),
                };
                Ok(Found::Leaf(entry, content, extra))
            }
        }
    })
    .await
}

async fn contents_at(
    state: &AppState,
    viewer: Option<&User>,
    owner: &str,
    name: &str,
    path: &str,
    raw: Option<&str>,
) -> Result<Json<Value>, ApiError> {
    let repo = readable_repo(state, viewer, owner, name).await?;
    let pairs = query_pairs(raw)?;
    let at = resolve(state, &repo, first(&pairs, &["ref"])).await?;
    let path = path.trim_matches('/').to_string();
    Ok(Json(match read_path(state, &repo, &at, &path).await? {
        Found::Dir(entries) => Value::Array(
            entries
                .iter()
                .map(|e| {
                    let child = if path.is_empty() {
                        e.name.clone()
                    } else {
                        format!("{path}/{}", e.name)
                    };
                    entry_json(state, &repo, &at, &child, e, None, None)
                })
                .collect(),
        ),
        Found::Leaf(entry, content, extra) => {
            entry_json(state, &repo, &at, &path, &entry, content, extra)
        }
    }))
}

/// `GET /repos/{owner}/{repo}/contents?ref=`: the root folder.
pub async fn root(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let viewer = caller.map(|c| c.user);
    contents_at(&state, viewer.as_ref(), &owner, &name, "", raw.as_deref()).await
}

/// `GET /repos/{owner}/{repo}/contents/{path}?ref=`.
pub async fn get(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, path)): ApiPath<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let viewer = caller.map(|c| c.user);
    contents_at(
        &state,
        viewer.as_ref(),
        &owner,
        &name,
        &path,
        raw.as_deref(),
    )
    .await
}

/// Gitea's `Identity`.
#[derive(Deserialize)]
pub struct Identity {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
}

/// Gitea's `CreateFileOptions`, `UpdateFileOptions` and
/// `DeleteFileOptions` in one (`content` for the first two, `sha` for the
/// last two).
#[derive(Deserialize)]
pub struct FileOptions {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    sha: Option<String>,
    #[serde(default)]
    branch: Option<String>,
    #[serde(default)]
    new_branch: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    author: Option<Identity>,
    #[serde(default)]
    committer: Option<Identity>,
}

fn identity(value: Option<Identity>) -> Option<Person> {
    value
        .filter(|i| !i.name.trim().is_empty() || !i.email.trim().is_empty())
        .map(|i| Person {
            name: i.name.trim().to_string(),
            email: i.email.trim().to_string(),
        })
}

fn decode(content: Option<&str>) -> Result<Vec<u8>, ApiError> {
    let text: String = content
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| Error::invalid("content", "error-content-base64").into())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Verb {
    Create,
    Update,
    Delete,
}

async fn change(
    state: &AppState,
    actor: &User,
    (owner, name, path): (String, String, String),
    body: FileOptions,
    verb: Verb,
) -> Result<(Repo, forge_service::contents::Committed), ApiError> {
    let repo = readable_repo(state, Some(actor), &owner, &name).await?;
    let sha = || {
        body.sha
            .clone()
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| ApiError::from(Error::invalid("sha", "error-file-sha")))
    };
    let op = match verb {
        Verb::Create => FileOp::Create(decode(body.content.as_deref())?),
        Verb::Update => FileOp::Update {
            content: decode(body.content.as_deref())?,
            sha: sha()?,
        },
        Verb::Delete => FileOp::Delete { sha: sha()? },
    };
    let author = identity(body.author);
    let committer = identity(body.committer);
    let edit = FileEdit {
        path,
        op,
        branch: body.branch,
        new_branch: body.new_branch,
        message: body.message,
        committer: committer.clone().or_else(|| author.clone()),
        author: author.or(committer),
    };
    let committed = state.forge.edit_file(actor, &repo, edit).await?;
    Ok((repo, committed))
}

/// Gitea's `FileResponse` / `FileDeleteResponse`: the file as it is now
/// (`null` once deleted), the commit, its verification.
async fn file_response(
    state: &AppState,
    repo: &Repo,
    committed: &forge_service::contents::Committed,
    deleted: bool,
) -> Result<Value, ApiError> {
    let commit: Oid = committed
        .commit
        .parse()
        .map_err(|_| Error::Internal("the forge's commit id does not parse".into()))?;
    let details = read_git(state, repo, move |git| browse::details(git, commit, false)).await?;
    let at = At {
        name: committed.branch.clone(),
        kind: RefKind::Branch,
        commit,
    };
    let content = if deleted {
        Value::Null
    } else {
        match read_path(state, repo, &at, &committed.path).await? {
            Found::Leaf(entry, content, extra) => {
                entry_json(state, repo, &at, &committed.path, &entry, content, extra)
            }
            Found::Dir(_) => Value::Null,
        }
    };
    let base = &state.config.base_url;
    let full = repo.full_name();
    let api = format!("{base}/api/v1/repos/{full}");
    let sha = details.id.to_string();
    let person =
        |s: &browse::Signed| json!({ "name": s.name, "email": s.email, "date": git_time(s) });
    let created = git_time(&details.committer);
    Ok(json!({
        "content": content,
        "commit": {
            "url": format!("{api}/git/commits/{sha}"),
            "sha": sha,
            "created": created,
            "html_url": format!("{base}/{full}/commit/{sha}"),
            "author": person(&details.author),
            "committer": person(&details.committer),
            "parents": details.parents.iter().map(|p| json!({
                "url": format!("{api}/git/commits/{p}"),
                "sha": p.to_string(),
                "created": created,
            })).collect::<Vec<_>>(),
            "message": details.message,
            "tree": {
                "url": format!("{api}/git/trees/{}", details.tree),
                "sha": details.tree.to_string(),
                "created": created,
            },
        },
        "verification": {
            "verified": false,
            "reason": "gpg.error.not_signed_commit",
            "signature": "",
            "signer": null,
            "payload": "",
        },
    }))
}

/// `POST /repos/{owner}/{repo}/contents/{path}`: creates a file (201).
pub async fn create(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath(target): ApiPath<(String, String, String)>,
    ApiJson(body): ApiJson<FileOptions>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (repo, committed) = change(&state, &caller.user, target, body, Verb::Create).await?;
    let answer = file_response(&state, &repo, &committed, false).await?;
    Ok((StatusCode::CREATED, Json(answer)))
}

/// `PUT /repos/{owner}/{repo}/contents/{path}`: replaces a file whose
/// current blob is `sha` (200).
pub async fn update(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath(target): ApiPath<(String, String, String)>,
    ApiJson(body): ApiJson<FileOptions>,
) -> Result<Json<Value>, ApiError> {
    let (repo, committed) = change(&state, &caller.user, target, body, Verb::Update).await?;
    Ok(Json(file_response(&state, &repo, &committed, false).await?))
}

/// `DELETE /repos/{owner}/{repo}/contents/{path}`: deletes a file whose
/// current blob is `sha` (200).
pub async fn delete(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath(target): ApiPath<(String, String, String)>,
    ApiJson(body): ApiJson<FileOptions>,
) -> Result<Json<Value>, ApiError> {
    let (repo, committed) = change(&state, &caller.user, target, body, Verb::Delete).await?;
    Ok(Json(file_response(&state, &repo, &committed, true).await?))
}

/// `GET /repos/{owner}/{repo}/raw/{path}?ref=`; without `ref`, the path
/// may start with a branch, a tag or a commit id (Gitea's older form
/// `raw/{ref}/{path}`), else it is read on the default branch.
pub async fn raw(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, path)): ApiPath<(String, String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let viewer = caller.map(|c| c.user);
    let repo = readable_repo(&state, viewer.as_ref(), &owner, &name).await?;
    let pairs = query_pairs(query.as_deref())?;
    let components: Vec<Vec<u8>> = path
        .split('/')
        .filter(|c| !c.is_empty())
        .map(|c| c.as_bytes().to_vec())
        .collect();
    let (commit, rest) = match first(&pairs, &["ref"]) {
        Some(wanted) => (
            resolve(&state, &repo, Some(wanted)).await?.commit,
            components,
        ),
        None => {
            let preferred = repo.default_branch.clone();
            read_git(&state, &repo, move |git| {
                for kind in [RefKind::Branch, RefKind::Tag, RefKind::Commit] {
                    if let Ok(found) = browse::resolve(git, kind, &components)
                        && found.consumed < components.len()
                    {
                        return Ok((found.commit, components[found.consumed..].to_vec()));
                    }
                }
                let (_, commit) =
                    browse::home_branch(git, &preferred)?.ok_or(BrowseError::NotFound)?;
                Ok((commit, components))
            })
            .await?
        }
    };
    crate::pages::code::raw_file(&state, repo.id.0, commit, rest)
        .await
        .map_err(from_page)
}

/// `GET /repos/{owner}/{repo}/archive/{ref}.{zip|tar.gz}`.
pub async fn archive(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, wanted)): ApiPath<(String, String, String)>,
) -> Result<Response, ApiError> {
    let viewer = caller.map(|c| c.user);
    let repo = readable_repo(&state, viewer.as_ref(), &owner, &name).await?;
    let (reference, format, content_type) = if let Some(r) = wanted.strip_suffix(".tar.gz") {
        (r, ArchiveFormat::TarGz, "application/gzip")
    } else if let Some(r) = wanted.strip_suffix(".zip") {
        (r, ArchiveFormat::Zip, "application/zip")
    } else {
        return Err(ApiError::not_found());
    };
    Ok(
        crate::pages::code::archive_of(&state, &repo, reference, format, content_type)
            .await
            .map_err(from_page)?
            .into_response(),
    )
}
