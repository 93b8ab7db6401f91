//! The list of a repository's funding goals (`/{owner}/{repo}/funding`).

use super::funding::money;
use super::load_repo;
use crate::AppState;
use crate::context::PageCtx;
use crate::error::PageError;
use crate::format;
use crate::views::render;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use forge_core::funding;

pub struct GoalListRow {
    pub number: i64,
    pub title: String,
    pub state_label: String,
    pub budget: String,
    pub pledged: String,
    pub deadline: String,
}

#[derive(Template)]
#[template(path = "funding_repo.html")]
struct RepoGoalsView<'a> {
    ctx: &'a PageCtx,
    owner: String,
    repo: String,
    goals: Vec<GoalListRow>,
}

pub async fn repo_goals(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (repo, _) = load_repo(&state, &ctx, &owner, &name).await?;
    let goals = funding::goals_of_repo(&state.db, repo.id)
        .await?
        .into_iter()
        .map(|(goal, number, title, pledged)| GoalListRow {
            number,
            title,
            state_label: ctx.t(&format!("funding-state-{}", goal.state.as_str())),
            budget: money(&ctx, goal.budget_minor, &goal.currency),
            pledged: money(&ctx, pledged, &goal.currency),
            deadline: format::long_date(ctx.lang, goal.deadline_at),
        })
        .collect();
    Ok(render(&RepoGoalsView {
        ctx: &ctx,
        owner: repo.owner_name.clone(),
        repo: repo.name.clone(),
        goals,
    }))
}
