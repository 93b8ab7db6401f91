//! The JSON API under `/api/v1`, shaped like Gitea's where the two overlap.

mod branch_protections;
mod collaborators;
mod comments;
mod contents;
mod forks;
mod funding;
mod funding_disputes;
mod funding_documents;
mod git_refs;
mod hooks;
mod issue_common;
mod issue_labels;
mod issues;
mod labels;
mod meta;
mod milestones;
mod notifications;
pub mod openapi;
mod openapi_collab;
mod orgs;
mod paging;
mod pulls;
mod repos;
mod reviews;
mod search;
mod ssh_keys;
mod statuses;
mod timeline;
mod topics;
mod user_settings;
mod users;

use crate::AppState;
use crate::error::ApiError;
use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::{get, post, put};
use serde::de::DeserializeOwned;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users/{username}/keys", post(ssh_keys::admin_add))
        .route(
            "/user/keys",
            get(ssh_keys::list_mine).post(ssh_keys::add_mine),
        )
        .route(
            "/user/keys/{id}",
            get(ssh_keys::get_mine).delete(ssh_keys::delete_mine),
        )
        .route("/users/{username}/keys", get(ssh_keys::list_for_user))
        .route(
            "/repos/{owner}/{repo}/keys",
            get(ssh_keys::list_deploy).post(ssh_keys::add_deploy),
        )
        .route(
            "/repos/{owner}/{repo}/keys/{id}",
            get(ssh_keys::get_deploy).delete(ssh_keys::delete_deploy),
        )
        .route(
            "/admin/users",
            post(users::admin_create).get(search::admin_users),
        )
        .route("/admin/orgs", get(search::admin_orgs))
        .route(
            "/admin/users/{username}/repos",
            post(repos::create_by_admin),
        )
        .route("/admin/users/{username}/orgs", post(orgs::create_by_admin))
        .route("/version", get(meta::version))
        .route("/openapi.json", get(openapi::json))
        .route("/settings/api", get(meta::api_settings))
        .route("/settings/repository", get(meta::repository_settings))
        .route("/settings/ui", get(meta::ui_settings))
        .route("/settings/attachment", get(meta::attachment_settings))
        .route("/markdown", post(meta::render))
        .route("/markdown/raw", post(meta::render_raw))
        .route("/repos/search", get(search::repos))
        .route("/users/search", get(search::users))
        .route("/users/{username}/orgs", get(search::user_orgs))
        .route("/repos/{owner}/{repo}/contents", get(contents::root))
        .route(
            "/repos/{owner}/{repo}/contents/{*path}",
            get(contents::get)
                .post(contents::create)
                .put(contents::update)
                .delete(contents::delete),
        )
        .route("/repos/{owner}/{repo}/raw/{*path}", get(contents::raw))
        .route(
            "/repos/{owner}/{repo}/archive/{*archive}",
            get(contents::archive),
        )
        .route("/repos/{owner}/{repo}/branches", get(git_refs::branches))
        .route(
            "/repos/{owner}/{repo}/branches/{*branch}",
            get(git_refs::branch),
        )
        .route("/repos/{owner}/{repo}/tags", get(git_refs::tags))
        .route("/repos/{owner}/{repo}/commits", get(git_refs::commits))
        .route(
            "/repos/{owner}/{repo}/git/commits/{sha}",
            get(git_refs::commit),
        )
        .route(
            "/repos/{owner}/{repo}/issues/comments",
            get(comments::list_repo_comments),
        )
        .route(
            "/repos/{owner}/{repo}/topics",
            get(topics::list).put(topics::replace),
        )
        .route(
            "/repos/{owner}/{repo}/topics/{topic}",
            put(topics::add).delete(topics::remove),
        )
        .route(
            "/repos/{owner}/{repo}/collaborators",
            get(collaborators::list),
        )
        .route(
            "/repos/{owner}/{repo}/collaborators/{username}",
            get(collaborators::check),
        )
        .route(
            "/repos/{owner}/{repo}/collaborators/{username}/permission",
            get(collaborators::permission),
        )
        .route("/user", get(users::current))
        .route(
            "/user/settings",
            get(user_settings::get).patch(user_settings::edit),
        )
        .route("/users/{username}", get(users::get))
        .route(
            "/users/{username}/tokens",
            post(users::create_token).get(users::list_tokens),
        )
        .route(
            "/users/{username}/tokens/{id}",
            axum::routing::delete(users::revoke_token),
        )
        .route("/user/orgs", get(orgs::mine))
        .route(
            "/user/repos",
            post(repos::create_for_user).get(repos::list_mine),
        )
        .route("/users/{username}/repos", get(repos::list_for_owner))
        .route(
            "/orgs/{org}/repos",
            post(repos::create_for_org).get(repos::list_for_owner),
        )
        .route(
            "/repos/{owner}/{repo}",
            get(repos::get).patch(repos::edit).delete(repos::delete),
        )
        .route(
            "/repos/{owner}/{repo}/issues",
            get(issues::list).post(issues::create),
        )
        .route(
            "/repos/{owner}/{repo}/issues/{index}",
            get(issues::get).patch(issues::edit),
        )
        .route(
            "/repos/{owner}/{repo}/issues/{index}/comments",
            get(comments::list_comments).post(comments::create_comment),
        )
        .route(
            "/repos/{owner}/{repo}/issues/comments/{id}",
            get(comments::get_comment)
                .patch(comments::edit_comment)
                .delete(comments::delete_comment),
        )
        .route(
            "/repos/{owner}/{repo}/issues/{index}/labels",
            get(issue_labels::list_issue_labels)
                .post(issue_labels::add_issue_labels)
                .put(issue_labels::replace_issue_labels)
                .delete(issue_labels::clear_issue_labels),
        )
        .route(
            "/repos/{owner}/{repo}/issues/{index}/labels/{id}",
            axum::routing::delete(issue_labels::remove_issue_label),
        )
        .route(
            "/repos/{owner}/{repo}/issues/{index}/timeline",
            get(timeline::timeline),
        )
        .route(
            "/repos/{owner}/{repo}/labels",
            get(labels::list_labels).post(labels::create_label),
        )
        .route(
            "/repos/{owner}/{repo}/labels/{id}",
            get(labels::get_label)
                .patch(labels::edit_label)
                .delete(labels::delete_label),
        )
        .route(
            "/repos/{owner}/{repo}/milestones",
            get(milestones::list_milestones).post(milestones::create_milestone),
        )
        .route(
            "/repos/{owner}/{repo}/milestones/{id}",
            get(milestones::get_milestone)
                .patch(milestones::edit_milestone)
                .delete(milestones::delete_milestone),
        )
        .route(
            "/repos/{owner}/{repo}/forks",
            get(forks::list).post(forks::create),
        )
        .route(
            "/repos/{owner}/{repo}/pulls",
            get(pulls::list).post(pulls::create),
        )
        .route(
            "/repos/{owner}/{repo}/pulls/{index}",
            get(pulls::get).patch(pulls::edit),
        )
        .route(
            "/repos/{owner}/{repo}/pulls/{index}/merge",
            get(pulls::is_merged).post(pulls::merge),
        )
        .route(
            "/repos/{owner}/{repo}/pulls/{index}/files",
            get(pulls::files),
        )
        .route(
            "/repos/{owner}/{repo}/pulls/{index}/commits",
            get(pulls::commits),
        )
        .route(
            "/repos/{owner}/{repo}/pulls/{index}/reviews",
            get(reviews::list).post(reviews::create),
        )
        .route(
            "/repos/{owner}/{repo}/pulls/{index}/reviews/{id}",
            get(reviews::get),
        )
        .route(
            "/repos/{owner}/{repo}/pulls/{index}/reviews/{id}/comments",
            get(reviews::comments),
        )
        .route(
            "/repos/{owner}/{repo}/pulls/{index}/reviews/{id}/dismissals",
            post(reviews::dismiss),
        )
        .route(
            "/repos/{owner}/{repo}/branch_protections",
            get(branch_protections::list).post(branch_protections::create),
        )
        .route(
            "/repos/{owner}/{repo}/branch_protections/{name}",
            get(branch_protections::get)
                .patch(branch_protections::edit)
                .delete(branch_protections::delete),
        )
        .route(
            "/repos/{owner}/{repo}/statuses/{sha}",
            get(statuses::list).post(statuses::create),
        )
        .route(
            "/repos/{owner}/{repo}/commits/{reference}/status",
            get(statuses::combined),
        )
        .route("/orgs", post(orgs::create))
        .route("/orgs/{org}", get(orgs::get))
        .route("/orgs/{org}/members", get(orgs::members))
        .route(
            "/orgs/{org}/members/{username}",
            put(orgs::set_member).delete(orgs::remove_member),
        )
        .route(
            "/repos/{owner}/{repo}/hooks",
            get(hooks::list_repo_hooks).post(hooks::create_repo_hook),
        )
        .route(
            "/repos/{owner}/{repo}/hooks/{id}",
            get(hooks::get_repo_hook)
                .patch(hooks::edit_repo_hook)
                .delete(hooks::delete_repo_hook),
        )
        .route(
            "/repos/{owner}/{repo}/hooks/{id}/tests",
            post(hooks::test_repo_hook),
        )
        .route(
            "/orgs/{org}/hooks",
            get(hooks::list_org_hooks).post(hooks::create_org_hook),
        )
        .route(
            "/orgs/{org}/hooks/{id}",
            get(hooks::get_org_hook)
                .patch(hooks::edit_org_hook)
                .delete(hooks::delete_org_hook),
        )
        .route("/orgs/{org}/hooks/{id}/tests", post(hooks::test_org_hook))
        .route(
            "/notifications",
            get(notifications::list).put(notifications::mark_all),
        )
        .route(
            "/notifications/threads/{id}",
            get(notifications::get_thread).patch(notifications::mark_thread),
        )
        .route(
            "/repos/{owner}/{repo}/subscription",
            get(notifications::get_subscription)
                .put(notifications::put_subscription)
                .delete(notifications::delete_subscription),
        )
        .merge(funding::router())
        .fallback(|| async { ApiError::not_found() })
}

/// A JSON body whose parse errors answer `{"message": ...}` like every other
/// API error, instead of axum's plain-text rejections.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            // A body over the limit is too large, not malformed: 413 tells
            // the client that sending it again will not help.
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "error-body-too-large"),
            ),
            Err(rejection) => Err(ApiError::bad_body(rejection.body_text())),
        }
    }
}

/// Path parameters whose failures (a non-numeric index) answer 404 in
/// JSON rather than axum's plain-text 400. A NUL character names nothing
/// (PostgreSQL refuses it in text), so it is not found either.
pub(crate) struct ApiPath<T>(pub(crate) T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if parts.uri.path().contains("%00") {
            return Err(ApiError::not_found());
        }
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(_) => Err(ApiError::not_found()),
        }
    }
}

/// The absolute address of the list a request asked for, without its query:
/// the base of the `Link` header's pages.
fn list_url(state: &AppState, uri: &axum::http::Uri) -> String {
    format!("{}{}", state.config.base_url, uri.path())
}
