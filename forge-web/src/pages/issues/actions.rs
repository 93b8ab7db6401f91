//! The forms that change an issue (title and text, state, labels,
//! milestone, assignees, lock), and the answer every change of an issue
//! ends with: a redirect to where the change shows, or the issue page again
//! with the failed form.

use super::show::{Failure, issue_page};
use super::{
    Fields, is_form_error, issue_href, load_issue, names_of, readable, unprocessable,
    user_or_sign_in,
};
use crate::AppState;
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::pages::see_other;
use crate::views::FormErrors;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use forge_core::issue::{self, CloseReason, Issue, IssueChanges};
use forge_core::repo::{Access, Repo};
use forge_core::{Error, LabelId, MilestoneId};

/// What every change of an issue starts from.
pub(super) struct Target {
    pub(super) user: forge_core::user::User,
    pub(super) repo: Repo,
    pub(super) access: Access,
    pub(super) issue: Issue,
}

impl Target {
    /// Applies `changes` to the issue (`Err` when the form could not be
    /// read into changes, which then fails like a refused change), and
    /// answers as every change does (see [`after_change`]).
    async fn apply(
        &self,
        state: &AppState,
        ctx: &PageCtx,
        changes: Result<IssueChanges, Error>,
        anchor: &str,
        failure: Failure,
    ) -> Result<Response, PageError> {
        let result = match changes {
            Ok(changes) => issue::update(&state.db, &self.user, &self.repo, &self.issue, changes)
                .await
                .map(|_| ()),
            Err(e) => Err(e),
        };
        after_change(state, ctx, self, result, anchor, failure).await
    }
}

/// The signed-in visitor (or the sign-in page, as the `Err` answer), the
/// repository if they may read it, and the issue.
pub(super) async fn target(
    state: &AppState,
    ctx: &PageCtx,
    owner: &str,
    name: &str,
    index: &str,
) -> Result<Result<Target, Response>, PageError> {
    let user = match user_or_sign_in(ctx) {
        Ok(user) => user,
        Err(redirect) => return Ok(Err(redirect.into_response())),
    };
    let (repo, access) = readable(state, ctx, owner, name).await?;
    let issue = load_issue(state, &repo, index).await?;
    Ok(Ok(Target {
        user,
        repo,
        access,
        issue,
    }))
}

/// After a change: back to the issue at `anchor`, or the issue page again
/// (422) with the failed form's values and errors.
pub(super) async fn after_change(
    state: &AppState,
    ctx: &PageCtx,
    target: &Target,
    result: Result<(), Error>,
    anchor: &str,
    mut failure: Failure,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(see_other(&format!(
            "{}#{anchor}",
            issue_href(&target.repo, target.issue.number)
        ))),
        Err(e) if is_form_error(&e) => {
            failure.errors = FormErrors::from_error(ctx, e)?;
            // The issue as it is now (a failed change changed nothing, but
            // someone else may have).
            let current = issue::get(&state.db, target.repo.id, target.issue.number)
                .await?
                .unwrap_or_else(|| target.issue.clone());
            let page =
                issue_page(state, ctx, &target.repo, target.access, &current, failure).await?;
            Ok(unprocessable(page))
        }
        Err(e) => Err(e.into()),
    }
}

/// `target` in a handler: what the change starts from, or the sign-in page
/// as the handler's answer.
macro_rules! target_or_answer {
    ($state:expr, $ctx:expr, $owner:expr, $name:expr, $index:expr) => {
        match $crate::pages::issues::actions::target(&$state, &$ctx, &$owner, &$name, &$index)
            .await?
        {
            Ok(target) => target,
            Err(answer) => return Ok(answer),
        }
    };
}
pub(super) use target_or_answer;

pub(super) async fn edit_issue(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = target_or_answer!(state, ctx, owner, name, index);
    let fields = Fields(fields);
    let (title, body) = (fields.get("title"), fields.get("body"));
    let changes = IssueChanges {
        title: Some(title.clone()),
        body: Some(body.clone()),
        ..IssueChanges::default()
    };
    let failure = Failure {
        title: Some(title),
        body: Some(body),
        ..Failure::of("edit")
    };
    t.apply(&state, &ctx, Ok(changes), "issue-body", failure)
        .await
}

pub(super) async fn change_state(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = target_or_answer!(state, ctx, owner, name, index);
    let fields = Fields(fields);
    let wanted = match fields.get("action").as_str() {
        "reopen" => Ok(None),
        _ => CloseReason::parse(&fields.get("reason")).map(Some),
    };
    let changes = wanted.map(|wanted| IssueChanges {
        state: Some(wanted),
        ..IssueChanges::default()
    });
    let failure = Failure::of("state");
    t.apply(&state, &ctx, changes, "issue-state", failure).await
}

pub(super) async fn set_labels(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = target_or_answer!(state, ctx, owner, name, index);
    let ids: Vec<LabelId> = Fields(fields)
        .ids("label")
        .into_iter()
        .map(LabelId)
        .collect();
    let result = issue::set_labels(&state.db, &t.user, &t.repo, &t.issue, &ids).await;
    let failure = Failure::of("labels");
    after_change(&state, &ctx, &t, result, "sidebar-labels", failure).await
}

pub(super) async fn set_milestone(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = target_or_answer!(state, ctx, owner, name, index);
    let wanted = Fields(fields).get("milestone");
    let milestone = match wanted.trim() {
        "" => Ok(None),
        id => id
            .parse::<i64>()
            .map(|id| Some(MilestoneId(id)))
            .map_err(|_| Error::invalid("milestone", "error-milestone-not-found")),
    };
    let changes = milestone.map(|milestone| IssueChanges {
        milestone: Some(milestone),
        ..IssueChanges::default()
    });
    let failure = Failure::of("milestone");
    t.apply(&state, &ctx, changes, "sidebar-milestone", failure)
        .await
}

pub(super) async fn set_assignees(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = target_or_answer!(state, ctx, owner, name, index);
    let text = Fields(fields).get("assignees");
    let changes = IssueChanges {
        assignees: Some(names_of(&text)),
        ..IssueChanges::default()
    };
    let failure = Failure {
        text: Some(text),
        ..Failure::of("assignees")
    };
    t.apply(&state, &ctx, Ok(changes), "sidebar-assignees", failure)
        .await
}

pub(super) async fn set_lock(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = target_or_answer!(state, ctx, owner, name, index);
    let changes = IssueChanges {
        locked: Some(Fields(fields).get("locked") == "1"),
        ..IssueChanges::default()
    };
    let failure = Failure::of("lock");
    t.apply(&state, &ctx, Ok(changes), "sidebar-lock", failure)
        .await
}
