//! Issues open for funding: in Explore for every public repository, and per
//! repository (a tab of its navigation), filtered by currency, deadline and
//! progress through an ordinary form (query parameters, no JavaScript).

use super::load_repo;
use super::repo_head::RepoHead;
use crate::AppState;
use crate::context::PageCtx;
use crate::error::PageError;
use crate::format;
use crate::views::{render, url_encode};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use forge_core::RepoId;
use forge_core::clock::now_ms;
use forge_core::funding::{self, OpenFilter};
use forge_core::ids::GoalId;
use forge_core::money::CURRENCIES;
use serde::Deserialize;

const PAGE: i64 = 50;

/// The filters, as typed; empty means "any".
#[derive(Deserialize, Default)]
pub struct OpenQuery {
    #[serde(default)]
    currency: String,
    /// Deadline on or before this day, `YYYY-MM-DD`.
    #[serde(default)]
    before: String,
    /// At least this percentage pledged.
    #[serde(default)]
    progress: String,
    /// The keyset of the next page: `DEADLINE-GOAL`.
    #[serde(default)]
    after: String,
}

pub struct OpenRow {
    pub href: String,
    pub repo: String,
    pub number: i64,
    pub title: String,
    pub budget: String,
    pub pledged: String,
    pub progress: i64,
    pub progress_text: String,
    pub funders: i64,
    pub deadline: String,
    pub deadline_iso: String,
}

#[derive(Template)]
#[template(path = "funding_open.html")]
struct OpenView<'a> {
    ctx: &'a PageCtx,
    /// The repository's heading and tabs, on a repository's list.
    head: Option<RepoHead>,
    /// Where the filter form sends its query.
    action: String,
    currencies: Vec<&'static str>,
    currency: String,
    before: String,
    progress: String,
    rows: Vec<OpenRow>,
    next: Option<String>,
}

/// The filters read, or a 400 that says which one could not be.
fn filter_of(query: &OpenQuery, repo: Option<RepoId>) -> Result<OpenFilter, PageError> {
    let bad = || PageError::new(StatusCode::BAD_REQUEST, "error-open-filter");
    let currency = match query.currency.trim() {
        "" => None,
        code => Some(
            forge_core::money::currency(code)
                .map_err(|_| bad())?
                .0
                .to_string(),
        ),
    };
    let deadline_before = match query.before.trim() {
        "" => None,
        day => Some(format::end_of_day(day).ok_or_else(bad)?),
    };
    let min_progress = match query.progress.trim() {
        "" => None,
        p => Some(
            p.parse::<i64>()
                .ok()
                .filter(|p| (0..=100).contains(p))
                .ok_or_else(bad)?,
        ),
    };
    let after = match query.after.trim() {
        "" => None,
        cursor => {
            let (deadline, goal) = cursor.rsplit_once('-').ok_or_else(bad)?;
            Some((
                deadline.parse().map_err(|_| bad())?,
                GoalId(goal.parse().map_err(|_| bad())?),
            ))
        }
    };
    Ok(OpenFilter {
        repo,
        currency,
        deadline_before,
        min_progress,
        after,
        limit: PAGE,
    })
}

async fn list(
    state: &AppState,
    ctx: &PageCtx,
    head: Option<RepoHead>,
    action: String,
    query: OpenQuery,
    repo: Option<RepoId>,
) -> Result<Response, PageError> {
    let filter = filter_of(&query, repo)?;
    let goals = funding::open_goals(&state.db, &filter, now_ms()).await?;
    let next = (goals.len() as i64 == PAGE)
        .then(|| {
            goals.last().map(|g| {
                format!(
                    "{action}?currency={}&before={}&progress={}&after={}-{}",
                    url_encode(&query.currency),
                    url_encode(&query.before),
                    url_encode(&query.progress),
                    g.deadline_at,
                    g.goal_id
                )
            })
        })
        .flatten();
    let rows = goals
        .iter()
        .map(|g| {
            let money = |minor: i64| format::money(ctx.lang, minor, &g.currency);
            let progress = g.progress_percent();
            OpenRow {
                href: format!("/{}/issues/{}#funding", g.repo_full_name, g.issue_number),
                repo: g.repo_full_name.clone(),
                number: g.issue_number,
                title: g.issue_title.clone(),
                budget: money(g.budget_minor),
                pledged: money(g.pledged_minor),
                progress,
                progress_text: ctx.t1("open-progress", "percent", &progress.to_string()),
                funders: g.funders,
                deadline: format::long_date(ctx.lang, g.deadline_at),
                deadline_iso: forge_core::clock::rfc3339(g.deadline_at),
            }
        })
        .collect();
    Ok(render(&OpenView {
        ctx,
        head,
        action,
        currencies: CURRENCIES.iter().map(|(c, _)| *c).collect(),
        currency: filter.currency.unwrap_or_default(),
        before: query.before.trim().to_string(),
        progress: filter
            .min_progress
            .map(|p| p.to_string())
            .unwrap_or_default(),
        rows,
        next,
    }))
}

/// Every public repository's issues open for funding.
pub async fn explore(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(query): Query<OpenQuery>,
) -> Result<Response, PageError> {
    list(&state, &ctx, None, "/explore/funding".into(), query, None).await
}

/// One repository's issues open for funding.
pub async fn repo(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
    Query(query): Query<OpenQuery>,
) -> Result<Response, PageError> {
    let (repo, access) = load_repo(&state, &ctx, &owner, &name).await?;
    let head = RepoHead::new(&state, &repo, access, "funding");
    let action = format!("/{}/funding/open", repo.full_name());
    list(&state, &ctx, Some(head), action, query, Some(repo.id)).await
}
