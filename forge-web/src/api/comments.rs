//! Comments on issues: listing an issue's, adding, reading, editing (the
//! text by its author, `hidden` by maintainers: our extension), deleting.

use super::ApiJson;
use super::ApiPath;
use super::issue_common::{first, query_pairs};
use super::issue_common::{readable_issue, readable_repo, repo_path, user_ref};
use super::list_url;
use super::paging::{MAX_LIMIT, Paging, page_response, paged};
use crate::AppState;
use crate::auth::{MaybeCaller, RequireCaller};
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use axum::extract::{OriginalUri, RawQuery};
use axum::http::StatusCode;
use axum::response::Response;
use forge_core::clock::rfc3339;
use forge_core::comment::{self, Comment};
use forge_core::issue::{self, Issue, Rights};
use forge_core::repo::Repo;
use forge_core::user::User;
use forge_core::{CommentId, Error};
use serde::Deserialize;
use serde_json::{Value, json};

/// A comment of the repository, with the issue it belongs to.
async fn readable_comment(
    state: &AppState,
    viewer: Option<&User>,
    owner: &str,
    name: &str,
    id: i64,
) -> Result<(Repo, Issue, Comment, Rights), ApiError> {
    let repo = readable_repo(state, viewer, owner, name).await?;
    let (found, number) = comment::find_in_repo(&state.db, repo.id, CommentId(id))
        .await?
        .ok_or_else(|| Error::not_found("error-comment-not-found"))?;
    let (parent, rights) = issue::find_readable(&state.db, viewer, &repo, number).await?;
    Ok((repo, parent, found, rights))
}

/// A comment; the text of a hidden one only for maintainers.
fn comment_json(
    state: &AppState,
    repo: &Repo,
    number: i64,
    found: &Comment,
    rights: Rights,
) -> Value {
    let (html, _) = repo_path(state, repo);
    let issue_url = format!("{html}/issues/{number}");
    let body = if found.hidden && !rights.maintain() {
        ""
    } else {
        found.body.as_str()
    };
    json!({
        "id": found.id,
        "body": body,
        "hidden": found.hidden,
        "user": user_ref(state, found.author_id.0, &found.author_name),
        "html_url": format!("{issue_url}#issuecomment-{}", found.id),
        "issue_url": issue_url,
        "pull_request_url": "",
        "original_author": "",
        "original_author_id": 0,
        "assets": [],
        "created_at": rfc3339(found.created_at),
        "updated_at": rfc3339(found.updated_at),
    })
}

pub(super) async fn list_comments(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, index)): ApiPath<(String, String, i64)>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let viewer = caller.map(|c| c.user);
    let (repo, found, rights) =
        readable_issue(&state, viewer.as_ref(), &owner, &name, index).await?;
    let comments = comment::list(&state.db, found.id).await?;
    let items = comments
        .iter()
        .map(|c| comment_json(&state, &repo, found.number, c, rights))
        .collect();
    paged(items, raw.as_deref(), &list_url(&state, &uri))
}

/// `GET /repos/{owner}/{repo}/issues/comments?since=&page=&limit=`: the
/// comments of every issue of the repository, oldest first.
pub(super) async fn list_repo_comments(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let viewer = caller.map(|c| c.user);
    let repo = readable_repo(&state, viewer.as_ref(), &owner, &name).await?;
    let rights = Rights::of(&state.db, viewer.as_ref(), &repo).await?;
    let pairs = query_pairs(raw.as_deref())?;
    let paging = Paging::from_pairs(&pairs, MAX_LIMIT)?;
    let since = match first(&pairs, &["since"]) {
        Some(text) => Some(
            forge_core::clock::parse_rfc3339(text)
                .ok_or_else(|| ApiError::from(Error::invalid("since", "error-bad-query")))?,
        ),
        None => None,
    };
    let (found, total) =
        comment::in_repo(&state.db, repo.id, since, paging.offset(), paging.limit).await?;
    let items = found
        .iter()
        .map(|(c, number)| comment_json(&state, &repo, *number, c, rights))
        .collect();
    page_response(items, total, paging, &list_url(&state, &uri), &pairs)
}

#[derive(Deserialize)]
pub(super) struct CreateComment {
    body: String,
}

pub(super) async fn create_comment(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, index)): ApiPath<(String, String, i64)>,
    ApiJson(body): ApiJson<CreateComment>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let actor = caller.user;
    let (repo, found, rights) = readable_issue(&state, Some(&actor), &owner, &name, index).await?;
    let created = comment::create(&state.db, &actor, &repo, &found, &body.body).await?;
    Ok((
        StatusCode::CREATED,
        Json(comment_json(&state, &repo, found.number, &created, rights)),
    ))
}

pub(super) async fn get_comment(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, id)): ApiPath<(String, String, i64)>,
) -> Result<Json<Value>, ApiError> {
    let viewer = caller.map(|c| c.user);
    let (repo, parent, found, rights) =
        readable_comment(&state, viewer.as_ref(), &owner, &name, id).await?;
    Ok(Json(comment_json(
        &state,
        &repo,
        parent.number,
        &found,
        rights,
    )))
}

#[derive(Deserialize)]
pub(super) struct EditComment {
    body: Option<String>,
    /// Our extension: maintainers hide and show comments.
    hidden: Option<bool>,
}

pub(super) async fn edit_comment(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, id)): ApiPath<(String, String, i64)>,
    ApiJson(body): ApiJson<EditComment>,
) -> Result<Json<Value>, ApiError> {
    let actor = caller.user;
    let (repo, parent, found, rights) =
        readable_comment(&state, Some(&actor), &owner, &name, id).await?;
    // forge-core checks each part again; checking both first keeps a request
    // that is refused in part from changing anything.
    if body.hidden.is_some() && !rights.maintain() {
        return Err(Error::forbidden("error-maintainers-only").into());
    }
    if body.body.is_some() && found.author_id.0 != actor.id.0 {
        return Err(Error::forbidden("error-comment-own-only").into());
    }
    if let Some(text) = &body.body {
        comment::edit(&state.db, &actor, &repo, &parent, found.id, text).await?;
    }
    if let Some(hidden) = body.hidden {
        comment::set_hidden(&state.db, &actor, &repo, &parent, found.id, hidden).await?;
    }
    let (updated, _) = comment::find_in_repo(&state.db, repo.id, found.id)
        .await?
        .ok_or_else(|| Error::not_found("error-comment-not-found"))?;
    Ok(Json(comment_json(
        &state,
        &repo,
        parent.number,
        &updated,
        rights,
    )))
}

pub(super) async fn delete_comment(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, id)): ApiPath<(String, String, i64)>,
) -> Result<StatusCode, ApiError> {
    let actor = caller.user;
    let (repo, parent, found, _) =
        readable_comment(&state, Some(&actor), &owner, &name, id).await?;
    comment::delete(&state.db, &actor, &repo, &parent, found.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
