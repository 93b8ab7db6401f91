//! A goal's ledger for people: each money event in a sentence in the
//! visitor's language, with amounts in major units and dates in words, and
//! the same entries as a spreadsheet in that language. The JSON and CSV of
//! the API stay as programs expect them.

use super::funding::load;
use crate::AppState;
use crate::context::PageCtx;
use crate::error::PageError;
use crate::format;
use crate::i18n;
use crate::spreadsheet::Sheet;
use crate::views::render;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use forge_core::funding::ledger::{Bucket, Entry};
use forge_core::funding::{self, Goal, ledger};
use forge_core::ids::{PaymentId, PledgeId};
use forge_core::issue::Issue;
use std::collections::HashMap;

pub struct EventRow {
    pub date: String,
    pub iso: String,
    pub sentence: String,
    pub by: String,
}

#[derive(Template)]
#[template(path = "funding_ledger.html")]
struct LedgerView<'a> {
    ctx: &'a PageCtx,
    owner: String,
    repo: String,
    number: i64,
    title: String,
    base: String,
    api_base: String,
    events: Vec<EventRow>,
}

/// What the sentences need besides the entries: organisations by pledge
/// and by ledger account, payment references.
struct Names {
    by_pledge: HashMap<PledgeId, String>,
    by_account: HashMap<String, String>,
    references: HashMap<PaymentId, String>,
}

async fn names(state: &AppState, goal: &Goal) -> Result<Names, PageError> {
    let pledges = funding::pledges_of(&state.db, goal.id).await?;
    let label = |name: &str, full: &str| {
        if full.is_empty() {
            name.to_string()
        } else {
            full.to_string()
        }
    };
    Ok(Names {
        by_pledge: pledges
            .iter()
            .map(|p| (p.id, label(&p.org_name, &p.org_full_name)))
            .collect(),
        by_account: pledges
            .iter()
            .map(|p| (ledger::org_account(p.org_id), p.org_name.clone()))
            .collect(),
        references: funding::payments(&state.db, goal.id)
            .await?
            .into_iter()
            .map(|p| (p.id, p.reference))
            .collect(),
    })
}

async fn goal_of(state: &AppState, issue: &Issue) -> Result<Goal, PageError> {
    let goal = funding::goal_of_issue(&state.db, issue.id)
        .await?
        .ok_or_else(PageError::not_found)?;
    Ok(funding::refresh(&state.db, &goal).await?)
}

/// One money event (the entries of one ledger transaction) in a sentence.
fn sentence(ctx: &PageCtx, goal: &Goal, names: &Names, lines: &[&Entry]) -> String {
    let Some(first) = lines.first() else {
        return String::new();
    };
    let money = |minor: i64| format::money(ctx.lang, minor, &goal.currency);
    let org = first
        .pledge_id
        .and_then(|id| names.by_pledge.get(&id).cloned())
        .unwrap_or_default();
    let org_account = lines
        .iter()
        .find(|e| e.account.starts_with("org:"))
        .map(|e| e.account.clone());
    let total: i64 = lines.iter().map(|e| e.debit_minor).sum();
    let credited_to = |account: &str| -> i64 {
        lines
            .iter()
            .filter(|e| e.account == account)
            .map(|e| e.credit_minor)
            .sum()
    };
    let message = |key: &str, args: &[(&str, &str)]| i18n::catalogue().message(ctx.lang, key, args);
    match first.event.as_str() {
        "pledge" => message("ledger-pledge", &[("org", &org), ("amount", &money(total))]),
        "pledge_change" => {
            let lowered = org_account.as_deref().is_some_and(|a| credited_to(a) > 0);
            let key = if lowered {
                "ledger-pledge-lower"
            } else {
                "ledger-pledge-raise"
            };
            message(key, &[("org", &org), ("amount", &money(total))])
        }
        "withdrawal" => message(
            "ledger-withdrawal",
            &[("org", &org), ("amount", &money(total))],
        ),
        "release" => message(
            "ledger-release",
            &[("org", &org), ("amount", &money(total))],
        ),
        "commitment" => {
            let share = credited_to(&ledger::goal_account(goal.id, Bucket::Committed));
            let rest = org_account.as_deref().map_or(0, credited_to);
            if rest > 0 {
                message(
                    "ledger-commitment-rest",
                    &[
                        ("org", &org),
                        ("share", &money(share)),
                        ("rest", &money(rest)),
                    ],
                )
            } else {
                message(
                    "ledger-commitment",
                    &[("org", &org), ("share", &money(share))],
                )
            }
        }
        "call" => message("ledger-call", &[("org", &org), ("amount", &money(total))]),
        "payment" | "correction" => {
            let reference = first
                .payment_id
                .and_then(|id| names.references.get(&id).cloned())
                .unwrap_or_default();
            let key = if first.event == "payment" {
                "ledger-payment"
            } else {
                "ledger-correction"
            };
            message(
                key,
                &[
                    ("org", &org),
                    ("amount", &money(total)),
                    ("reference", &reference),
                ],
            )
        }
        other => other.to_string(),
    }
}

/// The entries grouped by ledger transaction, in order.
fn transactions(entries: &[Entry]) -> Vec<Vec<&Entry>> {
    let mut out: Vec<Vec<&Entry>> = Vec::new();
    for entry in entries {
        match out.last_mut() {
            Some(group) if group.first().is_some_and(|e| e.txn == entry.txn) => group.push(entry),
            _ => out.push(vec![entry]),
        }
    }
    out
}

pub async fn page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, i64)>,
) -> Result<Response, PageError> {
    let (repo, _, found) = load(&state, &ctx, &owner, &name, index).await?;
    let goal = goal_of(&state, &found).await?;
    let names = names(&state, &goal).await?;
    let entries = ledger::entries(&state.db, goal.id).await?;
    let events = transactions(&entries)
        .iter()
        .map(|lines| EventRow {
            date: format::long_date(ctx.lang, lines[0].created_at),
            iso: forge_core::clock::rfc3339(lines[0].created_at),
            sentence: sentence(&ctx, &goal, &names, lines),
            by: lines[0].actor.clone().unwrap_or_default(),
        })
        .collect();
    let base = format!("/{}/issues/{}/funding", repo.full_name(), found.number);
    Ok(render(&LedgerView {
        ctx: &ctx,
        owner: repo.owner_name.clone(),
        repo: repo.name.clone(),
        number: found.number,
        title: found.title.clone(),
        api_base: format!("/api/v1{}", base.replacen('/', "/repos/", 1)),
        base,
        events,
    }))
}

/// The ledger's entries as a spreadsheet in the visitor's language.
pub async fn csv(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, i64)>,
) -> Result<Response, PageError> {
    let (repo, _, found) = load(&state, &ctx, &owner, &name, index).await?;
    let goal = goal_of(&state, &found).await?;
    let names = names(&state, &goal).await?;
    let entries = ledger::entries(&state.db, goal.id).await?;
    let mut sheet = Sheet::new(ctx.lang);
    sheet.row(
        &[
            "ledger-csv-date",
            "ledger-csv-event",
            "ledger-csv-description",
            "ledger-csv-account",
            "ledger-csv-org",
            "ledger-csv-debit",
            "ledger-csv-credit",
            "ledger-csv-currency",
            "ledger-csv-reference",
            "ledger-csv-by",
        ]
        .map(|key| ctx.t(key)),
    );
    for lines in transactions(&entries) {
        let described = sentence(&ctx, &goal, &names, &lines);
        for e in lines {
            let reference = e
                .payment_id
                .and_then(|id| names.references.get(&id).cloned())
                .unwrap_or_default();
            sheet.row(&[
                format::date_input(e.created_at),
                ctx.t(&format!("ledger-event-{}", e.event)),
                Sheet::text(&described),
                e.account.clone(),
                Sheet::text(
                    &names
                        .by_account
                        .get(&e.account)
                        .cloned()
                        .unwrap_or_default(),
                ),
                sheet.amount(e.debit_minor, &e.currency),
                sheet.amount(e.credit_minor, &e.currency),
                e.currency.clone(),
                Sheet::text(&reference),
                e.actor.clone().unwrap_or_default(),
            ]);
        }
    }
    let filename = format!(
        "{}-{}-{}-{}.csv",
        repo.owner_name,
        repo.name,
        found.number,
        ctx.t("ledger-csv-filename")
    );
    Ok(sheet.into_response(&filename))
}

/// An organisation's pledges as a spreadsheet in the visitor's language;
/// pledges on private repositories only for who may read them.
pub async fn org_pledges_csv(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(name): Path<String>,
) -> Result<Response, PageError> {
    let found = forge_core::org::by_name(&state.db, &name)
        .await?
        .ok_or_else(PageError::not_found)?;
    let mut readable: HashMap<forge_core::RepoId, bool> = HashMap::new();
    let mut sheet = Sheet::new(ctx.lang);
    sheet.row(
        &[
            "pledges-csv-repository",
            "pledges-csv-issue",
            "pledges-csv-title",
            "pledges-csv-state",
            "pledges-csv-goal-state",
            "pledges-csv-pledge",
            "pledges-csv-share",
            "pledges-csv-paid",
            "pledges-csv-left",
            "ledger-csv-currency",
            "ledger-csv-date",
        ]
        .map(|key| ctx.t(key)),
    );
    for (row, private, repo_id) in
        funding::org_pledges_page(&state.db, found.id, None, i64::MAX).await?
    {
        if private {
            let allowed = match readable.get(&repo_id) {
                Some(known) => *known,
                None => {
                    let answer = match forge_core::repo::find_by_id(&state.db, repo_id).await? {
                        Some(repo) => {
                            forge_core::repo::access(&state.db, ctx.user.as_ref(), &repo).await?
                                >= forge_core::repo::Access::Read
                        }
                        None => false,
                    };
                    readable.insert(repo_id, answer);
                    answer
                }
            };
            if !allowed {
                continue;
            }
        }
        let p = &row.pledge;
        let left = if p.state == forge_core::funding::PledgeState::Due {
            p.share_minor.unwrap_or(0) - p.paid_minor
        } else {
            0
        };
        sheet.row(&[
            row.repo_full_name.clone(),
            row.issue_number.to_string(),
            Sheet::text(&row.issue_title),
            ctx.t(&format!("pledge-state-{}", p.state.as_str())),
            ctx.t(&format!("funding-state-{}", row.goal_state.as_str())),
            sheet.amount(p.amount_minor, &p.currency),
            p.share_minor
                .map(|s| sheet.amount(s, &p.currency))
                .unwrap_or_default(),
            sheet.amount(p.paid_minor, &p.currency),
            sheet.amount(left, &p.currency),
            p.currency.clone(),
            format::date_input(p.created_at),
        ]);
    }
    let filename = format!("{}-{}.csv", found.name, ctx.t("pledges-csv-filename"));
    Ok(sheet.into_response(&filename))
}
