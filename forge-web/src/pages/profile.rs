//! The page at `/{name}`: a user's profile or an organisation's page.

use crate::AppState;
use crate::context::PageCtx;
use crate::error::PageError;
use crate::views::{FormErrors, OrgRow, RepoRow, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use forge_core::org::{self, Org, Role};
use forge_core::{AccountId, repo, user};

#[derive(Template)]
#[template(path = "user.html")]
struct UserView<'a> {
    ctx: &'a PageCtx,
    name: String,
    full_name: String,
    orgs: Vec<OrgRow>,
    repos: Vec<RepoRow>,
    /// The visitor may create repositories here.
    can_create: bool,
}

struct MemberRow {
    name: String,
    full_name: String,
    role: &'static str,
    role_label: String,
}

#[derive(Template)]
#[template(path = "org.html")]
struct OrgView<'a> {
    ctx: &'a PageCtx,
    org: OrgRow,
    description: String,
    website: String,
    members: Vec<MemberRow>,
    /// The visitor may add, change and remove members.
    manages: bool,
    roles: Vec<(&'static str, String)>,
    errors: FormErrors,
    new_member: String,
    repos: Vec<RepoRow>,
    can_create: bool,
    /// Its owners and treasurers must use two-factor sign-in.
    two_factor_required: bool,
}

async fn repos_of(
    state: &AppState,
    ctx: &PageCtx,
    owner: AccountId,
) -> Result<Vec<RepoRow>, PageError> {
    Ok(repo::list_for_owner(&state.db, ctx.user.as_ref(), owner)
        .await?
        .iter()
        .map(RepoRow::new)
        .collect())
}

pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(name): Path<String>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Result<Response, PageError> {
    // `/{name}.atom`: the account's activity feed, as Gitea names it.
    if let Some(feed_of) = name.strip_suffix(".atom") {
        return super::feeds::user_feed(&state, &ctx, feed_of, query.as_deref()).await;
    }
    if let Some(org) = org::by_name(&state.db, &name).await? {
        return org_page(&state, &ctx, &org, FormErrors::default(), String::new()).await;
    }
    let found = user::by_name(&state.db, &name)
        .await?
        .ok_or_else(PageError::not_found)?;
    let orgs = org::of_user(&state.db, found.id)
        .await?
        .into_iter()
        .map(|(o, role)| OrgRow::new(&ctx, &o, Some(role)))
        .collect();
    let repos = repos_of(&state, &ctx, found.id.into()).await?;
    let can_create = ctx
        .user
        .as_ref()
        .is_some_and(|u| u.id == found.id || u.is_admin);
    Ok(render(&UserView {
        ctx: &ctx,
        name: found.name,
        full_name: found.full_name,
        orgs,
        repos,
        can_create,
    }))
}

pub async fn org_page(
    state: &AppState,
    ctx: &PageCtx,
    org: &Org,
    errors: FormErrors,
    new_member: String,
) -> Result<Response, PageError> {
    let members = org::members(&state.db, org.id).await?;
    let manages = match &ctx.user {
        Some(user) => {
            user.is_admin
                || members
                    .iter()
                    .any(|m| m.user_id == user.id && m.role == Role::Owner)
        }
        None => false,
    };
    let can_create = match &ctx.user {
        Some(user) => {
            user.is_admin
                || members
                    .iter()
                    .any(|m| m.user_id == user.id && m.role.maintains())
        }
        None => false,
    };
    let members = members
        .into_iter()
        .map(|m| MemberRow {
            name: m.name,
            full_name: m.full_name,
            role: m.role.as_str(),
            role_label: ctx.t(&format!("role-{}", m.role.as_str())),
        })
        .collect();
    let roles = Role::ALL
        .iter()
        .map(|r| (r.as_str(), ctx.t(&format!("role-{}", r.as_str()))))
        .collect();
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = render(&OrgView {
        ctx,
        org: OrgRow::new(ctx, org, None),
        description: org.description.clone(),
        website: org.website.clone(),
        members,
        manages,
        roles,
        errors,
        new_member,
        repos: repos_of(state, ctx, org.id.into()).await?,
        can_create,
        two_factor_required: forge_core::two_factor_policy::org_required(&state.db, org.id).await?,
    });
    Ok((status, page).into_response())
}
