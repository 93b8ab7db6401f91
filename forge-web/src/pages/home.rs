use crate::AppState;
use crate::context::PageCtx;
use crate::error::PageError;
use crate::format;
use crate::views::{OrgRow, RepoRow, render};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use forge_core::{dashboard, org, repo};

pub struct ReviewRow {
    repo: String,
    number: i64,
    title: String,
    org: String,
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
    }
    Ok(render(&view))
}
