//! Creating repositories, changing their settings, deleting them.

use super::{load_repo, see_other};
use crate::AppState;
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::views::{FormErrors, render, url_encode};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use forge_core::Error;
use forge_core::org;
use forge_core::pull::{self, MergeStyle};
use forge_core::repo::{Access, NewRepo, Repo, RepoChanges};
use forge_service::templates;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "repo_new.html")]
struct NewRepoView<'a> {
    ctx: &'a PageCtx,
    owners: Vec<String>,
    form: NewRepoForm,
    errors: FormErrors,
    /// The licences and `.gitignore` templates a repository may start with.
    licenses: Vec<&'static str>,
    gitignores: Vec<&'static str>,
}

fn template_names(table: &[(&'static str, &'static str)]) -> Vec<&'static str> {
    table.iter().map(|(name, _)| *name).collect()
}

#[derive(Deserialize, Default)]
pub struct NewRepoForm {
    #[serde(default)]
    owner: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    /// A checkbox: present ("on") when ticked.
    #[serde(default)]
    private: Option<String>,
    #[serde(default)]
    default_branch: String,
    /// A checkbox: start with a README (and the licence and `.gitignore`
    /// chosen).
    #[serde(default)]
    auto_init: Option<String>,
    /// An SPDX identifier, or empty for none.
    #[serde(default)]
    license: String,
    /// A `.gitignore` template name, or empty for none.
    #[serde(default)]
    gitignore: String,
}

/// The accounts the visitor may create repositories under: themselves and
/// the organisations where they are owner or maintainer.
async fn owners_for(state: &AppState, ctx: &PageCtx) -> Result<Vec<String>, PageError> {
    let Some(user) = &ctx.user else {
        return Ok(Vec::new());
    };
    let mut owners = vec![user.name.clone()];
    for (o, role) in org::of_user(&state.db, user.id).await? {
        if role.maintains() {
            owners.push(o.name);
        }
    }
    Ok(owners)
}

#[derive(Deserialize)]
pub struct NewRepoQuery {
    owner: Option<String>,
}

pub async fn new_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(query): Query<NewRepoQuery>,
) -> Result<Response, PageError> {
    if let Err(redirect) = ctx.require_user() {
        return Ok(redirect.into_response());
    }
    let owners = owners_for(&state, &ctx).await?;
    let form = NewRepoForm {
        owner: query.owner.unwrap_or_default(),
        default_branch: forge_core::repo::DEFAULT_BRANCH.to_string(),
        ..NewRepoForm::default()
    };
    Ok(render(&NewRepoView {
        ctx: &ctx,
        owners,
        form,
        errors: FormErrors::default(),
        licenses: template_names(templates::LICENSES),
        gitignores: template_names(templates::GITIGNORES),
    }))
}

pub async fn create(
    State(state): State<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<NewRepoForm>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let new = NewRepo {
        name: form.name.clone(),
        description: form.description.clone(),
        private: form.private.is_some(),
        default_branch: Some(form.default_branch.clone()),
    };
    let created = if form.auto_init.is_some() {
        let init = templates::InitFiles {
            readme: true,
            license: Some(form.license.trim().to_string()).filter(|l| !l.is_empty()),
            gitignores: Some(form.gitignore.trim().to_string())
                .filter(|g| !g.is_empty())
                .into_iter()
                .collect(),
        };
        state
            .forge
            .create_repo_with_files(&user, &form.owner, new, &init)
            .await
    } else {
        state.forge.create_repo(&user, &form.owner, new).await
    };
    match created {
        Ok(created) => Ok(super::see_other_confirmed(
            &state,
            &ctx,
            &format!("/{}", created.full_name()),
            crate::flash::Flash::RepoCreated,
        )),
        Err(forge_core::Error::NotFound(problem) | forge_core::Error::Forbidden(problem)) => {
            let errors = FormErrors {
                fields: vec![("owner", ctx.problem(&problem))],
                general: None,
            };
            rerender(&state, &ctx, form, errors).await
        }
        Err(e) => {
            let errors = FormErrors::from_error(&ctx, e)?;
            rerender(&state, &ctx, form, errors).await
        }
    }
}

async fn rerender(
    state: &AppState,
    ctx: &PageCtx,
    form: NewRepoForm,
    errors: FormErrors,
) -> Result<Response, PageError> {
    let owners = owners_for(state, ctx).await?;
    let page = render(&NewRepoView {
        ctx,
        owners,
        form,
        errors,
        licenses: template_names(templates::LICENSES),
        gitignores: template_names(templates::GITIGNORES),
    });
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Template)]
#[template(path = "repo_settings.html")]
struct SettingsView<'a> {
    ctx: &'a PageCtx,
    full_name: String,
    owner: String,
    name: String,
    description: String,
    private: bool,
    default_branch: String,
    saved: bool,
    errors: FormErrors,
    delete_errors: FormErrors,
    /// The merge styles: the checkbox's name, its label, whether allowed.
    styles: Vec<(&'static str, String, bool)>,
    styles_error: Option<String>,
}

impl<'a> SettingsView<'a> {
    fn of(ctx: &'a PageCtx, repo: &Repo) -> Self {
        SettingsView {
            ctx,
            full_name: repo.full_name(),
            owner: repo.owner_name.clone(),
            name: repo.name.clone(),
            description: repo.description.clone(),
            private: repo.private,
            default_branch: repo.default_branch.clone(),
            saved: false,
            errors: FormErrors::default(),
            delete_errors: FormErrors::default(),
            styles: Vec::new(),
            styles_error: None,
        }
    }

    /// The page with the merge styles `repo` allows checked.
    async fn with_styles(
        ctx: &'a PageCtx,
        state: &AppState,
        repo: &Repo,
    ) -> Result<SettingsView<'a>, PageError> {
        let allowed = pull::merge_styles(&state.db, repo.id).await?;
        let mut view = SettingsView::of(ctx, repo);
        view.styles = MergeStyle::ALL
            .into_iter()
            .map(|style| {
                let (field, key) = style_field(style);
                (field, ctx.t(key), allowed.contains(&style))
            })
            .collect();
        Ok(view)
    }
}

/// A merge style's checkbox name and label key.
fn style_field(style: MergeStyle) -> (&'static str, &'static str) {
    match style {
        MergeStyle::Merge => ("style_merge", "pulls-style-merge"),
        MergeStyle::Squash => ("style_squash", "pulls-style-squash"),
        MergeStyle::Rebase => ("style_rebase", "pulls-style-rebase"),
        MergeStyle::FastForwardOnly => ("style_fast_forward_only", "pulls-style-fast-forward-only"),
    }
}

/// The repository, if the visitor administers it; otherwise "not found"
/// for those who cannot see it, and "forbidden" for readers.
pub(crate) async fn load_admin(
    state: &AppState,
    ctx: &PageCtx,
    owner: &str,
    name: &str,
) -> Result<Repo, PageError> {
    let (repo, access) = load_repo(state, ctx, owner, name).await?;
    if access < Access::Admin {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "error-repo-admin-only",
        ));
    }
    Ok(repo)
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn settings(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
    Query(query): Query<SavedQuery>,
) -> Result<Response, PageError> {
    if let Err(redirect) = ctx.require_user() {
        return Ok(redirect.into_response());
    }
    let repo = load_admin(&state, &ctx, &owner, &name).await?;
    let mut view = SettingsView::with_styles(&ctx, &state, &repo).await?;
    view.saved = query.saved.is_some();
    Ok(render(&view))
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    description: String,
    #[serde(default)]
    private: Option<String>,
    #[serde(default)]
    default_branch: String,
}

pub async fn save(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<SettingsForm>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let repo = load_admin(&state, &ctx, &owner, &name).await?;
    let changes = RepoChanges {
        description: Some(form.description.clone()),
        private: Some(form.private.is_some()),
        default_branch: Some(form.default_branch.clone()),
    };
    match state.forge.update_repo(&user, &repo, changes).await {
        Ok(updated) => Ok(see_other(&format!(
            "/{}/settings?saved=1",
            updated.full_name()
        ))),
        Err(e) => {
            let mut view = SettingsView::with_styles(&ctx, &state, &repo).await?;
            view.description = form.description;
            view.private = form.private.is_some();
            view.default_branch = form.default_branch;
            view.errors = FormErrors::from_error(&ctx, e)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&view)).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    confirm: String,
}

pub async fn delete(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<DeleteForm>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let repo = load_admin(&state, &ctx, &owner, &name).await?;
    if form.confirm.trim() != repo.full_name() {
        let mut view = SettingsView::with_styles(&ctx, &state, &repo).await?;
        view.delete_errors
            .fields
            .push(("confirm", ctx.t("repo-delete-mismatch")));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&view)).into_response());
    }
    state.forge.delete_repo(&user, &repo).await?;
    Ok(see_other(&format!("/{}", url_encode(&repo.owner_name))))
}

/// The merge styles form: one checkbox per style.
#[derive(Deserialize)]
pub struct MergeStylesForm {
    #[serde(default)]
    style_merge: Option<String>,
    #[serde(default)]
    style_squash: Option<String>,
    #[serde(default)]
    style_rebase: Option<String>,
    #[serde(default)]
    style_fast_forward_only: Option<String>,
}

/// Chooses the merge styles the pull request page offers.
pub async fn save_merge_styles(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<MergeStylesForm>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let repo = load_admin(&state, &ctx, &owner, &name).await?;
    let chosen: Vec<MergeStyle> = [
        (MergeStyle::Merge, &form.style_merge),
        (MergeStyle::Squash, &form.style_squash),
        (MergeStyle::Rebase, &form.style_rebase),
        (MergeStyle::FastForwardOnly, &form.style_fast_forward_only),
    ]
    .into_iter()
    .filter_map(|(style, field)| field.is_some().then_some(style))
    .collect();
    match pull::set_merge_styles(&state.db, &user, &repo, &chosen).await {
        Ok(()) => Ok(see_other(&format!(
            "{}/settings?saved=1",
            super::repo_head::base_of(&repo)
        ))),
        Err(Error::Invalid { problem, .. }) => {
            let mut view = SettingsView::with_styles(&ctx, &state, &repo).await?;
            // What was sent: nothing checked.
            for style in &mut view.styles {
                style.2 = false;
            }
            view.styles_error = Some(crate::i18n::problem(ctx.lang, &problem));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&view)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
