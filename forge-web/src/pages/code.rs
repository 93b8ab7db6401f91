//! The code browser: repository home, tree, files, raw files, history,
//! commits, branches, tags and archives. URLs follow Gitea's:
//!
//! - `/{owner}/{repo}`: the default branch's files and README, or push
//!   instructions for an empty repository;
//! - `/{owner}/{repo}/src/{branch|tag|commit}/{ref}/{path}`: a folder or a
//!   file (branch and tag names may contain `/`: the longest prefix that
//!   names one wins); `/raw/...` the same file's bytes;
//! - `/{owner}/{repo}/commits/{branch|tag|commit}/{ref}/{path}?after={id}`:
//!   history, a page at a time, each page starting after the last commit of
//!   the one before (never counting from the root);
//! - `/{owner}/{repo}/commit/{id}`, `/branches`, `/tags`,
//!   `/archive/{ref}.tar.gz` and `/archive/{ref}.zip`.
//!
//! Paths come from the raw request URI, percent-decoded into bytes, so that
//! file names that are not UTF-8 stay reachable. All git work (and the
//! highlighting and Markdown rendering that go with it) runs on the
//! blocking pool; archives and very large raw files stream from the `git`
//! binary.

use super::repo_head::RepoHead;
use super::{load_repo, see_other};
use crate::context::PageCtx;
use crate::error::PageError;
use crate::i18n::{self, Lang};
use crate::views::{date, render, url_encode};
use crate::{AppState, highlight, markdown};
use askama::Template;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{OriginalUri, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_SECURITY_POLICY, CONTENT_TYPE,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use forge_core::repo::{Access, Repo};
use forge_git::browse::{
    self, BrowseError, CommitSummary, Content, DiffBody, Entry, EntryKind, FileStatus, LineKind,
    LogStart, Node, Oid, RefKind, Repository, Resolved,
};
use std::pin::Pin;
use std::process::Stdio;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::AsyncReadExt;

/// Files up to this size are shown (highlighted up to `highlight::MAX_BYTES`).
const DISPLAY_LIMIT: u64 = 1 << 20;
/// Files with more lines than this are not shown either (a page of that
/// many table rows would be too heavy).
const MAX_DISPLAY_LINES: usize = 20_000;
/// READMEs up to this size are rendered.
const README_LIMIT: u64 = 512 * 1024;
/// Raw files up to this size are read in memory; larger ones stream from
/// `git cat-file`.
const RAW_MEMORY_LIMIT: u64 = 8 << 20;
/// Binary images up to this size are shown inline in the file view.
const IMAGE_PREVIEW_LIMIT: u64 = 10 << 20;
const COMMITS_PER_PAGE: usize = 50;
const MAX_LISTED_REFS: usize = 1000;
const BRANCH_SELECTOR_SIZE: usize = 30;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/-/assets/highlight.css", get(stylesheet))
        .route("/{owner}/{repo}", get(home))
        .route("/{owner}/{repo}/src", get(src_default))
        .route("/{owner}/{repo}/src/{kind}/{*rest}", get(src))
        .route("/{owner}/{repo}/raw/{kind}/{*rest}", get(raw))
        .route("/{owner}/{repo}/commits", get(commits_default))
        .route("/{owner}/{repo}/commits/{kind}/{*rest}", get(commits))
        .route("/{owner}/{repo}/commit/{id}", get(commit))
        .route("/{owner}/{repo}/branches", get(branches))
        .route("/{owner}/{repo}/tags", get(tags))
        .route("/{owner}/{repo}/archive/{*rest}", get(archive))
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        highlight::stylesheet(),
    )
}

// ---------------------------------------------------------------------------
// URLs

/// The components of a request path, percent-decoded into bytes (empty
/// components dropped).
fn components(uri: &Uri) -> Vec<Vec<u8>> {
    uri.path()
        .split('/')
        .filter(|c| !c.is_empty())
        .map(|c| percent_decode(c.as_bytes()))
        .collect()
}

fn percent_decode(input: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'%'
            && let (Some(h), Some(l)) = (
                input.get(i + 1).copied().and_then(hex),
                input.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(input[i]);
        i += 1;
    }
    out
}

/// Percent-encodes one path component (any bytes; `/` included).
fn encode_component(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn encode_path(path: &[Vec<u8>]) -> String {
    path.iter()
        .map(|c| encode_component(c))
        .collect::<Vec<_>>()
        .join("/")
}

/// The owner and repository names at the start of a request path.
fn owner_and_repo(parts: &[Vec<u8>]) -> Result<(String, String), PageError> {
    match parts {
        [owner, repo, ..] => Ok((
            String::from_utf8(owner.clone()).map_err(|_| PageError::not_found())?,
            String::from_utf8(repo.clone()).map_err(|_| PageError::not_found())?,
        )),
        _ => Err(PageError::not_found()),
    }
}

/// Where a page of the browser is: a resolved ref and a path under it.
#[derive(Clone)]
struct Place {
    base: String,
    kind: RefKind,
    name: String,
    commit: Oid,
    path: Vec<Vec<u8>>,
}

impl Place {
    fn new(base: &str, resolved: &Resolved, path: Vec<Vec<u8>>) -> Place {
        Place {
            base: base.to_string(),
            kind: resolved.kind,
            name: resolved.name.clone(),
            commit: resolved.commit,
            path,
        }
    }

    /// `/{base}/{section}/{kind}/{ref}`.
    fn root(&self, section: &str) -> String {
        format!(
            "{}/{section}/{}/{}",
            self.base,
            self.kind.as_str(),
            url_encode(&self.name)
        )
    }

    fn at(&self, section: &str, path: &[Vec<u8>]) -> String {
        let root = self.root(section);
        if path.is_empty() {
            root
        } else {
            format!("{root}/{}", encode_path(path))
        }
    }

    fn src(&self, path: &[Vec<u8>]) -> String {
        self.at("src", path)
    }

    fn archive(&self, format: &str) -> String {
        format!("{}/archive/{}.{format}", self.base, url_encode(&self.name))
    }

    fn path_text(&self) -> String {
        String::from_utf8_lossy(&self.path.join(&b'/')).into_owned()
    }
}

// ---------------------------------------------------------------------------
// Running git work

fn internal() -> PageError {
    PageError::new(StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
}

/// Runs git work on the blocking pool; "not found" becomes a 404 page, any
/// other failure a logged 500.
async fn blocking<T, F>(work: F) -> Result<T, PageError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, BrowseError> + Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(BrowseError::NotFound)) => Err(PageError::not_found()),
        Ok(Err(BrowseError::Git(e))) => {
            tracing::error!(error = %e, "reading a repository failed");
            Err(internal())
        }
        Err(e) => {
            tracing::error!(error = %e, "a repository task failed");
            Err(internal())
        }
    }
}

/// The repository if the visitor may read it. Whatever is missing (owner,
/// repository, or the right to see it), the answer is the same "page not
/// found" as for any unknown address: `/{a}/{b}` is a repository's URL.
async fn readable(
    state: &AppState,
    ctx: &PageCtx,
    owner: &str,
    name: &str,
) -> Result<(Repo, Access), PageError> {
    load_repo(state, ctx, owner, name).await.map_err(|e| {
        if e.status == StatusCode::NOT_FOUND {
            PageError::not_found()
        } else {
            e
        }
    })
}

fn open(storage: &forge_git::Storage, id: i64) -> Result<Repository, BrowseError> {
    Ok(storage.open(id)?)
}

// ---------------------------------------------------------------------------
// What every repository page shows

/// A breadcrumb: a label, and a link unless it is the current page.
struct Crumb {
    label: String,
    href: Option<String>,
}

/// Breadcrumbs from the repository's root at `place` down to its path.
fn crumbs(head: &RepoHead, place: &Place, section: &str) -> Vec<Crumb> {
    let mut out = vec![Crumb {
        label: head.name.clone(),
        href: Some(place.at(section, &[])),
    }];
    for i in 0..place.path.len() {
        out.push(Crumb {
            label: String::from_utf8_lossy(&place.path[i]).into_owned(),
            href: Some(place.at(section, &place.path[..=i])),
        });
    }
    if let Some(last) = out.last_mut() {
        last.href = None;
    }
    out
}

/// "Branch main", "Tag v1.0", "Commit 1a2b3c4d".
fn ref_label(ctx: &PageCtx, place: &Place) -> String {
    let shown = match place.kind {
        RefKind::Commit => short(&place.name),
        _ => place.name.clone(),
    };
    ctx.t1(&format!("code-ref-{}", place.kind.as_str()), "name", &shown)
}

fn short(id: &str) -> String {
    id.chars().take(10).collect()
}

/// A size in bytes, KiB or MiB, with the language's decimal separator.
fn size_label(lang: Lang, bytes: u64) -> String {
    let (value, key) = if bytes < 1024 {
        return i18n::catalogue().message(lang, "code-size-bytes", &[("n", &bytes.to_string())]);
    } else if bytes < 1 << 20 {
        (bytes as f64 / 1024.0, "code-size-kib")
    } else if bytes < 1 << 30 {
        (bytes as f64 / (1u64 << 20) as f64, "code-size-mib")
    } else {
        (bytes as f64 / (1u64 << 30) as f64, "code-size-gib")
    };
    let mut n = format!("{value:.1}");
    if lang == Lang::Fr {
        n = n.replace('.', ",");
    }
    i18n::catalogue().message(lang, key, &[("n", &n)])
}

fn message2(ctx: &PageCtx, key: &str, args: &[(&str, &str)]) -> String {
    i18n::catalogue().message(ctx.lang, key, args)
}

// ---------------------------------------------------------------------------
// Home and tree

#[derive(Template)]
#[template(path = "repo_empty.html")]
struct EmptyView<'a> {
    ctx: &'a PageCtx,
    head: RepoHead,
    can_push: bool,
    existing_commands: String,
    new_commands: String,
}

#[derive(Template)]
#[template(path = "repo_tree.html")]
struct TreeView<'a> {
    ctx: &'a PageCtx,
    head: RepoHead,
    /// The repository's home page (clone box, archives).
    home: bool,
    ref_label: String,
    crumbs: Vec<Crumb>,
    parent_href: Option<String>,
    entries: Vec<EntryRow>,
    readme: Option<ReadmeView>,
    branches: Vec<BranchLink>,
    history_href: String,
    tar_href: String,
    zip_href: String,
    files_heading: String,
}

struct EntryRow {
    name: String,
    href: String,
    kind_label: String,
    size: String,
}

struct ReadmeView {
    name: String,
    /// Sanitised HTML (Markdown) or escaped lines (other text).
    html: String,
    markdown: bool,
}

struct BranchLink {
    name: String,
    href: String,
    current: bool,
}

/// What the blocking part found for a folder.
struct DirData {
    place: Place,
    entries: Vec<Entry>,
    readme: Option<ReadmeView>,
    branches: Vec<String>,
}

fn kind_label(ctx: &PageCtx, kind: EntryKind) -> String {
    ctx.t(match kind {
        EntryKind::Dir => "code-kind-dir",
        EntryKind::File => "code-kind-file",
        EntryKind::Executable => "code-kind-executable",
        EntryKind::Symlink => "code-kind-symlink",
        EntryKind::Submodule => "code-kind-submodule",
    })
}

/// Reads a folder's entries, README and the branch names (blocking).
fn read_dir(git: &Repository, place: Place, entries: Vec<Entry>) -> Result<DirData, BrowseError> {
    let readme = match browse::readme(&entries) {
        Some(entry) => {
            let (_, content) = browse::read_blob(git, entry.id, README_LIMIT)?;
            match content {
                Content::Text(text) => {
                    let lower = entry.name.to_ascii_lowercase();
                    let is_markdown = lower.ends_with(".md") || lower.ends_with(".markdown");
                    let html = if is_markdown {
                        let dir = |section: &str| format!("{}/", place.at(section, &place.path));
                        markdown::render_with(
                            &text,
                            &markdown::Options {
                                link_base: Some(dir("src")),
                                image_base: Some(dir("raw")),
                                heading_offset: 2,
                            },
                        )
                    } else {
                        highlight::plain_lines(&text).join("\n")
                    };
                    Some(ReadmeView {
                        name: entry.name.clone(),
                        html,
                        markdown: is_markdown,
                    })
                }
                Content::Binary | Content::TooLarge => None,
            }
        }
        None => None,
    };
    let branches = browse::branch_names(git, BRANCH_SELECTOR_SIZE)?;
    Ok(DirData {
        place,
        entries,
        readme,
        branches,
    })
}

fn tree_view<'a>(ctx: &'a PageCtx, head: RepoHead, data: DirData, home: bool) -> TreeView<'a> {
    let place = &data.place;
    let entries = data
        .entries
        .iter()
        .map(|e| {
            let mut path = place.path.clone();
            path.push(e.raw_name.clone());
            EntryRow {
                name: e.name.clone(),
                href: place.src(&path),
                kind_label: kind_label(ctx, e.kind),
                size: e.size.map(|s| size_label(ctx.lang, s)).unwrap_or_default(),
            }
        })
        .collect();
    let parent_href =
        (!place.path.is_empty()).then(|| place.src(&place.path[..place.path.len() - 1]));
    let branches = data
        .branches
        .iter()
        .map(|b| BranchLink {
            name: b.clone(),
            href: format!("{}/src/branch/{}", head.base, url_encode(b)),
            current: place.kind == RefKind::Branch && *b == place.name,
        })
        .collect();
    let files_heading = if place.path.is_empty() {
        ctx.t("code-files")
    } else {
        ctx.t1("code-files-in", "path", &place.path_text())
    };
    TreeView {
        ctx,
        home,
        ref_label: ref_label(ctx, place),
        crumbs: crumbs(&head, place, "src"),
        parent_href,
        entries,
        readme: data.readme,
        branches,
        history_href: place.at("commits", &place.path),
        tar_href: place.archive("tar.gz"),
        zip_href: place.archive("zip"),
        files_heading,
        head,
    }
}

enum HomeData {
    Empty,
    Dir(DirData),
}

async fn home(
    State(state): State<AppState>,
    ctx: PageCtx,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, PageError> {
    let parts = components(&uri);
    let (owner, name) = owner_and_repo(&parts)?;
    let (repo, access) = readable(&state, &ctx, &owner, &name).await?;
    let head = RepoHead::new(&state, &repo, access, "code");
    let storage = state.storage.clone();
    let id = repo.id.0;
    let base = head.base.clone();
    let preferred = repo.default_branch.clone();
    let data = blocking(move || {
        let git = open(&storage, id)?;
        let Some((branch, commit)) = browse::home_branch(&git, &preferred)? else {
            return Ok(HomeData::Empty);
        };
        let resolved = Resolved {
            kind: RefKind::Branch,
            name: branch,
            commit,
            consumed: 1,
        };
        let place = Place::new(&base, &resolved, Vec::new());
        let Node::Dir(entries) = browse::lookup(&git, commit, &[])? else {
            return Err(BrowseError::NotFound);
        };
        Ok(HomeData::Dir(read_dir(&git, place, entries)?))
    })
    .await?;
    match data {
        HomeData::Dir(data) => Ok(render(&tree_view(&ctx, head, data, true))),
        HomeData::Empty => {
            let branch = &head.default_branch;
            let clone = &head.clone_url;
            let existing_commands =
                format!("git remote add origin {clone}\ngit push -u origin {branch}");
            let new_commands = format!(
                "git init -b {branch}\ngit add .\ngit commit -m \"{}\"\ngit remote add origin {clone}\ngit push -u origin {branch}",
                ctx.t("code-empty-first-commit")
            );
            Ok(render(&EmptyView {
                ctx: &ctx,
                can_push: access >= Access::Write,
                existing_commands,
                new_commands,
                head,
            }))
        }
    }
}

/// The branch the home page shows (see [`browse::home_branch`]), if any.
async fn home_branch(state: &AppState, repo: &Repo) -> Result<Option<String>, PageError> {
    let storage = state.storage.clone();
    let id = repo.id.0;
    let preferred = repo.default_branch.clone();
    let found = blocking(move || browse::home_branch(&open(&storage, id)?, &preferred)).await?;
    Ok(found.map(|(name, _)| name))
}

/// `/{owner}/{repo}/src` and `/{owner}/{repo}/commits`: the same for the
/// home page's branch, or the home page of an empty repository.
async fn to_home_branch(
    state: &AppState,
    ctx: &PageCtx,
    uri: &Uri,
    section: &str,
) -> Result<Response, PageError> {
    let (owner, name) = owner_and_repo(&components(uri))?;
    let (repo, access) = readable(state, ctx, &owner, &name).await?;
    let head = RepoHead::new(state, &repo, access, "code");
    Ok(match home_branch(state, &repo).await? {
        Some(branch) => see_other(&format!(
            "{}/{section}/branch/{}",
            head.base,
            url_encode(&branch)
        )),
        None => see_other(&head.base),
    })
}

async fn src_default(
    State(state): State<AppState>,
    ctx: PageCtx,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, PageError> {
    to_home_branch(&state, &ctx, &uri, "src").await
}

#[derive(Template)]
#[template(path = "repo_file.html")]
struct FileView<'a> {
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

enum FileBody {
    Lines(Arc<Vec<String>>),
    Empty,
    Binary,
    TooLarge,
    Symlink(String),
    Submodule(Option<String>),
}

enum SrcData {
    Dir(DirData),
    File {
        place: Place,
        entry: Entry,
        body: FileBody,
    },
}

/// Resolves `{kind}/{ref...}/{path...}` from the components after the
/// section (`src`, `raw`, `commits`).
fn resolve_place(
    git: &Repository,
    base: &str,
    kind: RefKind,
    rest: &[Vec<u8>],
) -> Result<Place, BrowseError> {
    let resolved = browse::resolve(git, kind, rest)?;
    Ok(Place::new(
        base,
        &resolved,
        rest[resolved.consumed..].to_vec(),
    ))
}

/// The ref kind and the components after it, for `/{o}/{r}/{section}/{kind}/...`.
fn kind_and_rest(parts: &[Vec<u8>]) -> Result<(RefKind, Vec<Vec<u8>>), PageError> {
    let kind = parts
        .get(3)
        .and_then(|k| std::str::from_utf8(k).ok())
        .and_then(RefKind::parse)
        .ok_or_else(PageError::not_found)?;
    Ok((kind, parts.get(4..).unwrap_or_default().to_vec()))
}

async fn src(
    State(state): State<AppState>,
    ctx: PageCtx,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, PageError> {
    let parts = components(&uri);
    let (owner, name) = owner_and_repo(&parts)?;
    let (kind, rest) = kind_and_rest(&parts)?;
    let (repo, access) = readable(&state, &ctx, &owner, &name).await?;
    let head = RepoHead::new(&state, &repo, access, "code");
    let storage = state.storage.clone();
    let views = state.views.clone();
    let id = repo.id.0;
    let base = head.base.clone();
    let data = blocking(move || {
        let git = open(&storage, id)?;
        let place = resolve_place(&git, &base, kind, &rest)?;
        match browse::lookup(&git, place.commit, &place.path)? {
            Node::Dir(entries) => Ok(SrcData::Dir(read_dir(&git, place, entries)?)),
            Node::Leaf(entry) => {
                let body = match entry.kind {
                    EntryKind::Symlink => {
                        FileBody::Symlink(browse::symlink_target(&git, entry.id)?)
                    }
                    EntryKind::Submodule => {
                        FileBody::Submodule(browse::submodule_url(&git, place.commit, &place.path)?)
                    }
                    // The blob was found in this repository's tree, so its
                    // cached lines are this repository's to show.
                    _ => match views.highlighted.get(&(entry.id, entry.name.clone())) {
                        Some(lines) => FileBody::Lines(lines),
                        None => read_file_body(&git, &entry, &views)?,
                    },
                };
                Ok(SrcData::File { place, entry, body })
            }
        }
    })
    .await?;
    match data {
        SrcData::Dir(data) => Ok(render(&tree_view(&ctx, head, data, false))),
        SrcData::File { place, entry, body } => {
            Ok(render(&file_view(&ctx, head, &place, &entry, body)))
        }
    }
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

fn file_view<'a>(
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

// ---------------------------------------------------------------------------
// Raw files

async fn raw(
    State(state): State<AppState>,
    ctx: PageCtx,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, PageError> {
    let parts = components(&uri);
    let (owner, name) = owner_and_repo(&parts)?;
    let (kind, rest) = kind_and_rest(&parts)?;
    let (repo, _) = readable(&state, &ctx, &owner, &name).await?;
    let storage = state.storage.clone();
    let id = repo.id.0;
    let (file_name, content) = blocking(move || {
        let git = open(&storage, id)?;
        let place = resolve_place(&git, "", kind, &rest)?;
        let Node::Leaf(entry) = browse::lookup(&git, place.commit, &place.path)? else {
            return Err(BrowseError::NotFound);
        };
        let content = match entry.kind {
            EntryKind::Submodule | EntryKind::Dir => return Err(BrowseError::NotFound),
            EntryKind::Symlink => Ok(browse::symlink_target(&git, entry.id)?.into_bytes()),
            EntryKind::File | EntryKind::Executable => {
                browse::read_raw(&git, entry.id, RAW_MEMORY_LIMIT)?.map_err(|size| (entry.id, size))
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
            let mut command = git_command(&state.storage.path_of(id));
            command.arg("cat-file").arg("blob").arg(blob.to_string());
            let (first, body) = stream_command(command, 8000).await?;
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
    let disposition = content_disposition(if inline { "inline" } else { "attachment" }, name);
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    response
}

/// `inline` or `attachment` with the file name, in ASCII and in UTF-8.
fn content_disposition(kind: &str, name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "{kind}; filename=\"{ascii}\"; filename*=UTF-8''{}",
        encode_component(name.as_bytes())
    )
}

/// The `git` binary on a bare repository, with no system configuration and
/// no terminal prompt.
fn git_command(git_dir: &std::path::Path) -> tokio::process::Command {
    let mut command = tokio::process::Command::new("git");
    command
        .arg("--git-dir")
        .arg(git_dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env_remove("GIT_DIR")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    command
}

/// A child process's output as a response body. The child lives as long
/// as the body (a client that goes away kills it).
struct ChildBody {
    _child: tokio::process::Child,
    output: tokio_util::io::ReaderStream<
        tokio::io::Chain<std::io::Cursor<Vec<u8>>, tokio::process::ChildStdout>,
    >,
}

impl futures_util::Stream for ChildBody {
    type Item = std::io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.output).poll_next(cx)
    }
}

/// Starts `command`, reads up to `peek` bytes of its output (to choose
/// headers, and to answer a readable error when it fails at once), and
/// streams the whole output.
async fn stream_command(
    mut command: tokio::process::Command,
    peek: usize,
) -> Result<(Vec<u8>, Body), PageError> {
    let mut child = command.spawn().map_err(|e| {
        tracing::error!(error = %e, "could not start git");
        internal()
    })?;
    let mut stdout = child.stdout.take().ok_or_else(internal)?;
    let mut first = vec![0u8; peek];
    let mut filled = 0;
    while filled < peek {
        let n = stdout.read(&mut first[filled..]).await.map_err(|e| {
            tracing::error!(error = %e, "could not read git's output");
            internal()
        })?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    first.truncate(filled);
    if filled == 0 {
        let status = child.wait().await.map_err(|_| internal())?;
        if !status.success() {
            tracing::error!(%status, "git failed");
            return Err(internal());
        }
    }
    let output =
        tokio_util::io::ReaderStream::new(std::io::Cursor::new(first.clone()).chain(stdout));
    let body = Body::from_stream(ChildBody {
        _child: child,
        output,
    });
    Ok((first, body))
}

// ---------------------------------------------------------------------------
// Archives

async fn archive(
    State(state): State<AppState>,
    ctx: PageCtx,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, PageError> {
    let parts = components(&uri);
    let (owner, name) = owner_and_repo(&parts)?;
    let wanted = parts
        .get(3..)
        .filter(|rest| !rest.is_empty())
        .map(|rest| rest.join(&b'/'))
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(PageError::not_found)?;
    let (reference, format, content_type) = if let Some(r) = wanted.strip_suffix(".tar.gz") {
        (r.to_string(), "tar.gz", "application/gzip")
    } else if let Some(r) = wanted.strip_suffix(".zip") {
        (r.to_string(), "zip", "application/zip")
    } else {
        return Err(PageError::not_found());
    };
    let (repo, _) = readable(&state, &ctx, &owner, &name).await?;
    let storage = state.storage.clone();
    let id = repo.id.0;
    let lookup = reference.clone();
    let (_, commit) = blocking(move || {
        let git = open(&storage, id)?;
        browse::resolve_name(&git, &lookup)
    })
    .await?;
    let label: String = reference
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let folder = format!("{}-{label}", repo.name);
    let mut command = git_command(&state.storage.path_of(id));
    // Only the resolved commit id reaches git, never the visitor's text.
    command
        .arg("archive")
        .arg(format!("--format={format}"))
        .arg(format!("--prefix={folder}/"))
        .arg(commit.to_string());
    let (_, body) = stream_command(command, 64 * 1024).await?;
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    let disposition = content_disposition("attachment", &format!("{folder}.{format}"));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

// ---------------------------------------------------------------------------
// History

#[derive(Template)]
#[template(path = "repo_commits.html")]
struct CommitsView<'a> {
    ctx: &'a PageCtx,
    head: RepoHead,
    heading: String,
    ref_label: String,
    crumbs: Vec<Crumb>,
    rows: Vec<CommitRow>,
    older_href: Option<String>,
    newest_href: Option<String>,
}

struct CommitRow {
    summary: String,
    href: String,
    short_id: String,
    author: String,
    date: String,
}

fn commit_row(ctx: &PageCtx, base: &str, c: &CommitSummary) -> CommitRow {
    let id = c.id.to_string();
    CommitRow {
        summary: if c.summary.is_empty() {
            ctx.t("code-no-message")
        } else {
            c.summary.clone()
        },
        href: format!("{base}/commit/{id}"),
        short_id: short(&id),
        author: c.author.clone(),
        date: date(c.time_ms),
    }
}

async fn commits_default(
    State(state): State<AppState>,
    ctx: PageCtx,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, PageError> {
    to_home_branch(&state, &ctx, &uri, "commits").await
}

/// The `after` parameter of a history page: a full commit id.
fn after_of(uri: &Uri) -> Result<Option<Oid>, PageError> {
    let query = uri.query().unwrap_or("");
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query).map_err(|_| PageError::not_found())?;
    match pairs.into_iter().find(|(k, _)| k == "after") {
        None => Ok(None),
        Some((_, value)) => {
            let valid = value.len() == 40 && value.bytes().all(|b| b.is_ascii_hexdigit());
            if !valid {
                return Err(PageError::not_found());
            }
            Oid::from_str(&value)
                .map(Some)
                .map_err(|_| PageError::not_found())
        }
    }
}

async fn commits(
    State(state): State<AppState>,
    ctx: PageCtx,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, PageError> {
    let parts = components(&uri);
    let (owner, name) = owner_and_repo(&parts)?;
    let (kind, rest) = kind_and_rest(&parts)?;
    let after = after_of(&uri)?;
    let (repo, access) = readable(&state, &ctx, &owner, &name).await?;
    let head = RepoHead::new(&state, &repo, access, "commits");
    let storage = state.storage.clone();
    let views = state.views.clone();
    let id = repo.id.0;
    let base = head.base.clone();
    let (place, page) = blocking(move || {
        let git = open(&storage, id)?;
        let place = resolve_place(&git, &base, kind, &rest)?;
        // The path must exist where the history starts.
        browse::lookup(&git, place.commit, &place.path)?;
        let start = match after {
            Some(after) => LogStart::After(after),
            None => LogStart::At(place.commit),
        };
        // A page is cached only once its start was found in this
        // repository, and the key holds the repository.
        let key = (id, start, place.path.clone());
        let path = (!place.path.is_empty()).then_some(place.path.as_slice());
        let page = views.logs.get_or_try_insert(
            key,
            || browse::log(&git, start, path, COMMITS_PER_PAGE),
            crate::view_cache::log_bytes,
        )?;
        Ok((place, page))
    })
    .await?;
    let here = place.at("commits", &place.path);
    let heading = if place.path.is_empty() {
        ctx.t("code-history")
    } else {
        ctx.t1("code-history-of", "path", &place.path_text())
    };
    Ok(render(&CommitsView {
        ctx: &ctx,
        heading,
        ref_label: ref_label(&ctx, &place),
        crumbs: crumbs(&head, &place, "commits"),
        rows: page
            .commits
            .iter()
            .map(|c| commit_row(&ctx, &head.base, c))
            .collect(),
        older_href: page.next.map(|next| format!("{here}?after={next}")),
        newest_href: after.map(|_| here.clone()),
        head,
    }))
}

// ---------------------------------------------------------------------------
// One commit

#[derive(Template)]
#[template(path = "repo_commit.html")]
struct CommitView<'a> {
    ctx: &'a PageCtx,
    head: RepoHead,
    id: String,
    summary: String,
    body: String,
    author: String,
    author_date: String,
    committer: Option<(String, String)>,
    parents: Vec<(String, String)>,
    browse_href: String,
    files_summary: String,
    truncated: Option<String>,
    files: Vec<FileDiffView>,
}

struct FileDiffView {
    anchor: String,
    title: String,
    status: String,
    stats: String,
    notice: Option<String>,
    rows: Vec<DiffRow>,
}

struct DiffRow {
    class: &'static str,
    old_no: String,
    new_no: String,
    mark: &'static str,
    mark_label: String,
    text: String,
}

async fn commit(
    State(state): State<AppState>,
    ctx: PageCtx,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, PageError> {
    let parts = components(&uri);
    let (owner, name) = owner_and_repo(&parts)?;
    let wanted = parts
        .get(3)
        .and_then(|p| String::from_utf8(p.clone()).ok())
        .ok_or_else(PageError::not_found)?;
    let (repo, access) = readable(&state, &ctx, &owner, &name).await?;
    let head = RepoHead::new(&state, &repo, access, "commits");
    let storage = state.storage.clone();
    let views = state.views.clone();
    let id = repo.id.0;
    let detail = blocking(move || {
        let git = open(&storage, id)?;
        // The commit must be in this repository now, cached or not.
        let commit = browse::commit_by_id(&git, &wanted)?;
        views.commits.get_or_try_insert(
            (id, commit),
            || browse::commit(&git, commit, browse::DiffLimits::default()),
            crate::view_cache::commit_bytes,
        )
    })
    .await?;
    let added = ctx.t("code-diff-added-line");
    let removed = ctx.t("code-diff-removed-line");
    let files = detail
        .diff
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let title = match f.status {
                FileStatus::Renamed | FileStatus::Copied if f.old_path != f.new_path => {
                    format!("{} → {}", f.old_path, f.new_path)
                }
                FileStatus::Deleted => f.old_path.clone(),
                _ => f.new_path.clone(),
            };
            let status = ctx.t(match f.status {
                FileStatus::Added => "code-diff-status-added",
                FileStatus::Deleted => "code-diff-status-deleted",
                FileStatus::Modified => "code-diff-status-modified",
                FileStatus::Renamed => "code-diff-status-renamed",
                FileStatus::Copied => "code-diff-status-copied",
                FileStatus::TypeChanged => "code-diff-status-type-changed",
            });
            let stats = message2(
                &ctx,
                "code-diff-stats",
                &[
                    ("added", &f.additions.to_string()),
                    ("removed", &f.deletions.to_string()),
                ],
            );
            let mut rows = Vec::new();
            let notice = match &f.body {
                DiffBody::Hunks(hunks) => {
                    for hunk in hunks {
                        rows.push(DiffRow {
                            class: "hunk",
                            old_no: String::new(),
                            new_no: String::new(),
                            mark: "",
                            mark_label: String::new(),
                            text: hunk.header.clone(),
                        });
                        for line in &hunk.lines {
                            let (class, mark, label) = match line.kind {
                                LineKind::Added => ("add", "+", added.clone()),
                                LineKind::Removed => ("del", "-", removed.clone()),
                                LineKind::Context => ("ctx", "", String::new()),
                            };
                            rows.push(DiffRow {
                                class,
                                old_no: line.old_no.map(|n| n.to_string()).unwrap_or_default(),
                                new_no: line.new_no.map(|n| n.to_string()).unwrap_or_default(),
                                mark,
                                mark_label: label,
                                text: line.text.clone(),
                            });
                        }
                    }
                    None
                }
                DiffBody::Binary => Some(ctx.t("code-diff-binary")),
                DiffBody::TooLarge => Some(ctx.t("code-diff-file-too-large")),
                DiffBody::Empty => Some(ctx.t("code-diff-no-lines")),
            };
            FileDiffView {
                anchor: format!("diff-{}", i + 1),
                title,
                status,
                stats,
                notice,
                rows,
            }
        })
        .collect();
    let id = detail.id.to_string();
    let committer = (detail.committer_name != detail.author_name
        || date(detail.committer_time_ms) != date(detail.author_time_ms))
    .then(|| {
        (
            detail.committer_name.clone(),
            date(detail.committer_time_ms),
        )
    });
    let truncated = detail.diff.truncated.then(|| {
        ctx.t1(
            "code-diff-too-large",
            "shown",
            &detail
                .diff
                .files
                .len()
                .min(detail.diff.total_files)
                .to_string(),
        )
    });
    Ok(render(&CommitView {
        ctx: &ctx,
        browse_href: format!("{}/src/commit/{id}", head.base),
        parents: detail
            .parents
            .iter()
            .map(|p| {
                let p = p.to_string();
                (short(&p), format!("{}/commit/{p}", head.base))
            })
            .collect(),
        id,
        summary: if detail.summary.is_empty() {
            ctx.t("code-no-message")
        } else {
            detail.summary.clone()
        },
        body: detail.body.clone(),
        author: detail.author_name.clone(),
        author_date: date(detail.author_time_ms),
        committer,
        files_summary: ctx.t1(
            "code-diff-files-changed",
            "count",
            &detail.diff.total_files.to_string(),
        ),
        truncated,
        files,
        head,
    }))
}

// ---------------------------------------------------------------------------
// Branches and tags

#[derive(Template)]
#[template(path = "repo_branches.html")]
struct BranchesView<'a> {
    ctx: &'a PageCtx,
    head: RepoHead,
    rows: Vec<RefRow>,
    truncated: bool,
}

#[derive(Template)]
#[template(path = "repo_tags.html")]
struct TagsView<'a> {
    ctx: &'a PageCtx,
    head: RepoHead,
    rows: Vec<RefRow>,
    truncated: bool,
}

struct RefRow {
    name: String,
    href: String,
    history_href: String,
    is_default: bool,
    commit: CommitRow,
    message: String,
    date: String,
    tar_href: String,
    zip_href: String,
}

fn ref_row(
    ctx: &PageCtx,
    head: &RepoHead,
    kind: RefKind,
    name: &str,
    commit: &CommitSummary,
) -> RefRow {
    let encoded = url_encode(name);
    RefRow {
        name: name.to_string(),
        href: format!("{}/src/{}/{encoded}", head.base, kind.as_str()),
        history_href: format!("{}/commits/{}/{encoded}", head.base, kind.as_str()),
        is_default: kind == RefKind::Branch && name == head.default_branch,
        commit: commit_row(ctx, &head.base, commit),
        message: String::new(),
        date: date(commit.time_ms),
        tar_href: format!("{}/archive/{encoded}.tar.gz", head.base),
        zip_href: format!("{}/archive/{encoded}.zip", head.base),
    }
}

async fn branches(
    State(state): State<AppState>,
    ctx: PageCtx,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, PageError> {
    let (owner, name) = owner_and_repo(&components(&uri))?;
    let (repo, access) = readable(&state, &ctx, &owner, &name).await?;
    let head = RepoHead::new(&state, &repo, access, "branches");
    let storage = state.storage.clone();
    let id = repo.id.0;
    let (list, truncated) = blocking(move || {
        let git = open(&storage, id)?;
        browse::branches(&git, MAX_LISTED_REFS)
    })
    .await?;
    let mut rows: Vec<RefRow> = list
        .iter()
        .map(|b| ref_row(&ctx, &head, RefKind::Branch, &b.name, &b.commit))
        .collect();
    // The default branch first, then the most recently changed.
    rows.sort_by_key(|r| !r.is_default);
    Ok(render(&BranchesView {
        ctx: &ctx,
        head,
        rows,
        truncated,
    }))
}

async fn tags(
    State(state): State<AppState>,
    ctx: PageCtx,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, PageError> {
    let (owner, name) = owner_and_repo(&components(&uri))?;
    let (repo, access) = readable(&state, &ctx, &owner, &name).await?;
    let head = RepoHead::new(&state, &repo, access, "tags");
    let storage = state.storage.clone();
    let id = repo.id.0;
    let (list, truncated) = blocking(move || {
        let git = open(&storage, id)?;
        browse::tags(&git, MAX_LISTED_REFS)
    })
    .await?;
    let rows = list
        .iter()
        .map(|t| RefRow {
            message: t.message.clone(),
            date: date(t.time_ms),
            ..ref_row(&ctx, &head, RefKind::Tag, &t.name, &t.commit)
        })
        .collect();
    Ok(render(&TagsView {
        ctx: &ctx,
        head,
        rows,
        truncated,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip_through_urls() {
        let name = b"a b#\xff\xfe%.txt".to_vec();
        let encoded = encode_component(&name);
        assert_eq!(encoded, "a%20b%23%FF%FE%25.txt");
        assert_eq!(percent_decode(encoded.as_bytes()), name);
        assert_eq!(percent_decode(b"100%"), b"100%");
        assert_eq!(percent_decode(b"%zz%4"), b"%zz%4");
        let uri: Uri = "/o/r/src/branch/feature/x/dir%2Fname/%FF".parse().unwrap();
        let parts = components(&uri);
        assert_eq!(parts.len(), 8);
        assert_eq!(parts[6], b"dir/name");
        assert_eq!(parts[7], b"\xff");
    }

    #[test]
    fn sizes_read_well_in_both_languages() {
        assert_eq!(size_label(Lang::En, 12), "12 B");
        assert_eq!(size_label(Lang::En, 1536), "1.5 KiB");
        assert_eq!(size_label(Lang::Fr, 1536), "1,5 Kio");
        assert_eq!(size_label(Lang::En, 3 << 20), "3.0 MiB");
    }

    #[test]
    fn downloads_name_their_file_safely() {
        assert_eq!(
            content_disposition("attachment", "a\"b\u{e9}.bin"),
            "attachment; filename=\"a_b_.bin\"; filename*=UTF-8''a%22b%C3%A9.bin"
        );
    }
}
