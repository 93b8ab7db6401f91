//! Reviews of pull requests in Gitea's shapes (`PullReview`,
//! `PullReviewComment`): listing and reading them, submitting one with its
//! line comments (`CreatePullReviewOptions`: `event` APPROVED,
//! REQUEST_CHANGES or COMMENT, `body`, `comments[{path, body,
//! new_position, old_position}]`, `commit_id`), the comments of one
//! review, and a maintainer's dismissal.

use super::issue_common::{query_pairs, repo_path, user_ref};
use super::paging::{self, Paging, page_response};
use super::pulls::readable_pull;
use super::{ApiJson, ApiPath, list_url};
use crate::AppState;
use crate::auth::{MaybeCaller, RequireCaller};
use crate::error::ApiError;
use axum::Json;
use axum::extract::{OriginalUri, RawQuery, State};
use axum::response::Response;
use forge_core::Error;
use forge_core::clock::rfc3339;
use forge_core::pull::PullRequest;
use forge_core::repo::Repo;
use forge_core::review::{self, Review, Verdict};
use forge_core::review_comment::{self, ReviewComment, Side};
use forge_service::reviews::LineDraft;
use serde::Deserialize;
use serde_json::{Value, json};

fn state_name(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Approved => "APPROVED",
        Verdict::ChangesRequested => "REQUEST_CHANGES",
        Verdict::Commented => "COMMENT",
    }
}

fn review_json(
    state: &AppState,
    repo: &Repo,
    pr: &PullRequest,
    review: &Review,
    comments: i64,
) -> Value {
    let (html, api) = repo_path(state, repo);
    json!({
        "id": review.id,
        "user": user_ref(state, review.reviewer.0, &review.reviewer_name),
        "team": null,
        "state": state_name(review.verdict),
        "body": review.body,
        "commit_id": review.commit_id,
        "stale": review.commit_id != pr.head_commit,
        "official": false,
        "dismissed": review.dismissed,
        "comments_count": comments,
        "submitted_at": rfc3339(review.created_at),
        "updated_at": rfc3339(review.updated_at),
        "html_url": format!("{html}/pulls/{}/reviews#review-{}", pr.number(), review.id),
        "pull_request_url": format!("{api}/pulls/{}", pr.number()),
    })
}

/// A line comment; `position` is its line in the current diff (0 when
/// outdated), `original_position` the line it was written on.
fn comment_json(
    state: &AppState,
    repo: &Repo,
    pr: &PullRequest,
    comment: &ReviewComment,
    position: Option<u32>,
) -> Value {
    let (html, api) = repo_path(state, repo);
    let resolver = match (&comment.resolved_by, comment.resolved_at) {
        (Some(name), Some(_)) => user_ref(state, 0, name),
        _ => Value::Null,
    };
    json!({
        "id": comment.id,
        "body": comment.body,
        "user": user_ref(state, comment.author.0, &comment.author_name),
        "resolver": resolver,
        "pull_request_review_id": comment.review_id.unwrap_or(0),
        "created_at": rfc3339(comment.created_at),
        "updated_at": rfc3339(comment.updated_at),
        "path": comment.path,
        "commit_id": if position.is_some() { pr.head_commit.clone() } else { comment.commit_id.clone() },
        "original_commit_id": comment.commit_id,
        "diff_hunk": comment.line_text,
        "position": position.unwrap_or(0),
        "original_position": comment.line,
        "side": comment.side.as_str(),
        "html_url": format!("{html}/pulls/{}/files#conversation-{}", pr.number(), comment.thread()),
        "pull_request_url": format!("{api}/pulls/{}", pr.number()),
    })
}

/// `GET /repos/{o}/{r}/pulls/{n}/reviews`, oldest first.
pub(super) async fn list(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, index)): ApiPath<(String, String, i64)>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let viewer = caller.map(|c| c.user);
    let (repo, pr) = readable_pull(&state, viewer.as_ref(), &owner, &name, index).await?;
    let pairs = query_pairs(raw.as_deref())?;
    let paging = Paging::from_pairs(&pairs, paging::MAX_LIMIT)?;
    let all = review::list(&state.db, pr.issue.id).await?;
    let counts = review::comment_counts(&state.db, pr.issue.id).await?;
    let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
    let out = paging
        .slice(all)
        .iter()
        .map(|r| {
            let n = counts.iter().find(|(id, _)| *id == r.id).map_or(0, |c| c.1);
            review_json(&state, &repo, &pr, r, n)
        })
        .collect();
    page_response(out, total, paging, &list_url(&state, &uri), &pairs)
}

async fn one(
    state: &AppState,
    repo: &Repo,
    pr: &PullRequest,
    id: i64,
) -> Result<Json<Value>, ApiError> {
    let review = review::get(&state.db, pr.issue.id, id)
        .await?
        .ok_or_else(|| Error::not_found("error-review-not-found"))?;
    let count = review_comment::of_review(&state.db, pr.issue.id, id)
        .await?
        .len();
    Ok(Json(review_json(
        state,
        repo,
        pr,
        &review,
        i64::try_from(count).unwrap_or(i64::MAX),
    )))
}

/// `GET /repos/{o}/{r}/pulls/{n}/reviews/{id}`.
pub(super) async fn get(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, index, id)): ApiPath<(String, String, i64, i64)>,
) -> Result<Json<Value>, ApiError> {
    let viewer = caller.map(|c| c.user);
    let (repo, pr) = readable_pull(&state, viewer.as_ref(), &owner, &name, index).await?;
    one(&state, &repo, &pr, id).await
}

/// `GET /repos/{o}/{r}/pulls/{n}/reviews/{id}/comments`.
pub(super) async fn comments(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, index, id)): ApiPath<(String, String, i64, i64)>,
) -> Result<Json<Value>, ApiError> {
    let viewer = caller.map(|c| c.user);
    let (repo, pr) = readable_pull(&state, viewer.as_ref(), &owner, &name, index).await?;
    review::get(&state.db, pr.issue.id, id)
        .await?
        .ok_or_else(|| Error::not_found("error-review-not-found"))?;
    let comments = review_comment::of_review(&state.db, pr.issue.id, id).await?;
    let places = state.forge.place_comments(&repo, &pr, &comments).await?;
    Ok(Json(Value::Array(
        comments
            .iter()
            .zip(places)
            .map(|(c, place)| comment_json(&state, &repo, &pr, c, place))
            .collect(),
    )))
}

#[derive(Deserialize)]
pub(super) struct NewComment {
    #[serde(default)]
    path: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    new_position: i64,
    #[serde(default)]
    old_position: i64,
}

#[derive(Deserialize)]
pub(super) struct NewReview {
    #[serde(default)]
    event: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    comments: Vec<NewComment>,
    /// The head commit the reviewer saw; refused when the head moved.
    #[serde(default)]
    commit_id: Option<String>,
}

/// `POST /repos/{o}/{r}/pulls/{n}/reviews`.
pub(super) async fn create(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, index)): ApiPath<(String, String, i64)>,
    ApiJson(body): ApiJson<NewReview>,
) -> Result<Json<Value>, ApiError> {
    let actor = caller.user;
    let (repo, pr) = readable_pull(&state, Some(&actor), &owner, &name, index).await?;
    if let Some(commit) = body.commit_id.as_deref()
        && !commit.is_empty()
        && commit != pr.head_commit
    {
        return Err(Error::conflict(Some("commit_id"), "error-pull-head-moved").into());
    }
    let verdict = Verdict::parse(if body.event.is_empty() {
        "COMMENT"
    } else {
        &body.event
    })?;
    let drafts = body
        .comments
        .into_iter()
        .map(|c| {
            let (side, line) = if c.new_position > 0 {
                (Side::New, c.new_position)
            } else {
                (Side::Old, c.old_position)
            };
            LineDraft {
                path: c.path,
                side,
                line,
                body: c.body,
            }
        })
        .collect();
    let made = state
        .forge
        .submit_review(&actor, &repo, &pr, verdict, &body.body, drafts)
        .await?;
    one(&state, &repo, &pr, made.id).await
}

/// `POST /repos/{o}/{r}/pulls/{n}/reviews/{id}/dismissals`, for
/// maintainers.
pub(super) async fn dismiss(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, index, id)): ApiPath<(String, String, i64, i64)>,
) -> Result<Json<Value>, ApiError> {
    let actor = caller.user;
    let (repo, pr) = readable_pull(&state, Some(&actor), &owner, &name, index).await?;
    review::dismiss(&state.db, &actor, &repo, &pr, id).await?;
    one(&state, &repo, &pr, id).await
}
