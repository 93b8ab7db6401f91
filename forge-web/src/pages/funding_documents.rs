//! Calls for funds and receipts, as printable pages and as PDF, and what
//! the funding panel shows of them: the payee's details to those who owe
//! money, and each document with the reference to quote on the transfer;
//! and the panel's part about disputes (the rule, the mediator, the votes).
//!
//! Only the receiving side and the paying organisation's owners and
//! treasurers see a document; everyone else gets "not found".

use super::load_repo;
use crate::AppState;
use crate::context::PageCtx;
use crate::error::PageError;
use crate::format;
use crate::pdf::{self, PrintedDocument, Section};
use crate::views::render;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use forge_core::funding::dispute::{self, DisputeRule};
use forge_core::funding::document::{self, DocumentDetails, DocumentKind};
use forge_core::funding::payee;
use forge_core::funding::{self, GoalState, GoalView, PledgeState};
use forge_core::issue;
use forge_core::org;
use forge_core::repo::Repo;

pub fn router() -> Router<AppState> {
    let base = "/{owner}/{repo}/issues/{index}/funding";
    Router::new()
        .route(&format!("{base}/pledges/{{id}}/call"), get(call_page))
        .route(&format!("{base}/pledges/{{id}}/call.pdf"), get(call_pdf))
        .route(
            &format!("{base}/payments/{{id}}/receipt"),
            get(receipt_page),
        )
        .route(
            &format!("{base}/payments/{{id}}/receipt.pdf"),
            get(receipt_pdf),
        )
}

/// The payee's details as the panel shows them.
pub struct PayeeRow {
    pub legal_name: String,
    pub address: String,
    pub iban: String,
    pub bic: String,
    pub note: String,
}

/// A document listed on the panel.
pub struct DocumentRow {
    pub label: String,
    pub org: String,
    pub reference: String,
    /// The payer's bank reference, for a receipt.
    pub bank_reference: String,
    pub href: String,
}

/// What the panel adds about payees and documents, for one visitor.
#[derive(Default)]
pub struct PanelExtra {
    /// The payee's details, to those who may see them.
    pub payee: Option<PayeeRow>,
    /// The visitor may see the details, but there are none yet.
    pub payee_missing: bool,
    /// The visitor manages the receiving account: where to edit the
    /// details.
    pub payee_edit: Option<String>,
    pub documents: Vec<DocumentRow>,
    /// How disputes are decided, the votes, and what the visitor may do.
    pub dispute: DisputePanel,
}

/// What the panel says about disputes.
#[derive(Default)]
pub struct DisputePanel {
    /// The rule, in words, and as the form sends it.
    pub rule: String,
    pub rule_code: &'static str,
    /// The mediator's name; empty: the site's administrators.
    pub mediator: String,
    pub vote_ends: Option<String>,
    /// Organisation, vote in words, weight (its share).
    pub votes: Vec<(String, String, String)>,
    /// The visitor's organisations that may vote now.
    pub voters: Vec<String>,
    pub may_mediate: bool,
    /// The choices of the goal form: value, words, chosen.
    pub rules: Vec<(&'static str, String)>,
}

/// The dispute part of the panel.
async fn dispute_panel(
    state: &AppState,
    ctx: &PageCtx,
    view: Option<&GoalView>,
) -> Result<DisputePanel, PageError> {
    let mut panel = DisputePanel {
        rules: DisputeRule::ALL
            .iter()
            .map(|r| (r.as_str(), ctx.t(&format!("dispute-rule-{}", r.as_str()))))
            .collect(),
        ..DisputePanel::default()
    };
    let Some(view) = view else {
        panel.rule = ctx.t("dispute-rule-majority");
        panel.rule_code = DisputeRule::default().as_str();
        return Ok(panel);
    };
    let db = &state.db;
    let goal = &view.goal;
    let terms = dispute::terms_of(db, goal.id).await?;
    panel.rule = ctx.t(&format!("dispute-rule-{}", terms.rule.as_str()));
    panel.rule_code = terms.rule.as_str();
    panel.mediator = terms.mediator.map(|(_, name)| name).unwrap_or_default();
    if goal.state != GoalState::Disputed {
        return Ok(panel);
    }
    panel.vote_ends = terms.vote_ends_at.map(|ms| format::long_date(ctx.lang, ms));
    let votes = dispute::votes(db, goal.id).await?;
    panel.votes = votes
        .iter()
        .map(|v| {
            (
                v.org_name.clone(),
                ctx.t(if v.accept {
                    "dispute-vote-accept"
                } else {
                    "dispute-vote-reject"
                }),
                format::money(ctx.lang, v.weight, &goal.currency),
            )
        })
        .collect();
    if let Some(user) = &ctx.user {
        let mut mine = Vec::new();
        for (o, role) in org::of_user(db, user.id).await? {
            if role.handles_money() {
                mine.push(o.id);
            }
        }
        panel.voters = view
            .pledges
            .iter()
            .filter(|p| p.state == PledgeState::Committed && mine.contains(&p.org_id))
            .map(|p| p.org_name.clone())
            .collect();
        panel.may_mediate = dispute::may_mediate(db, user, goal).await?;
    }
    Ok(panel)
}

/// The panel's part about payees and documents.
pub async fn panel_extra(
    state: &AppState,
    ctx: &PageCtx,
    repo: &Repo,
    base: &str,
    view: Option<&GoalView>,
) -> Result<PanelExtra, PageError> {
    let dispute = dispute_panel(state, ctx, view).await?;
    let (Some(user), Some(view)) = (&ctx.user, view) else {
        return Ok(PanelExtra {
            dispute,
            ..PanelExtra::default()
        });
    };
    let db = &state.db;
    let mut extra = PanelExtra {
        dispute,
        ..PanelExtra::default()
    };
    let manages = payee::manages(db, user, repo.owner_id).await?;
    if manages {
        extra.payee_edit = Some(if repo.owner_is_org {
            format!("/org/{}/payee", repo.owner_name)
        } else {
            "/user/settings/payee".into()
        });
    }
    if payee::may_see(db, Some(user), repo.owner_id).await? {
        match payee::get(db, repo.owner_id).await? {
            Some(found) => {
                extra.payee = Some(PayeeRow {
                    iban: found.iban_grouped(),
                    legal_name: found.legal_name,
                    address: found.address,
                    bic: found.bic,
                    note: found.note,
                })
            }
            None => extra.payee_missing = true,
        }
    }
    let mut mine = Vec::new();
    for (o, role) in org::of_user(db, user.id).await? {
        if role.handles_money() {
            mine.push(o.id);
        }
    }
    let payments = funding::payments(db, view.goal.id).await?;
    for doc in document::of_goal(db, view.goal.id).await? {
        let Some(pledge) = view.pledges.iter().find(|p| p.id == doc.pledge_id) else {
            continue;
        };
        if !manages && !mine.contains(&pledge.org_id) {
            continue;
        }
        let number = number_text(doc.number);
        let (label, href, bank_reference) = match (doc.kind, doc.payment_id) {
            (DocumentKind::Receipt, Some(payment)) => (
                ctx.t1("doc-receipt-title", "number", &number),
                format!("{base}/payments/{payment}/receipt"),
                payments
                    .iter()
                    .find(|p| p.id == payment)
                    .map(|p| p.reference.clone())
                    .unwrap_or_default(),
            ),
            _ => (
                ctx.t1("doc-call-title", "number", &number),
                format!("{base}/pledges/{}/call", doc.pledge_id),
                String::new(),
            ),
        };
        extra.documents.push(DocumentRow {
            label,
            org: if pledge.org_full_name.is_empty() {
                pledge.org_name.clone()
            } else {
                pledge.org_full_name.clone()
            },
            reference: doc.reference,
            bank_reference,
            href,
        });
    }
    Ok(extra)
}

/// A document number as printed: six digits.
fn number_text(number: i64) -> String {
    format!("{number:06}")
}

fn or_name(full_name: &str, name: &str) -> String {
    if full_name.is_empty() {
        name.to_string()
    } else {
        format!("{full_name} ({name})")
    }
}

/// The document in the visitor's language.
fn printed(ctx: &PageCtx, d: &DocumentDetails) -> PrintedDocument {
    let currency = d.goal.currency.as_str();
    let money = |minor: i64| format::money(ctx.lang, minor, currency);
    let number = number_text(d.document.number);
    let payee_label = match &d.payee {
        Some(found) => found.legal_name.clone(),
        None => or_name(&d.payee_full_name, &d.payee_name),
    };
    let payer_label = or_name(&d.payer_full_name, &d.payer_name);
    let mut parties = Section {
        heading: ctx.t("doc-parties"),
        ..Section::default()
    };
    let mut from = payee_label.clone();
    if let Some(found) = &d.payee {
        from.push('\n');
        from.push_str(&found.address);
    }
    parties.fields.push((ctx.t("doc-from"), from));
    parties.fields.push((ctx.t("doc-to"), payer_label.clone()));
    let mut sections = vec![parties];
    let (title, subtitle) = match (d.document.kind, &d.payment) {
        (DocumentKind::Receipt, Some((amount, bank_reference, at))) => {
            let mut paid = Section {
                heading: ctx.t("doc-payment-section"),
                ..Section::default()
            };
            paid.fields.push((ctx.t("doc-received"), money(*amount)));
            paid.fields
                .push((ctx.t("doc-received-on"), format::long_date(ctx.lang, *at)));
            paid.fields
                .push((ctx.t("doc-bank-reference"), bank_reference.clone()));
            if !d.document.reference.is_empty() {
                paid.fields
                    .push((ctx.t("doc-call-reference"), d.document.reference.clone()));
            }
            paid.fields.push((ctx.t("doc-share"), money(d.share_minor)));
            paid.fields
                .push((ctx.t("doc-left"), money(d.share_minor - d.paid_minor)));
            paid.paragraphs.push(crate::i18n::catalogue().message(
                ctx.lang,
                "doc-receipt-statement",
                &[("payee", &payee_label), ("payer", &payer_label)],
            ));
            sections.push(paid);
            (
                ctx.t1("doc-receipt-title", "number", &number),
                ctx.t1(
                    "doc-dated",
                    "date",
                    &format::long_date(ctx.lang, d.document.created_at),
                ),
            )
        }
        _ => {
            let mut amount = Section {
                heading: ctx.t("doc-amount-section"),
                ..Section::default()
            };
            amount
                .fields
                .push((ctx.t("doc-amount-called"), money(d.share_minor)));
            if d.paid_minor > 0 {
                amount
                    .fields
                    .push((ctx.t("doc-already-paid"), money(d.paid_minor)));
                amount
                    .fields
                    .push((ctx.t("doc-left"), money(d.share_minor - d.paid_minor)));
            }
            amount
                .fields
                .push((ctx.t("doc-reference"), d.document.reference.clone()));
            sections.push(amount);
            let mut pay_to = Section {
                heading: ctx.t("doc-pay-to"),
                ..Section::default()
            };
            match &d.payee {
                Some(found) => {
                    pay_to
                        .fields
                        .push((ctx.t("doc-holder"), found.legal_name.clone()));
                    pay_to
                        .fields
                        .push((ctx.t("payee-iban"), found.iban_grouped()));
                    pay_to.fields.push((ctx.t("payee-bic"), found.bic.clone()));
                    if !found.note.is_empty() {
                        pay_to.paragraphs.push(found.note.clone());
                    }
                }
                None => pay_to.paragraphs.push(ctx.t("payee-missing")),
            }
            sections.push(pay_to);
            (
                ctx.t1("doc-call-title", "number", &number),
                ctx.t1(
                    "doc-dated",
                    "date",
                    &format::long_date(ctx.lang, d.document.created_at),
                ),
            )
        }
    };
    let mut goal = Section {
        heading: ctx.t("doc-goal-section"),
        ..Section::default()
    };
    goal.fields.push((
        ctx.t("doc-goal"),
        format!(
            "{} #{} — {}",
            d.repo_full_name, d.issue_number, d.issue_title
        ),
    ));
    goal.fields
        .push((ctx.t("funding-budget"), money(d.goal.budget_minor)));
    if let Some(at) = d.goal.delivered_at {
        goal.fields
            .push((ctx.t("doc-delivered-on"), format::long_date(ctx.lang, at)));
    }
    if !d.goal.delivery_commits.is_empty() {
        goal.fields
            .push((ctx.t("doc-commits"), d.goal.delivery_commits.join(" ")));
    }
    goal.paragraphs
        .push(format!("{} {}", ctx.t("doc-acceptance"), d.goal.acceptance));
    if let Some(note) = &d.goal.delivery_note {
        goal.paragraphs
            .push(format!("{} {}", ctx.t("doc-delivered"), note));
    }
    sections.push(goal);
    PrintedDocument {
        title,
        subtitle,
        sections,
    }
}

#[derive(Template)]
#[template(path = "funding_document.html")]
struct DocumentPage<'a> {
    ctx: &'a PageCtx,
    doc: PrintedDocument,
    pdf_href: String,
    back_href: String,
}

/// The document a request names, if the visitor may read it.
async fn load(
    state: &AppState,
    ctx: &PageCtx,
    (owner, name, index, id): (String, String, i64, i64),
    kind: DocumentKind,
) -> Result<(DocumentDetails, String), PageError> {
    let user = ctx.user.as_ref().ok_or_else(PageError::not_found)?;
    let (repo, _) = load_repo(state, ctx, &owner, &name).await?;
    let found = issue::get(&state.db, repo.id, index)
        .await?
        .ok_or_else(PageError::not_found)?;
    let goal = funding::goal_of_issue(&state.db, found.id)
        .await?
        .ok_or_else(PageError::not_found)?;
    let details = document::details(&state.db, user, goal.id, kind, id).await?;
    let back = format!("/{}/issues/{}/funding", repo.full_name(), found.number);
    Ok((details, back))
}

/// Documents hold bank details: private to the visitor, never cached by
/// others.
fn private(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

async fn page(
    state: &AppState,
    ctx: &PageCtx,
    path: (String, String, i64, i64),
    kind: DocumentKind,
) -> Result<Response, PageError> {
    if let Err(redirect) = ctx.require_user() {
        return Ok(redirect.into_response());
    }
    let (details, back_href) = load(state, ctx, path, kind).await?;
    let pdf_href = format!("{}.pdf", ctx.here.split('?').next().unwrap_or_default());
    Ok(private(
        render(&DocumentPage {
            ctx,
            doc: printed(ctx, &details),
            pdf_href,
            back_href,
        })
        .into_response(),
    ))
}

async fn pdf_file(
    state: &AppState,
    ctx: &PageCtx,
    path: (String, String, i64, i64),
    kind: DocumentKind,
) -> Result<Response, PageError> {
    let (details, _) = load(state, ctx, path, kind).await?;
    let printed = printed(ctx, &details);
    let filename = format!(
        "{}-{}-{}.pdf",
        details.payee_name,
        kind.as_str(),
        number_text(details.document.number)
    );
    let bytes = tokio::task::spawn_blocking(move || pdf::render(&printed))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "a PDF document failed to render");
            PageError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "error-internal",
            )
        })?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(private(response))
}

pub async fn call_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(path): Path<(String, String, i64, i64)>,
) -> Result<Response, PageError> {
    page(&state, &ctx, path, DocumentKind::Call).await
}

pub async fn call_pdf(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(path): Path<(String, String, i64, i64)>,
) -> Result<Response, PageError> {
    pdf_file(&state, &ctx, path, DocumentKind::Call).await
}

pub async fn receipt_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(path): Path<(String, String, i64, i64)>,
) -> Result<Response, PageError> {
    page(&state, &ctx, path, DocumentKind::Receipt).await
}

pub async fn receipt_pdf(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(path): Path<(String, String, i64, i64)>,
) -> Result<Response, PageError> {
    pdf_file(&state, &ctx, path, DocumentKind::Receipt).await
}
