//! The labels of a repository: the list, each label editable in place, and
//! the form for a new one (maintainers only), on the page of
//! `editable_list`.

use super::chips::{Chip, label_css};
use super::editable_list::{EditableList, EditablePage, FailedForm, saved_or_form_again};
use super::{Fields, open_count, path_number, repo_target_or_answer};
use crate::AppState;
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::pages::repo_head::{RepoHead, base_of};
use crate::views::render;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use forge_core::label::{self, Label, LabelInput};
use forge_core::repo::{Access, Repo};
use forge_core::user::User;
use forge_core::{Db, Error, LabelId};

/// The colour new labels start with.
const DEFAULT_LABEL_COLOUR: &str = "#1d76db";

#[derive(Debug, Clone, Default)]
pub(super) struct LabelValues {
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

/// What a label's row shows.
struct LabelItem {
    chip: Chip,
    description: String,
    issues_href: String,
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
    list: EditableList<LabelItem, LabelValues>,
    maintain: bool,
}

/// The labels page (`/{owner}/{repo}/labels`).
pub(super) struct LabelsPage;

impl EditablePage for LabelsPage {
    type Thing = Label;
    type Values = LabelValues;
    const PATH: &'static str = "labels";
    const ROW: &'static str = "label";

    fn id_of(label: &Label) -> i64 {
        label.id.0
    }

    fn values_from(fields: &Fields) -> LabelValues {
        LabelValues::from_fields(fields)
    }

    async fn create(
        db: &Db,
        actor: &User,
        repo: &Repo,
        values: &LabelValues,
    ) -> Result<Label, Error> {
        label::create(db, actor, repo, values.input()).await
    }

    async fn delete(db: &Db, actor: &User, repo: &Repo, id: i64) -> Result<(), Error> {
        label::delete(db, actor, repo, LabelId(id)).await
    }

    async fn render(
        state: &AppState,
        ctx: &PageCtx,
        repo: &Repo,
        access: Access,
        failure: Option<FailedForm<LabelValues>>,
    ) -> Result<Response, PageError> {
        let base = base_of(repo);
        let labels = label::list(&state.db, repo.id).await?;
        let rows = labels.iter().map(|l| {
            let item = LabelItem {
                chip: Chip::of(l),
                description: l.description.clone(),
                issues_href: format!("{base}/issues?state=all&label={}", l.id.0),
            };
            (l.id.0, item, LabelValues::of(l))
        });
        let list = EditableList::new(rows, LabelValues::new_label(), failure);
        Ok(render(&LabelsView {
            ctx,
            head: RepoHead::new(state, repo, access, "issues"),
            open_issues_count: open_count(state, repo).await?,
            section: "labels",
            label_css: label_css(list.rows.iter().map(|r| &r.item.chip)),
            base,
            list,
            maintain: access >= Access::Write,
        }))
    }
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
    saved_or_form_again::<LabelsPage>(&state, &ctx, &repo, access, result, Some(id), values).await
}
