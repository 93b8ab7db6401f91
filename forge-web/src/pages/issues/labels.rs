//! The labels of a repository: the list, each label editable in place, and
//! the form for a new one (maintainers only).

use super::chips::{Chip, label_css};
use super::{
    Fields, open_count, path_number, readable, repo_target_or_answer, saved_or_form_again,
    unprocessable,
};
use crate::AppState;
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::pages::repo_head::{RepoHead, base_of};
use crate::pages::see_other;
use crate::views::{FormErrors, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use forge_core::label::{self, Label, LabelInput};
use forge_core::repo::{Access, Repo};
use forge_core::{Error, LabelId};

/// The colour new labels start with.
const DEFAULT_LABEL_COLOUR: &str = "#1d76db";

#[derive(Debug, Clone, Default)]
struct LabelValues {
    name: String,
    /// As typed (`#rrggbb` when it comes from the stored label).
    color: String,
    /// A valid `#rrggbb` for the colour picker.
    picker: String,
    description: String,
}

impl LabelValues {
    fn of(label: &Label) -> LabelValues {
        LabelValues {
            name: label.name.clone(),
            color: label.color.clone(),
            picker: label.color.clone(),
            description: label.description.clone(),
        }
    }

    fn new_label() -> LabelValues {
        LabelValues {
            color: DEFAULT_LABEL_COLOUR.into(),
            picker: DEFAULT_LABEL_COLOUR.into(),
            ..LabelValues::default()
        }
    }

    /// The form's values. The colour has two inputs, a text field and a
    /// colour picker, which cannot follow each other without JavaScript:
    /// the one the person changed wins (the form also sends the colour it
    /// showed, as `color_was`).
    fn from_fields(fields: &Fields) -> LabelValues {
        let text = fields.get("color");
        let picker = fields.get("color_picker");
        let was = fields.get("color_was");
        let valid = |s: &str| label::validate_color(s).ok();
        let picker_changed = valid(&picker).is_some() && valid(&picker) != valid(&was);
        let text_unchanged_or_bad = valid(&text).is_none() || valid(&text) == valid(&was);
        let color = if text.trim().is_empty() || (picker_changed && text_unchanged_or_bad) {
            picker.clone()
        } else {
            text
        };
        LabelValues {
            name: fields.get("name"),
            picker: valid(&color)
                .or_else(|| valid(&picker))
                .unwrap_or_else(|| DEFAULT_LABEL_COLOUR.into()),
            color,
            description: fields.get("description"),
        }
    }

    fn input(&self) -> LabelInput {
        LabelInput {
            name: self.name.clone(),
            color: self.color.clone(),
            description: self.description.clone(),
        }
    }
}

struct LabelRow {
    id: i64,
    chip: Chip,
    description: String,
    issues_href: String,
    values: LabelValues,
    errors: FormErrors,
    failed: bool,
}

#[derive(Template)]
#[template(path = "issue_labels.html")]
struct LabelsView<'a> {
    ctx: &'a PageCtx,
    head: RepoHead,
    open_issues_count: i64,
    section: &'static str,
    label_css: Option<String>,
    base: String,
    rows: Vec<LabelRow>,
    maintain: bool,
    new_values: LabelValues,
    new_errors: FormErrors,
}

/// A label form that failed: which label (`None`: the new one), with what.
struct LabelFailure {
    label: Option<i64>,
    values: LabelValues,
    errors: FormErrors,
}

async fn labels_view<'a>(
    state: &AppState,
    ctx: &'a PageCtx,
    repo: &Repo,
    access: Access,
    failure: Option<LabelFailure>,
) -> Result<LabelsView<'a>, PageError> {
    let base = base_of(repo);
    let mut rows: Vec<LabelRow> = label::list(&state.db, repo.id)
        .await?
        .iter()
        .map(|l| LabelRow {
            id: l.id.0,
            chip: Chip::of(l),
            description: l.description.clone(),
            issues_href: format!("{base}/issues?state=all&label={}", l.id.0),
            values: LabelValues::of(l),
            errors: FormErrors::default(),
            failed: false,
        })
        .collect();
    let mut new_values = LabelValues::new_label();
    let mut new_errors = FormErrors::default();
    if let Some(failure) = failure {
        match failure.label {
            None => {
                new_values = failure.values;
                new_errors = failure.errors;
            }
            Some(id) => {
                if let Some(row) = rows.iter_mut().find(|r| r.id == id) {
                    row.values = failure.values;
                    row.errors = failure.errors;
                    row.failed = true;
                }
            }
        }
    }
    Ok(LabelsView {
        ctx,
        head: RepoHead::new(state, repo, access, "issues"),
        open_issues_count: open_count(state, repo).await?,
        section: "labels",
        label_css: label_css(rows.iter().map(|r| &r.chip)),
        base,
        rows,
        maintain: access >= Access::Write,
        new_values,
        new_errors,
    })
}

pub(super) async fn labels_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (repo, access) = readable(&state, &ctx, &owner, &name).await?;
    Ok(render(
        &labels_view(&state, &ctx, &repo, access, None).await?,
    ))
}

async fn label_result(
    state: &AppState,
    ctx: &PageCtx,
    repo: &Repo,
    access: Access,
    result: Result<Label, Error>,
    (label, values): (Option<i64>, LabelValues),
) -> Result<Response, PageError> {
    let href = |saved: &Label| format!("{}/labels#label-{}", base_of(repo), saved.id.0);
    saved_or_form_again(ctx, result, href, async |errors| {
        let failure = LabelFailure {
            label,
            values,
            errors,
        };
        let view = labels_view(state, ctx, repo, access, Some(failure)).await?;
        Ok(unprocessable(render(&view)))
    })
    .await
}

pub(super) async fn create_label(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (user, repo, access) = repo_target_or_answer!(state, ctx, owner, name);
    let values = LabelValues::from_fields(&Fields(fields));
    let result = label::create(&state.db, &user, &repo, values.input()).await;
    label_result(&state, &ctx, &repo, access, result, (None, values)).await
}

pub(super) async fn edit_label(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, label_id)): Path<(String, String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (user, repo, access) = repo_target_or_answer!(state, ctx, owner, name);
    let id = path_number(&label_id)?;
    let values = LabelValues::from_fields(&Fields(fields));
    let result = label::update(&state.db, &user, &repo, LabelId(id), values.input()).await;
    label_result(&state, &ctx, &repo, access, result, (Some(id), values)).await
}

pub(super) async fn delete_label(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, label_id)): Path<(String, String, String)>,
    CsrfForm(_fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (user, repo, _) = repo_target_or_answer!(state, ctx, owner, name);
    let id = path_number(&label_id)?;
    label::delete(&state.db, &user, &repo, LabelId(id)).await?;
    Ok(see_other(&format!("{}/labels", base_of(&repo))))
}
