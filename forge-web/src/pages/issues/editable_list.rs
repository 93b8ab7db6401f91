//! A page that lists named things of a repository (its labels, its
//! milestones), each editable in place, with a form for a new one.
//!
//! Written once for every such page: the rows with their edit forms, a
//! failed form put back where it was typed (in its row, or in the new
//! form), and the answers to the forms: the page itself, creating,
//! deleting, and after a save either a redirect to the saved row or the
//! page again (422) with the form's values and errors. Each page says what
//! it lists by implementing [`EditablePage`].

use super::{Fields, is_form_error, path_number, readable, repo_target_or_answer, unprocessable};
use crate::AppState;
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::pages::repo_head::base_of;
use crate::pages::see_other;
use crate::views::FormErrors;
use axum::extract::{Path, State};
use axum::response::Response;
use forge_core::repo::{Access, Repo};
use forge_core::user::User;
use forge_core::{Db, Error};

/// One form of the page: what its fields show, and the errors next to them.
pub(super) struct FormState<V> {
    pub(super) values: V,
    pub(super) errors: FormErrors,
    /// Whether this form just failed (a row's edit form is then shown
    /// open).
    pub(super) failed: bool,
}

impl<V> FormState<V> {
    fn fresh(values: V) -> FormState<V> {
        FormState {
            values,
            errors: FormErrors::default(),
            failed: false,
        }
    }
}

/// One row of the page: a thing as shown, and its edit form.
pub(super) struct EditableRow<S, V> {
    pub(super) id: i64,
    /// What the row shows of the thing.
    pub(super) item: S,
    pub(super) form: FormState<V>,
}

/// The rows of the page and the form for a new one.
pub(super) struct EditableList<S, V> {
    pub(super) rows: Vec<EditableRow<S, V>>,
    pub(super) new: FormState<V>,
}

/// A form of the page that failed: which row's (`None`: the new one's),
/// with what was typed in it and what was wrong.
pub(super) struct FailedForm<V> {
    row: Option<i64>,
    values: V,
    errors: FormErrors,
}

impl<S, V> EditableList<S, V> {
    /// The rows (id, what the row shows, the values of its edit form) and
    /// the new form with `new_values`; a form that just failed replaces
    /// the one it was typed in. A failed row that is no longer there (it
    /// was deleted meanwhile) is forgotten.
    pub(super) fn new(
        rows: impl IntoIterator<Item = (i64, S, V)>,
        new_values: V,
        failure: Option<FailedForm<V>>,
    ) -> EditableList<S, V> {
        let mut list = EditableList {
            rows: rows
                .into_iter()
                .map(|(id, item, values)| EditableRow {
                    id,
                    item,
                    form: FormState::fresh(values),
                })
                .collect(),
            new: FormState::fresh(new_values),
        };
        if let Some(failure) = failure {
            let failed = FormState {
                values: failure.values,
                errors: failure.errors,
                failed: true,
            };
            match failure.row {
                None => list.new = failed,
                Some(id) => {
                    if let Some(row) = list.rows.iter_mut().find(|r| r.id == id) {
                        row.form = failed;
                    }
                }
            }
        }
        list
    }
}

/// What a page of editable things lists, and how its forms change it.
pub(super) trait EditablePage {
    /// A thing as stored.
    type Thing: Send;
    /// What one of its forms holds, as typed.
    type Values: Send + Sync;
    /// The page's address under the repository's (`labels`).
    const PATH: &'static str;
    /// What a row's anchor starts with, before the thing's id (`label`).
    const ROW: &'static str;

    fn id_of(thing: &Self::Thing) -> i64;

    /// A form's values, from the fields it sent.
    fn values_from(fields: &Fields) -> Self::Values;

    /// Saves a new thing from the new form's values.
    fn create(
        db: &Db,
        actor: &User,
        repo: &Repo,
        values: &Self::Values,
    ) -> impl Future<Output = Result<Self::Thing, Error>> + Send;

    /// Deletes the thing with this id.
    fn delete(
        db: &Db,
        actor: &User,
        repo: &Repo,
        id: i64,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// The page as the visitor may see it, with a form that just failed.
    fn render(
        state: &AppState,
        ctx: &PageCtx,
        repo: &Repo,
        access: Access,
        failure: Option<FailedForm<Self::Values>>,
    ) -> impl Future<Output = Result<Response, PageError>> + Send;
}

/// The page.
pub(super) async fn page<P: EditablePage>(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (repo, access) = readable(&state, &ctx, &owner, &name).await?;
    P::render(&state, &ctx, &repo, access, None).await
}

/// The new form.
pub(super) async fn create<P: EditablePage>(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (user, repo, access) = repo_target_or_answer!(state, ctx, owner, name);
    let values = P::values_from(&Fields(fields));
    let result = P::create(&state.db, &user, &repo, &values).await;
    saved_or_form_again::<P>(&state, &ctx, &repo, access, result, None, values).await
}

/// A row's delete button: back to the page.
pub(super) async fn delete<P: EditablePage>(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, id)): Path<(String, String, String)>,
    CsrfForm(_fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (user, repo, _) = repo_target_or_answer!(state, ctx, owner, name);
    let id = path_number(&id)?;
    P::delete(&state.db, &user, &repo, id).await?;
    Ok(see_other(&format!("{}/{}", base_of(&repo), P::PATH)))
}

/// The answer to a form that saves a thing (the new form is `row: None`):
/// on to the saved thing's row, or the page again (422) with the form's
/// values and errors, or the error.
pub(super) async fn saved_or_form_again<P: EditablePage>(
    state: &AppState,
    ctx: &PageCtx,
    repo: &Repo,
    access: Access,
    result: Result<P::Thing, Error>,
    row: Option<i64>,
    values: P::Values,
) -> Result<Response, PageError> {
    match result {
        Ok(saved) => Ok(see_other(&format!(
            "{}/{}#{}-{}",
            base_of(repo),
            P::PATH,
            P::ROW,
            P::id_of(&saved)
        ))),
        Err(e) if is_form_error(&e) => {
            let failure = FailedForm {
                row,
                values,
                errors: FormErrors::from_error(ctx, e)?,
            };
            let page = P::render(state, ctx, repo, access, Some(failure)).await?;
            Ok(unprocessable(page))
        }
        Err(e) => Err(e.into()),
    }
}
