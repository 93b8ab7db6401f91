//! One issue: its text, its timeline with the comments, the sidebar
//! (labels, milestone, assignees, lock) and every form of the page, shown
//! again with its values and errors when it fails.

use super::chips::{Chip, label_css};
use super::timeline::{Part, event_sentence, may_read, person, sentence, time_part};
use super::{
    Choice, issue_href, load_issue, milestone_choices, open_count, readable, render_texts,
    rights_of, sign_in_href,
};
use crate::AppState;
use crate::context::PageCtx;
use crate::error::PageError;
use crate::pages::repo_head::{RepoHead, base_of};
use crate::views::{FormErrors, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use forge_core::CommentId;
use forge_core::comment::{self, Comment};
use forge_core::issue::{self, CloseReason, Issue};
use forge_core::label;
use forge_core::milestone::{self, Milestone};
use forge_core::repo::{Access, Repo};
use forge_core::timeline::{self, kind};
use std::collections::HashMap;

/// A form of the issue page that failed, with what was typed in it.
#[derive(Debug, Default)]
pub(super) struct Failure {
    /// Which form: `edit`, `state`, `labels`, `milestone`, `assignees`,
    /// `lock`, `comment`, or `comment-{id}`.
    pub(super) form: String,
    pub(super) errors: FormErrors,
    pub(super) title: Option<String>,
    pub(super) body: Option<String>,
    pub(super) text: Option<String>,
}

impl Failure {
    /// The form `form` failed; what was typed in it is added by the caller.
    pub(super) fn of(form: impl Into<String>) -> Failure {
        Failure {
            form: form.into(),
            ..Failure::default()
        }
    }
}

/// A comment in the timeline.
struct CommentView {
    id: i64,
    html: String,
    hidden: bool,
    /// Hidden comments keep their text out of sight, except for maintainers
    /// (folded).
    show_text: bool,
    can_edit: bool,
    can_delete: bool,
    can_hide: bool,
    /// The text in the edit form.
    source: String,
    edited: bool,
    delete_href: String,
}

/// One event of the timeline.
struct EventView {
    anchor: String,
    /// A class for the marker of the event's kind (decoration only: the
    /// sentence says what happened).
    class: &'static str,
    parts: Vec<Part>,
    date: String,
    iso: String,
    comment: Option<CommentView>,
}

#[derive(Template)]
#[template(path = "issue_show.html")]
struct IssueView<'a> {
    ctx: &'a PageCtx,
    head: RepoHead,
    open_issues_count: i64,
    section: &'static str,
    label_css: Option<String>,
    href: String,
    number: i64,
    title: String,
    closed: bool,
    state_label: String,
    state_detail: String,
    opened_line: Vec<Part>,
    body_html: String,
    /// The title and body in the edit form.
    title_source: String,
    body_source: String,
    /// The funding panel of the issue, already rendered HTML (inserted as
    /// is, above the timeline): `pages/funding.rs`'s `panel_html`, whose
    /// template escapes everything people type. Empty when it fails;
    /// nothing else on this page depends on it.
    funding_panel: String,
    events: Vec<EventView>,
    labels: Vec<Chip>,
    milestone: Option<(String, String)>,
    assignees: Vec<String>,
    locked: bool,
    can_edit: bool,
    can_maintain: bool,
    can_comment: bool,
    signed_in: bool,
    sign_in_href: String,
    label_choices: Vec<Choice>,
    milestone_choices: Vec<Choice>,
    reason_choices: Vec<Choice>,
    assignees_text: String,
    labels_href: String,
    /// Whether the signed-in visitor hears of this issue's events.
    subscribed: Option<bool>,
    failure: Failure,
}

impl IssueView<'_> {
    /// The error of `field` in `form`, if that form just failed.
    fn err(&self, form: &str, field: &str) -> Option<&str> {
        if self.failure.form == form {
            self.failure.errors.of(field)
        } else {
            None
        }
    }

    fn failed(&self, form: &str) -> bool {
        self.failure.form == form
    }

    /// The message at the top of a failed form.
    fn form_error(&self, form: &str) -> Option<String> {
        if self.failure.form != form || !self.failure.errors.any() {
            return None;
        }
        Some(
            self.failure
                .errors
                .general
                .clone()
                .unwrap_or_else(|| self.ctx.t("form-has-errors")),
        )
    }

    fn comment_form_error(&self, id: &i64) -> Option<String> {
        self.form_error(&format!("comment-{id}"))
    }

    fn comment_err(&self, id: &i64) -> Option<&str> {
        self.err(&format!("comment-{id}"), "body")
    }

    fn comment_failed(&self, id: &i64) -> bool {
        self.failed(&format!("comment-{id}"))
    }
}

fn reason_label(ctx: &PageCtx, reason: Option<CloseReason>) -> String {
    match reason {
        Some(reason) => ctx.t(&format!("issue-closed-as-{}", reason.as_str())),
        None => ctx.t("issue-state-closed"),
    }
}

/// Builds the issue page for the visitor; `failure` is a form that just
/// failed, shown again with its values and errors.
pub(super) async fn issue_page(
    state: &AppState,
    ctx: &PageCtx,
    repo: &Repo,
    access: Access,
    found: &Issue,
    failure: Failure,
) -> Result<Response, PageError> {
    let db = &state.db;
    let rights = rights_of(ctx, access);
    let viewer = ctx.user.as_ref();
    let maintain = rights.maintain();
    let href = issue_href(repo, found.number);
    let labels = issue::labels_of(db, found.id).await?;
    let assignees = issue::assignees_of(db, found.id).await?;
    let comments: HashMap<CommentId, Comment> = comment::list(db, found.id)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let events = timeline::events(db, found.id).await?;
    let milestones = if maintain {
        milestone::list(db, repo.id).await?
    } else {
        Vec::new()
    };
    let current_milestone: Option<Milestone> = match found.milestone_id {
        Some(id) => milestone::get(db, repo.id, id).await?,
        None => None,
    };

    // The texts to render: the body, then each comment shown.
    let mut texts = vec![found.body.clone()];
    let mut comment_order = Vec::new();
    for event in &events {
        if event.kind == kind::COMMENTED
            && let Some(c) = event.comment.and_then(|id| comments.get(&id))
            && (!c.hidden || maintain)
        {
            texts.push(c.body.clone());
            comment_order.push(c.id);
        }
    }
    let mut rendered = render_texts(repo, texts).await?.into_iter();
    let body_html = rendered.next().unwrap_or_default();
    let html_of: HashMap<CommentId, String> = comment_order.into_iter().zip(rendered).collect();

    // Which repositories that mention this issue the visitor may read.
    let mut readable = HashMap::new();
    for event in &events {
        if let Some((full_name, _)) = &event.ref_issue {
            may_read(state, ctx, &mut readable, full_name).await?;
        }
    }
    let mut views = Vec::new();
    for event in &events {
        let (date_text, iso) = (
            crate::format::long_date(ctx.lang, event.created_at),
            forge_core::clock::rfc3339(event.created_at),
        );
        if event.kind == kind::COMMENTED {
            let Some(c) = event.comment.and_then(|id| comments.get(&id)) else {
                continue;
            };
            let own = viewer.is_some_and(|u| u.id.0 == c.author_id.0);
            let source = match (&failure.text, failure.form == format!("comment-{}", c.id.0)) {
                (Some(text), true) => text.clone(),
                _ if c.hidden && !maintain => String::new(),
                _ => c.body.clone(),
            };
            let comment_view = CommentView {
                id: c.id.0,
                html: html_of.get(&c.id).cloned().unwrap_or_default(),
                hidden: c.hidden,
                show_text: !c.hidden || maintain,
                can_edit: own && (!c.hidden || maintain),
                can_delete: own || maintain,
                can_hide: maintain,
                source,
                edited: c.updated_at > c.created_at,
                delete_href: format!("{href}/comments/{}/delete", c.id.0),
            };
            views.push(EventView {
                anchor: format!("comment-{}", c.id.0),
                class: "ev-comment",
                parts: sentence(
                    ctx,
                    "issue-event-commented",
                    &[("actor", person(&c.author_name))],
                ),
                date: date_text,
                iso,
                comment: Some(comment_view),
            });
            continue;
        }
        if let Some((parts, class)) = event_sentence(ctx, repo, event, &readable) {
            views.push(EventView {
                anchor: format!("event-{}", event.id),
                class,
                parts,
                date: date_text,
                iso,
                comment: None,
            });
        }
    }

    let chips: Vec<Chip> = labels.iter().map(Chip::of).collect();
    let all_labels = if maintain {
        label::list(db, repo.id).await?
    } else {
        Vec::new()
    };
    let label_choices: Vec<Choice> = all_labels
        .iter()
        .map(|l| Choice::of_label(l, labels.iter().any(|x| x.id == l.id)))
        .collect();
    // Closed milestones are not offered, except the issue's own.
    let offered = milestones
        .iter()
        .filter(|m| !m.closed || Some(m.id) == found.milestone_id);
    let current = found.milestone_id.map(|id| id.0.to_string());
    let milestone_choices = milestone_choices(ctx, offered, current.as_deref().unwrap_or(""));
    let reason_choices = CloseReason::ALL
        .iter()
        .map(|r| {
            let label = ctx.t(&format!("issue-reason-{}", r.as_str()));
            Choice::plain(r.as_str(), label, *r == CloseReason::Completed)
        })
        .collect();
    let event_chips = views.iter().flat_map(|v| {
        v.parts.iter().filter_map(|p| match p {
            Part::Chip(chip) => Some(chip),
            _ => None,
        })
    });
    let label_css = label_css(
        chips
            .iter()
            .chain(label_choices.iter().filter_map(|c| c.chip.as_ref()))
            .chain(event_chips),
    );
    let state_detail = if found.closed {
        reason_label(ctx, found.close_reason)
    } else {
        String::new()
    };
    let assignees_text = match (&failure.text, failure.form.as_str()) {
        (Some(text), "assignees") => text.clone(),
        _ => assignees.join(", "),
    };
    // The funding panel is the funding pages' own (`pages/funding.rs`). If
    // it cannot be built, the issue and its discussion still show: the
    // failure is logged, and the panel left out.
    let funding_panel = match crate::pages::funding::panel_html(state, ctx, repo, access, found)
        .await
    {
        Ok(html) => html,
        Err(e) => {
            tracing::error!(status = %e.status, problem = %e.problem, "the funding panel failed");
            String::new()
        }
    };
    let subscribed = match viewer {
        Some(user) => Some(forge_core::notification::watch::hears_of(db, user, found.id).await?),
        None => None,
    };
    let view = IssueView {
        subscribed,
        ctx,
        head: RepoHead::new(state, repo, access, "issues"),
        open_issues_count: open_count(state, repo).await?,
        section: "issues",
        label_css,
        number: found.number,
        title: found.title.clone(),
        closed: found.closed,
        state_label: ctx.t(if found.closed {
            "issue-state-closed"
        } else {
            "issue-state-open"
        }),
        state_detail,
        opened_line: sentence(
            ctx,
            "issue-opened-by",
            &[
                ("author", person(&found.author_name)),
                ("date", time_part(ctx, found.created_at)),
            ],
        ),
        body_html,
        body_source: failure.body.clone().unwrap_or_else(|| found.body.clone()),
        funding_panel,
        events: views,
        labels: chips,
        milestone: current_milestone.map(|m| {
            (
                m.title.clone(),
                format!("{}/issues?state=all&milestone={}", base_of(repo), m.id.0),
            )
        }),
        assignees,
        locked: found.locked,
        can_edit: rights.edit(viewer, found),
        can_maintain: maintain,
        can_comment: rights.participate(Some(found)),
        signed_in: viewer.is_some(),
        sign_in_href: sign_in_href(ctx),
        label_choices,
        milestone_choices,
        reason_choices,
        assignees_text,
        labels_href: format!("{}/labels", base_of(repo)),
        title_source: failure.title.clone().unwrap_or_else(|| found.title.clone()),
        href,
        failure,
    };
    Ok(render(&view))
}

pub(super) async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let (repo, access) = readable(&state, &ctx, &owner, &name).await?;
    let found = load_issue(&state, &repo, &index).await?;
    // Reading the issue reads its notification.
    if let Some(user) = &ctx.user {
        forge_core::notification::mark_issue_read(&state.db, user, found.id).await?;
    }
    issue_page(&state, &ctx, &repo, access, &found, Failure::default()).await
}
