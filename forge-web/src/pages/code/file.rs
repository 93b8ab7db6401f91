//! A file's page (highlighted lines, images, symlinks, submodules) and
//! `/raw/...`, a file's bytes: read in memory when small, streamed from git
//! otherwise.

use super::download::{command_refused, set_disposition, stream_git};
use super::{
    BrowseError, Crumb, Place, RepoHead, components, crumbs, kind_and_rest, kind_label,
    owner_and_repo, read_repository, readable, ref_label, resolve_place, size_label,
};
use crate::AppState;
use crate::context::PageCtx;
use crate::error::PageError;
use crate::highlight;
use askama::Template;
use axum::body::Body;
use axum::extract::{OriginalUri, State};
use axum::http::HeaderValue;
use axum::http::header::{
    CONTENT_LENGTH, CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS,
};
use axum::response::{IntoResponse, Response};
use forge_git::browse::{self, Content, Entry, EntryKind, Node, Repository};
use forge_git::process::GitCommand;
use std::sync::Arc;

/// Files up to this size are shown (highlighted up to `highlight::MAX_BYTES`).
const DISPLAY_LIMIT: u64 = 1 << 20;

/// Files with more lines than this are not shown either (a page of that
/// many table rows would be too heavy).
const MAX_DISPLAY_LINES: usize = 20_000;

/// Raw files up to this size are read in memory; larger ones stream from
/// `git cat-file`.
const RAW_MEMORY_LIMIT: u64 = 8 << 20;

/// Binary images up to this size are shown inline in the file view.
const IMAGE_PREVIEW_LIMIT: u64 = 10 << 20;

#[derive(Template)]
#[template(path = "repo_file.html")]
pub(super) struct FileView<'a> {
    ctx: &'a PageCtx,
    head: RepoHead,
    ref_label: String,
    crumbs: Vec<Crumb>,
    name: String,
    kind_label: String,
    size: String,
    raw_href: Option<String>,
    history_href: String,
    /// The file's lines as HTML (highlighted or escaped), when shown.
    lines: Arc<Vec<String>>,
    show_lines: bool,
    notice: Option<String>,
    image_src: Option<String>,
    link_target: Option<(String, Option<String>)>,
    submodule: Option<(String, Option<String>)>,
}

pub(super) enum FileBody {
    Lines(Arc<Vec<String>>),
    Empty,
    Binary,
    TooLarge,
    Symlink(String),
    Submodule(Option<String>),
}

/// What a file's page shows of `entry`, found at `place` (blocking).
pub(super) fn read_leaf(
    git: &Repository,
    place: &Place,
    entry: &Entry,
    views: &crate::view_cache::ViewCaches,
) -> Result<FileBody, BrowseError> {
    Ok(match entry.kind {
        EntryKind::Symlink => FileBody::Symlink(browse::symlink_target(git, entry.id)?),
        EntryKind::Submodule => {
            FileBody::Submodule(browse::submodule_url(git, place.commit, &place.path)?)
        }
        // The blob was found in this repository's tree, so its cached lines
        // are this repository's to show.
        _ => match views.highlighted.get(&(entry.id, entry.name.clone())) {
            Some(lines) => FileBody::Lines(lines),
            None => read_file_body(git, entry, views)?,
        },
    })
}

/// A file's body read from its blob; highlighted lines are kept in the view
/// cache, since highlighting costs far more than reading.
fn read_file_body(
    git: &Repository,
    entry: &Entry,
    views: &crate::view_cache::ViewCaches,
) -> Result<FileBody, BrowseError> {
    Ok(match browse::read_blob(git, entry.id, DISPLAY_LIMIT)? {
        (_, Content::Text(text)) if text.is_empty() => FileBody::Empty,
        (_, Content::Text(text)) if text.lines().count() > MAX_DISPLAY_LINES => FileBody::TooLarge,
        (_, Content::Text(text)) => {
            let lines = Arc::new(highlight::lines(&entry.name, &text));
            views.highlighted.insert(
                (entry.id, entry.name.clone()),
                lines.clone(),
                crate::view_cache::lines_bytes(&lines),
            );
            FileBody::Lines(lines)
        }
        (_, Content::Binary) => FileBody::Binary,
        (_, Content::TooLarge) => FileBody::TooLarge,
    })
}

fn is_image(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.')?.1;
    match ext {
        "png" => Some("image/png"),
        "jpg" | "jpeg" => Some("image/jpeg"),
        "gif" => Some("image/gif"),
        "webp" => Some("image/webp"),
        _ => None,
    }
}

pub(super) fn file_view<'a>(
    ctx: &'a PageCtx,
    head: RepoHead,
    place: &Place,
    entry: &Entry,
    body: FileBody,
) -> FileView<'a> {
    let raw_href = place.at("raw", &place.path);
    let mut view = FileView {
        ctx,
        ref_label: ref_label(ctx, place),
        crumbs: crumbs(&head, place, "src"),
        name: entry.name.clone(),
        kind_label: kind_label(ctx, entry.kind),
        size: entry
            .size
            .map(|s| size_label(ctx.lang, s))
            .unwrap_or_default(),
        raw_href: Some(raw_href.clone()),
        history_href: place.at("commits", &place.path),
        lines: Arc::default(),
        show_lines: false,
        notice: None,
        image_src: None,
        link_target: None,
        submodule: None,
        head,
    };
    match body {
        FileBody::Lines(lines) => {
            view.lines = lines;
            view.show_lines = true;
        }
        FileBody::Empty => view.notice = Some(ctx.t("code-file-empty")),
        FileBody::Binary => {
            view.notice = Some(ctx.t("code-file-binary"));
            if is_image(&entry.name).is_some()
                && entry.size.is_some_and(|s| s <= IMAGE_PREVIEW_LIMIT)
            {
                view.image_src = Some(raw_href);
            }
        }
        FileBody::TooLarge => view.notice = Some(ctx.t("code-file-too-large")),
        FileBody::Symlink(target) => {
            // A relative target inside the repository gets a link.
            let mut path: Vec<Vec<u8>> = place.path[..place.path.len().saturating_sub(1)].to_vec();
            let mut inside = !target.starts_with('/');
            for part in target.split('/') {
                match part {
                    "" | "." => {}
                    ".." => inside &= path.pop().is_some(),
                    other => path.push(other.as_bytes().to_vec()),
                }
            }
            let href = inside.then(|| place.src(&path));
            view.link_target = Some((target, href));
        }
        FileBody::Submodule(url) => {
            view.raw_href = None;
            view.submodule = Some((entry.id.to_string(), url));
        }
    }
    view
}

pub(super) async fn raw(
    State(state): State<AppState>,
    ctx: PageCtx,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, PageError> {
    let parts = components(&uri);
    let (owner, name) = owner_and_repo(&parts)?;
    let (kind, rest) = kind_and_rest(&parts)?;
    let (repo, _) = readable(&state, &ctx, &owner, &name).await?;
    let place = read_repository(&state, repo.id.0, move |git| {
        resolve_place(git, "", kind, &rest)
    })
    .await?;
    raw_file(&state, repo.id.0, place.commit, place.path).await
}

/// The bytes of the file at `path` in `commit` of the repository `id`
/// (whose reader the caller checked), as [`raw_response`] serves them:
/// from memory when small, streamed from git otherwise. The JSON API's
/// raw files are served here too.
pub(crate) async fn raw_file(
    state: &AppState,
    id: i64,
    commit: browse::Oid,
    path: Vec<Vec<u8>>,
) -> Result<Response, PageError> {
    let (file_name, content) = read_repository(state, id, move |git| {
        let Node::Leaf(entry) = browse::lookup(git, commit, &path)? else {
            return Err(BrowseError::NotFound);
        };
        let content = match entry.kind {
            EntryKind::Submodule | EntryKind::Dir => return Err(BrowseError::NotFound),
            EntryKind::Symlink => Ok(browse::symlink_target(git, entry.id)?.into_bytes()),
            EntryKind::File | EntryKind::Executable => {
                browse::read_raw(git, entry.id, RAW_MEMORY_LIMIT)?.map_err(|size| (entry.id, size))
            }
        };
        Ok((entry.name, content))
    })
    .await?;
    match content {
        Ok(bytes) => {
            let binary = browse::looks_binary(&bytes);
            let len = bytes.len() as u64;
            Ok(raw_response(&file_name, binary, len, Body::from(bytes)))
        }
        Err((blob, size)) => {
            let command =
                GitCommand::cat_blob(&state.storage.path_of(id), blob).map_err(command_refused)?;
            let (first, body) = stream_git(command, 8000).await?;
            Ok(raw_response(
                &file_name,
                browse::looks_binary(&first),
                size,
                body,
            ))
        }
    }
}

/// A file's bytes, never as HTML from this origin: text as plain text,
/// images as images, anything else as a download; no sniffing, and a
/// sandbox in case a browser renders it anyway.
fn raw_response(name: &str, binary: bool, len: u64, body: Body) -> Response {
    let (content_type, inline) = match is_image(name) {
        Some(image) => (image, true),
        None if binary => ("application/octet-stream", false),
        None => ("text/plain; charset=utf-8", true),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
    set_disposition(headers, if inline { "inline" } else { "attachment" }, name);
    response
}
