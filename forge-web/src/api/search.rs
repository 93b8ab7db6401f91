//! Finding things: `/repos/search` and `/users/search` (answered in
//! Gitea's `{ok, data}` envelope), the admin listings of users and
//! organisations, and the organisations of a user.

use super::ApiPath;
use super::issue_common::{first, query_pairs};
use super::list_url;
use super::orgs::org_json;
use super::paging::{MAX_LIMIT, Paging, page_response, set_page_headers};
use super::repos::repo_json;
use super::users::user_json;
use crate::AppState;
use crate::auth::{MaybeCaller, RequireCaller};
use crate::error::ApiError;
use axum::Json;
use axum::extract::{OriginalUri, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use forge_core::Error;
use forge_core::directory::{self, RepoSearch, Window};
use forge_core::repo;
use serde_json::{Value, json};

fn window(paging: Paging) -> Window {
    Window {
        offset: paging.offset(),
        limit: paging.limit,
    }
}

fn flag(pairs: &[(String, String)], name: &str) -> Result<Option<bool>, ApiError> {
    match first(pairs, &[name]) {
        None => Ok(None),
        Some("true" | "1") => Ok(Some(true)),
        Some("false" | "0") => Ok(Some(false)),
        Some(_) => Err(Error::invalid("query", "error-bad-query").into()),
    }
}

/// Gitea's search answers: `{ok, data}`, with the paging headers of a list.
fn wrap(
    items: Vec<Value>,
    total: i64,
    paging: Paging,
    url: &str,
    pairs: &[(String, String)],
) -> Result<Response, ApiError> {
    let mut response = Json(json!({ "ok": true, "data": items })).into_response();
    set_page_headers(response.headers_mut(), total, paging, url, pairs)?;
    Ok(response)
}

/// `GET /repos/search?q=&includeDesc=&uid=&private=&page=&limit=`.
pub async fn repos(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let viewer = caller.map(|c| c.user);
    let pairs = query_pairs(raw.as_deref())?;
    let paging = Paging::from_pairs(&pairs, MAX_LIMIT)?;
    let owner = match first(&pairs, &["uid"]) {
        Some(text) => Some(
            text.parse::<i64>()
                .map_err(|_| ApiError::from(Error::invalid("uid", "error-bad-query")))?,
        ),
        None => None,
    };
    let search = RepoSearch {
        q: first(&pairs, &["q"]).unwrap_or_default().to_string(),
        in_description: flag(&pairs, "includeDesc")?.unwrap_or(false),
        owner: owner.filter(|id| *id > 0),
        private: flag(&pairs, "is_private")?,
    };
    let (found, total) =
        directory::search_repos(&state.db, viewer.as_ref(), &search, window(paging)).await?;
    let mut items = Vec::with_capacity(found.len());
    for one in &found {
        let access = repo::access(&state.db, viewer.as_ref(), one).await?;
        items.push(repo_json(&state, one, access).await?);
    }
    wrap(items, total, paging, &list_url(&state, &uri), &pairs)
}

/// `GET /users/search?q=&page=&limit=`.
pub async fn users(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let viewer = caller.map(|c| c.user);
    let pairs = query_pairs(raw.as_deref())?;
    let paging = Paging::from_pairs(&pairs, MAX_LIMIT)?;
    let q = first(&pairs, &["q"]).unwrap_or_default();
    let (found, total) = directory::search_users(&state.db, q, window(paging)).await?;
    let items = found
        .iter()
        .map(|u| user_json(&state.config.base_url, u, viewer.as_ref()))
        .collect();
    wrap(items, total, paging, &list_url(&state, &uri), &pairs)
}

fn require_admin(caller: &crate::auth::Caller) -> Result<(), ApiError> {
    if caller.user.is_admin {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::FORBIDDEN, "error-admin-only"))
    }
}

/// `GET /admin/users`: every user, for site admins.
pub async fn admin_users(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    require_admin(&caller)?;
    let pairs = query_pairs(raw.as_deref())?;
    let paging = Paging::from_pairs(&pairs, MAX_LIMIT)?;
    let (found, total) = directory::search_users(&state.db, "", window(paging)).await?;
    let items = found
        .iter()
        .map(|u| user_json(&state.config.base_url, u, Some(&caller.user)))
        .collect();
    page_response(items, total, paging, &list_url(&state, &uri), &pairs)
}

/// `GET /admin/orgs`: every organisation, for site admins.
pub async fn admin_orgs(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    require_admin(&caller)?;
    let pairs = query_pairs(raw.as_deref())?;
    let paging = Paging::from_pairs(&pairs, MAX_LIMIT)?;
    let (found, total) = directory::organisations(&state.db, window(paging)).await?;
    let items = found.iter().map(org_json).collect();
    page_response(items, total, paging, &list_url(&state, &uri), &pairs)
}

/// `GET /users/{username}/orgs`: the organisations a user belongs to
/// (memberships are public here, as the member lists are).
pub async fn user_orgs(
    State(state): State<AppState>,
    MaybeCaller(_): MaybeCaller,
    ApiPath(username): ApiPath<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let found = forge_core::user::by_name(&state.db, &username)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let orgs = forge_core::org::of_user(&state.db, found.id).await?;
    let items = orgs.iter().map(|(o, _)| org_json(o)).collect();
    super::paging::paged(items, raw.as_deref(), &list_url(&state, &uri))
}
