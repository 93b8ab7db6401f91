//! The lists of branches and tags, each ref with its last commit and
//! archive links.

use super::history::{CommitRow, commit_row};
use super::{RepoHead, components, owner_and_repo, read_repository, readable};
use crate::AppState;
use crate::context::PageCtx;
use crate::error::PageError;
use crate::views::{date, render, url_encode};
use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::http::Uri;
use axum::response::Response;
use forge_git::browse::{self, CommitSummary, RefKind, Repository};

/// Branches or tags listed on one page, at the most.
const MAX_LISTED_REFS: usize = 1000;

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
    date_iso: String,
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
        date: crate::format::long_date(ctx.lang, commit.time_ms),
        date_iso: date(commit.time_ms),
        tar_href: format!("{}/archive/{encoded}.tar.gz", head.base),
        zip_href: format!("{}/archive/{encoded}.zip", head.base),
    }
}

/// What `browse::branches` and `browse::tags` read: the refs, and whether
/// there were more than asked for.
type RefList<T> = browse::Result<(Vec<T>, bool)>;

/// The heading of a list of refs, at the tab `tab`, and what `list` reads
/// from the repository: at most `MAX_LISTED_REFS` refs, and whether there
/// were more.
async fn list_refs<T: Send + 'static>(
    state: &AppState,
    ctx: &PageCtx,
    uri: &Uri,
    tab: &'static str,
    list: fn(&Repository, usize) -> RefList<T>,
) -> Result<(RepoHead, Vec<T>, bool), PageError> {
    let (owner, name) = owner_and_repo(&components(uri))?;
    let (repo, access) = readable(state, ctx, &owner, &name).await?;
    let head = RepoHead::new(state, &repo, access, tab);
    let (refs, truncated) =
        read_repository(state, repo.id.0, move |git| list(git, MAX_LISTED_REFS)).await?;
    Ok((head, refs, truncated))
}

pub(super) async fn branches(
    State(state): State<AppState>,
    ctx: PageCtx,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, PageError> {
    let (head, list, truncated) =
        list_refs(&state, &ctx, &uri, "branches", browse::branches).await?;
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

pub(super) async fn tags(
    State(state): State<AppState>,
    ctx: PageCtx,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, PageError> {
    let (head, list, truncated) = list_refs(&state, &ctx, &uri, "tags", browse::tags).await?;
    let rows = list
        .iter()
        .map(|t| RefRow {
            message: t.message.clone(),
            date: crate::format::long_date(ctx.lang, t.time_ms),
            date_iso: date(t.time_ms),
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
