//! Atom feeds, built from the outbox:
//!
//! - `/{owner}/{repo}.atom`: a repository's activity (as Gitea);
//! - `/{owner}/{repo}/issues.atom`: the events of its issues;
//! - `/{owner}/{repo}/issues/{index}/feed.atom`: one issue;
//! - `/org/{org}/funding.atom`: an organisation's funding activity;
//! - `/{user}.atom`: a user's activity (as Gitea).
//!
//! Anyone reads what is public. Private content needs the reader's feed
//! token (`?token=`, made in the settings; feed readers keep no cookie) or
//! a signed-in browser; a token that is not valid is refused (401) rather
//! than silently treated as none. The feed token itself is managed at
//! `/user/settings/feeds`, shown once when made.

use crate::AppState;
use crate::atom::{AtomEntry, AtomFeed};
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::views::{render, url_encode};
use askama::Template;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use forge_core::clock::now_ms;
use forge_core::feed::{self, Entry};
use forge_core::repo::{self, Access, Repo};
use forge_core::user::User;
use forge_core::{RepoId, account, issue, org};
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{owner}/{repo}/issues.atom", get(issues_feed))
        .route("/{owner}/{repo}/issues/{index}/feed.atom", get(issue_feed))
        .route("/org/{org}/funding.atom", get(org_funding_feed))
        .route("/user/settings/feeds", get(token_page).post(reset_token))
        .route(
            "/user/settings/feeds/delete",
            axum::routing::post(delete_token),
        )
}

/// Who reads: the owner of `?token=`, else the signed-in visitor. A
/// token that opens nothing is refused.
async fn reader(
    state: &AppState,
    ctx: &PageCtx,
    raw: Option<&str>,
) -> Result<Option<User>, PageError> {
    let token = raw.and_then(|q| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(q)
            .ok()?
            .into_iter()
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v)
    });
    match token {
        Some(token) => match feed::user_of_token(&state.db, &token).await? {
            Some(user) => Ok(Some(user)),
            None => Err(PageError::new(
                StatusCode::UNAUTHORIZED,
                "feed-token-invalid",
            )),
        },
        None => Ok(ctx.user.clone()),
    }
}

/// The repository if `reader` may read it; "not found" otherwise.
async fn readable(
    state: &AppState,
    reader: Option<&User>,
    owner: &str,
    name: &str,
) -> Result<Repo, PageError> {
    let (repo, _) = repo::find_readable(&state.db, reader, owner, name)
        .await
        .map_err(|_| PageError::not_found())?;
    Ok(repo)
}

/// Keeps the entries of repositories `reader` may read; tells whether any
/// is private.
async fn visible(
    state: &AppState,
    reader: Option<&User>,
    entries: Vec<Entry>,
) -> Result<(Vec<Entry>, bool), PageError> {
    let mut access: HashMap<RepoId, bool> = HashMap::new();
    let mut kept = Vec::new();
    let mut private = false;
    for entry in entries {
        if !entry.repo_private {
            kept.push(entry);
            continue;
        }
        let may = match access.get(&entry.repo) {
            Some(may) => *may,
            None => {
                let may = match repo::find_by_id(&state.db, entry.repo).await? {
                    Some(r) => repo::access(&state.db, reader, &r).await? >= Access::Read,
                    None => false,
                };
                access.insert(entry.repo, may);
                may
            }
        };
        if may {
            private = true;
            kept.push(entry);
        }
    }
    Ok((kept, private))
}

/// The action of an event, in the reader's language.
fn action(ctx: &PageCtx, entry: &Entry) -> String {
    let key = match entry.kind.as_str() {
        "push" => "feed-action-push",
        "repo.created" => "feed-action-repo-created",
        "repo.updated" => "feed-action-repo-updated",
        "issue.opened" => "feed-action-issue-opened",
        "issue.closed" => "feed-action-issue-closed",
        "issue.reopened" => "feed-action-issue-reopened",
        "issue.commented" => "feed-action-issue-commented",
        "issue.renamed" | "issue.edited" => "feed-action-issue-edited",
        "comment.edited" => "feed-action-comment-edited",
        "comment.deleted" => "feed-action-comment-deleted",
        "issue.labeled" | "issue.unlabeled" => "feed-action-issue-labels",
        "issue.assigned" | "issue.unassigned" => "feed-action-issue-assignees",
        kind if kind
            .strip_prefix("issue.")
            .is_some_and(forge_core::webhook::consume::is_funding_kind) =>
        {
            return ctx.t1(
                "feed-action-funding",
                "what",
                kind.trim_start_matches("issue.").replace('_', " ").as_str(),
            );
        }
        kind => return ctx.t1("feed-action-other", "kind", kind),
    };
    ctx.t(key)
}

fn entry_of(state: &AppState, ctx: &PageCtx, entry: &Entry) -> AtomEntry {
    let base = &state.config.base_url;
    let (target, link) = match (entry.issue_number, &entry.issue_title) {
        (Some(number), Some(title)) => (
            format!("{}#{number}: {title}", entry.repo_name),
            format!("{base}/{}/issues/{number}", entry.repo_name),
        ),
        _ => (
            entry.repo_name.clone(),
            format!("{base}/{}", entry.repo_name),
        ),
    };
    let deploy_key = entry
        .payload
        .get("deploy_key")
        .and_then(|k| k.get("title"))
        .and_then(|t| t.as_str());
    let actor = match (&entry.actor, deploy_key) {
        (Some(name), _) => name.clone(),
        (None, Some(title)) => ctx.t1("feed-actor-deploy-key", "title", title),
        (None, None) => ctx.t("feed-actor-forge"),
    };
    let summary = match entry.kind.as_str() {
        "push" => entry
            .payload
            .get("commits")
            .and_then(|c| c.as_array())
            .map(|commits| {
                commits
                    .iter()
                    .filter_map(|c| c.get("message").and_then(|m| m.as_str()))
                    .map(|m| m.lines().next().unwrap_or_default().to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default(),
        _ => String::new(),
    };
    AtomEntry {
        id: format!("{base}/-/events/{}", entry.id),
        title: format!("{actor} {} {target}", action(ctx, entry)),
        author: actor,
        link,
        updated: entry.created_at,
        summary,
    }
}

fn atom_response(ctx: &PageCtx, feed: AtomFeed, private: bool) -> Response {
    let mut response = feed.render().into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/atom+xml; charset=utf-8"),
    );
    if private {
        ctx.mark_private();
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    }
    response
}

fn build(
    state: &AppState,
    ctx: &PageCtx,
    title: String,
    path: &str,
    html: &str,
    entries: &[Entry],
) -> AtomFeed {
    let base = &state.config.base_url;
    AtomFeed {
        id: format!("{base}{path}"),
        title,
        self_link: format!("{base}{path}"),
        html_link: format!("{base}{html}"),
        entries: entries.iter().map(|e| entry_of(state, ctx, e)).collect(),
        fallback_updated: now_ms(),
    }
}

/// `/{owner}/{repo}.atom`, reached through the repository's home route.
pub async fn repo_feed(
    state: &AppState,
    ctx: &PageCtx,
    owner: &str,
    name: &str,
    query: Option<&str>,
) -> Result<Response, PageError> {
    let reader = reader(state, ctx, query).await?;
    let repo = readable(state, reader.as_ref(), owner, name).await?;
    let entries = feed::of_repo(&state.db, repo.id).await?;
    let full = repo.full_name();
    let title = ctx.t1("feed-title-repo", "repo", &full);
    let feed = build(
        state,
        ctx,
        title,
        &format!("/{full}.atom"),
        &format!("/{full}"),
        &entries,
    );
    Ok(atom_response(ctx, feed, repo.private))
}

async fn issues_feed(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let reader = reader(&state, &ctx, query.as_deref()).await?;
    let repo = readable(&state, reader.as_ref(), &owner, &name).await?;
    let entries = feed::of_repo_issues(&state.db, repo.id).await?;
    let full = repo.full_name();
    let title = ctx.t1("feed-title-issues", "repo", &full);
    let feed = build(
        &state,
        &ctx,
        title,
        &format!("/{full}/issues.atom"),
        &format!("/{full}/issues"),
        &entries,
    );
    Ok(atom_response(&ctx, feed, repo.private))
}

async fn issue_feed(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, i64)>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let reader = reader(&state, &ctx, query.as_deref()).await?;
    let repo = readable(&state, reader.as_ref(), &owner, &name).await?;
    let found = issue::get(&state.db, repo.id, index)
        .await?
        .ok_or_else(PageError::not_found)?;
    let entries = feed::of_issue(&state.db, found.id).await?;
    let full = repo.full_name();
    let title = format!("{full}#{index}: {}", found.title);
    let feed = build(
        &state,
        &ctx,
        title,
        &format!("/{full}/issues/{index}/feed.atom"),
        &format!("/{full}/issues/{index}"),
        &entries,
    );
    Ok(atom_response(&ctx, feed, repo.private))
}

async fn org_funding_feed(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let reader = reader(&state, &ctx, query.as_deref()).await?;
    let found = org::by_name(&state.db, &name)
        .await?
        .ok_or_else(PageError::not_found)?;
    let entries = feed::of_org_funding(&state.db, found.id).await?;
    let (entries, private) = visible(&state, reader.as_ref(), entries).await?;
    let title = ctx.t1("feed-title-org-funding", "org", &found.name);
    let path = format!("/org/{}/funding.atom", url_encode(&found.name));
    let html = format!("/org/{}/pledges", url_encode(&found.name));
    let feed = build(&state, &ctx, title, &path, &html, &entries);
    Ok(atom_response(&ctx, feed, private))
}

/// `/{user}.atom`, reached through the profile route.
pub async fn user_feed(
    state: &AppState,
    ctx: &PageCtx,
    name: &str,
    query: Option<&str>,
) -> Result<Response, PageError> {
    let reader = reader(state, ctx, query).await?;
    let found = account::by_name(&state.db, name)
        .await?
        .ok_or_else(PageError::not_found)?;
    let entries = feed::of_user(&state.db, found.id).await?;
    let (entries, private) = visible(state, reader.as_ref(), entries).await?;
    let title = ctx.t1("feed-title-user", "user", &found.name);
    let path = format!("/{}.atom", url_encode(&found.name));
    let html = format!("/{}", url_encode(&found.name));
    let feed = build(state, ctx, title, &path, &html, &entries);
    Ok(atom_response(ctx, feed, private))
}

#[derive(Template)]
#[template(path = "settings_feeds.html")]
struct TokenView<'a> {
    ctx: &'a PageCtx,
    /// The token, on the page that made it only.
    token: Option<String>,
    has_token: bool,
    example: String,
}

async fn token_view(
    state: &AppState,
    ctx: &PageCtx,
    user: &User,
    token: Option<String>,
) -> Result<Response, PageError> {
    let has_token = feed::token_created(&state.db, user.id).await?.is_some();
    let example = format!(
        "{}/{}.atom?token={}",
        state.config.base_url,
        url_encode(&user.name),
        token.as_deref().unwrap_or("…")
    );
    let mut response = render(&TokenView {
        ctx,
        token,
        has_token,
        example,
    })
    .into_response();
    // The page may show a secret: keep it out of caches.
    ctx.mark_private();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(response)
}

async fn token_page(State(state): State<AppState>, ctx: PageCtx) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    token_view(&state, &ctx, &user, None).await
}

#[derive(serde::Deserialize)]
struct EmptyForm {}

/// Makes a new token (the old one stops working) and shows it once, as
/// access tokens are.
async fn reset_token(
    State(state): State<AppState>,
    ctx: PageCtx,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let token = feed::reset_token(&state.db, user.id).await?;
    token_view(&state, &ctx, &user, Some(token)).await
}

async fn delete_token(
    State(state): State<AppState>,
    ctx: PageCtx,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    feed::delete_token(&state.db, user.id).await?;
    Ok(super::see_other("/user/settings/feeds"))
}
