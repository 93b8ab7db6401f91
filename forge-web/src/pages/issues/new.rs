//! Opening an issue: the form, and the issue it creates. Labels, milestone
//! and assignees are offered to maintainers only.

use super::chips::label_css;
use super::{
    Choice, Fields, is_form_error, issue_href, milestone_choices, names_of, open_count, readable,
    render_texts, rights_of, unprocessable, user_or_sign_in,
};
use crate::AppState;
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::pages::repo_head::{RepoHead, base_of};
use crate::pages::see_other;
use crate::views::{FormErrors, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use forge_core::issue::{self, NewIssue};
use forge_core::label;
use forge_core::milestone;
use forge_core::repo::{Access, Repo};
use forge_core::{LabelId, MilestoneId};

#[derive(Debug, Clone, Default)]
struct NewIssueValues {
    title: String,
    body: String,
    labels: Vec<i64>,
    milestone: String,
    assignees: String,
}

#[derive(Template)]
#[template(path = "issue_new.html")]
struct NewView<'a> {
    ctx: &'a PageCtx,
    head: RepoHead,
    open_issues_count: i64,
    section: &'static str,
    label_css: Option<String>,
    action: String,
    maintain: bool,
    values: NewIssueValues,
    label_choices: Vec<Choice>,
    milestone_choices: Vec<Choice>,
    errors: FormErrors,
    /// The description rendered as it will show, after "Preview"; empty when
    /// there is nothing to show.
    preview: Option<String>,
}

async fn new_view<'a>(
    state: &AppState,
    ctx: &'a PageCtx,
    repo: &Repo,
    access: Access,
    values: NewIssueValues,
    errors: FormErrors,
) -> Result<NewView<'a>, PageError> {
    let db = &state.db;
    let maintain = access >= Access::Write;
    let (label_choices, milestone_choices) = if maintain {
        let labels = label::list(db, repo.id).await?;
        let milestones = milestone::list(db, repo.id).await?;
        let label_choices = labels
            .iter()
            .map(|l| Choice::of_label(l, values.labels.contains(&l.id.0)))
            .collect();
        let open_milestones = milestones.iter().filter(|m| !m.closed);
        let milestone_choices = milestone_choices(ctx, open_milestones, &values.milestone);
        (label_choices, milestone_choices)
    } else {
        (Vec::new(), Vec::new())
    };
    let label_css = label_css(
        label_choices
            .iter()
            .filter_map(|c: &Choice| c.chip.as_ref()),
    );
    Ok(NewView {
        ctx,
        head: RepoHead::new(state, repo, access, "issues"),
        open_issues_count: open_count(state, repo).await?,
        section: "issues",
        label_css,
        action: format!("{}/issues", base_of(repo)),
        maintain,
        values,
        label_choices,
        milestone_choices,
        errors,
        preview: None,
    })
}

pub(super) async fn new_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
) -> Result<Response, PageError> {
    if let Err(redirect) = ctx.require_user() {
        return Ok(redirect.into_response());
    }
    let (repo, access) = readable(&state, &ctx, &owner, &name).await?;
    if !rights_of(&ctx, access).participate(None) {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "error-issue-forbidden",
        ));
    }
    let view = new_view(
        &state,
        &ctx,
        &repo,
        access,
        NewIssueValues::default(),
        FormErrors::default(),
    )
    .await?;
    Ok(render(&view))
}

pub(super) async fn create(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let user = match user_or_sign_in(&ctx) {
        Ok(user) => user,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let (repo, access) = readable(&state, &ctx, &owner, &name).await?;
    let fields = Fields(fields);
    let values = NewIssueValues {
        title: fields.get("title"),
        body: fields.get("body"),
        labels: fields.ids("label"),
        milestone: fields.get("milestone").trim().to_string(),
        assignees: fields.get("assignees"),
    };
    // "Preview" shows the description as it will read, on the same form with
    // every value kept; nothing is stored.
    if !fields.get("preview").is_empty() {
        let rendered = render_texts(&repo, vec![values.body.clone()]).await?;
        let mut view = new_view(&state, &ctx, &repo, access, values, FormErrors::default()).await?;
        view.preview = Some(rendered.into_iter().next().unwrap_or_default());
        return Ok(render(&view));
    }
    let maintain = access >= Access::Write;
    let milestone = match values.milestone.as_str() {
        "" => None,
        id => match id.parse::<i64>() {
            Ok(id) => Some(MilestoneId(id)),
            Err(_) => {
                let mut errors = FormErrors::default();
                errors
                    .fields
                    .push(("milestone", ctx.t("error-milestone-not-found")));
                let view = new_view(&state, &ctx, &repo, access, values, errors).await?;
                return Ok(unprocessable(render(&view)));
            }
        },
    };
    let new = NewIssue {
        title: values.title.clone(),
        body: values.body.clone(),
        labels: if maintain {
            values.labels.iter().map(|id| LabelId(*id)).collect()
        } else {
            Vec::new()
        },
        assignees: if maintain {
            names_of(&values.assignees)
        } else {
            Vec::new()
        },
        milestone: milestone.filter(|_| maintain),
    };
    match issue::create(&state.db, &user, &repo, new).await {
        Ok(created) => Ok(see_other(&issue_href(&repo, created.number))),
        Err(e) if is_form_error(&e) => {
            let errors = FormErrors::from_error(&ctx, e)?;
            let view = new_view(&state, &ctx, &repo, access, values, errors).await?;
            Ok(unprocessable(render(&view)))
        }
        Err(e) => Err(e.into()),
    }
}
