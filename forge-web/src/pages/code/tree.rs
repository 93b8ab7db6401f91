//! The repository's home page (its files and README, or push instructions
//! when it is empty) and `/src/...`, a folder's entries with its README or,
//! for a file, the page that `file` builds.

use super::file::{FileBody, file_view, read_leaf};
use super::{
    BrowseError, Crumb, Place, RepoHead, components, crumbs, kind_and_rest, kind_label,
    owner_and_repo, read_repository, readable, ref_label, resolve_place, size_label,
    to_home_branch,
};
use crate::context::PageCtx;
use crate::error::PageError;
use crate::views::{render, url_encode};
use crate::{AppState, highlight, markdown};
use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::response::Response;
use forge_core::repo::Access;
use forge_git::browse::{self, Content, Entry, Node, RefKind, Repository, Resolved};

/// READMEs up to this size are rendered.
const README_LIMIT: u64 = 512 * 1024;

/// Branches offered by the branch selector of a folder's page.
const BRANCH_SELECTOR_SIZE: usize = 30;

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

pub(super) async fn home(
    State(state): State<AppState>,
    ctx: PageCtx,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, PageError> {
    let parts = components(&uri);
    let (owner, name) = owner_and_repo(&parts)?;
    // `/{owner}/{repo}.atom`: the repository's feed, as Gitea names it.
    if let Some(feed_of) = name.strip_suffix(".atom") {
        return crate::pages::feeds::repo_feed(&state, &ctx, &owner, feed_of, uri.query()).await;
    }
    let (repo, access) = readable(&state, &ctx, &owner, &name).await?;
    let head = RepoHead::new(&state, &repo, access, "code")
        .with_watch(&state, &ctx, &repo)
        .await?
        .with_parent(&state, &ctx, &repo)
        .await?;
    let id = repo.id.0;
    let base = head.base.clone();
    let preferred = repo.default_branch.clone();
    let data = read_repository(&state, id, move |git| {
        let Some((branch, commit)) = browse::home_branch(git, &preferred)? else {
            return Ok(HomeData::Empty);
        };
        let resolved = Resolved {
            kind: RefKind::Branch,
            name: branch,
            commit,
            consumed: 1,
        };
        let place = Place::new(&base, &resolved, Vec::new());
        let Node::Dir(entries) = browse::lookup(git, commit, &[])? else {
            return Err(BrowseError::NotFound);
        };
        Ok(HomeData::Dir(read_dir(git, place, entries)?))
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

pub(super) async fn src_default(
    State(state): State<AppState>,
    ctx: PageCtx,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, PageError> {
    to_home_branch(&state, &ctx, &uri, "src").await
}

enum SrcData {
    Dir(DirData),
    File {
        place: Place,
        entry: Entry,
        body: FileBody,
    },
}

/// `/src/{kind}/{ref}/{path}`: a folder's page, or a file's.
pub(super) async fn src(
    State(state): State<AppState>,
    ctx: PageCtx,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, PageError> {
    let parts = components(&uri);
    let (owner, name) = owner_and_repo(&parts)?;
    let (kind, rest) = kind_and_rest(&parts)?;
    let (repo, access) = readable(&state, &ctx, &owner, &name).await?;
    let head = RepoHead::new(&state, &repo, access, "code");
    let views = state.views.clone();
    let id = repo.id.0;
    let base = head.base.clone();
    let data = read_repository(&state, id, move |git| {
        let place = resolve_place(git, &base, kind, &rest)?;
        match browse::lookup(git, place.commit, &place.path)? {
            Node::Dir(entries) => Ok(SrcData::Dir(read_dir(git, place, entries)?)),
            Node::Leaf(entry) => {
                let body = read_leaf(git, &place, &entry, &views)?;
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
