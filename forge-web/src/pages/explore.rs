//! The explore pages: public repositories and organisations, with search.

use crate::AppState;
use crate::context::PageCtx;
use crate::error::PageError;
use crate::views::{render, url_encode};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use forge_core::dashboard::{self, Listed};
use serde::Deserialize;

const PAGE: i64 = 30;

#[derive(Deserialize)]
pub struct ExploreQuery {
    #[serde(default)]
    q: String,
    after: Option<i64>,
}

#[derive(Template)]
#[template(path = "explore.html")]
struct ExploreView<'a> {
    ctx: &'a PageCtx,
    /// `repos` or `organizations`.
    tab: &'static str,
    q: String,
    items: Vec<Listed>,
    next: Option<String>,
}

async fn explore(
    ctx: PageCtx,
    tab: &'static str,
    query: ExploreQuery,
    items: Vec<Listed>,
) -> Response {
    let next = (items.len() as i64 == PAGE)
        .then(|| {
            items
                .last()
                .map(|l| format!("/explore/{tab}?q={}&after={}", url_encode(&query.q), l.id))
        })
        .flatten();
    render(&ExploreView {
        ctx: &ctx,
        tab,
        q: query.q,
        items,
        next,
    })
}

pub async fn repos(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(query): Query<ExploreQuery>,
) -> Result<Response, PageError> {
    let items = dashboard::public_repos(&state.db, &query.q, query.after, PAGE).await?;
    Ok(explore(ctx, "repos", query, items).await)
}

pub async fn organisations(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(query): Query<ExploreQuery>,
) -> Result<Response, PageError> {
    let items = dashboard::organisations(&state.db, &query.q, query.after, PAGE).await?;
    Ok(explore(ctx, "organizations", query, items).await)
}
