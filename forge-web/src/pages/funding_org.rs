//! An organisation's pledges page: what it pledged, what it must pay now
//! (with the call for funds of each due share, for its treasurers), and its
//! totals by state. Pledges on private repositories show only to those who
//! may read them.

use super::funding::{money, pledge_state_label};
use crate::AppState;
use crate::context::PageCtx;
use crate::error::PageError;
use crate::views::render;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use forge_core::funding::{self, PledgeState};
use forge_core::ids::PledgeId;
use forge_core::org::{self, Role};
use forge_core::repo::Access;
use serde::Deserialize;

pub struct OrgPledgeRow {
    pub target: String,
    pub repo: String,
    pub number: i64,
    pub title: String,
    pub amount: String,
    pub share: Option<String>,
    pub paid: String,
    pub state_label: String,
    pub goal_state_label: String,
    /// What is still to be paid, for due pledges.
    pub left: Option<String>,
    /// The call for funds of a due share (its page; the PDF is beside it).
    pub call: Option<String>,
}

pub struct TotalRow {
    pub state_label: String,
    pub amount: String,
}

#[derive(Template)]
#[template(path = "funding_org.html")]
struct OrgPledgesView<'a> {
    ctx: &'a PageCtx,
    org: String,
    org_label: String,
    pledges: Vec<OrgPledgeRow>,
    /// Pledges whose share is called for payment and not fully paid.
    due: Vec<OrgPledgeRow>,
    /// The visitor handles the organisation's money.
    treasurer: bool,
    totals: Vec<TotalRow>,
    /// The next page of older pledges.
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct PledgesQuery {
    before: Option<PledgeId>,
}

/// Pledges shown per page of an organisation's pledges.
const PLEDGES_PER_PAGE: i64 = 100;

pub async fn org_pledges(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(name): Path<String>,
    axum::extract::Query(query): axum::extract::Query<PledgesQuery>,
) -> Result<Response, PageError> {
    let found = org::by_name(&state.db, &name)
        .await?
        .ok_or_else(PageError::not_found)?;
    // Private repositories are shown only to whoever may read them; the
    // answer is kept per repository, so it is asked once.
    let mut readable: std::collections::HashMap<forge_core::RepoId, bool> =
        std::collections::HashMap::new();
    let mut may_read = async |id: forge_core::RepoId| -> Result<bool, PageError> {
        if let Some(known) = readable.get(&id) {
            return Ok(*known);
        }
        let answer = match forge_core::repo::find_by_id(&state.db, id).await? {
            Some(r) => {
                forge_core::repo::access(&state.db, ctx.user.as_ref(), &r).await? >= Access::Read
            }
            None => false,
        };
        readable.insert(id, answer);
        Ok(answer)
    };
    let mut totals: Vec<(PledgeState, String, i64)> = Vec::new();
    for total in funding::org_pledge_totals(&state.db, found.id).await? {
        if total.private && !may_read(total.repo_id).await? {
            continue;
        }
        match totals
            .iter_mut()
            .find(|(s, c, _)| *s == total.state && *c == total.currency)
        {
            Some(entry) => entry.2 += total.total_minor,
            None => totals.push((total.state, total.currency.clone(), total.total_minor)),
        }
    }
    let page =
        funding::org_pledges_page(&state.db, found.id, query.before, PLEDGES_PER_PAGE).await?;
    let next = (page.len() as i64 == PLEDGES_PER_PAGE)
        .then(|| {
            page.last()
                .map(|(p, _, _)| format!("/org/{}/pledges?before={}", found.name, p.pledge.id))
        })
        .flatten();
    let row_of = |pledge: &funding::OrgPledge| {
        let p = &pledge.pledge;
        OrgPledgeRow {
            target: format!(
                "/{}/issues/{}#funding",
                pledge.repo_full_name, pledge.issue_number
            ),
            repo: pledge.repo_full_name.clone(),
            number: pledge.issue_number,
            title: pledge.issue_title.clone(),
            amount: money(&ctx, p.amount_minor, &p.currency),
            share: p.share_minor.map(|s| money(&ctx, s, &p.currency)),
            paid: money(&ctx, p.paid_minor, &p.currency),
            state_label: pledge_state_label(&ctx, p.state),
            goal_state_label: ctx.t(&format!("funding-state-{}", pledge.goal_state.as_str())),
            left: (p.state == PledgeState::Due)
                .then(|| money(&ctx, p.share_minor.unwrap_or(0) - p.paid_minor, &p.currency)),
            call: (p.state == PledgeState::Due).then(|| {
                format!(
                    "/{}/issues/{}/funding/pledges/{}/call",
                    pledge.repo_full_name, pledge.issue_number, p.id
                )
            }),
        }
    };
    let mut rows = Vec::new();
    for (pledge, private, repo_id) in page {
        if private && !may_read(repo_id).await? {
            continue;
        }
        rows.push(row_of(&pledge));
    }
    let mut due = Vec::new();
    for (pledge, private, repo_id) in funding::org_payments_due(&state.db, found.id).await? {
        if private && !may_read(repo_id).await? {
            continue;
        }
        due.push(row_of(&pledge));
    }
    let treasurer = match &ctx.user {
        Some(user) => org::role_of(&state.db, found.id, user.id)
            .await?
            .is_some_and(Role::handles_money),
        None => false,
    };
    totals.sort_by_key(|(s, c, _)| (PledgeState::ALL.iter().position(|x| x == s), c.clone()));
    let totals = totals
        .into_iter()
        .map(|(s, c, amount)| TotalRow {
            state_label: pledge_state_label(&ctx, s),
            amount: money(&ctx, amount, &c),
        })
        .collect();
    let org_label = if found.full_name.is_empty() {
        found.name.clone()
    } else {
        found.full_name.clone()
    };
    Ok(render(&OrgPledgesView {
        ctx: &ctx,
        org: found.name,
        org_label,
        pledges: rows,
        due,
        treasurer,
        totals,
        next,
    }))
}
