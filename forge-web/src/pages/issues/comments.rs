//! Comments on an issue: adding, editing, hiding, and deleting (after a
//! confirmation page).

use super::actions::{Target, after_change, target_or_answer};
use super::show::Failure;
use super::{Fields, issue_href, open_count, path_number, render_texts};
use crate::AppState;
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::pages::repo_head::RepoHead;
use crate::pages::see_other;
use crate::views::render;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use forge_core::comment;
use forge_core::repo::Access;
use forge_core::{CommentId, Error};

pub(super) async fn add_comment(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = target_or_answer!(state, ctx, owner, name, index);
    let body = Fields(fields).get("body");
    match comment::create(&state.db, &t.user, &t.repo, &t.issue, &body).await {
        Ok(created) => Ok(see_other(&format!(
            "{}#comment-{}",
            issue_href(&t.repo, t.issue.number),
            created.id.0
        ))),
        Err(e) => {
            let failure = Failure {
                text: Some(body),
                ..Failure::of("comment")
            };
            after_change(&state, &ctx, &t, Err(e), "new-comment", failure).await
        }
    }
}

pub(super) async fn edit_comment(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index, comment_id)): Path<(String, String, String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = target_or_answer!(state, ctx, owner, name, index);
    let id = CommentId(path_number(&comment_id)?);
    let body = Fields(fields).get("body");
    let result = comment::edit(&state.db, &t.user, &t.repo, &t.issue, id, &body)
        .await
        .map(|_| ());
    after_comment_change(&state, &ctx, &t, id, result, Some(body)).await
}

pub(super) async fn hide_comment(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index, comment_id)): Path<(String, String, String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = target_or_answer!(state, ctx, owner, name, index);
    let id = CommentId(path_number(&comment_id)?);
    let hidden = Fields(fields).get("hidden") == "1";
    let result = comment::set_hidden(&state.db, &t.user, &t.repo, &t.issue, id, hidden).await;
    after_comment_change(&state, &ctx, &t, id, result, None).await
}

/// After a change of comment `id`: back to the comment, or the issue page
/// again (422) with the comment's form open, holding `text` if it had one.
async fn after_comment_change(
    state: &AppState,
    ctx: &PageCtx,
    target: &Target,
    id: CommentId,
    result: Result<(), Error>,
    text: Option<String>,
) -> Result<Response, PageError> {
    let anchor = format!("comment-{}", id.0);
    let failure = Failure {
        text,
        ..Failure::of(anchor.as_str())
    };
    after_change(state, ctx, target, result, &anchor, failure).await
}

#[derive(Template)]
#[template(path = "issue_comment_delete.html")]
struct DeleteCommentView<'a> {
    ctx: &'a PageCtx,
    head: RepoHead,
    open_issues_count: i64,
    section: &'static str,
    issue_title: String,
    issue_href: String,
    number: i64,
    author: String,
    html: String,
    show_text: bool,
    action: String,
    cancel_href: String,
}

pub(super) async fn confirm_delete_comment(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index, comment_id)): Path<(String, String, String, String)>,
) -> Result<Response, PageError> {
    let t = target_or_answer!(state, ctx, owner, name, index);
    let id = CommentId(path_number(&comment_id)?);
    let found = comment::get(&state.db, t.issue.id, id)
        .await?
        .ok_or_else(|| PageError::new(StatusCode::NOT_FOUND, "error-comment-not-found"))?;
    let maintain = t.access >= Access::Write;
    if found.author_id.0 != t.user.id.0 && !maintain {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "error-comment-own-only",
        ));
    }
    let show_text = !found.hidden || maintain;
    let html = if show_text {
        render_texts(&t.repo, vec![found.body.clone()])
            .await?
            .pop()
            .unwrap_or_default()
    } else {
        String::new()
    };
    let href = issue_href(&t.repo, t.issue.number);
    let view = DeleteCommentView {
        ctx: &ctx,
        head: RepoHead::new(&state, &t.repo, t.access, "issues"),
        open_issues_count: open_count(&state, &t.repo).await?,
        section: "issues",
        issue_title: t.issue.title.clone(),
        number: t.issue.number,
        author: found.author_name.clone(),
        html,
        show_text,
        action: format!("{href}/comments/{}/delete", id.0),
        cancel_href: format!("{href}#comment-{}", id.0),
        issue_href: href,
    };
    Ok(render(&view))
}

pub(super) async fn delete_comment(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index, comment_id)): Path<(String, String, String, String)>,
    CsrfForm(_fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = target_or_answer!(state, ctx, owner, name, index);
    let id = CommentId(path_number(&comment_id)?);
    comment::delete(&state.db, &t.user, &t.repo, &t.issue, id).await?;
    Ok(see_other(&format!(
        "{}#timeline",
        issue_href(&t.repo, t.issue.number)
    )))
}
