//! The notification inbox (`/notifications`: unread and read tabs, one
//! thread per issue grouped by repository, mark read or unread, mark all
//! read), the watch form of repository pages and the subscribe form of
//! issue pages. Every form carries the CSRF token and answers with a
//! redirect.

use super::repo_head::base_of;
use super::{readable, see_other};
use crate::AppState;
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::views::{render, url_encode};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderValue;
use axum::http::header::CACHE_CONTROL;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use forge_core::notification::watch::{self, WatchMode};
use forge_core::notification::{self, Notification, Status};
use forge_core::{NotificationId, clock, issue};
use serde::Deserialize;

/// Threads per page.
const PER_PAGE: i64 = 50;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(inbox))
        .route("/notifications/read-all", post(read_all))
        .route("/notifications/{id}", post(mark))
        .route("/{owner}/{repo}/watch", post(set_watch))
        .route(
            "/{owner}/{repo}/issues/{index}/subscription",
            post(set_subscription),
        )
}

#[derive(Deserialize, Default)]
pub struct InboxQuery {
    #[serde(default)]
    tab: String,
    /// Where the page starts: the cursor of the previous page's last
    /// thread (keyset paging).
    #[serde(default)]
    after: Option<String>,
}

/// The tab named in a query: unread unless `read`.
fn tab_of(text: &str) -> (Status, &'static str) {
    if text == "read" {
        (Status::Read, "read")
    } else {
        (Status::Unread, "unread")
    }
}

struct ThreadRow {
    id: i64,
    href: String,
    reference: String,
    title: String,
    closed: bool,
    what: String,
    why: String,
    when: String,
    iso: String,
    unread: bool,
}

struct Group {
    repo: String,
    href: String,
    threads: Vec<ThreadRow>,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct InboxView<'a> {
    ctx: &'a PageCtx,
    tab: &'static str,
    groups: Vec<Group>,
    unread_total: i64,
    /// The first page, from a later one.
    newest: Option<String>,
    next: Option<String>,
    /// When the page was made: "mark all as read" leaves newer threads.
    now: i64,
}

/// What happened last, in words.
fn what_of(ctx: &PageCtx, n: &Notification) -> String {
    let key = crate::mail_text::kind_key(&n.last_kind);
    let actor = n
        .last_actor
        .clone()
        .unwrap_or_else(|| ctx.t("notification-actor-forge"));
    ctx.t1(&key, "actor", &actor)
}

fn row_of(ctx: &PageCtx, n: &Notification) -> ThreadRow {
    let base = format!(
        "/{}/{}",
        url_encode(&n.repo_owner),
        url_encode(&n.repo_name)
    );
    ThreadRow {
        id: n.id.0,
        href: format!("{base}/issues/{}", n.issue_number),
        reference: format!("#{}", n.issue_number),
        title: n.issue_title.clone(),
        closed: n.issue_closed,
        what: what_of(ctx, n),
        why: ctx.t(&format!("notification-reason-{}", n.reason)),
        when: crate::format::long_date(ctx.lang, n.updated_at),
        iso: clock::rfc3339(n.updated_at),
        unread: n.unread,
    }
}

/// Threads grouped by repository, in the order their newest thread comes.
fn grouped(ctx: &PageCtx, threads: &[Notification]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for n in threads {
        let repo = format!("{}/{}", n.repo_owner, n.repo_name);
        let row = row_of(ctx, n);
        match groups.iter_mut().find(|g| g.repo == repo) {
            Some(group) => group.threads.push(row),
            None => groups.push(Group {
                href: format!(
                    "/{}/{}",
                    url_encode(&n.repo_owner),
                    url_encode(&n.repo_name)
                ),
                repo,
                threads: vec![row],
            }),
        }
    }
    groups
}

/// `/notifications`: the signed-in user's inbox; for them alone.
pub async fn inbox(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(query): Query<InboxQuery>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let (status, tab) = tab_of(&query.tab);
    let after = query.after.as_deref().and_then(notification::Cursor::parse);
    // One more than a page tells whether another page follows.
    let mut threads = notification::list(&state.db, &user, status, after, 0, PER_PAGE + 1).await?;
    let more = i64::try_from(threads.len()).unwrap_or(i64::MAX) > PER_PAGE;
    threads.truncate(usize::try_from(PER_PAGE).unwrap_or(50));
    let next = match threads.last() {
        Some(last) if more => Some(format!(
            "/notifications?tab={tab}&after={}",
            notification::Cursor::after(last).to_param()
        )),
        _ => None,
    };
    let view = InboxView {
        ctx: &ctx,
        tab,
        groups: grouped(&ctx, &threads),
        unread_total: ctx.unread,
        newest: after.is_some().then(|| format!("/notifications?tab={tab}")),
        next,
        now: clock::now_ms(),
    };
    let mut response = render(&view);
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(response)
}

#[derive(Deserialize)]
pub struct MarkForm {
    /// `1` marks read, `0` unread.
    #[serde(default)]
    read: String,
    #[serde(default)]
    tab: String,
}

/// Marks one of the visitor's threads read or unread; another user's
/// thread is "not found".
pub async fn mark(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<MarkForm>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let id = id.parse::<i64>().map_err(|_| PageError::not_found())?;
    notification::mark(&state.db, &user, NotificationId(id), form.read == "1").await?;
    let (_, tab) = tab_of(&form.tab);
    Ok(see_other(&format!("/notifications?tab={tab}")))
}

#[derive(Deserialize)]
pub struct ReadAllForm {
    /// The time the page was shown: threads updated since stay unread.
    #[serde(default)]
    before: Option<String>,
}

pub async fn read_all(
    State(state): State<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<ReadAllForm>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let before = form
        .before
        .and_then(|b| b.parse::<i64>().ok())
        .unwrap_or_else(clock::now_ms);
    notification::mark_all_read(&state.db, &user, before).await?;
    Ok(see_other("/notifications"))
}

#[derive(Deserialize)]
pub struct WatchForm {
    #[serde(default)]
    mode: String,
}

/// Watches a repository (everything or mentions only), or stops.
pub async fn set_watch(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<WatchForm>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let (repo, _) = readable(&state, &ctx, &owner, &name).await?;
    if form.mode == "none" {
        watch::unwatch(&state.db, &user, &repo).await?;
    } else {
        let mode = WatchMode::parse(&form.mode)?;
        watch::watch(&state.db, &user, &repo, mode).await?;
    }
    Ok(see_other(&base_of(&repo)))
}

#[derive(Deserialize)]
pub struct SubscriptionForm {
    #[serde(default)]
    subscribe: String,
}

/// Subscribes to an issue or mutes it, whatever the repository's watch.
pub async fn set_subscription(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, String)>,
    CsrfForm(form): CsrfForm<SubscriptionForm>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let (repo, _) = readable(&state, &ctx, &owner, &name).await?;
    let number = index.parse::<i64>().map_err(|_| PageError::not_found())?;
    let found = issue::get(&state.db, repo.id, number)
        .await?
        .ok_or_else(PageError::not_found)?;
    watch::subscribe(&state.db, &user, found.id, form.subscribe == "1").await?;
    Ok(see_other(&format!(
        "{}/issues/{number}#sidebar-notifications",
        base_of(&repo)
    )))
}
