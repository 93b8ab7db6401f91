//! Funding pages: the panel on an issue (also a page of its own), a
//! repository's goals, and the form behind every
//! funding step. Each step is explained in plain words: treasurers are not
//! developers.

use super::{funding_confirm, funding_ledger, funding_repo, load_repo, see_other};
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::flash::{self, Flash};
use crate::format;
use crate::views::{FormErrors, render};
use crate::{AppState, markdown};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use forge_core::funding::{
    self, GoalInput, GoalState, GoalView, PaymentRequest, PledgeRequest, PledgeState, Resolution,
    Verdict,
};
use forge_core::ids::PledgeId;
use forge_core::issue::{self, Issue};
use forge_core::money::CURRENCIES;
use forge_core::org::{self, Role};
use forge_core::repo::{Access, Repo};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    let base = "/{owner}/{repo}/issues/{index}/funding";
    Router::new()
        .route(base, get(page).post(put_goal))
        .route(&format!("{base}/pledge"), post(pledge))
        .route(
            &format!("{base}/pledges/{{id}}/withdraw"),
            get(funding_confirm::withdraw_page).post(withdraw),
        )
        .route(&format!("{base}/pledges/{{id}}/payments"), post(payment))
        .route(
            &format!("{base}/cancel"),
            get(funding_confirm::cancel_page).post(cancel),
        )
        .route(&format!("{base}/ledger"), get(funding_ledger::page))
        .route(&format!("{base}/ledger.csv"), get(funding_ledger::csv))
        .route(&format!("{base}/deliver"), post(deliver))
        .route(&format!("{base}/review"), post(review))
        .route(&format!("{base}/resolve"), post(resolve))
        .route(&format!("{base}/vote"), post(vote))
        .route("/{owner}/{repo}/funding", get(funding_repo::repo_goals))
        .route("/org/{org}/pledges", get(super::funding_org::org_pledges))
        .route(
            "/org/{org}/pledges.csv",
            get(funding_ledger::org_pledges_csv),
        )
}

pub struct PledgeRow {
    pub id: PledgeId,
    pub org: String,
    pub org_label: String,
    pub amount: String,
    pub share: Option<String>,
    pub paid: String,
    pub state_label: String,
    /// What is still to be paid, for due pledges.
    pub due_left: Option<String>,
}

pub struct GoalRow {
    pub state: &'static str,
    pub state_label: String,
    pub state_help: String,
    pub budget: String,
    pub pledged: String,
    pub progress: i64,
    pub progress_text: String,
    pub deadline: String,
    pub acceptance_html: String,
    pub funders: i64,
    pub min_funders: i64,
    pub review_ends: Option<String>,
    pub delivery_html: Option<String>,
    pub commits: Vec<String>,
    pub currency: String,
    pub paid: String,
    /// Pledges exist: only the deadline and the criteria may change.
    pub pledged_already: bool,
}

/// The values of the goal and pledge forms, as typed.
#[derive(Default, Clone)]
pub struct FormValues {
    pub budget: String,
    pub currency: String,
    pub deadline: String,
    pub review_days: String,
    pub min_funders: String,
    pub acceptance: String,
    pub amount: String,
    pub org: String,
    /// The pledge whose payment form was sent, with what was typed in it.
    pub payment_pledge: Option<PledgeId>,
    pub payment_amount: String,
    pub payment_reference: String,
    pub dispute_rule: String,
    pub mediator: String,
}

/// What the funding panel shows and offers to one visitor.
pub struct PanelData {
    /// `/{owner}/{repo}/issues/{n}/funding`.
    pub base: String,
    pub api_base: String,
    pub goal: Option<GoalRow>,
    pub pledges: Vec<PledgeRow>,
    pub maintainer: bool,
    pub receiver: bool,
    /// Organisations the visitor may pledge for.
    pub treasuries: Vec<String>,
    /// The visitor's organisations with a committed pledge to review.
    pub reviewers: Vec<String>,
    /// Active pledges the visitor may withdraw: id and organisation.
    pub withdrawable: Vec<(PledgeId, String)>,
    pub errors: FormErrors,
    pub form: FormValues,
    pub currencies: Vec<&'static str>,
    /// The maintainer may open the goal, or edit it while it is open.
    pub show_goal_form: bool,
    /// Pledges exist: only the deadline and criteria may still change.
    pub edit_locked: bool,
    /// Commits that closed the issue: the delivery form offers them.
    pub closing_commits: String,
    /// The delivery note the form starts with (a pull request's link, when
    /// the maintainer came from one).
    pub delivery_note: String,
    /// How to type an amount in the goal's currency (or the form's).
    pub amount_example: String,
    /// For the receiving side: its page of what it is owed and received.
    pub received_link: Option<String>,
    /// Payee details and the calls for funds and receipts.
    pub extra: super::funding_documents::PanelExtra,
}

impl PanelData {
    /// The error of a field of the payment form of `pledge`, if that form
    /// was the one sent.
    pub fn payment_error(&self, pledge: &PledgeId, field: &str) -> Option<&str> {
        if self.form.payment_pledge == Some(*pledge) {
            self.errors.of(field)
        } else {
            None
        }
    }

    /// What was typed in a field of the payment form of `pledge`.
    pub fn payment_value(&self, pledge: &PledgeId, field: &str) -> &str {
        match (self.form.payment_pledge == Some(*pledge), field) {
            (true, "amount") => &self.form.payment_amount,
            (true, "reference") => &self.form.payment_reference,
            _ => "",
        }
    }
}

#[derive(Template)]
#[template(path = "funding_panel.html")]
pub struct PanelView<'a> {
    pub ctx: &'a PageCtx,
    pub p: &'a PanelData,
}

#[derive(Template)]
#[template(path = "funding_page.html")]
struct FundingPage<'a> {
    ctx: &'a PageCtx,
    owner: String,
    repo: String,
    number: i64,
    title: String,
    panel: String,
}

pub(super) fn pledge_state_label(ctx: &PageCtx, state: PledgeState) -> String {
    ctx.t(&format!("pledge-state-{}", state.as_str()))
}

pub(super) fn money(ctx: &PageCtx, minor: i64, currency: &str) -> String {
    format::money(ctx.lang, minor, currency)
}

/// Builds the panel's data for the visitor.
pub async fn panel_data(
    state: &AppState,
    ctx: &PageCtx,
    repo: &Repo,
    access: Access,
    issue: &Issue,
    errors: FormErrors,
    form: Option<FormValues>,
) -> Result<PanelData, PageError> {
    let base = format!("/{}/issues/{}/funding", repo.full_name(), issue.number);
    let api_base = format!(
        "/api/v1/repos/{}/issues/{}/funding",
        repo.full_name(),
        issue.number
    );
    let goal = match funding::goal_of_issue(&state.db, issue.id).await? {
        Some(goal) => Some(funding::refresh(&state.db, &goal).await?),
        None => None,
    };
    let view = match goal {
        Some(goal) => Some(funding::view(&state.db, goal).await?),
        None => None,
    };
    let mut treasuries = Vec::new();
    let mut my_orgs = Vec::new();
    if let Some(user) = &ctx.user {
        for (o, role) in org::of_user(&state.db, user.id).await? {
            if role.handles_money() {
                treasuries.push(o.name.clone());
                my_orgs.push(o.id);
            }
        }
    }
    let receiver = match &ctx.user {
        Some(user) if repo.owner_is_org => {
            org::role_of(&state.db, forge_core::OrgId(repo.owner_id.0), user.id)
                .await?
                .is_some_and(Role::handles_money)
        }
        Some(user) => user.id.0 == repo.owner_id.0,
        None => false,
    };
    let mut form = form.unwrap_or_default();
    let (goal_row, pledges, reviewers, withdrawable) = match &view {
        Some(view) => {
            let goal = &view.goal;
            if form.budget.is_empty() {
                form.budget = format::major_for_input(ctx.lang, goal.budget_minor, &goal.currency);
                form.currency = goal.currency.clone();
                form.deadline = format::date_input(goal.deadline_at);
                form.review_days = goal.review_days.to_string();
                form.min_funders = goal.min_funders.to_string();
                form.acceptance = goal.acceptance.clone();
            }
            let row = goal_row(ctx, view);
            let pledges = view
                .pledges
                .iter()
                .map(|p| PledgeRow {
                    id: p.id,
                    org: p.org_name.clone(),
                    org_label: if p.org_full_name.is_empty() {
                        p.org_name.clone()
                    } else {
                        p.org_full_name.clone()
                    },
                    amount: money(ctx, p.amount_minor, &p.currency),
                    share: p.share_minor.map(|s| money(ctx, s, &p.currency)),
                    paid: money(ctx, p.paid_minor, &p.currency),
                    state_label: pledge_state_label(ctx, p.state),
                    due_left: (p.state == PledgeState::Due).then(|| {
                        money(ctx, p.share_minor.unwrap_or(0) - p.paid_minor, &p.currency)
                    }),
                })
                .collect();
            let reviewers = if goal.state == GoalState::Delivered {
                // An organisation that has reviewed is not asked again.
                let reviewed: Vec<String> = funding::reviews(&state.db, goal.id)
                    .await?
                    .into_iter()
                    .map(|r| r.org_name)
                    .collect();
                view.pledges
                    .iter()
                    .filter(|p| p.state == PledgeState::Committed && my_orgs.contains(&p.org_id))
                    .filter(|p| !reviewed.contains(&p.org_name))
                    .map(|p| p.org_name.clone())
                    .collect()
            } else {
                Vec::new()
            };
            let withdrawable = if goal.state == GoalState::Open {
                view.pledges
                    .iter()
                    .filter(|p| p.state == PledgeState::Active && my_orgs.contains(&p.org_id))
                    .map(|p| (p.id, p.org_name.clone()))
                    .collect()
            } else {
                Vec::new()
            };
            (Some(row), pledges, reviewers, withdrawable)
        }
        None => {
            form.currency = if form.currency.is_empty() {
                "EUR".into()
            } else {
                form.currency
            };
            if form.review_days.is_empty() {
                form.review_days = funding::DEFAULT_REVIEW_DAYS.to_string();
            }
            if form.min_funders.is_empty() {
                form.min_funders = "1".into();
            }
            (None, Vec::new(), Vec::new(), Vec::new())
        }
    };
    let maintainer = access >= Access::Write;
    // A push that closed the funded issue is offered as the delivery.
    let closing_commits = if maintainer && goal_row.as_ref().is_some_and(|g| g.state == "funded") {
        forge_core::timeline::events(&state.db, issue.id)
            .await?
            .into_iter()
            .filter(|e| e.kind == forge_core::timeline::kind::CLOSED)
            .filter_map(|e| e.commit)
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        String::new()
    };
    let show_goal_form = maintainer && goal_row.as_ref().is_none_or(|g| g.state == "open");
    let edit_locked = goal_row.as_ref().is_some_and(|g| g.pledged_already);
    let example_currency = match &goal_row {
        Some(goal) => goal.currency.clone(),
        None => form.currency.clone(),
    };
    let amount_example = format::amount_example(ctx.lang, &example_currency);
    let received_link = receiver.then(|| {
        let kind = if repo.owner_is_org { "org" } else { "user" };
        format!("/{kind}/{}/received", repo.owner_name)
    });
    let extra =
        super::funding_documents::panel_extra(state, ctx, repo, &base, view.as_ref()).await?;
    Ok(PanelData {
        received_link,
        amount_example,
        extra,
        closing_commits,
        delivery_note: String::new(),
        show_goal_form,
        edit_locked,
        base,
        api_base,
        goal: goal_row,
        pledges,
        maintainer,
        receiver,
        treasuries,
        reviewers,
        withdrawable,
        errors,
        form,
        currencies: CURRENCIES.iter().map(|(c, _)| *c).collect(),
    })
}

fn goal_row(ctx: &PageCtx, view: &GoalView) -> GoalRow {
    let goal = &view.goal;
    let currency = goal.currency.as_str();
    let progress = view.progress_percent();
    GoalRow {
        state: goal.state.as_str(),
        state_label: ctx.t(&format!("funding-state-{}", goal.state.as_str())),
        state_help: ctx.t(&format!("funding-help-{}", goal.state.as_str())),
        budget: money(ctx, goal.budget_minor, currency),
        pledged: money(ctx, view.pledged_minor, currency),
        progress,
        progress_text: i18n_progress(ctx, view),
        deadline: format::long_date(ctx.lang, goal.deadline_at),
        acceptance_html: markdown::render(&goal.acceptance),
        funders: view.funders,
        min_funders: goal.min_funders,
        review_ends: goal
            .review_ends_at
            .map(|ms| format::long_date(ctx.lang, ms)),
        delivery_html: goal.delivery_note.as_deref().map(markdown::render),
        commits: goal.delivery_commits.clone(),
        currency: goal.currency.clone(),
        paid: money(ctx, view.paid_minor, currency),
        pledged_already: view.live_pledges().next().is_some(),
    }
}

fn i18n_progress(ctx: &PageCtx, view: &GoalView) -> String {
    let goal = &view.goal;
    crate::i18n::catalogue().message(
        ctx.lang,
        "funding-progress-text",
        &[
            ("pledged", &money(ctx, view.pledged_minor, &goal.currency)),
            ("budget", &money(ctx, goal.budget_minor, &goal.currency)),
            ("percent", &view.progress_percent().to_string()),
        ],
    )
}

/// The panel as HTML, for the issue page.
pub async fn panel_html(
    state: &AppState,
    ctx: &PageCtx,
    repo: &Repo,
    access: Access,
    issue: &Issue,
) -> Result<String, PageError> {
    let data = panel_data(state, ctx, repo, access, issue, FormErrors::default(), None).await?;
    PanelView { ctx, p: &data }.render().map_err(|e| {
        tracing::error!(error = %e, "the funding panel failed to render");
        PageError::new(StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
    })
}

pub(super) async fn load(
    state: &AppState,
    ctx: &PageCtx,
    owner: &str,
    name: &str,
    index: i64,
) -> Result<(Repo, Access, Issue), PageError> {
    let (repo, access) = load_repo(state, ctx, owner, name).await?;
    let found = issue::get(&state.db, repo.id, index)
        .await?
        .ok_or_else(PageError::not_found)?;
    Ok((repo, access, found))
}

async fn render_page(
    state: &AppState,
    ctx: &PageCtx,
    repo: &Repo,
    access: Access,
    issue: &Issue,
    errors: FormErrors,
    form: Option<FormValues>,
) -> Result<Response, PageError> {
    let failed = errors.any();
    let data = panel_data(state, ctx, repo, access, issue, errors, form).await?;
    render_panel(ctx, repo, issue, &data, failed)
}

/// The funding page around the panel `data`.
fn render_panel(
    ctx: &PageCtx,
    repo: &Repo,
    issue: &Issue,
    data: &PanelData,
    failed: bool,
) -> Result<Response, PageError> {
    let panel = PanelView { ctx, p: data }.render().map_err(|e| {
        tracing::error!(error = %e, "the funding panel failed to render");
        PageError::new(StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
    })?;
    let page = render(&FundingPage {
        ctx,
        owner: repo.owner_name.clone(),
        repo: repo.name.clone(),
        number: issue.number,
        title: issue.title.clone(),
        panel,
    });
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, page).into_response())
}

pub async fn page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, i64)>,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let (repo, access, found) = load(&state, &ctx, &owner, &name, index).await?;
    let mut data = panel_data(
        &state,
        &ctx,
        &repo,
        access,
        &found,
        FormErrors::default(),
        None,
    )
    .await?;
    // Coming from a pull request that fixes the issue: the delivery form
    // starts with its commits and a link to it.
    if let Some(number) = query.pull
        && data.maintainer
        && let Some(prefill) = super::pulls::delivery_prefill(&state, &ctx, &repo, number).await?
    {
        data.closing_commits = prefill.commits;
        data.delivery_note = prefill.note;
    }
    render_panel(&ctx, &repo, &found, &data, false)
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    /// A pull request whose commits the delivery form starts with.
    #[serde(default)]
    pull: Option<i64>,
}

/// What the delivery form starts with when the maintainer comes from a
/// pull request that fixes the issue.
pub struct DeliveryPrefill {
    pub commits: String,
    pub note: String,
}

/// After a step: back to the issue's panel on success, with the
/// confirmation the step earned; the funding page with the problem
/// explained next to its field otherwise.
async fn finish(
    state: &AppState,
    ctx: &PageCtx,
    repo: &Repo,
    access: Access,
    found: &Issue,
    result: forge_core::Result<Flash>,
    form: Option<FormValues>,
) -> Result<Response, PageError> {
    match result {
        Ok(done) => {
            let mut response = see_other(&format!(
                "/{}/issues/{}#funding",
                repo.full_name(),
                found.number
            ));
            flash::attach(
                &mut response,
                ctx.flash_key.as_ref(),
                done,
                state.config.secure_cookies(),
            );
            Ok(response)
        }
        Err(forge_core::Error::NotFound(problem)) if problem.key != "error-repo-not-found" => {
            let errors = FormErrors {
                fields: Vec::new(),
                general: Some(ctx.problem(&problem)),
            };
            render_page(state, ctx, repo, access, found, errors, form).await
        }
        Err(e) => {
            let errors = FormErrors::from_error(ctx, e)?;
            render_page(state, ctx, repo, access, found, errors, form).await
        }
    }
}

/// An amount typed in the visitor's notation, in minor units of the
/// currency of the issue's goal, with that currency.
async fn amount_in_goal_currency(
    state: &AppState,
    ctx: &PageCtx,
    issue: &Issue,
    field: &'static str,
    typed: &str,
) -> forge_core::Result<(i64, String)> {
    let goal = funding::goal_of_issue(&state.db, issue.id)
        .await?
        .ok_or_else(|| forge_core::Error::not_found("error-goal-not-found"))?;
    let amount = format::parse_money(ctx.lang, field, typed, &goal.currency)?;
    Ok((amount, goal.currency))
}

macro_rules! signed_in {
    ($ctx:expr) => {
        match $ctx.require_user() {
            Ok(user) => user.clone(),
            Err(redirect) => return Ok(redirect.into_response()),
        }
    };
}

#[derive(Deserialize, Default)]
pub struct GoalForm {
    #[serde(default)]
    budget: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    review_days: String,
    #[serde(default)]
    min_funders: String,
    #[serde(default)]
    acceptance: String,
    #[serde(default)]
    dispute_rule: String,
    #[serde(default)]
    mediator: String,
}

fn optional_number(field: &'static str, text: &str) -> forge_core::Result<Option<i64>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| forge_core::Error::invalid(field, "error-whole-number"))
}

pub async fn put_goal(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, i64)>,
    CsrfForm(form): CsrfForm<GoalForm>,
) -> Result<Response, PageError> {
    let user = signed_in!(ctx);
    let (repo, access, found) = load(&state, &ctx, &owner, &name, index).await?;
    let values = FormValues {
        budget: form.budget.clone(),
        currency: form.currency.clone(),
        deadline: form.deadline.clone(),
        review_days: form.review_days.clone(),
        min_funders: form.min_funders.clone(),
        acceptance: form.acceptance.clone(),
        dispute_rule: form.dispute_rule.clone(),
        mediator: form.mediator.clone(),
        ..FormValues::default()
    };
    let result = async {
        let budget_minor = format::parse_money(ctx.lang, "budget", &form.budget, &form.currency)?;
        let deadline_at = format::end_of_day(&form.deadline)
            .ok_or_else(|| forge_core::Error::invalid("deadline", "error-date-field"))?;
        let input = GoalInput {
            budget_minor,
            currency: form.currency.clone(),
            acceptance: form.acceptance.clone(),
            deadline_at,
            review_days: optional_number("review_days", &form.review_days)?,
            min_funders: optional_number("min_funders", &form.min_funders)?,
        };
        funding::put_goal(&state.db, &user, &repo, &found, input).await?;
        // How disputes are decided: sent only while it may be chosen.
        if !form.dispute_rule.is_empty() || !form.mediator.trim().is_empty() {
            let rule = if form.dispute_rule.is_empty() {
                funding::dispute::DisputeRule::default()
            } else {
                funding::dispute::DisputeRule::parse(&form.dispute_rule)?
            };
            funding::dispute::set_terms(&state.db, &user, &repo, &found, rule, &form.mediator)
                .await?;
        }
        Ok(())
    }
    .await;
    finish(
        &state,
        &ctx,
        &repo,
        access,
        &found,
        result.map(|()| Flash::GoalSaved),
        Some(values),
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct PledgeForm {
    #[serde(default)]
    org: String,
    #[serde(default)]
    amount: String,
}

pub async fn pledge(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, i64)>,
    CsrfForm(form): CsrfForm<PledgeForm>,
) -> Result<Response, PageError> {
    let user = signed_in!(ctx);
    let (repo, access, found) = load(&state, &ctx, &owner, &name, index).await?;
    let values = FormValues {
        amount: form.amount.clone(),
        org: form.org.clone(),
        ..FormValues::default()
    };
    let result = async {
        let (amount_minor, currency) =
            amount_in_goal_currency(&state, &ctx, &found, "amount", &form.amount).await?;
        funding::pledge(
            &state.db,
            &user,
            &repo,
            &found,
            PledgeRequest {
                org: &form.org,
                amount_minor,
                currency: &currency,
                idempotency_key: None,
            },
        )
        .await
        .map(|_| ())
    }
    .await;
    finish(
        &state,
        &ctx,
        &repo,
        access,
        &found,
        result.map(|()| Flash::PledgeRecorded),
        Some(values),
    )
    .await
}

pub async fn withdraw(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index, id)): Path<(String, String, i64, PledgeId)>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    let user = signed_in!(ctx);
    let (repo, access, found) = load(&state, &ctx, &owner, &name, index).await?;
    let result = funding::withdraw(&state.db, &user, &repo, &found, id).await;
    finish(
        &state,
        &ctx,
        &repo,
        access,
        &found,
        result.map(|()| Flash::PledgeWithdrawn),
        None,
    )
    .await
}

pub async fn cancel(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, i64)>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    let user = signed_in!(ctx);
    let (repo, access, found) = load(&state, &ctx, &owner, &name, index).await?;
    let result = funding::cancel(&state.db, &user, &repo, &found).await;
    finish(
        &state,
        &ctx,
        &repo,
        access,
        &found,
        result.map(|()| Flash::GoalCancelled),
        None,
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct DeliverForm {
    #[serde(default)]
    note: String,
    #[serde(default)]
    commits: String,
}

pub async fn deliver(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, i64)>,
    CsrfForm(form): CsrfForm<DeliverForm>,
) -> Result<Response, PageError> {
    let user = signed_in!(ctx);
    let (repo, access, found) = load(&state, &ctx, &owner, &name, index).await?;
    let commits: Vec<String> = form
        .commits
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect();
    let result = funding::deliver(&state.db, &user, &repo, &found, &form.note, &commits).await;
    finish(
        &state,
        &ctx,
        &repo,
        access,
        &found,
        result.map(|()| Flash::DeliveryRecorded),
        None,
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct ReviewForm {
    #[serde(default)]
    org: String,
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    reason: String,
}

pub async fn review(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, i64)>,
    CsrfForm(form): CsrfForm<ReviewForm>,
) -> Result<Response, PageError> {
    let user = signed_in!(ctx);
    let (repo, access, found) = load(&state, &ctx, &owner, &name, index).await?;
    let result = match form.verdict.as_str() {
        "accept" => Ok(Verdict::Accept),
        "object" => Ok(Verdict::Object),
        _ => Err(forge_core::Error::invalid("verdict", "error-verdict")),
    };
    let result = match result {
        Ok(verdict) => {
            funding::review(
                &state.db,
                &user,
                &repo,
                &found,
                &form.org,
                verdict,
                &form.reason,
            )
            .await
        }
        Err(e) => Err(e),
    };
    finish(
        &state,
        &ctx,
        &repo,
        access,
        &found,
        result.map(|()| Flash::ReviewRecorded),
        None,
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct ResolveForm {
    #[serde(default)]
    verdict: String,
}

pub async fn resolve(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, i64)>,
    CsrfForm(form): CsrfForm<ResolveForm>,
) -> Result<Response, PageError> {
    let user = signed_in!(ctx);
    let (repo, access, found) = load(&state, &ctx, &owner, &name, index).await?;
    let result = match form.verdict.as_str() {
        "accept" => funding::resolve(&state.db, &user, &repo, &found, Resolution::Accept).await,
        "reject" => funding::resolve(&state.db, &user, &repo, &found, Resolution::Reject).await,
        _ => Err(forge_core::Error::invalid("verdict", "error-verdict")),
    };
    finish(
        &state,
        &ctx,
        &repo,
        access,
        &found,
        result.map(|()| Flash::ResolutionRecorded),
        None,
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct VoteForm {
    #[serde(default)]
    org: String,
    #[serde(default)]
    vote: String,
}

/// A pledging organisation's vote in a dispute.
pub async fn vote(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, i64)>,
    CsrfForm(form): CsrfForm<VoteForm>,
) -> Result<Response, PageError> {
    let user = signed_in!(ctx);
    let (repo, access, found) = load(&state, &ctx, &owner, &name, index).await?;
    let choice = match form.vote.as_str() {
        "accept" => Ok(Resolution::Accept),
        "reject" => Ok(Resolution::Reject),
        _ => Err(forge_core::Error::invalid("vote", "error-verdict")),
    };
    let result = match choice {
        Ok(choice) => funding::vote(&state.db, &user, &repo, &found, &form.org, choice)
            .await
            .map(|()| Flash::VoteRecorded),
        Err(e) => Err(e),
    };
    finish(&state, &ctx, &repo, access, &found, result, None).await
}

#[derive(Deserialize, Default)]
pub struct PaymentForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reference: String,
}

pub async fn payment(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index, id)): Path<(String, String, i64, PledgeId)>,
    CsrfForm(form): CsrfForm<PaymentForm>,
) -> Result<Response, PageError> {
    let user = signed_in!(ctx);
    let (repo, access, found) = load(&state, &ctx, &owner, &name, index).await?;
    let values = FormValues {
        payment_pledge: Some(id),
        payment_amount: form.amount.clone(),
        payment_reference: form.reference.clone(),
        ..FormValues::default()
    };
    let result = async {
        let (amount_minor, currency) =
            amount_in_goal_currency(&state, &ctx, &found, "amount", &form.amount).await?;
        funding::record_payment(
            &state.db,
            &user,
            &repo,
            &found,
            PaymentRequest {
                pledge: id,
                amount_minor,
                reference: &form.reference,
                idempotency_key: None,
            },
        )
        .await
        .map(|_| ())
        .map_err(|e| payment_error(&ctx, e, &currency))
    }
    .await;
    finish(
        &state,
        &ctx,
        &repo,
        access,
        &found,
        result.map(|()| Flash::PaymentRecorded),
        Some(values),
    )
    .await
}

/// A refused payment, said for its form: the amount's problems under the
/// amount field (`amount_minor` is the API's name for it), and what is
/// still owed in the visitor's notation.
fn payment_error(ctx: &PageCtx, error: forge_core::Error, currency: &str) -> forge_core::Error {
    match error {
        forge_core::Error::Invalid { field, problem } => {
            let field = if field == "amount_minor" {
                "amount"
            } else {
                field
            };
            let problem = if problem.key == "error-payment-too-much" {
                let left = problem
                    .args
                    .iter()
                    .find(|(name, _)| *name == "left_minor")
                    .and_then(|(_, v)| v.parse::<i64>().ok());
                match left {
                    Some(left) => forge_core::Problem::new("error-payment-too-much")
                        .arg("left", format::major_for_display(ctx.lang, left, currency))
                        .arg("currency", currency),
                    None => problem,
                }
            } else {
                problem
            };
            forge_core::Error::Invalid { field, problem }
        }
        other => other,
    }
}
