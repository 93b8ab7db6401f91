//! The funding API: goals, pledges, delivery and review, payments, ledgers.
//!
//! `forge-core` decides who may do what and keeps the ledger; this module
//! parses requests and renders JSON (and CSV for the exports). Every read of
//! a goal first applies what time decided (an expired deadline, a closed
//! review window), as `funding::refresh` does.
//!
//! Statuses: a new goal, a new pledge, a payment and a reversal answer 201;
//! an edited goal, a changed pledge and the other actions 200 with the goal;
//! a withdrawal 204. A request repeating an `Idempotency-Key` already used
//! by the same person on the same goal changes nothing and answers 200 with
//! what the first request made, and the header `Idempotent-Replayed: true`;
//! the same key with a different request answers 422 and changes nothing.

use super::ApiJson;
use super::ApiPath;
use crate::AppState;
use crate::auth::{MaybeCaller, RequireCaller};
use crate::error::ApiError;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use forge_core::clock::{parse_rfc3339, rfc3339};
use forge_core::funding::{
    self, Goal, GoalInput, GoalState, GoalView, Payment, PaymentRequest, PledgeRequest,
    PledgeState, PledgeView, Resolution, Verdict, ledger,
};
use forge_core::ids::{PaymentId, PledgeId};
use forge_core::issue::{self, Issue};
use forge_core::repo::{self, Access, Repo};
use forge_core::user::User;
use forge_core::{Error, org};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

pub fn router() -> Router<AppState> {
    const GOAL: &str = "/repos/{owner}/{repo}/issues/{index}/funding";
    Router::new()
        .route(GOAL, get(get_goal).put(put_goal))
        .route(&format!("{GOAL}/pledges"), post(pledge))
        .route(&format!("{GOAL}/pledges/{{id}}"), delete(withdraw))
        .route(&format!("{GOAL}/pledges/{{id}}/payments"), post(pay))
        .route(
            &format!("{GOAL}/payments/{{id}}/reverse"),
            post(reverse_payment),
        )
        .route(&format!("{GOAL}/deliver"), post(deliver))
        .route(&format!("{GOAL}/review"), post(review))
        .route(&format!("{GOAL}/resolve"), post(resolve))
        .route(&format!("{GOAL}/vote"), post(super::funding_disputes::vote))
        .route(&format!("{GOAL}/cancel"), post(cancel))
        .route(&format!("{GOAL}/ledger"), get(goal_ledger))
        .route("/repos/{owner}/{repo}/funding", get(repo_goals))
        .route("/orgs/{org}/pledges", get(org_pledges))
}

// ---------------------------------------------------------------------------
// Requests.

/// The `Idempotency-Key` header, if sent.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(value) => value
            .to_str()
            .map(Some)
            .map_err(|_| Error::invalid("idempotency_key", "error-idempotency-key").into()),
    }
}

/// JSON, or CSV when asked by `?format=csv` or `Accept: text/csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
}

fn format_of(raw: Option<&str>, headers: &HeaderMap) -> Result<Format, ApiError> {
    let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(raw.unwrap_or(""))
        .map_err(|_| Error::invalid("query", "error-bad-query"))?;
    if let Some((_, wanted)) = pairs.iter().find(|(key, _)| key == "format") {
        return match wanted.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "json" | "" => Ok(Format::Json),
            _ => Err(Error::invalid("format", "error-export-format").into()),
        };
    }
    let accepts_csv = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| {
            accept
                .split(',')
                .any(|kind| kind.split(';').next().unwrap_or("").trim() == "text/csv")
        });
    Ok(if accepts_csv {
        Format::Csv
    } else {
        Format::Json
    })
}

/// The repository and issue a request names, if `viewer` may read them
/// ("not found" otherwise, as everywhere).
pub(super) async fn load(
    state: &AppState,
    viewer: Option<&User>,
    owner: &str,
    name: &str,
    index: i64,
) -> Result<(Repo, Issue), ApiError> {
    let (found, _) = repo::find_readable(&state.db, viewer, owner, name).await?;
    let (issue, _) = issue::find_readable(&state.db, viewer, &found, index).await?;
    Ok((found, issue))
}

/// The issue's goal, brought up to date with the clock.
async fn current_goal(state: &AppState, issue: &Issue) -> Result<Goal, ApiError> {
    let goal = funding::goal_of_issue(&state.db, issue.id)
        .await?
        .ok_or_else(|| Error::not_found("error-goal-not-found"))?;
    Ok(funding::refresh(&state.db, &goal).await?)
}

// ---------------------------------------------------------------------------
// JSON shapes.

fn pledge_json(pledge: &PledgeView) -> Value {
    json!({
        "id": pledge.id,
        "org": pledge.org_name,
        "org_full_name": pledge.org_full_name,
        "amount_minor": pledge.amount_minor,
        "currency": pledge.currency,
        "share_minor": pledge.share_minor,
        "paid_minor": pledge.paid_minor,
        "state": pledge.state.as_str(),
        "created_at": rfc3339(pledge.created_at),
        "updated_at": rfc3339(pledge.updated_at),
    })
}

fn payment_json(payment: &Payment) -> Value {
    json!({
        "id": payment.id,
        "pledge_id": payment.pledge_id,
        "amount_minor": payment.amount_minor,
        "reference": payment.reference,
        "recorded_by": payment.recorded_by,
        "reverses": payment.reverses,
        "created_at": rfc3339(payment.created_at),
    })
}

/// The figures of a goal, without its lists.
fn summary_json(repo: &Repo, number: i64, view: &GoalView) -> Value {
    let goal = &view.goal;
    let exponent = forge_core::money::currency(&goal.currency).map_or(2, |(_, e)| e);
    json!({
        "id": goal.id,
        "repository": repo.full_name(),
        "issue": number,
        "state": goal.state.as_str(),
        "budget_minor": goal.budget_minor,
        "currency": goal.currency,
        "currency_exponent": exponent,
        "pledged_minor": view.pledged_minor,
        "funders": view.funders,
        "paid_minor": view.paid_minor,
        "progress_percent": view.progress_percent(),
        "deadline": rfc3339(goal.deadline_at),
        "review_days": goal.review_days,
        "min_funders": goal.min_funders,
    })
}

async fn goal_json(
    state: &AppState,
    repo: &Repo,
    issue: &Issue,
    goal: Goal,
) -> Result<Value, ApiError> {
    let db = &state.db;
    let reviews = funding::reviews(db, goal.id).await?;
    let payments = funding::payments(db, goal.id).await?;
    let view = funding::view(db, goal).await?;
    let goal = &view.goal;
    let mut value = summary_json(repo, issue.number, &view);
    let extra = json!({
        "acceptance": goal.acceptance,
        "review_ends_at": goal.review_ends_at.map(rfc3339),
        "delivered_at": goal.delivered_at.map(rfc3339),
        "delivery": {
            "note": goal.delivery_note,
            "commits": goal.delivery_commits,
        },
        "created_at": rfc3339(goal.created_at),
        "updated_at": rfc3339(goal.updated_at),
        "pledges": view.pledges.iter().map(pledge_json).collect::<Vec<_>>(),
        "reviews": reviews.iter().map(|r| json!({
            "org": r.org_name,
            "verdict": r.verdict,
            "reason": r.reason,
            "by": r.by,
            "created_at": rfc3339(r.created_at),
        })).collect::<Vec<_>>(),
        "payments": payments.iter().map(payment_json).collect::<Vec<_>>(),
    });
    if let (Value::Object(base), Value::Object(more)) = (&mut value, extra) {
        base.extend(more);
    }
    let dispute = super::funding_disputes::dispute_json(state, goal).await?;
    insert(&mut value, "dispute", dispute);
    Ok(value)
}

/// The goal as it is now, for the answer to a change.
pub(super) async fn answer_goal(
    state: &AppState,
    repo: &Repo,
    issue: &Issue,
) -> Result<Value, ApiError> {
    let goal = current_goal(state, issue).await?;
    goal_json(state, repo, issue, goal).await
}

/// Adds a field to a JSON object.
fn insert(object: &mut Value, key: &str, value: Value) {
    if let Some(map) = object.as_object_mut() {
        map.insert(key.to_string(), value);
    }
}

fn replayed_header(response: &mut Response) {
    response.headers_mut().insert(
        HeaderName::from_static("idempotent-replayed"),
        HeaderValue::from_static("true"),
    );
}

// ---------------------------------------------------------------------------
// CSV (RFC 4180: CRLF line ends, fields quoted when they hold a comma, a
// quote or a line break, quotes doubled).

fn csv_push(out: &mut String, fields: &[String]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push_str("\r\n");
}

/// Text typed by people, made safe for spreadsheets: a cell starting with
/// `=`, `+`, `-`, `@` or a control character would run as a formula when
/// a treasurer opens the file, so it gets a leading apostrophe.
fn csv_text(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

fn optional<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn csv_response(filename: &str, body: String) -> Response {
    let disposition = format!("attachment; filename=\"{filename}\"");
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

// ---------------------------------------------------------------------------
// Goals.

pub async fn get_goal(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, index)): ApiPath<(String, String, i64)>,
) -> Result<axum::Json<Value>, ApiError> {
    let viewer = caller.map(|c| c.user);
    let (found, issue) = load(&state, viewer.as_ref(), &owner, &name, index).await?;
    let goal = current_goal(&state, &issue).await?;
    let mut value = goal_json(&state, &found, &issue, goal).await?;
    super::funding_documents::augment(&state, viewer.as_ref(), &found, &issue, &mut value).await?;
    Ok(axum::Json(value))
}

#[derive(Deserialize)]
pub struct PutGoal {
    budget_minor: i64,
    currency: String,
    deadline: String,
    acceptance: String,
    #[serde(default)]
    review_days: Option<i64>,
    #[serde(default)]
    min_funders: Option<i64>,
    /// How disputes are decided: `majority` (the default), `two_thirds`
    /// or `unanimity`; only while nobody has pledged.
    #[serde(default)]
    dispute_rule: Option<String>,
    /// The mediator's account name; empty for the site's administrators.
    #[serde(default)]
    mediator: Option<String>,
}

pub async fn put_goal(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, index)): ApiPath<(String, String, i64)>,
    ApiJson(body): ApiJson<PutGoal>,
) -> Result<(StatusCode, axum::Json<Value>), ApiError> {
    let actor = caller.user;
    let (found, issue) = load(&state, Some(&actor), &owner, &name, index).await?;
    // Kept to the second, as it is shown: a goal read and sent back
    // unchanged keeps the same deadline.
    let deadline_at = parse_rfc3339(&body.deadline)
        .ok_or_else(|| Error::invalid("deadline", "error-date"))?
        .div_euclid(1000)
        * 1000;
    let existed = funding::goal_of_issue(&state.db, issue.id).await?.is_some();
    let goal = funding::put_goal(
        &state.db,
        &actor,
        &found,
        &issue,
        GoalInput {
            budget_minor: body.budget_minor,
            currency: body.currency,
            acceptance: body.acceptance,
            deadline_at,
            review_days: body.review_days,
            min_funders: body.min_funders,
        },
    )
    .await?;
    if body.dispute_rule.is_some() || body.mediator.is_some() {
        super::funding_disputes::set_terms(
            &state,
            &actor,
            &found,
            &issue,
            body.dispute_rule.as_deref(),
            body.mediator.as_deref(),
        )
        .await?;
    }
    let status = if existed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        axum::Json(goal_json(&state, &found, &issue, goal).await?),
    ))
}

pub async fn cancel(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, index)): ApiPath<(String, String, i64)>,
) -> Result<axum::Json<Value>, ApiError> {
    let actor = caller.user;
    let (found, issue) = load(&state, Some(&actor), &owner, &name, index).await?;
    funding::cancel(&state.db, &actor, &found, &issue).await?;
    Ok(axum::Json(answer_goal(&state, &found, &issue).await?))
}

// ---------------------------------------------------------------------------
// Pledges.

#[derive(Deserialize)]
pub struct PledgeBody {
    org: String,
    amount_minor: i64,
    currency: String,
}

pub async fn pledge(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, index)): ApiPath<(String, String, i64)>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<PledgeBody>,
) -> Result<Response, ApiError> {
    let actor = caller.user;
    let (found, issue) = load(&state, Some(&actor), &owner, &name, index).await?;
    let outcome = funding::pledge(
        &state.db,
        &actor,
        &found,
        &issue,
        PledgeRequest {
            org: &body.org,
            amount_minor: body.amount_minor,
            currency: &body.currency,
            idempotency_key: idempotency_key(&headers)?,
        },
    )
    .await?;
    let goal = current_goal(&state, &issue).await?;
    let view = funding::view(&state.db, goal).await?;
    let made = view
        .pledges
        .iter()
        .find(|p| p.id == outcome.pledge_id)
        .ok_or_else(|| Error::not_found("error-pledge-not-found"))?;
    let mut value = pledge_json(made);
    insert(
        &mut value,
        "goal",
        summary_json(&found, issue.number, &view),
    );
    let status = if outcome.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut response = (status, axum::Json(value)).into_response();
    if outcome.replayed {
        replayed_header(&mut response);
    }
    Ok(response)
}

pub async fn withdraw(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, index, id)): ApiPath<(String, String, i64, PledgeId)>,
) -> Result<StatusCode, ApiError> {
    let actor = caller.user;
    let (found, issue) = load(&state, Some(&actor), &owner, &name, index).await?;
    funding::withdraw(&state.db, &actor, &found, &issue, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------
// Delivery and review.

#[derive(Deserialize)]
pub struct DeliverBody {
    note: String,
    #[serde(default)]
    commits: Vec<String>,
}

pub async fn deliver(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, index)): ApiPath<(String, String, i64)>,
    ApiJson(body): ApiJson<DeliverBody>,
) -> Result<axum::Json<Value>, ApiError> {
    let actor = caller.user;
    let (found, issue) = load(&state, Some(&actor), &owner, &name, index).await?;
    funding::deliver(&state.db, &actor, &found, &issue, &body.note, &body.commits).await?;
    Ok(axum::Json(answer_goal(&state, &found, &issue).await?))
}

#[derive(Deserialize)]
pub struct ReviewBody {
    org: String,
    verdict: String,
    #[serde(default)]
    reason: String,
}

pub async fn review(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, index)): ApiPath<(String, String, i64)>,
    ApiJson(body): ApiJson<ReviewBody>,
) -> Result<axum::Json<Value>, ApiError> {
    let actor = caller.user;
    let (found, issue) = load(&state, Some(&actor), &owner, &name, index).await?;
    let verdict = match body.verdict.trim() {
        "accept" => Verdict::Accept,
        "object" => Verdict::Object,
        _ => return Err(Error::invalid("verdict", "error-review-verdict").into()),
    };
    funding::review(
        &state.db,
        &actor,
        &found,
        &issue,
        &body.org,
        verdict,
        &body.reason,
    )
    .await?;
    Ok(axum::Json(answer_goal(&state, &found, &issue).await?))
}

#[derive(Deserialize)]
pub struct ResolveBody {
    verdict: String,
}

pub async fn resolve(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, index)): ApiPath<(String, String, i64)>,
    ApiJson(body): ApiJson<ResolveBody>,
) -> Result<axum::Json<Value>, ApiError> {
    let actor = caller.user;
    let (found, issue) = load(&state, Some(&actor), &owner, &name, index).await?;
    let resolution = match body.verdict.trim() {
        "accept" => Resolution::Accept,
        "reject" => Resolution::Reject,
        _ => return Err(Error::invalid("verdict", "error-resolution").into()),
    };
    funding::resolve(&state.db, &actor, &found, &issue, resolution).await?;
    Ok(axum::Json(answer_goal(&state, &found, &issue).await?))
}

// ---------------------------------------------------------------------------
// Payments.

#[derive(Deserialize)]
pub struct PaymentBody {
    amount_minor: i64,
    reference: String,
}

async fn payment_answer(
    state: &AppState,
    found: &Repo,
    issue: &Issue,
    id: PaymentId,
    replayed: bool,
) -> Result<Response, ApiError> {
    let goal = current_goal(state, issue).await?;
    let payments = funding::payments(&state.db, goal.id).await?;
    let payment = payments
        .iter()
        .find(|p| p.id == id)
        .ok_or_else(|| Error::not_found("error-payment-not-found"))?;
    let view = funding::view(&state.db, goal).await?;
    let mut value = payment_json(payment);
    if let Some(pledge) = view.pledges.iter().find(|p| p.id == payment.pledge_id) {
        insert(&mut value, "pledge", pledge_json(pledge));
    }
    insert(&mut value, "goal", summary_json(found, issue.number, &view));
    let status = if replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let mut response = (status, axum::Json(value)).into_response();
    if replayed {
        replayed_header(&mut response);
    }
    Ok(response)
}

pub async fn pay(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, index, pledge)): ApiPath<(String, String, i64, PledgeId)>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<PaymentBody>,
) -> Result<Response, ApiError> {
    let actor = caller.user;
    let (found, issue) = load(&state, Some(&actor), &owner, &name, index).await?;
    let outcome = funding::record_payment_outcome(
        &state.db,
        &actor,
        &found,
        &issue,
        PaymentRequest {
            pledge,
            amount_minor: body.amount_minor,
            reference: &body.reference,
            idempotency_key: idempotency_key(&headers)?,
        },
    )
    .await?;
    payment_answer(&state, &found, &issue, outcome.payment_id, outcome.replayed).await
}

pub async fn reverse_payment(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, index, payment)): ApiPath<(String, String, i64, PaymentId)>,
) -> Result<Response, ApiError> {
    let actor = caller.user;
    let (found, issue) = load(&state, Some(&actor), &owner, &name, index).await?;
    let id = funding::reverse_payment(&state.db, &actor, &found, &issue, payment).await?;
    payment_answer(&state, &found, &issue, id, false).await
}

// ---------------------------------------------------------------------------
// Ledgers and lists.

pub async fn goal_ledger(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, index)): ApiPath<(String, String, i64)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let format = format_of(raw.as_deref(), &headers)?;
    let viewer = caller.map(|c| c.user);
    let (found, issue) = load(&state, viewer.as_ref(), &owner, &name, index).await?;
    let goal = current_goal(&state, &issue).await?;
    let entries = ledger::entries(&state.db, goal.id).await?;
    // Organisation accounts are named by id; say which organisation.
    let orgs: HashMap<String, String> = funding::pledges_of(&state.db, goal.id)
        .await?
        .into_iter()
        .map(|p| (ledger::org_account(p.org_id), p.org_name))
        .collect();
    let org_of = |account: &str| orgs.get(account).cloned();
    // The bank reference of each line: the payer's for a payment or its
    // correction, the call's for a call.
    let bank_references: HashMap<PaymentId, String> = funding::payments(&state.db, goal.id)
        .await?
        .into_iter()
        .map(|p| (p.id, p.reference))
        .collect();
    let call_references: HashMap<PledgeId, String> = funding::document::of_goal(&state.db, goal.id)
        .await?
        .into_iter()
        .filter(|d| d.kind == funding::document::DocumentKind::Call)
        .map(|d| (d.pledge_id, d.reference))
        .collect();
    let reference_of = |e: &ledger::Entry| -> String {
        match (e.payment_id, e.pledge_id) {
            (Some(payment), _) => bank_references.get(&payment).cloned(),
            (None, Some(pledge)) if e.event == "call" => call_references.get(&pledge).cloned(),
            _ => None,
        }
        .unwrap_or_default()
    };
    match format {
        Format::Json => {
            let out: Vec<Value> = entries
                .iter()
                .map(|e| {
                    json!({
                        "id": e.id,
                        "txn": e.txn,
                        "created_at": rfc3339(e.created_at),
                        "event": e.event,
                        "account": e.account,
                        "org": org_of(&e.account),
                        "pledge_id": e.pledge_id,
                        "payment_id": e.payment_id,
                        "debit_minor": e.debit_minor,
                        "credit_minor": e.credit_minor,
                        "currency": e.currency,
                        "actor": e.actor,
                        "reference": reference_of(e),
                    })
                })
                .collect();
            Ok(axum::Json(Value::Array(out)).into_response())
        }
        Format::Csv => {
            let mut out = String::new();
            csv_push(
                &mut out,
                &[
                    "id",
                    "txn",
                    "created_at",
                    "event",
                    "account",
                    "org",
                    "pledge_id",
                    "payment_id",
                    "debit_minor",
                    "credit_minor",
                    "currency",
                    "actor",
                    "reference",
                ]
                .map(String::from),
            );
            for e in &entries {
                csv_push(
                    &mut out,
                    &[
                        e.id.to_string(),
                        e.txn.to_string(),
                        rfc3339(e.created_at),
                        e.event.clone(),
                        e.account.clone(),
                        org_of(&e.account).unwrap_or_default(),
                        optional(e.pledge_id),
                        optional(e.payment_id),
                        e.debit_minor.to_string(),
                        e.credit_minor.to_string(),
                        e.currency.clone(),
                        e.actor.clone().unwrap_or_default(),
                        csv_text(&reference_of(e)),
                    ],
                );
            }
            let filename = format!(
                "{}-{}-{}-ledger.csv",
                found.owner_name, found.name, issue.number
            );
            Ok(csv_response(&filename, out))
        }
    }
}

pub async fn repo_goals(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
) -> Result<axum::Json<Value>, ApiError> {
    let viewer = caller.map(|c| c.user);
    let (found, _) = repo::find_readable(&state.db, viewer.as_ref(), &owner, &name).await?;
    let mut goals = funding::goals_of_repo(&state.db, found.id).await?;
    // What time decided, first; the totals change when a goal expires.
    let mut changed = false;
    for (goal, ..) in &goals {
        changed |= funding::refresh(&state.db, goal).await?.state != goal.state;
    }
    if changed {
        goals = funding::goals_of_repo(&state.db, found.id).await?;
    }
    let out: Vec<Value> = goals
        .iter()
        .map(|(goal, number, title, pledged)| {
            let percent = if goal.budget_minor > 0 {
                (i128::from(*pledged) * 100 / i128::from(goal.budget_minor)).min(100)
            } else {
                0
            };
            json!({
                "id": goal.id,
                "issue": number,
                "title": title,
                "state": goal.state.as_str(),
                "budget_minor": goal.budget_minor,
                "currency": goal.currency,
                "pledged_minor": pledged,
                "progress_percent": i64::try_from(percent).unwrap_or(100),
                "deadline": rfc3339(goal.deadline_at),
                "review_ends_at": goal.review_ends_at.map(rfc3339),
                "created_at": rfc3339(goal.created_at),
            })
        })
        .collect();
    Ok(axum::Json(Value::Array(out)))
}

/// Totals of one state and currency.
#[derive(Default)]
struct Totals {
    count: i64,
    amount: i128,
    share: i128,
    paid: i128,
}

fn clamp(total: i128) -> i64 {
    i64::try_from(total).unwrap_or(i64::MAX)
}

pub async fn org_pledges(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath(name): ApiPath<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let format = format_of(raw.as_deref(), &headers)?;
    let viewer = caller.map(|c| c.user);
    let db = &state.db;
    let found = org::by_name(db, &name)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let mut rows = funding::org_pledges(db, found.id).await?;
    // Apply what time decided to the goals waiting on it, then read again.
    let mut changed = false;
    let mut seen = Vec::new();
    for (row, _) in &rows {
        if matches!(row.goal_state, GoalState::Open | GoalState::Delivered)
            && !seen.contains(&row.pledge.goal_id)
        {
            seen.push(row.pledge.goal_id);
            if let Some(goal) = funding::goal_by_id(db, row.pledge.goal_id).await? {
                changed |= funding::refresh(db, &goal).await?.state != goal.state;
            }
        }
    }
    if changed {
        rows = funding::org_pledges(db, found.id).await?;
    }
    // Pledges on private repositories only for those who may read them.
    let mut readable: HashMap<String, bool> = HashMap::new();
    let mut visible = Vec::with_capacity(rows.len());
    for (row, private) in rows {
        if private {
            let may = match readable.get(&row.repo_full_name) {
                Some(known) => *known,
                None => {
                    let may = match row.repo_full_name.split_once('/') {
                        Some((owner, repo_name)) => match repo::find(db, owner, repo_name).await? {
                            Some(r) => repo::access(db, viewer.as_ref(), &r).await? >= Access::Read,
                            None => false,
                        },
                        None => false,
                    };
                    readable.insert(row.repo_full_name.clone(), may);
                    may
                }
            };
            if !may {
                continue;
            }
        }
        visible.push(row);
    }
    let references = funding::document::call_references_of_org(db, found.id).await?;
    let reference_of = |pledge: PledgeId| references.get(&pledge).cloned().unwrap_or_default();
    match format {
        Format::Json => {
            let mut totals: BTreeMap<(&'static str, String), Totals> = BTreeMap::new();
            for row in &visible {
                let p = &row.pledge;
                let slot = totals
                    .entry((p.state.as_str(), p.currency.clone()))
                    .or_default();
                slot.count += 1;
                slot.amount += i128::from(p.amount_minor);
                slot.share += i128::from(p.share_minor.unwrap_or(0));
                slot.paid += i128::from(p.paid_minor);
            }
            let pledges: Vec<Value> = visible
                .iter()
                .map(|row| {
                    let mut value = pledge_json(&row.pledge);
                    insert(&mut value, "goal_id", json!(row.pledge.goal_id));
                    insert(&mut value, "goal_state", json!(row.goal_state.as_str()));
                    insert(&mut value, "budget_minor", json!(row.budget_minor));
                    insert(&mut value, "repository", json!(row.repo_full_name));
                    insert(&mut value, "issue", json!(row.issue_number));
                    insert(&mut value, "issue_title", json!(row.issue_title));
                    insert(&mut value, "reference", json!(reference_of(row.pledge.id)));
                    value
                })
                .collect();
            let totals: Vec<Value> = PledgeState::ALL
                .iter()
                .flat_map(|s| {
                    totals
                        .iter()
                        .filter(move |((state, _), _)| *state == s.as_str())
                })
                .map(|((state, currency), t)| {
                    json!({
                        "state": state,
                        "currency": currency,
                        "count": t.count,
                        "amount_minor": clamp(t.amount),
                        "share_minor": clamp(t.share),
                        "paid_minor": clamp(t.paid),
                    })
                })
                .collect();
            Ok(axum::Json(json!({
                "org": found.name,
                "pledges": pledges,
                "totals": totals,
            }))
            .into_response())
        }
        Format::Csv => {
            let mut out = String::new();
            csv_push(
                &mut out,
                &[
                    "id",
                    "created_at",
                    "repository",
                    "issue",
                    "issue_title",
                    "goal_state",
                    "budget_minor",
                    "state",
                    "currency",
                    "amount_minor",
                    "share_minor",
                    "paid_minor",
                    "reference",
                ]
                .map(String::from),
            );
            for row in &visible {
                let p = &row.pledge;
                csv_push(
                    &mut out,
                    &[
                        p.id.to_string(),
                        rfc3339(p.created_at),
                        row.repo_full_name.clone(),
                        row.issue_number.to_string(),
                        csv_text(&row.issue_title),
                        row.goal_state.as_str().to_string(),
                        row.budget_minor.to_string(),
                        p.state.as_str().to_string(),
                        p.currency.clone(),
                        p.amount_minor.to_string(),
                        optional(p.share_minor),
                        p.paid_minor.to_string(),
                        csv_text(&reference_of(p.id)),
                    ],
                );
            }
            Ok(csv_response(&format!("{}-pledges.csv", found.name), out))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_as_rfc_4180_says() {
        let mut out = String::new();
        csv_push(
            &mut out,
            &[
                "plain".into(),
                "a, b".into(),
                "say \"hi\"".into(),
                "two\nlines".into(),
                String::new(),
            ],
        );
        assert_eq!(out, "plain,\"a, b\",\"say \"\"hi\"\"\",\"two\nlines\",\r\n");
    }

    #[test]
    fn csv_text_defuses_formulas() {
        assert_eq!(csv_text("=SUM(A1:A9)"), "'=SUM(A1:A9)");
        assert_eq!(csv_text("-1"), "'-1");
        assert_eq!(csv_text("@cmd"), "'@cmd");
        assert_eq!(csv_text("Export to ODS"), "Export to ODS");
    }

    #[test]
    fn formats_from_query_and_accept() {
        let none = HeaderMap::new();
        assert_eq!(format_of(None, &none).ok(), Some(Format::Json));
        assert_eq!(format_of(Some("format=csv"), &none).ok(), Some(Format::Csv));
        assert_eq!(format_of(Some("format=CSV"), &none).ok(), Some(Format::Csv));
        assert!(format_of(Some("format=xlsx"), &none).is_err());
        let mut csv = HeaderMap::new();
        csv.insert(
            header::ACCEPT,
            HeaderValue::from_static("text/csv;q=0.9, */*"),
        );
        assert_eq!(format_of(None, &csv).ok(), Some(Format::Csv));
        assert_eq!(
            format_of(Some("format=json"), &csv).ok(),
            Some(Format::Json)
        );
    }
}
