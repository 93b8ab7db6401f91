//! A repository's branch protection rules (settings → Branches), managed
//! by its administrators: the list, each rule's form (save, delete) and
//! the form that adds one. Rule names hold `/` and `*`, so they travel in
//! form fields, not in the path.

use super::see_other;
use crate::AppState;
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::pages::repo_settings::load_admin;
use crate::views::{FormErrors, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use forge_core::branch_protection::{self, Changes, Settings};
use forge_core::repo::Repo;
use serde::Deserialize;

/// One rule as its form shows it.
struct RuleView {
    rule_name: String,
    enable_push: bool,
    enable_push_whitelist: bool,
    users: String,
    teams: String,
    enable_force_push: bool,
    required_approvals: i64,
    dismiss_stale_approvals: bool,
    block_on_rejected_reviews: bool,
    enable_status_check: bool,
    contexts: String,
}

impl RuleView {
    fn of(rule_name: &str, s: &Settings) -> RuleView {
        RuleView {
            rule_name: rule_name.to_string(),
            enable_push: s.enable_push,
            enable_push_whitelist: s.enable_push_whitelist,
            users: s.push_whitelist_usernames.join(" "),
            teams: s.push_whitelist_teams.join(" "),
            enable_force_push: s.enable_force_push,
            required_approvals: s.required_approvals,
            dismiss_stale_approvals: s.dismiss_stale_approvals,
            block_on_rejected_reviews: s.block_on_rejected_reviews,
            enable_status_check: s.enable_status_check,
            contexts: s.status_check_contexts.join("\n"),
        }
    }
}

#[derive(Template)]
#[template(path = "repo_branch_protection.html")]
struct BranchesView<'a> {
    ctx: &'a PageCtx,
    owner: String,
    name: String,
    rules: Vec<RuleView>,
    new_rule: RuleView,
    errors: FormErrors,
}

async fn page(
    state: &AppState,
    ctx: &PageCtx,
    repo: &Repo,
    new_rule: RuleView,
    errors: FormErrors,
) -> Result<Response, PageError> {
    let rules = branch_protection::list(&state.db, repo.id)
        .await?
        .iter()
        .map(|r| RuleView::of(&r.rule_name, &r.settings))
        .collect();
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut response = render(&BranchesView {
        ctx,
        owner: repo.owner_name.clone(),
        name: repo.name.clone(),
        rules,
        new_rule,
        errors,
    })
    .into_response();
    *response.status_mut() = status;
    Ok(response)
}

pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
) -> Result<Response, PageError> {
    if let Err(redirect) = ctx.require_user() {
        return Ok(redirect.into_response());
    }
    let repo = load_admin(&state, &ctx, &owner, &name).await?;
    let blank = RuleView::of("", &Settings::default());
    page(&state, &ctx, &repo, blank, FormErrors::default()).await
}

/// A rule's form: checkboxes are present when ticked; lists are words
/// (users, roles) or lines (contexts).
#[derive(Deserialize, Default)]
pub struct RuleForm {
    #[serde(default)]
    rule_name: String,
    #[serde(default)]
    enable_push: Option<String>,
    #[serde(default)]
    enable_push_whitelist: Option<String>,
    #[serde(default)]
    users: String,
    #[serde(default)]
    teams: String,
    #[serde(default)]
    enable_force_push: Option<String>,
    #[serde(default)]
    required_approvals: String,
    #[serde(default)]
    dismiss_stale_approvals: Option<String>,
    #[serde(default)]
    block_on_rejected_reviews: Option<String>,
    #[serde(default)]
    enable_status_check: Option<String>,
    #[serde(default)]
    contexts: String,
    /// Set by the delete button.
    #[serde(default)]
    delete: Option<String>,
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

impl RuleForm {
    fn settings(&self) -> Result<Settings, forge_core::Error> {
        let required_approvals = match self.required_approvals.trim() {
            "" => 0,
            text => text.parse().map_err(|_| forge_core::Error::Invalid {
                field: "required_approvals",
                problem: forge_core::Problem::new("error-protection-approvals")
                    .arg("max", branch_protection::MAX_APPROVALS.to_string()),
            })?,
        };
        Ok(Settings {
            enable_push: self.enable_push.is_some(),
            enable_push_whitelist: self.enable_push_whitelist.is_some(),
            push_whitelist_usernames: words(&self.users),
            push_whitelist_teams: words(&self.teams),
            enable_force_push: self.enable_force_push.is_some(),
            required_approvals,
            dismiss_stale_approvals: self.dismiss_stale_approvals.is_some(),
            block_on_rejected_reviews: self.block_on_rejected_reviews.is_some(),
            enable_status_check: self.enable_status_check.is_some(),
            status_check_contexts: self.contexts.lines().map(str::to_string).collect(),
        })
    }

    fn view(&self) -> RuleView {
        RuleView {
            rule_name: self.rule_name.clone(),
            enable_push: self.enable_push.is_some(),
            enable_push_whitelist: self.enable_push_whitelist.is_some(),
            users: self.users.clone(),
            teams: self.teams.clone(),
            enable_force_push: self.enable_force_push.is_some(),
            required_approvals: self.required_approvals.trim().parse().unwrap_or(0),
            dismiss_stale_approvals: self.dismiss_stale_approvals.is_some(),
            block_on_rejected_reviews: self.block_on_rejected_reviews.is_some(),
            enable_status_check: self.enable_status_check.is_some(),
            contexts: self.contexts.clone(),
        }
    }
}

fn back(repo: &Repo) -> Response {
    see_other(&format!(
        "{}/settings/branches",
        super::repo_head::base_of(repo)
    ))
}

/// Adds a rule.
pub async fn add(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<RuleForm>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let repo = load_admin(&state, &ctx, &owner, &name).await?;
    let made = match form.settings() {
        Ok(settings) => {
            branch_protection::create(&state.db, &user, &repo, &form.rule_name, settings).await
        }
        Err(e) => Err(e),
    };
    match made {
        Ok(_) => Ok(back(&repo)),
        Err(e) => {
            let errors = FormErrors::from_error(&ctx, e)?;
            page(&state, &ctx, &repo, form.view(), errors).await
        }
    }
}

/// Saves or deletes an existing rule.
pub async fn save(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<RuleForm>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let repo = load_admin(&state, &ctx, &owner, &name).await?;
    if form.delete.is_some() {
        branch_protection::delete(&state.db, &user, &repo, &form.rule_name).await?;
        return Ok(back(&repo));
    }
    let saved = match form.settings() {
        Ok(s) => {
            let changes = Changes {
                enable_push: Some(s.enable_push),
                enable_push_whitelist: Some(s.enable_push_whitelist),
                push_whitelist_usernames: Some(s.push_whitelist_usernames),
                push_whitelist_teams: Some(s.push_whitelist_teams),
                enable_force_push: Some(s.enable_force_push),
                required_approvals: Some(s.required_approvals),
                dismiss_stale_approvals: Some(s.dismiss_stale_approvals),
                block_on_rejected_reviews: Some(s.block_on_rejected_reviews),
                enable_status_check: Some(s.enable_status_check),
                status_check_contexts: Some(s.status_check_contexts),
            };
            branch_protection::update(&state.db, &user, &repo, &form.rule_name, changes).await
        }
        Err(e) => Err(e),
    };
    match saved {
        Ok(_) => Ok(back(&repo)),
        Err(e) => {
            let errors = FormErrors::from_error(&ctx, e)?;
            let blank = RuleView::of("", &Settings::default());
            page(&state, &ctx, &repo, blank, errors).await
        }
    }
}
