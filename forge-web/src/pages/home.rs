use crate::AppState;
use crate::context::PageCtx;
use crate::error::PageError;
use crate::format;
use crate::views::{OrgRow, RepoRow, render};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use forge_core::clock::now_ms;
use forge_core::funding::{self, OrgPledge};
use forge_core::org::{Org, Role};
use forge_core::repo::Access;
use forge_core::user::User;
use forge_core::{AccountId, RepoId, dashboard, org, repo};

/// Payments due from the organisations where the user handles money, and
/// due to them or to the user; private repositories only when readable.
async fn payments(
    state: &AppState,
    ctx: &PageCtx,
    user: &User,
    memberships: &[(Org, Role)],
) -> Result<Vec<PaymentRow>, PageError> {
    let mut found: Vec<(OrgPledge, bool, RepoId, bool)> = Vec::new();
    for (o, _) in memberships.iter().filter(|(_, role)| role.handles_money()) {
        for (pledge, private, repo_id) in funding::org_payments_due(&state.db, o.id).await? {
            found.push((pledge, private, repo_id, false));
        }
        for (pledge, private, repo_id) in funding::owed_to(&state.db, o.id.into()).await? {
            found.push((pledge, private, repo_id, true));
        }
    }
    for (pledge, private, repo_id) in funding::owed_to(&state.db, AccountId::from(user.id)).await? {
        found.push((pledge, private, repo_id, true));
    }
    let mut rows = Vec::new();
    for (p, private, repo_id, incoming) in found {
        if p.pledge.state != funding::PledgeState::Due {
            continue;
        }
        if private {
            let readable = match repo::find_by_id(&state.db, repo_id).await? {
                Some(r) => repo::access(&state.db, Some(user), &r).await? >= Access::Read,
                None => false,
            };
            if !readable {
                continue;
            }
        }
        let left = p.pledge.share_minor.unwrap_or(0) - p.pledge.paid_minor;
        rows.push(PaymentRow {
            repo: p.repo_full_name,
            number: p.issue_number,
            title: p.issue_title,
            org: p.pledge.org_name,
            amount: format::money(ctx.lang, left, &p.pledge.currency),
            incoming,
        });
    }
    Ok(rows)
}

pub struct ReviewRow {
    repo: String,
    number: i64,
    title: String,
    org: String,
    until: String,
}

/// A payment due from or to one of the user's organisations (or to them).
pub struct PaymentRow {
    repo: String,
    number: i64,
    title: String,
    /// The paying organisation.
    org: String,
    /// What is left to pay.
    amount: String,
    /// Owed to the user's side (else owed by it).
    incoming: bool,
}

/// A goal open for pledges in a watched repository.
pub struct GoalRow {
    repo: String,
    number: i64,
    title: String,
    pledged: String,
    budget: String,
    until: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomeView<'a> {
    ctx: &'a PageCtx,
    orgs: Vec<OrgRow>,
    repos: Vec<RepoRow>,
    assigned: Vec<dashboard::IssueLink>,
    reviews: Vec<ReviewRow>,
    payments: Vec<PaymentRow>,
    goals: Vec<GoalRow>,
    /// The admin has not finished the first-run page.
    setup_needed: bool,
}

pub async fn home(State(state): State<AppState>, ctx: PageCtx) -> Result<Response, PageError> {
    let mut view = HomeView {
        ctx: &ctx,
        orgs: Vec::new(),
        repos: Vec::new(),
        assigned: Vec::new(),
        reviews: Vec::new(),
        payments: Vec::new(),
        goals: Vec::new(),
        setup_needed: super::setup::needed(&state, &ctx).await?,
    };
    if let Some(user) = &ctx.user {
        let memberships = org::of_user(&state.db, user.id).await?;
        for found in repo::list_for_owner(&state.db, Some(user), user.id.into()).await? {
            view.repos.push(RepoRow::new(&found));
        }
        for (o, _) in &memberships {
            for found in repo::list_for_owner(&state.db, Some(user), o.id.into()).await? {
                view.repos.push(RepoRow::new(&found));
            }
        }
        view.orgs = memberships
            .iter()
            .map(|(o, role)| OrgRow::new(&ctx, o, Some(*role)))
            .collect();
        view.assigned = dashboard::assigned_issues(&state.db, user, 20).await?;
        view.reviews = dashboard::reviews_awaiting(&state.db, user)
            .await?
            .into_iter()
            .map(|r| ReviewRow {
                repo: r.repo,
                number: r.number,
                title: r.title,
                org: r.org,
                until: format::long_date(ctx.lang, r.review_ends_at),
            })
            .collect();
        view.payments = payments(&state, &ctx, user, &memberships).await?;
        view.goals = dashboard::open_goals_watched(&state.db, user, now_ms(), 20)
            .await?
            .into_iter()
            .map(|g| GoalRow {
                repo: g.repo,
                number: g.number,
                title: g.title,
                pledged: format::money(ctx.lang, g.pledged_minor, &g.currency),
                budget: format::money(ctx.lang, g.budget_minor, &g.currency),
                until: format::long_date(ctx.lang, g.deadline_at),
            })
            .collect();
    }
    Ok(render(&view))
}
