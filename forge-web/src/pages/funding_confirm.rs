//! The pages that ask before an act that cannot be undone: cancelling a
//! funding goal and withdrawing a pledge. Each says in plain words what
//! will happen and offers the form (with its CSRF token) that does it; the
//! act itself is the POST of `pages/funding.rs`.

use super::funding::load;
use crate::AppState;
use crate::context::PageCtx;
use crate::error::PageError;
use crate::format;
use crate::views::render;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use forge_core::funding::{self, GoalState, PledgeState};
use forge_core::ids::PledgeId;

#[derive(Template)]
#[template(path = "funding_confirm.html")]
struct ConfirmView<'a> {
    ctx: &'a PageCtx,
    owner: String,
    repo: String,
    number: i64,
    title: String,
    /// The question, as the page's heading.
    heading: String,
    /// What will happen, one sentence per paragraph.
    consequences: Vec<String>,
    /// Where the form posts.
    action: String,
    submit: String,
    /// Back to the issue's funding panel, changing nothing.
    back: String,
}

macro_rules! signed_in {
    ($ctx:expr) => {
        if let Err(redirect) = $ctx.require_user() {
            return Ok(redirect.into_response());
        }
    };
}

/// Asks before cancelling the goal of an issue.
pub async fn cancel_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, i64)>,
) -> Result<Response, PageError> {
    signed_in!(ctx);
    let (repo, _, found) = load(&state, &ctx, &owner, &name, index).await?;
    let goal = funding::goal_of_issue(&state.db, found.id)
        .await?
        .ok_or_else(PageError::not_found)?;
    let goal = funding::refresh(&state.db, &goal).await?;
    let view = funding::view(&state.db, goal).await?;
    let live: Vec<_> = view
        .pledges
        .iter()
        .filter(|p| matches!(p.state, PledgeState::Active | PledgeState::Committed))
        .collect();
    let total: i64 = live.iter().map(|p| p.amount_minor).sum();
    let mut consequences = vec![if live.is_empty() {
        ctx.t("funding-confirm-cancel-no-pledges")
    } else {
        crate::i18n::catalogue().message(
            ctx.lang,
            "funding-confirm-cancel-pledges",
            &[
                ("count", &live.len().to_string()),
                (
                    "total",
                    &format::money(ctx.lang, total, &view.goal.currency),
                ),
            ],
        )
    }];
    consequences.push(ctx.t("funding-confirm-cancel-final"));
    if !matches!(view.goal.state, GoalState::Open | GoalState::Funded) {
        consequences.push(ctx.t("funding-confirm-cancel-too-late"));
    }
    let base = format!("/{}/issues/{}", repo.full_name(), found.number);
    Ok(render(&ConfirmView {
        ctx: &ctx,
        owner: repo.owner_name.clone(),
        repo: repo.name.clone(),
        number: found.number,
        title: found.title.clone(),
        heading: ctx.t("funding-confirm-cancel-title"),
        consequences,
        action: format!("{base}/funding/cancel"),
        submit: ctx.t("funding-cancel"),
        back: format!("{base}#funding"),
    }))
}

/// Asks before withdrawing a pledge.
pub async fn withdraw_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index, id)): Path<(String, String, i64, PledgeId)>,
) -> Result<Response, PageError> {
    signed_in!(ctx);
    let (repo, _, found) = load(&state, &ctx, &owner, &name, index).await?;
    let goal = funding::goal_of_issue(&state.db, found.id)
        .await?
        .ok_or_else(PageError::not_found)?;
    let pledge = funding::pledges_of(&state.db, goal.id)
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(PageError::not_found)?;
    let org = if pledge.org_full_name.is_empty() {
        pledge.org_name.clone()
    } else {
        pledge.org_full_name.clone()
    };
    let amount = format::money(ctx.lang, pledge.amount_minor, &pledge.currency);
    let consequences = vec![
        crate::i18n::catalogue().message(
            ctx.lang,
            "funding-confirm-withdraw-what",
            &[("org", &org), ("amount", &amount)],
        ),
        ctx.t("funding-confirm-withdraw-again"),
    ];
    let base = format!("/{}/issues/{}", repo.full_name(), found.number);
    Ok(render(&ConfirmView {
        ctx: &ctx,
        owner: repo.owner_name.clone(),
        repo: repo.name.clone(),
        number: found.number,
        title: found.title.clone(),
        heading: ctx.t1("funding-confirm-withdraw-title", "org", &org),
        consequences,
        action: format!("{base}/funding/pledges/{id}/withdraw"),
        submit: ctx.t1("funding-withdraw", "org", &pledge.org_name),
        back: format!("{base}#funding"),
    }))
}
