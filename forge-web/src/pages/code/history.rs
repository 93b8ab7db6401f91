//! Commit lists: a ref's history, or a path's, a page at a time, each page
//! starting after the last commit of the one before; and the commit rows
//! that the branch and tag lists show too.

use super::{
    Crumb, RepoHead, components, crumbs, kind_and_rest, owner_and_repo, read_repository, readable,
    ref_label, resolve_place, short, to_home_branch,
};
use crate::AppState;
use crate::context::PageCtx;
use crate::error::PageError;
use crate::views::{date, render};
use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::http::Uri;
use axum::response::Response;
use forge_git::browse::{self, CommitSummary, LogStart, Oid};

const COMMITS_PER_PAGE: usize = 50;

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

/// A commit in a list (history, branches, tags).
pub(super) struct CommitRow {
    pub(super) summary: String,
    pub(super) href: String,
    pub(super) short_id: String,
    pub(super) author: String,
    pub(super) date: String,
    pub(super) date_iso: String,
    pub(super) full_id: String,
    /// The commit's combined check state, when CI posted statuses.
    pub(super) check: Option<String>,
}

pub(super) fn commit_row(ctx: &PageCtx, base: &str, c: &CommitSummary) -> CommitRow {
    let id = c.id.to_string();
    CommitRow {
        summary: if c.summary.is_empty() {
            ctx.t("code-no-message")
        } else {
            c.summary.clone()
        },
        href: format!("{base}/commit/{id}"),
        short_id: short(&id),
        full_id: id.clone(),
        check: None,
        author: c.author.clone(),
        date: crate::format::long_date(ctx.lang, c.time_ms),
        date_iso: date(c.time_ms),
    }
}

pub(super) async fn commits_default(
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

pub(super) async fn commits(
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
    let views = state.views.clone();
    let id = repo.id.0;
    let base = head.base.clone();
    let (place, page) = read_repository(&state, id, move |git| {
        let place = resolve_place(git, &base, kind, &rest)?;
        // The path must exist where the history starts.
        browse::lookup(git, place.commit, &place.path)?;
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
            || browse::log(git, start, path, COMMITS_PER_PAGE),
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
    let mut rows: Vec<CommitRow> = page
        .commits
        .iter()
        .map(|c| commit_row(&ctx, &head.base, c))
        .collect();
    let ids: Vec<String> = rows.iter().map(|r| r.full_id.clone()).collect();
    let states = forge_core::commit_status::combined_of_many(&state.db, repo.id, &ids).await?;
    for row in &mut rows {
        row.check = states
            .get(&row.full_id)
            .map(|s| crate::pages::pulls::check_state_label(&ctx, *s));
    }
    Ok(render(&CommitsView {
        ctx: &ctx,
        heading,
        ref_label: ref_label(&ctx, &place),
        crumbs: crumbs(&head, &place, "commits"),
        rows,
        older_href: page.next.map(|next| format!("{here}?after={next}")),
        newest_href: after.map(|_| here.clone()),
        head,
    }))
}
