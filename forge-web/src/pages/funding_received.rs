//! What the receiving side of funding sees: the shares it is owed and the
//! payments it has received, across its repositories. Shown only to the
//! account itself: the user, or an organisation's owners and treasurers.

use crate::AppState;
use crate::context::PageCtx;
use crate::error::PageError;
use crate::format;
use crate::views::render;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use forge_core::account::{self, AccountKind};
use forge_core::funding::{self, PledgeState};
use forge_core::org::{self, Role};

pub struct ReceivedRow {
    pub target: String,
    pub repo: String,
    pub number: i64,
    pub title: String,
    pub org: String,
    pub share: String,
    pub paid: String,
    /// What is still owed, when something is.
    pub left: Option<String>,
}

pub struct CurrencyTotal {
    pub currency: String,
    pub owed: String,
    pub received: String,
}

#[derive(Template)]
#[template(path = "funding_received.html")]
struct ReceivedView<'a> {
    ctx: &'a PageCtx,
    name: String,
    /// What is still owed, then what has been paid in full: each with its
    /// heading.
    sections: Vec<(String, Vec<ReceivedRow>)>,
    totals: Vec<CurrencyTotal>,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(name): Path<String>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let found = account::by_name(&state.db, &name)
        .await?
        .ok_or_else(PageError::not_found)?;
    let allowed = match found.kind {
        AccountKind::User => found.id.0 == user.id.0,
        AccountKind::Org => org::role_of(&state.db, forge_core::OrgId(found.id.0), user.id)
            .await?
            .is_some_and(Role::handles_money),
    };
    if !allowed {
        return Err(PageError::not_found());
    }
    let mut owed = Vec::new();
    let mut received = Vec::new();
    let mut sums: Vec<(String, i64, i64)> = Vec::new();
    for (row, _, _) in funding::owed_to(&state.db, found.id).await? {
        let p = &row.pledge;
        let share = p.share_minor.unwrap_or(0);
        let left = if p.state == PledgeState::Due {
            share - p.paid_minor
        } else {
            0
        };
        match sums.iter_mut().find(|(c, ..)| *c == p.currency) {
            Some(sum) => {
                sum.1 += left;
                sum.2 += p.paid_minor;
            }
            None => sums.push((p.currency.clone(), left, p.paid_minor)),
        }
        let money = |minor: i64| format::money(ctx.lang, minor, &p.currency);
        let shown = ReceivedRow {
            target: format!(
                "/{}/issues/{}#funding",
                row.repo_full_name, row.issue_number
            ),
            repo: row.repo_full_name.clone(),
            number: row.issue_number,
            title: row.issue_title.clone(),
            org: if p.org_full_name.is_empty() {
                p.org_name.clone()
            } else {
                p.org_full_name.clone()
            },
            share: money(share),
            paid: money(p.paid_minor),
            left: (left > 0).then(|| money(left)),
        };
        if left > 0 {
            owed.push(shown);
        } else {
            received.push(shown);
        }
    }
    let totals = sums
        .into_iter()
        .map(|(currency, left, paid)| CurrencyTotal {
            owed: format::money(ctx.lang, left, &currency),
            received: format::money(ctx.lang, paid, &currency),
            currency,
        })
        .collect();
    Ok(render(&ReceivedView {
        ctx: &ctx,
        name: found.name,
        sections: vec![
            (ctx.t("received-owed"), owed),
            (ctx.t("received-paid"), received),
        ],
        totals,
    }))
}
