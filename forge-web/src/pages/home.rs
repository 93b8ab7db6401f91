use crate::AppState;
use crate::context::PageCtx;
use crate::error::PageError;
use crate::views::{OrgRow, render};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use forge_core::org;

#[derive(Template)]
#[template(path = "home.html")]
struct HomeView<'a> {
    ctx: &'a PageCtx,
    orgs: Vec<OrgRow>,
}

pub async fn home(State(state): State<AppState>, ctx: PageCtx) -> Result<Response, PageError> {
    let orgs = match &ctx.user {
        Some(user) => org::of_user(&state.db, user.id)
            .await?
            .into_iter()
            .map(|(o, role)| OrgRow::new(&ctx, &o, Some(role)))
            .collect(),
        None => Vec::new(),
    };
    Ok(render(&HomeView { ctx: &ctx, orgs }))
}
