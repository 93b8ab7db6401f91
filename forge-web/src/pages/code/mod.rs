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
//! binary, which `forge_git::process` starts.
//!
//! This module holds the router and what every page of the browser shares:
//! request paths and their percent-decoding, [`Place`], the readable
//! repository, the blocking helper, breadcrumbs and size labels. The pages
//! themselves are in `tree` (home, folders, README), `file` (a file's page,
//! raw files), `history` (commit lists), `commit` (one commit and its
//! diff), `refs` (branches and tags) and `archive` (tar.gz and zip), and
//! `download` holds what raw files and archives share.

mod archive;
mod commit;
pub(crate) use commit::{FileDiffView, file_views};
mod download;
mod file;
mod history;
mod refs;
mod tree;

pub(crate) use archive::archive_of;
pub(crate) use file::raw_file;

use super::readable;
use super::repo_head::RepoHead;
use super::see_other;
use crate::context::PageCtx;
use crate::error::PageError;
use crate::i18n::{self, Lang};
use crate::views::url_encode;
use crate::{AppState, highlight};
use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use forge_core::repo::Repo;
use forge_git::browse::{self, BrowseError, EntryKind, Oid, RefKind, Repository, Resolved};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/-/assets/highlight.css", get(stylesheet))
        .route("/{owner}/{repo}", get(tree::home))
        .route("/{owner}/{repo}/src", get(tree::src_default))
        .route("/{owner}/{repo}/src/{kind}/{*rest}", get(tree::src))
        .route("/{owner}/{repo}/raw/{kind}/{*rest}", get(file::raw))
        .route("/{owner}/{repo}/commits", get(history::commits_default))
        .route(
            "/{owner}/{repo}/commits/{kind}/{*rest}",
            get(history::commits),
        )
        .route("/{owner}/{repo}/commit/{id}", get(commit::commit))
        .route("/{owner}/{repo}/branches", get(refs::branches))
        .route("/{owner}/{repo}/tags", get(refs::tags))
        .route("/{owner}/{repo}/archive/{*rest}", get(archive::archive))
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

// ---------------------------------------------------------------------------
// Reading the repository

fn internal() -> PageError {
    PageError::new(StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
}

/// Opens the repository `id` and runs `work` on it, on the blocking pool;
/// "not found" becomes a 404 page, any other failure a logged 500.
async fn read_repository<T, F>(state: &AppState, id: i64, work: F) -> Result<T, PageError>
where
    T: Send + 'static,
    F: FnOnce(&Repository) -> Result<T, BrowseError> + Send + 'static,
{
    let storage = state.storage.clone();
    let task = move || -> Result<T, BrowseError> { work(&storage.open(id)?) };
    match tokio::task::spawn_blocking(task).await {
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

/// The branch the home page shows (see [`browse::home_branch`]), if any.
async fn home_branch(state: &AppState, repo: &Repo) -> Result<Option<String>, PageError> {
    let preferred = repo.default_branch.clone();
    let found = read_repository(state, repo.id.0, move |git| {
        browse::home_branch(git, &preferred)
    })
    .await?;
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

fn kind_label(ctx: &PageCtx, kind: EntryKind) -> String {
    ctx.t(match kind {
        EntryKind::Dir => "code-kind-dir",
        EntryKind::File => "code-kind-file",
        EntryKind::Executable => "code-kind-executable",
        EntryKind::Symlink => "code-kind-symlink",
        EntryKind::Submodule => "code-kind-submodule",
    })
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
}
