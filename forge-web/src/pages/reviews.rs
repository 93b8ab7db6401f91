//! Reviews of pull requests on pages: the changed files
//! (`/pulls/{n}/files`) with a link on each line leading to a comment form
//! under it and the conversations shown under their lines; the reviews
//! page (`/pulls/{n}/reviews`) with who approved and who requested
//! changes, each review with its verdict, the review form, and every
//! conversation, outdated ones apart. Forms post to `/pulls/{n}/reviews`,
//! `/pulls/{n}/comments` and `/pulls/{n}/comments/{id}/{reply,resolve,
//! delete,edit}`, each with its CSRF token, and come back to the page they
//! were sent from. No JavaScript is needed.

use super::code::file_views;
use super::issues::render_texts;
use super::repo_head::{RepoHead, base_of};
use super::{readable, see_other};
use crate::AppState;
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::views::{render, url_encode};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use forge_core::issue::Rights;
use forge_core::pull::{self, PullRequest};
use forge_core::repo::{Access, Repo};
use forge_core::review::{self, Verdict};
use forge_core::review_comment::{self, ReviewComment, Side};
use forge_core::user::User;
use forge_git::browse::DiffLimits;
use forge_service::reviews::LineDraft;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{owner}/{repo}/pulls/{index}/files", get(files))
        .route(
            "/{owner}/{repo}/pulls/{index}/reviews",
            get(reviews).post(submit),
        )
        .route("/{owner}/{repo}/pulls/{index}/comments", post(comment))
        .route(
            "/{owner}/{repo}/pulls/{index}/comments/{id}/reply",
            post(reply),
        )
        .route(
            "/{owner}/{repo}/pulls/{index}/comments/{id}/resolve",
            post(resolve),
        )
        .route(
            "/{owner}/{repo}/pulls/{index}/comments/{id}/delete",
            post(delete),
        )
        .route(
            "/{owner}/{repo}/pulls/{index}/comments/{id}/edit",
            get(edit_form).post(edit),
        )
        .route(
            "/{owner}/{repo}/pulls/{index}/reviews/{id}/dismiss",
            post(dismiss),
        )
}

async fn load(
    state: &AppState,
    ctx: &PageCtx,
    owner: &str,
    name: &str,
    index: &str,
) -> Result<(Repo, Access, PullRequest), PageError> {
    let (repo, access) = readable(state, ctx, owner, name).await?;
    let number: i64 = index.parse().map_err(|_| PageError::not_found())?;
    let pr = pull::get(&state.db, repo.id, number)
        .await?
        .ok_or_else(PageError::not_found)?;
    Ok((repo, access, pr))
}

/// One comment of a conversation.
struct CommentView {
    author: String,
    body_html: String,
    edit_href: Option<String>,
    delete_action: Option<String>,
}

/// A conversation: its first comment's line and every comment.
struct ConversationView {
    anchor: String,
    place: String,
    quote: String,
    outdated: bool,
    resolved: Option<String>,
    is_resolved: bool,
    comments: Vec<CommentView>,
    reply_action: Option<String>,
    resolve_action: Option<String>,
    /// The page to come back to, sent with each form.
    back: &'static str,
}

/// What the visitor may do with conversations.
struct Abilities {
    user: Option<User>,
    participate: bool,
    resolve: bool,
    maintain: bool,
}

async fn abilities(
    state: &AppState,
    ctx: &PageCtx,
    repo: &Repo,
    pr: &PullRequest,
) -> Result<Abilities, PageError> {
    let rights = Rights::of(&state.db, ctx.user.as_ref(), repo).await?;
    Ok(Abilities {
        user: ctx.user.clone(),
        participate: rights.participate(Some(&pr.issue)),
        resolve: ctx.user.is_some() && rights.edit(ctx.user.as_ref(), &pr.issue),
        maintain: rights.maintain(),
    })
}

/// The conversations of `pr` with where each shows in the current diff
/// (`None`: outdated), in order.
async fn conversations(
    state: &AppState,
    ctx: &PageCtx,
    repo: &Repo,
    pr: &PullRequest,
    back: &'static str,
) -> Result<Vec<(ReviewComment, Option<u32>, ConversationView)>, PageError> {
    let threads =
        review_comment::conversations(review_comment::list(&state.db, pr.issue.id).await?);
    let firsts: Vec<ReviewComment> = threads.iter().map(|(first, _)| first.clone()).collect();
    let places = state.forge.place_comments(repo, pr, &firsts).await?;
    let texts = threads
        .iter()
        .flat_map(|(first, replies)| std::iter::once(first).chain(replies))
        .map(|c| c.body.clone())
        .collect();
    let mut rendered = render_texts(repo, texts).await?.into_iter();
    let may = abilities(state, ctx, repo, pr).await?;
    let base = format!("{}/pulls/{}", base_of(repo), pr.number());
    let mut out = Vec::with_capacity(threads.len());
    for ((first, replies), place) in threads.into_iter().zip(places) {
        let mut comments = Vec::with_capacity(1 + replies.len());
        for comment in std::iter::once(&first).chain(&replies) {
            let own = may.user.as_ref().is_some_and(|u| u.id == comment.author);
            comments.push(CommentView {
                author: comment.author_name.clone(),
                body_html: rendered.next().unwrap_or_default(),
                edit_href: own.then(|| format!("{base}/comments/{}/edit?back={back}", comment.id)),
                delete_action: (own || may.maintain)
                    .then(|| format!("{base}/comments/{}/delete", comment.id)),
            });
        }
        let side = ctx.t(match first.side {
            Side::New => "reviews-side-new",
            Side::Old => "reviews-side-old",
        });
        let place_text = ctx_message(
            ctx,
            "reviews-place",
            &[
                ("path", first.path.as_str()),
                ("line", &first.line.to_string()),
                ("side", &side),
            ],
        );
        let view = ConversationView {
            anchor: format!("conversation-{}", first.id),
            place: place_text,
            quote: first.line_text.clone(),
            outdated: place.is_none(),
            resolved: first
                .resolved_by
                .as_deref()
                .map(|name| ctx.t1("reviews-resolved-by", "name", name)),
            is_resolved: first.resolved_by.is_some(),
            comments,
            reply_action: may
                .participate
                .then(|| format!("{base}/comments/{}/reply", first.id)),
            resolve_action: may
                .resolve
                .then(|| format!("{base}/comments/{}/resolve", first.id)),
            back,
        };
        out.push((first, place, view));
    }
    Ok(out)
}

fn ctx_message(ctx: &PageCtx, key: &str, args: &[(&str, &str)]) -> String {
    crate::i18n::catalogue().message(ctx.lang, key, args)
}

/// The line form shown under the line the visitor chose.
struct LineForm {
    action: String,
    path: String,
    side: &'static str,
    line: u32,
    cancel_href: String,
}

struct ReviewRow {
    class: &'static str,
    old_no: String,
    new_no: String,
    mark: &'static str,
    mark_label: String,
    text: String,
    comment_href: Option<String>,
    comment_label: String,
    threads: Vec<ConversationView>,
    form: Option<LineForm>,
}

struct ReviewFile {
    anchor: String,
    title: String,
    status: String,
    stats: String,
    notice: Option<String>,
    rows: Vec<ReviewRow>,
}

#[derive(Template)]
#[template(path = "pull_files.html")]
struct FilesPage<'a> {
    ctx: &'a PageCtx,
    head: RepoHead,
    number: i64,
    title: String,
    back_href: String,
    reviews_href: String,
    files_summary: String,
    truncated: Option<String>,
    files: Vec<ReviewFile>,
    /// Conversations not shown under a line of the diff: outdated, or on a
    /// line outside the diff's hunks.
    elsewhere: Vec<ConversationView>,
}

#[derive(Deserialize, Default)]
struct LineQuery {
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    side: Option<String>,
    #[serde(default)]
    line: Option<u32>,
}

async fn files(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, String)>,
    Query(query): Query<LineQuery>,
) -> Result<Response, PageError> {
    let (repo, access, pr) = load(&state, &ctx, &owner, &name, &index).await?;
    let head = RepoHead::new(&state, &repo, access, "pulls");
    let diff = state
        .forge
        .pull_files(&repo, &pr, DiffLimits::default())
        .await?;
    let page_href = format!("{}/pulls/{}/files", head.base, pr.number());
    let may = abilities(&state, &ctx, &repo, &pr).await?;
    let mut threads: Vec<_> = conversations(&state, &ctx, &repo, &pr, "files")
        .await?
        .into_iter()
        .map(Some)
        .collect();
    let chosen = match (&query.path, query.side.as_deref(), query.line) {
        (Some(path), Some(side), Some(line)) if may.participate => Side::parse(side)
            .ok()
            .map(|side| (path.clone(), side, line)),
        _ => None,
    };
    let mut views = Vec::with_capacity(diff.files.len());
    for (file, view) in diff.files.iter().zip(file_views(&ctx, &diff)) {
        let mut rows = Vec::with_capacity(view.rows.len());
        for row in view.rows {
            let new_no: Option<u32> = row.new_no.parse().ok();
            let old_no: Option<u32> = row.old_no.parse().ok();
            let target = match (new_no, old_no) {
                (Some(n), _) => Some((Side::New, n, &file.new_path)),
                (None, Some(n)) => Some((Side::Old, n, &file.old_path)),
                _ => None,
            };
            let mut here = Vec::new();
            let mut form = None;
            let mut comment_href = None;
            let mut comment_label = String::new();
            if let Some((side, line, line_path)) = target {
                for slot in threads.iter_mut() {
                    if slot.as_ref().is_some_and(|(first, place, _)| {
                        first.side == side && &first.path == line_path && *place == Some(line)
                    }) && let Some((_, _, view)) = slot.take()
                    {
                        here.push(view);
                    }
                }
                if may.participate {
                    comment_href = Some(format!(
                        "{page_href}?path={}&side={}&line={line}#new-comment",
                        url_encode(line_path),
                        side.as_str()
                    ));
                    comment_label = ctx_message(
                        &ctx,
                        "reviews-comment-on-line",
                        &[("line", &line.to_string()), ("path", line_path.as_str())],
                    );
                }
                if chosen
                    .as_ref()
                    .is_some_and(|(p, s, l)| p == line_path && *s == side && *l == line)
                {
                    form = Some(LineForm {
                        action: format!("{}/pulls/{}/comments", head.base, pr.number()),
                        path: line_path.clone(),
                        side: side.as_str(),
                        line,
                        cancel_href: format!("{page_href}#{}", view.anchor),
                    });
                }
            }
            rows.push(ReviewRow {
                class: row.class,
                old_no: row.old_no,
                new_no: row.new_no,
                mark: row.mark,
                mark_label: row.mark_label,
                text: row.text,
                comment_href,
                comment_label,
                threads: here,
                form,
            });
        }
        views.push(ReviewFile {
            anchor: view.anchor,
            title: view.title,
            status: view.status,
            stats: view.stats,
            notice: view.notice,
            rows,
        });
    }
    Ok(render(&FilesPage {
        ctx: &ctx,
        number: pr.number(),
        title: pr.issue.title.clone(),
        back_href: format!("{}/pulls/{}", head.base, pr.number()),
        reviews_href: format!("{}/pulls/{}/reviews", head.base, pr.number()),
        files_summary: ctx.t1(
            "code-diff-files-changed",
            "count",
            &diff.total_files.to_string(),
        ),
        truncated: diff.truncated.then(|| {
            ctx.t1(
                "code-diff-too-large",
                "shown",
                &diff.files.len().min(diff.total_files).to_string(),
            )
        }),
        files: views,
        elsewhere: threads.into_iter().flatten().map(|(_, _, v)| v).collect(),
        head,
    }))
}

/// One review in the list.
struct ReviewView {
    anchor: String,
    author: String,
    verdict: String,
    when: String,
    commit: String,
    body_html: String,
    dismissed: bool,
    comment_count: i64,
    dismiss_action: Option<String>,
}

#[derive(Template)]
#[template(path = "pull_reviews.html")]
struct ReviewsPage<'a> {
    ctx: &'a PageCtx,
    head: RepoHead,
    number: i64,
    title: String,
    back_href: String,
    files_href: String,
    approved_by: Vec<String>,
    changes_by: Vec<String>,
    reviews: Vec<ReviewView>,
    /// The verdicts the visitor may give (value, label), empty when the
    /// review form is not offered.
    verdicts: Vec<(&'static str, String)>,
    action: String,
    current: Vec<ConversationView>,
    outdated: Vec<ConversationView>,
}

fn verdict_label(ctx: &PageCtx, verdict: Verdict) -> String {
    ctx.t(match verdict {
        Verdict::Approved => "reviews-verdict-approved",
        Verdict::ChangesRequested => "reviews-verdict-changes-requested",
        Verdict::Commented => "reviews-verdict-commented",
    })
}

async fn reviews(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let (repo, access, pr) = load(&state, &ctx, &owner, &name, &index).await?;
    let head = RepoHead::new(&state, &repo, access, "pulls");
    let all = review::list(&state.db, pr.issue.id).await?;
    let standing = review::standing(&all);
    let names = |verdict: Verdict| {
        standing
            .iter()
            .filter(|r| r.verdict == verdict)
            .map(|r| r.reviewer_name.clone())
            .collect::<Vec<_>>()
    };
    let (approved_by, changes_by) = (names(Verdict::Approved), names(Verdict::ChangesRequested));
    let counts = review::comment_counts(&state.db, pr.issue.id).await?;
    let bodies = render_texts(&repo, all.iter().map(|r| r.body.clone()).collect()).await?;
    let base = format!("{}/pulls/{}", head.base, pr.number());
    let may = abilities(&state, &ctx, &repo, &pr).await?;
    let reviews = all
        .iter()
        .zip(bodies)
        .map(|(r, body_html)| ReviewView {
            anchor: format!("review-{}", r.id),
            author: r.reviewer_name.clone(),
            verdict: verdict_label(&ctx, r.verdict),
            when: crate::format::long_date(ctx.lang, r.created_at),
            commit: r.commit_id.chars().take(10).collect(),
            body_html,
            dismissed: r.dismissed,
            comment_count: counts
                .iter()
                .find(|(id, _)| *id == r.id)
                .map_or(0, |(_, n)| *n),
            dismiss_action: (may.maintain && !r.dismissed && r.verdict != Verdict::Commented)
                .then(|| format!("{base}/reviews/{}/dismiss", r.id)),
        })
        .collect();
    let own = ctx
        .user
        .as_ref()
        .is_some_and(|u| forge_core::AccountId::from(u.id) == pr.issue.author_id);
    let verdicts = if may.participate && pr.is_open() {
        Verdict::ALL
            .into_iter()
            .filter(|v| !own || *v == Verdict::Commented)
            .map(|v| {
                let key = match v {
                    Verdict::Approved => "reviews-choice-approve",
                    Verdict::ChangesRequested => "reviews-choice-request-changes",
                    Verdict::Commented => "reviews-choice-comment",
                };
                (v.as_str(), ctx.t(key))
            })
            .collect()
    } else {
        Vec::new()
    };
    let (mut current, mut outdated) = (Vec::new(), Vec::new());
    for (_, place, view) in conversations(&state, &ctx, &repo, &pr, "reviews").await? {
        if place.is_some() {
            current.push(view);
        } else {
            outdated.push(view);
        }
    }
    Ok(render(&ReviewsPage {
        ctx: &ctx,
        number: pr.number(),
        title: pr.issue.title.clone(),
        back_href: base.clone(),
        files_href: format!("{base}/files"),
        action: format!("{base}/reviews"),
        approved_by,
        changes_by,
        reviews,
        verdicts,
        current,
        outdated,
        head,
    }))
}

/// The signed-in visitor, or the sign-in page.
fn signed_in(ctx: &PageCtx) -> Result<User, axum::response::Redirect> {
    ctx.require_user().cloned()
}

/// Where a form sends the visitor back to: the files or the reviews page,
/// at `anchor`.
fn back_to(repo: &Repo, pr: &PullRequest, back: &str, anchor: &str) -> Response {
    let page = if back == "reviews" {
        "reviews"
    } else {
        "files"
    };
    see_other(&format!(
        "{}/pulls/{}/{page}#{anchor}",
        base_of(repo),
        pr.number()
    ))
}

#[derive(Deserialize)]
struct ReviewForm {
    #[serde(default)]
    event: String,
    #[serde(default)]
    body: String,
}

async fn submit(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, String)>,
    CsrfForm(form): CsrfForm<ReviewForm>,
) -> Result<Response, PageError> {
    let user = match signed_in(&ctx) {
        Ok(user) => user,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let (repo, _, pr) = load(&state, &ctx, &owner, &name, &index).await?;
    let review = state
        .forge
        .submit_review(
            &user,
            &repo,
            &pr,
            Verdict::parse(&form.event)?,
            &form.body,
            Vec::new(),
        )
        .await?;
    Ok(back_to(
        &repo,
        &pr,
        "reviews",
        &format!("review-{}", review.id),
    ))
}

#[derive(Deserialize)]
struct LineCommentForm {
    path: String,
    side: String,
    line: i64,
    #[serde(default)]
    body: String,
}

async fn comment(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, String)>,
    CsrfForm(form): CsrfForm<LineCommentForm>,
) -> Result<Response, PageError> {
    let user = match signed_in(&ctx) {
        Ok(user) => user,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let (repo, _, pr) = load(&state, &ctx, &owner, &name, &index).await?;
    let made = state
        .forge
        .comment_line(
            &user,
            &repo,
            &pr,
            LineDraft {
                path: form.path,
                side: Side::parse(&form.side)?,
                line: form.line,
                body: form.body,
            },
        )
        .await?;
    Ok(back_to(
        &repo,
        &pr,
        "files",
        &format!("conversation-{}", made.id),
    ))
}

#[derive(Deserialize)]
struct BodyForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    back: String,
}

async fn reply(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index, id)): Path<(String, String, String, i64)>,
    CsrfForm(form): CsrfForm<BodyForm>,
) -> Result<Response, PageError> {
    let user = match signed_in(&ctx) {
        Ok(user) => user,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let (repo, _, pr) = load(&state, &ctx, &owner, &name, &index).await?;
    let made = review_comment::reply(&state.db, &user, &repo, &pr, id, &form.body).await?;
    Ok(back_to(
        &repo,
        &pr,
        &form.back,
        &format!("conversation-{}", made.thread()),
    ))
}

#[derive(Deserialize)]
struct ResolveForm {
    #[serde(default)]
    resolved: String,
    #[serde(default)]
    back: String,
}

async fn resolve(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index, id)): Path<(String, String, String, i64)>,
    CsrfForm(form): CsrfForm<ResolveForm>,
) -> Result<Response, PageError> {
    let user = match signed_in(&ctx) {
        Ok(user) => user,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let (repo, _, pr) = load(&state, &ctx, &owner, &name, &index).await?;
    let done =
        review_comment::set_resolved(&state.db, &user, &repo, &pr, id, form.resolved == "true")
            .await?;
    Ok(back_to(
        &repo,
        &pr,
        &form.back,
        &format!("conversation-{}", done.id),
    ))
}

async fn delete(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index, id)): Path<(String, String, String, i64)>,
    CsrfForm(form): CsrfForm<BodyForm>,
) -> Result<Response, PageError> {
    let user = match signed_in(&ctx) {
        Ok(user) => user,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let (repo, _, pr) = load(&state, &ctx, &owner, &name, &index).await?;
    let thread = review_comment::get(&state.db, pr.issue.id, id)
        .await?
        .map(|c| c.thread());
    review_comment::delete(&state.db, &user, &repo, &pr, id).await?;
    let anchor = match thread {
        Some(thread) if thread != id => format!("conversation-{thread}"),
        _ => "conversations".to_string(),
    };
    Ok(back_to(&repo, &pr, &form.back, &anchor))
}

#[derive(Template)]
#[template(path = "pull_comment_edit.html")]
struct EditPage<'a> {
    ctx: &'a PageCtx,
    head: RepoHead,
    number: i64,
    title: String,
    place: String,
    body: String,
    action: String,
    back: String,
    cancel_href: String,
}

#[derive(Deserialize, Default)]
struct BackQuery {
    #[serde(default)]
    back: String,
}

async fn edit_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index, id)): Path<(String, String, String, i64)>,
    Query(query): Query<BackQuery>,
) -> Result<Response, PageError> {
    let user = match signed_in(&ctx) {
        Ok(user) => user,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let (repo, access, pr) = load(&state, &ctx, &owner, &name, &index).await?;
    let comment = review_comment::get(&state.db, pr.issue.id, id)
        .await?
        .filter(|c| c.author == user.id)
        .ok_or_else(PageError::not_found)?;
    let head = RepoHead::new(&state, &repo, access, "pulls");
    let back = if query.back == "reviews" {
        "reviews"
    } else {
        "files"
    };
    Ok(render(&EditPage {
        ctx: &ctx,
        number: pr.number(),
        title: pr.issue.title.clone(),
        place: ctx_message(
            &ctx,
            "reviews-place",
            &[
                ("path", comment.path.as_str()),
                ("line", &comment.line.to_string()),
                (
                    "side",
                    &ctx.t(match comment.side {
                        Side::New => "reviews-side-new",
                        Side::Old => "reviews-side-old",
                    }),
                ),
            ],
        ),
        body: comment.body.clone(),
        action: format!("{}/pulls/{}/comments/{id}/edit", head.base, pr.number()),
        back: back.to_string(),
        cancel_href: format!(
            "{}/pulls/{}/{back}#conversation-{}",
            head.base,
            pr.number(),
            comment.thread()
        ),
        head,
    }))
}

async fn edit(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index, id)): Path<(String, String, String, i64)>,
    CsrfForm(form): CsrfForm<BodyForm>,
) -> Result<Response, PageError> {
    let user = match signed_in(&ctx) {
        Ok(user) => user,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let (repo, _, pr) = load(&state, &ctx, &owner, &name, &index).await?;
    let done = review_comment::edit(&state.db, &user, &repo, &pr, id, &form.body).await?;
    Ok(back_to(
        &repo,
        &pr,
        &form.back,
        &format!("conversation-{}", done.thread()),
    ))
}

/// A form with nothing but its CSRF token.
#[derive(Deserialize)]
struct NoFields {}

async fn dismiss(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index, id)): Path<(String, String, String, i64)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    let user = match signed_in(&ctx) {
        Ok(user) => user,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let (repo, _, pr) = load(&state, &ctx, &owner, &name, &index).await?;
    review::dismiss(&state.db, &user, &repo, &pr, id).await?;
    Ok(back_to(&repo, &pr, "reviews", &format!("review-{id}")))
}
