//! Notifications in Gitea's shapes: `GET /notifications` (NotificationThread
//! objects, `all`, `status-types`, numbered pages), `PUT /notifications`
//! (mark all read), `GET` and `PATCH /notifications/threads/{id}`
//! (`to-status`), and a repository's watch at
//! `/repos/{owner}/{repo}/subscription` (WatchInfo). Another user's thread
//! is 404, like one that does not exist.

use super::issue_common::{first, query_pairs};
use super::paging::{MAX_LIMIT, Paging, page_response};
use super::{ApiPath, list_url};
use crate::AppState;
use crate::auth::RequireCaller;
use crate::error::ApiError;
use axum::Json;
use axum::extract::{OriginalUri, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use forge_core::clock::{now_ms, rfc3339};
use forge_core::notification::watch::{self, Watch, WatchMode};
use forge_core::notification::{self, Notification, Status};
use forge_core::repo::{self, Repo};
use forge_core::{Error, NotificationId};
use serde_json::{Value, json};

/// Gitea's NotificationThread.
fn thread_json(state: &AppState, n: &Notification) -> Value {
    let base = state.config.base_url.trim_end_matches('/');
    let full_name = format!("{}/{}", n.repo_owner, n.repo_name);
    json!({
        "id": n.id,
        "repository": {
            "id": n.repo_id,
            "name": n.repo_name,
            "full_name": full_name,
            "owner": {"login": n.repo_owner, "username": n.repo_owner},
            "private": n.repo_private,
            "html_url": format!("{base}/{full_name}"),
        },
        "subject": {
            "title": n.issue_title,
            "url": format!("{base}/api/v1/repos/{full_name}/issues/{}", n.issue_number),
            "html_url": format!("{base}/{full_name}/issues/{}", n.issue_number),
            "latest_comment_url": "",
            "latest_comment_html_url": "",
            "type": "Issue",
            "state": if n.issue_closed { "closed" } else { "open" },
        },
        "unread": n.unread,
        "pinned": false,
        "updated_at": rfc3339(n.updated_at),
        "url": format!("{base}/api/v1/notifications/threads/{}", n.id),
        // The forge's own: why the user hears of it, and what happened last.
        "reason": n.reason,
        "last_event": n.last_kind,
    })
}

/// Which threads `all` and `status-types` ask for (Gitea: unread by
/// default; `all=true` or both kinds, every thread).
fn status_of(pairs: &[(String, String)]) -> Status {
    if first(pairs, &["all"]) == Some("true") {
        return Status::All;
    }
    let kinds: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "status-types")
        .map(|(_, v)| v.as_str())
        .collect();
    match (kinds.contains(&"unread"), kinds.contains(&"read")) {
        (true, true) => Status::All,
        (false, true) => Status::Read,
        _ => Status::Unread,
    }
}

pub async fn list(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(raw.as_deref())?;
    let paging = Paging::from_pairs(&pairs, MAX_LIMIT)?;
    let status = status_of(&pairs);
    let user = &caller.user;
    let threads =
        notification::list(&state.db, user, status, None, paging.offset(), paging.limit).await?;
    let total = notification::count(&state.db, user, status).await?;
    let items = threads.iter().map(|n| thread_json(&state, n)).collect();
    page_response(items, total, paging, &list_url(&state, &uri), &pairs)
}

pub async fn get_thread(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    let found = notification::get(&state.db, &caller.user, NotificationId(id)).await?;
    Ok(Json(thread_json(&state, &found)))
}

/// `PATCH /notifications/threads/{id}?to-status=read|unread` (read when
/// left out): 205 with the thread, as Gitea answers.
pub async fn mark_thread(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath(id): ApiPath<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(raw.as_deref())?;
    let read = match first(&pairs, &["to-status"]).unwrap_or("read") {
        "read" => true,
        "unread" => false,
        _ => return Err(Error::invalid("to-status", "error-notification-status").into()),
    };
    let marked = notification::mark(&state.db, &caller.user, NotificationId(id), read).await?;
    Ok((
        StatusCode::RESET_CONTENT,
        Json(thread_json(&state, &marked)),
    )
        .into_response())
}

/// `PUT /notifications`: marks every thread read, or those updated up to
/// `last_read_at` (RFC 3339); 205.
pub async fn mark_all(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(raw.as_deref())?;
    if !matches!(first(&pairs, &["to-status"]), None | Some("read")) {
        return Err(Error::invalid("to-status", "error-notification-status").into());
    }
    let before = match first(&pairs, &["last_read_at"]) {
        None => now_ms(),
        Some(text) => forge_core::clock::parse_rfc3339(text)
            .ok_or_else(|| Error::invalid("last_read_at", "error-notification-time"))?,
    };
    notification::mark_all_read(&state.db, &caller.user, before).await?;
    Ok((StatusCode::RESET_CONTENT, Json(json!([]))).into_response())
}

/// Gitea's WatchInfo.
fn watch_json(state: &AppState, repo: &Repo, watch: &Watch) -> Value {
    let base = state.config.base_url.trim_end_matches('/');
    let full_name = repo.full_name();
    json!({
        "subscribed": watch.mode == WatchMode::All,
        "ignored": false,
        "reason": null,
        "created_at": rfc3339(watch.since),
        "url": format!("{base}/api/v1/repos/{full_name}/subscription"),
        "repository_url": format!("{base}/api/v1/repos/{full_name}"),
        // The forge's own: `all` or `mentions`.
        "mode": watch.mode.as_str(),
    })
}

async fn readable_repo(
    state: &AppState,
    caller: &crate::auth::Caller,
    owner: &str,
    name: &str,
) -> Result<Repo, ApiError> {
    let (found, _) = repo::find_readable(&state.db, Some(&caller.user), owner, name).await?;
    Ok(found)
}

/// `GET /repos/{owner}/{repo}/subscription`: 404 when not watching, as
/// Gitea answers.
pub async fn get_subscription(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let found = readable_repo(&state, &caller, &owner, &name).await?;
    let watch = watch::watch_of(&state.db, &caller.user, found.id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(watch_json(&state, &found, &watch)))
}

/// `PUT /repos/{owner}/{repo}/subscription`: watches everything, or only
/// mentions with `?mode=mentions`.
pub async fn put_subscription(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let pairs = query_pairs(raw.as_deref())?;
    let mode = WatchMode::parse(first(&pairs, &["mode"]).unwrap_or("all"))?;
    let found = readable_repo(&state, &caller, &owner, &name).await?;
    watch::watch(&state.db, &caller.user, &found, mode).await?;
    let watch = watch::watch_of(&state.db, &caller.user, found.id)
        .await?
        .ok_or_else(|| Error::Internal("a watch just written is missing".into()))?;
    Ok(Json(watch_json(&state, &found, &watch)))
}

pub async fn delete_subscription(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let found = readable_repo(&state, &caller, &owner, &name).await?;
    watch::unwatch(&state.db, &caller.user, &found).await?;
    Ok(StatusCode::NO_CONTENT)
}
