//! The transitions of goals and pledges, each with its actor check, its
//! ledger transaction and its timeline event, in one database transaction.

use super::ledger::{self, Line, Posting, goal_account, org_account};
use super::view::{Goal, SELECT_GOAL, goal_from_row};
use super::{DAY_MS, DEFAULT_REVIEW_DAYS, GoalState, PledgeState, Resolution, Verdict};
use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Problem, Result};
use crate::ids::{AccountId, OrgId};
use crate::issue::Issue;
use crate::money;
use crate::org::{self, Role};
use crate::repo::{self, Access, Repo};
use crate::timeline::{self, NewEvent, Tx};
use crate::user::User;
use sqlx::Row;

/// Timeline event kinds of funding.
pub mod kind {
    pub const OPENED: &str = "funding_opened";
    pub const CHANGED: &str = "funding_changed";
    pub const PLEDGED: &str = "pledged";
    pub const PLEDGE_CHANGED: &str = "pledge_changed";
    pub const WITHDRAWN: &str = "pledge_withdrawn";
    pub const FUNDED: &str = "funded";
    pub const EXPIRED: &str = "funding_expired";
    pub const CANCELLED: &str = "funding_cancelled";
    pub const DELIVERED: &str = "delivered";
    pub const REVIEW_ACCEPTED: &str = "delivery_accepted_by";
    pub const DISPUTED: &str = "disputed";
    pub const ACCEPTED: &str = "delivery_accepted";
    pub const REJECTED: &str = "delivery_rejected";
    pub const PAYMENT: &str = "payment_recorded";
    pub const PAYMENT_REVERSED: &str = "payment_reversed";
    pub const SETTLED: &str = "settled";
}

/// What a maintainer sets on a goal.
#[derive(Debug, Clone)]
pub struct GoalInput {
    pub budget_minor: i64,
    pub currency: String,
    pub acceptance: String,
    pub deadline_at: i64,
    pub review_days: Option<i64>,
    pub min_funders: Option<i64>,
}

fn conflict(key: &'static str) -> Error {
    Error::Conflict {
        field: None,
        problem: Problem::new(key),
    }
}

/// Refuses text holding a NUL character, which PostgreSQL cannot store: it
/// is bad input, not a database failure.
fn refuse_nul(field: &'static str, text: &str) -> Result<()> {
    if text.contains('\0') {
        return Err(Error::invalid(field, "error-text-nul"));
    }
    Ok(())
}

fn amount_text(amount: i64, currency: &str) -> String {
    format!("{amount} {currency}")
}

/// Takes the goal's row for writing (serialising every change to the goal)
/// and reads it.
async fn lock_goal(tx: &mut Tx<'_>, goal: i64) -> Result<Goal> {
    sqlx::query("UPDATE funding_goals SET version = version + 1 WHERE id = $1")
        .bind(goal)
        .execute(&mut **tx)
        .await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT_GOAL} WHERE id = $1")))
        .bind(goal)
        .fetch_one(&mut **tx)
        .await?;
    goal_from_row(&row)
}

async fn set_goal_state(tx: &mut Tx<'_>, goal: i64, state: GoalState, now: i64) -> Result<()> {
    sqlx::query("UPDATE funding_goals SET state = $1, updated_at = $2 WHERE id = $3")
        .bind(state.as_str())
        .bind(now)
        .bind(goal)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn event(
    tx: &mut Tx<'_>,
    goal: &Goal,
    kind: &str,
    actor: Option<AccountId>,
    org: Option<OrgId>,
    value: Option<&str>,
    now: i64,
) -> Result<()> {
    timeline::record(
        tx,
        goal.issue_id,
        NewEvent {
            kind,
            actor,
            subject: org.map(AccountId::from),
            new_value: value,
            ..Default::default()
        },
        now,
    )
    .await?;
    Ok(())
}

struct LivePledge {
    id: i64,
    org: OrgId,
    amount: i64,
    share: i64,
    state: PledgeState,
}

async fn live_pledges(tx: &mut Tx<'_>, goal: i64) -> Result<Vec<LivePledge>> {
    let rows = sqlx::query(
        "SELECT id, org_id, amount_minor, share_minor, paid_minor, state FROM pledges \
         WHERE goal_id = $1 AND state IN ('active', 'committed', 'due', 'paid') ORDER BY created_at, id",
    )
    .bind(goal)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|row| {
            let state: String = row.try_get("state")?;
            Ok(LivePledge {
                id: row.try_get("id")?,
                org: OrgId(row.try_get("org_id")?),
                amount: row.try_get("amount_minor")?,
                share: row.try_get::<Option<i64>, _>("share_minor")?.unwrap_or(0),
                state: PledgeState::parse(&state)
                    .ok_or_else(|| Error::Internal(format!("unknown pledge state {state}")))?,
            })
        })
        .collect()
}

async fn set_pledge(tx: &mut Tx<'_>, pledge: i64, state: PledgeState, now: i64) -> Result<()> {
    sqlx::query("UPDATE pledges SET state = $1, updated_at = $2 WHERE id = $3")
        .bind(state.as_str())
        .bind(now)
        .bind(pledge)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Releases every live pledge back to its organisation (expiry,
/// cancellation, rejection): whatever the organisation still owes on it.
async fn release_all(
    tx: &mut Tx<'_>,
    goal: &Goal,
    event_name: &str,
    actor: Option<AccountId>,
    now: i64,
) -> Result<()> {
    for pledge in live_pledges(tx, goal.id).await? {
        let (bucket, amount) = match pledge.state {
            PledgeState::Active => ("pledged", pledge.amount),
            PledgeState::Committed => ("committed", pledge.share),
            // Called shares are not released: the goal was accepted.
            _ => continue,
        };
        ledger::post(
            tx,
            Posting {
                goal: goal.id,
                pledge: Some(pledge.id),
                payment: None,
                event: event_name,
                currency: &goal.currency,
                actor,
            },
            &[
                Line::debit(goal_account(goal.id, bucket), amount),
                Line::credit(org_account(pledge.org), amount),
            ],
            now,
        )
        .await?;
        set_pledge(tx, pledge.id, PledgeState::Released, now).await?;
    }
    Ok(())
}

/// Applies what time decides: an open goal past its deadline expires; a
/// delivered goal whose review window closed without objection is accepted.
async fn apply_time(tx: &mut Tx<'_>, goal: &mut Goal, now: i64) -> Result<()> {
    if goal.state == GoalState::Open && goal.deadline_at <= now {
        release_all(tx, goal, "release", None, now).await?;
        set_goal_state(tx, goal.id, GoalState::Expired, now).await?;
        event(tx, goal, kind::EXPIRED, None, None, None, now).await?;
        goal.state = GoalState::Expired;
    }
    if goal.state == GoalState::Delivered && goal.review_ends_at.is_some_and(|end| end <= now) {
        accept(tx, goal, None, now).await?;
        goal.state = GoalState::Accepted;
    }
    Ok(())
}

/// Brings one goal up to date with the clock; called on every read.
pub async fn refresh(db: &Db, goal: &Goal) -> Result<Goal> {
    let now = now_ms();
    let due = (goal.state == GoalState::Open && goal.deadline_at <= now)
        || (goal.state == GoalState::Delivered
            && goal.review_ends_at.is_some_and(|end| end <= now));
    if !due {
        return Ok(goal.clone());
    }
    let mut tx = db.pool().begin().await?;
    let mut locked = lock_goal(&mut tx, goal.id).await?;
    apply_time(&mut tx, &mut locked, now).await?;
    tx.commit().await?;
    Ok(locked)
}

/// Applies deadlines and review windows to every goal whose time has come;
/// the server runs it periodically. Returns how many goals changed.
pub async fn sweep(db: &Db) -> Result<usize> {
    let now = now_ms();
    let rows = sqlx::query(
        "SELECT id FROM funding_goals WHERE (state = 'open' AND deadline_at <= $1) \
         OR (state = 'delivered' AND review_ends_at <= $1)",
    )
    .bind(now)
    .fetch_all(db.pool())
    .await?;
    let mut changed = 0;
    for row in rows {
        let id: i64 = row.try_get("id")?;
        if let Some(goal) = super::view::goal_by_id(db, id).await? {
            let after = refresh(db, &goal).await?;
            if after.state != goal.state {
                changed += 1;
            }
        }
    }
    Ok(changed)
}

/// The organisation's fixed shares once the budget is covered: commits every
/// active pledge, posts the unused part back to its organisation.
async fn fund(tx: &mut Tx<'_>, goal: &Goal, now: i64) -> Result<()> {
    let pledges: Vec<LivePledge> = live_pledges(tx, goal.id)
        .await?
        .into_iter()
        .filter(|p| p.state == PledgeState::Active)
        .collect();
    let amounts: Vec<i64> = pledges.iter().map(|p| p.amount).collect();
    let shares = money::shares(goal.budget_minor, &amounts);
    for (pledge, share) in pledges.iter().zip(shares) {
        ledger::post(
            tx,
            Posting {
                goal: goal.id,
                pledge: Some(pledge.id),
                payment: None,
                event: "commitment",
                currency: &goal.currency,
                actor: None,
            },
            &[
                Line::debit(goal_account(goal.id, "pledged"), pledge.amount),
                Line::credit(goal_account(goal.id, "committed"), share),
                Line::credit(org_account(pledge.org), pledge.amount - share),
            ],
            now,
        )
        .await?;
        sqlx::query("UPDATE pledges SET state = 'committed', share_minor = $1, updated_at = $2 WHERE id = $3")
            .bind(share)
            .bind(now)
            .bind(pledge.id)
            .execute(&mut **tx)
            .await?;
    }
    set_goal_state(tx, goal.id, GoalState::Funded, now).await?;
    event(
        tx,
        goal,
        kind::FUNDED,
        None,
        None,
        Some(&amount_text(goal.budget_minor, &goal.currency)),
        now,
    )
    .await
}

/// Accepts the delivery: every committed share is called for payment.
async fn accept(tx: &mut Tx<'_>, goal: &Goal, actor: Option<AccountId>, now: i64) -> Result<()> {
    for pledge in live_pledges(tx, goal.id).await? {
        if pledge.state != PledgeState::Committed {
            continue;
        }
        ledger::post(
            tx,
            Posting {
                goal: goal.id,
                pledge: Some(pledge.id),
                payment: None,
                event: "call",
                currency: &goal.currency,
                actor,
            },
            &[
                Line::debit(goal_account(goal.id, "committed"), pledge.share),
                Line::credit(goal_account(goal.id, "due"), pledge.share),
            ],
            now,
        )
        .await?;
        let state = if pledge.share == 0 {
            PledgeState::Paid
        } else {
            PledgeState::Due
        };
        set_pledge(tx, pledge.id, state, now).await?;
    }
    set_goal_state(tx, goal.id, GoalState::Accepted, now).await?;
    event(tx, goal, kind::ACCEPTED, actor, None, None, now).await?;
    settle_if_paid(tx, goal, now).await
}

async fn settle_if_paid(tx: &mut Tx<'_>, goal: &Goal, now: i64) -> Result<()> {
    let unpaid = live_pledges(tx, goal.id)
        .await?
        .iter()
        .any(|p| p.state == PledgeState::Due);
    if !unpaid {
        set_goal_state(tx, goal.id, GoalState::Settled, now).await?;
        event(tx, goal, kind::SETTLED, None, None, None, now).await?;
    }
    Ok(())
}

async fn goal_for_issue(db: &Db, issue: &Issue) -> Result<Goal> {
    let goal = super::view::goal_of_issue(db, issue.id)
        .await?
        .ok_or_else(|| Error::not_found("error-goal-not-found"))?;
    refresh(db, &goal).await
}

async fn ensure_readable(db: &Db, actor: &User, repo: &Repo) -> Result<Access> {
    let access = repo::access(db, Some(actor), repo).await?;
    if access < Access::Read {
        return Err(Error::not_found("error-repo-not-found"));
    }
    Ok(access)
}

/// The organisation `name`, if `actor` may act for it with money.
async fn treasury_of(db: &Db, actor: &User, name: &str) -> Result<org::Org> {
    if name.contains('\0') {
        return Err(Error::invalid("org", "error-org-not-found"));
    }
    let found = org::by_name(db, name)
        .await?
        .ok_or_else(|| Error::invalid("org", "error-org-not-found"))?;
    let role = org::role_of(db, found.id, actor.id).await?;
    if !role.is_some_and(Role::handles_money) {
        return Err(Error::forbidden("error-pledge-role"));
    }
    Ok(found)
}

fn validate_input(input: &GoalInput, now: i64) -> Result<(String, String, i64, i64)> {
    money::check_minor("budget_minor", input.budget_minor)?;
    let (currency, _) = money::currency(&input.currency)?;
    refuse_nul("acceptance", &input.acceptance)?;
    let acceptance = input.acceptance.trim().to_string();
    if acceptance.is_empty() {
        return Err(Error::invalid("acceptance", "error-acceptance-empty"));
    }
    if acceptance.chars().count() > 20_000 {
        return Err(Error::Invalid {
            field: "acceptance",
            problem: Problem::new("error-text-too-long").arg("max", "20000"),
        });
    }
    if input.deadline_at <= now {
        return Err(Error::invalid("deadline", "error-deadline-past"));
    }
    let review_days = input.review_days.unwrap_or(DEFAULT_REVIEW_DAYS);
    if !(1..=90).contains(&review_days) {
        return Err(Error::invalid("review_days", "error-review-days"));
    }
    let min_funders = input.min_funders.unwrap_or(1);
    if !(1..=1000).contains(&min_funders) {
        return Err(Error::invalid("min_funders", "error-min-funders"));
    }
    Ok((currency.to_string(), acceptance, review_days, min_funders))
}

/// Opens a goal on an issue, or edits it: anything while no pledge is
/// active; afterwards only a later deadline and clearer criteria.
pub async fn put_goal(
    db: &Db,
    actor: &User,
    repo: &Repo,
    issue: &Issue,
    input: GoalInput,
) -> Result<Goal> {
    if ensure_readable(db, actor, repo).await? < Access::Write {
        return Err(Error::forbidden("error-maintainers-only"));
    }
    let now = now_ms();
    let (currency, acceptance, review_days, min_funders) = validate_input(&input, now)?;
    let me = Some(AccountId::from(actor.id));
    let existing = super::view::goal_of_issue(db, issue.id).await?;
    let mut tx = db.pool().begin().await?;
    let id = match existing {
        None => {
            let inserted = sqlx::query(
                "INSERT INTO funding_goals (issue_id, repo_id, state, budget_minor, currency, acceptance, deadline_at, \
                 review_days, min_funders, created_by, created_at, updated_at) \
                 VALUES ($1, $2, 'open', $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
            )
            .bind(issue.id.0)
            .bind(repo.id.0)
            .bind(input.budget_minor)
            .bind(&currency)
            .bind(&acceptance)
            .bind(input.deadline_at)
            .bind(review_days)
            .bind(min_funders)
            .bind(actor.id.0)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(Error::from);
            let id: i64 = match inserted {
                Ok(row) => row.try_get("id")?,
                Err(e) if e.is_unique_violation() => return Err(conflict("error-goal-exists")),
                Err(e) => return Err(e),
            };
            let goal = lock_goal(&mut tx, id).await?;
            event(
                &mut tx,
                &goal,
                kind::OPENED,
                me,
                None,
                Some(&amount_text(goal.budget_minor, &goal.currency)),
                now,
            )
            .await?;
            id
        }
        Some(goal) => {
            let mut goal = lock_goal(&mut tx, goal.id).await?;
            apply_time(&mut tx, &mut goal, now).await?;
            if goal.state != GoalState::Open {
                return Err(conflict("error-goal-not-open"));
            }
            let active = live_pledges(&mut tx, goal.id).await?.len();
            let money_changes = input.budget_minor != goal.budget_minor
                || currency != goal.currency
                || review_days != goal.review_days
                || min_funders != goal.min_funders;
            if active > 0 && (money_changes || input.deadline_at < goal.deadline_at) {
                return Err(conflict("error-goal-pledged"));
            }
            sqlx::query(
                "UPDATE funding_goals SET budget_minor = $1, currency = $2, acceptance = $3, deadline_at = $4, \
                 review_days = $5, min_funders = $6, updated_at = $7 WHERE id = $8",
            )
            .bind(input.budget_minor)
            .bind(&currency)
            .bind(&acceptance)
            .bind(input.deadline_at)
            .bind(review_days)
            .bind(min_funders)
            .bind(now)
            .bind(goal.id)
            .execute(&mut *tx)
            .await?;
            let mut changes = Vec::new();
            if input.budget_minor != goal.budget_minor || currency != goal.currency {
                changes.push("budget");
            }
            if acceptance != goal.acceptance {
                changes.push("acceptance");
            }
            if input.deadline_at != goal.deadline_at {
                changes.push("deadline");
            }
            if review_days != goal.review_days {
                changes.push("review_days");
            }
            if min_funders != goal.min_funders {
                changes.push("min_funders");
            }
            if !changes.is_empty() {
                event(
                    &mut tx,
                    &goal,
                    kind::CHANGED,
                    me,
                    None,
                    Some(&changes.join(",")),
                    now,
                )
                .await?;
            }
            goal.id
        }
    };
    tx.commit().await?;
    super::view::goal_by_id(db, id)
        .await?
        .ok_or_else(|| Error::Internal("a goal vanished".into()))
}

/// The result of a pledge request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PledgeOutcome {
    pub pledge_id: i64,
    /// A new pledge was made (rather than an organisation's active pledge
    /// changed, or a request replayed).
    pub created: bool,
    /// The request repeated an `Idempotency-Key` already used: nothing was done.
    pub replayed: bool,
}

/// The result of the first request that carried `key`, when this request
/// replays it. A key is remembered with its scope, the kind of request and
/// the goal it was used on: the same key on another goal, or for another
/// kind of request, is refused rather than answered with something else.
async fn replayed(
    tx: &mut Tx<'_>,
    actor: &User,
    key: Option<&str>,
    scope: &str,
) -> Result<Option<i64>> {
    let Some(key) = key else { return Ok(None) };
    let row = sqlx::query(
        "SELECT scope, result_id FROM idempotency_keys WHERE user_id = $1 AND key = $2",
    )
    .bind(actor.id.0)
    .bind(key)
    .fetch_optional(&mut **tx)
    .await?;
    match row {
        Some(row) if row.try_get::<String, _>("scope")? == scope => {
            Ok(Some(row.try_get("result_id")?))
        }
        Some(_) => Err(Error::conflict(None, "error-idempotency-reused")),
        None => Ok(None),
    }
}

async fn remember(
    tx: &mut Tx<'_>,
    actor: &User,
    key: Option<&str>,
    scope: &str,
    result: i64,
    now: i64,
) -> Result<()> {
    if let Some(key) = key {
        let inserted = sqlx::query("INSERT INTO idempotency_keys (user_id, key, scope, result_id, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(actor.id.0)
            .bind(key)
            .bind(scope)
            .bind(result)
            .bind(now)
            .execute(&mut **tx)
            .await
            .map_err(Error::from);
        match inserted {
            Ok(_) => {}
            // The same key used at the same moment on another goal.
            Err(e) if e.is_unique_violation() => {
                return Err(Error::conflict(None, "error-idempotency-reused"));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn validate_key(key: Option<&str>) -> Result<Option<&str>> {
    match key.map(str::trim) {
        Some("") | None => Ok(None),
        Some(k) if k.len() <= 255 && k.chars().all(|c| c.is_ascii_graphic()) => Ok(Some(k)),
        Some(_) => Err(Error::invalid("idempotency_key", "error-idempotency-key")),
    }
}

/// A pledge as asked: "up to" `amount_minor` for the organisation `org`.
#[derive(Debug, Clone, Copy)]
pub struct PledgeRequest<'a> {
    pub org: &'a str,
    pub amount_minor: i64,
    pub currency: &'a str,
    pub idempotency_key: Option<&'a str>,
}

/// A payment received, as recorded.
#[derive(Debug, Clone, Copy)]
pub struct PaymentRequest<'a> {
    pub pledge: i64,
    pub amount_minor: i64,
    /// The bank reference of the transfer.
    pub reference: &'a str,
    pub idempotency_key: Option<&'a str>,
}

/// Pledges "up to" `amount_minor` for `org_name`, or changes that
/// organisation's active pledge. Funds the goal when the pledges cover it.
pub async fn pledge(
    db: &Db,
    actor: &User,
    repo: &Repo,
    issue: &Issue,
    request: PledgeRequest<'_>,
) -> Result<PledgeOutcome> {
    let PledgeRequest {
        org: org_name,
        amount_minor,
        currency,
        idempotency_key,
    } = request;
    ensure_readable(db, actor, repo).await?;
    let key = validate_key(idempotency_key)?;
    let goal = goal_for_issue(db, issue).await?;
    let org = treasury_of(db, actor, org_name).await?;
    money::check_minor("amount_minor", amount_minor)?;
    let (currency, _) = money::currency(currency)?;
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    let mut goal = lock_goal(&mut tx, goal.id).await?;
    let scope = format!("pledge:{}", goal.id);
    if let Some(previous) = replayed(&mut tx, actor, key, &scope).await? {
        return Ok(PledgeOutcome {
            pledge_id: previous,
            created: false,
            replayed: true,
        });
    }
    apply_time(&mut tx, &mut goal, now).await?;
    if goal.state != GoalState::Open {
        tx.commit().await?;
        return Err(conflict("error-goal-not-open"));
    }
    if currency != goal.currency {
        return Err(Error::invalid("currency", "error-currency-mismatch"));
    }
    let me = Some(AccountId::from(actor.id));
    let existing = live_pledges(&mut tx, goal.id)
        .await?
        .into_iter()
        .find(|p| p.org == org.id);
    let created = existing.is_none();
    let pledge_id = match existing {
        Some(current) => {
            let delta = amount_minor - current.amount;
            if delta != 0 {
                let lines = if delta > 0 {
                    [
                        Line::debit(org_account(org.id), delta),
                        Line::credit(goal_account(goal.id, "pledged"), delta),
                    ]
                } else {
                    [
                        Line::debit(goal_account(goal.id, "pledged"), -delta),
                        Line::credit(org_account(org.id), -delta),
                    ]
                };
                ledger::post(
                    &mut tx,
                    Posting {
                        goal: goal.id,
                        pledge: Some(current.id),
                        payment: None,
                        event: "pledge_change",
                        currency,
                        actor: me,
                    },
                    &lines,
                    now,
                )
                .await?;
                sqlx::query("UPDATE pledges SET amount_minor = $1, updated_at = $2 WHERE id = $3")
                    .bind(amount_minor)
                    .bind(now)
                    .bind(current.id)
                    .execute(&mut *tx)
                    .await?;
                event(
                    &mut tx,
                    &goal,
                    kind::PLEDGE_CHANGED,
                    me,
                    Some(org.id),
                    Some(&amount_text(amount_minor, currency)),
                    now,
                )
                .await?;
            }
            current.id
        }
        None => {
            let id: i64 = sqlx::query(
                "INSERT INTO pledges (goal_id, org_id, amount_minor, currency, state, pledged_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, 'active', $5, $6, $6) RETURNING id",
            )
            .bind(goal.id)
            .bind(org.id.0)
            .bind(amount_minor)
            .bind(currency)
            .bind(actor.id.0)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
            ledger::post(
                &mut tx,
                Posting {
                    goal: goal.id,
                    pledge: Some(id),
                    payment: None,
                    event: "pledge",
                    currency,
                    actor: me,
                },
                &[
                    Line::debit(org_account(org.id), amount_minor),
                    Line::credit(goal_account(goal.id, "pledged"), amount_minor),
                ],
                now,
            )
            .await?;
            event(
                &mut tx,
                &goal,
                kind::PLEDGED,
                me,
                Some(org.id),
                Some(&amount_text(amount_minor, currency)),
                now,
            )
            .await?;
            id
        }
    };
    let live = live_pledges(&mut tx, goal.id).await?;
    let total: i128 = live.iter().map(|p| i128::from(p.amount)).sum();
    let funders = i64::try_from(live.len()).unwrap_or(i64::MAX);
    if total >= i128::from(goal.budget_minor) && funders >= goal.min_funders {
        fund(&mut tx, &goal, now).await?;
    }
    remember(&mut tx, actor, key, &scope, pledge_id, now).await?;
    tx.commit().await?;
    Ok(PledgeOutcome {
        pledge_id,
        created,
        replayed: false,
    })
}

async fn pledge_on_goal(
    tx: &mut Tx<'_>,
    goal: &Goal,
    pledge: i64,
) -> Result<(OrgId, PledgeState, i64, i64, i64)> {
    let row = sqlx::query("SELECT org_id, state, amount_minor, share_minor, paid_minor FROM pledges WHERE id = $1 AND goal_id = $2")
        .bind(pledge)
        .bind(goal.id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| Error::not_found("error-pledge-not-found"))?;
    let state: String = row.try_get("state")?;
    Ok((
        OrgId(row.try_get("org_id")?),
        PledgeState::parse(&state)
            .ok_or_else(|| Error::Internal(format!("unknown pledge state {state}")))?,
        row.try_get("amount_minor")?,
        row.try_get::<Option<i64>, _>("share_minor")?.unwrap_or(0),
        row.try_get("paid_minor")?,
    ))
}

/// Withdraws a pledge, only while the goal is open.
pub async fn withdraw(
    db: &Db,
    actor: &User,
    repo: &Repo,
    issue: &Issue,
    pledge: i64,
) -> Result<()> {
    ensure_readable(db, actor, repo).await?;
    let goal = goal_for_issue(db, issue).await?;
    // The organisation's role is read before the transaction: a transaction
    // must not wait for a second connection from the pool.
    let pledger = sqlx::query("SELECT org_id FROM pledges WHERE id = $1 AND goal_id = $2")
        .bind(pledge)
        .bind(goal.id)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(|| Error::not_found("error-pledge-not-found"))?;
    let pledger = OrgId(pledger.try_get("org_id")?);
    if !org::role_of(db, pledger, actor.id)
        .await?
        .is_some_and(Role::handles_money)
    {
        return Err(Error::forbidden("error-pledge-role"));
    }
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    let mut goal = lock_goal(&mut tx, goal.id).await?;
    apply_time(&mut tx, &mut goal, now).await?;
    let (org_id, state, amount, _, _) = pledge_on_goal(&mut tx, &goal, pledge).await?;
    if goal.state != GoalState::Open || state != PledgeState::Active {
        tx.commit().await?;
        return Err(conflict("error-withdraw-closed"));
    }
    let me = Some(AccountId::from(actor.id));
    ledger::post(
        &mut tx,
        Posting {
            goal: goal.id,
            pledge: Some(pledge),
            payment: None,
            event: "withdrawal",
            currency: &goal.currency,
            actor: me,
        },
        &[
            Line::debit(goal_account(goal.id, "pledged"), amount),
            Line::credit(org_account(org_id), amount),
        ],
        now,
    )
    .await?;
    set_pledge(&mut tx, pledge, PledgeState::Withdrawn, now).await?;
    event(
        &mut tx,
        &goal,
        kind::WITHDRAWN,
        me,
        Some(org_id),
        Some(&amount_text(amount, &goal.currency)),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Cancels a goal before delivery; every pledge is released.
pub async fn cancel(db: &Db, actor: &User, repo: &Repo, issue: &Issue) -> Result<()> {
    if ensure_readable(db, actor, repo).await? < Access::Write {
        return Err(Error::forbidden("error-maintainers-only"));
    }
    let goal = goal_for_issue(db, issue).await?;
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    let mut goal = lock_goal(&mut tx, goal.id).await?;
    apply_time(&mut tx, &mut goal, now).await?;
    if !matches!(goal.state, GoalState::Open | GoalState::Funded) {
        tx.commit().await?;
        return Err(conflict("error-cancel-late"));
    }
    let me = Some(AccountId::from(actor.id));
    release_all(&mut tx, &goal, "release", me, now).await?;
    set_goal_state(&mut tx, goal.id, GoalState::Cancelled, now).await?;
    event(&mut tx, &goal, kind::CANCELLED, me, None, None, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Declares delivery of a funded goal; the review window opens.
pub async fn deliver(
    db: &Db,
    actor: &User,
    repo: &Repo,
    issue: &Issue,
    note: &str,
    commits: &[String],
) -> Result<()> {
    if ensure_readable(db, actor, repo).await? < Access::Write {
        return Err(Error::forbidden("error-maintainers-only"));
    }
    refuse_nul("note", note)?;
    let note = note.trim();
    if note.is_empty() {
        return Err(Error::invalid("note", "error-delivery-note"));
    }
    if note.chars().count() > 20_000 {
        return Err(Error::Invalid {
            field: "note",
            problem: Problem::new("error-text-too-long").arg("max", "20000"),
        });
    }
    for commit in commits {
        if !(7..=40).contains(&commit.len()) || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::invalid("commits", "error-commit-id"));
        }
    }
    let goal = goal_for_issue(db, issue).await?;
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    let mut goal = lock_goal(&mut tx, goal.id).await?;
    apply_time(&mut tx, &mut goal, now).await?;
    if goal.state != GoalState::Funded {
        tx.commit().await?;
        return Err(conflict("error-deliver-unfunded"));
    }
    let ends = now + goal.review_days * DAY_MS;
    sqlx::query(
        "UPDATE funding_goals SET state = 'delivered', delivery_note = $1, delivery_commits = $2, delivered_at = $3, \
         review_ends_at = $4, updated_at = $3 WHERE id = $5",
    )
    .bind(note)
    .bind(commits.join(" "))
    .bind(now)
    .bind(ends)
    .bind(goal.id)
    .execute(&mut *tx)
    .await?;
    event(
        &mut tx,
        &goal,
        kind::DELIVERED,
        Some(actor.id.into()),
        None,
        None,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A pledging organisation's review of a delivery: accepting (the goal is
/// accepted once every pledger has), or objecting with a reason (a dispute).
pub async fn review(
    db: &Db,
    actor: &User,
    repo: &Repo,
    issue: &Issue,
    org_name: &str,
    verdict: Verdict,
    reason: &str,
) -> Result<()> {
    ensure_readable(db, actor, repo).await?;
    let org = treasury_of(db, actor, org_name).await?;
    refuse_nul("reason", reason)?;
    let reason = reason.trim();
    if verdict == Verdict::Object && reason.is_empty() {
        return Err(Error::invalid("reason", "error-objection-reason"));
    }
    if reason.chars().count() > 5000 {
        return Err(Error::Invalid {
            field: "reason",
            problem: Problem::new("error-text-too-long").arg("max", "5000"),
        });
    }
    let goal = goal_for_issue(db, issue).await?;
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    let mut goal = lock_goal(&mut tx, goal.id).await?;
    apply_time(&mut tx, &mut goal, now).await?;
    // Whether the organisation pledged (a pledge it did not withdraw), so
    // that a pledger asking too early or too late hears that the review is
    // closed, and anyone else that only pledgers review.
    let pledged: i64 = sqlx::query(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM pledges WHERE goal_id = $1 AND org_id = $2 AND state <> 'withdrawn'",
    )
    .bind(goal.id)
    .bind(org.id.0)
    .fetch_one(&mut *tx)
    .await?
    .try_get("n")?;
    if pledged == 0 {
        tx.commit().await?;
        return Err(Error::forbidden("error-review-not-pledger"));
    }
    if goal.state != GoalState::Delivered {
        tx.commit().await?;
        return Err(conflict("error-review-closed"));
    }
    let live = live_pledges(&mut tx, goal.id).await?;
    if !live
        .iter()
        .any(|p| p.org == org.id && p.state == PledgeState::Committed)
    {
        tx.commit().await?;
        return Err(Error::forbidden("error-review-not-pledger"));
    }
    let verdict_text = match verdict {
        Verdict::Accept => "accept",
        Verdict::Object => "object",
    };
    sqlx::query(
        "INSERT INTO funding_reviews (goal_id, org_id, verdict, reason, by_user, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (goal_id, org_id) DO UPDATE SET verdict = EXCLUDED.verdict, reason = EXCLUDED.reason, \
         by_user = EXCLUDED.by_user, created_at = EXCLUDED.created_at",
    )
    .bind(goal.id)
    .bind(org.id.0)
    .bind(verdict_text)
    .bind(reason)
    .bind(actor.id.0)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let me = Some(AccountId::from(actor.id));
    match verdict {
        Verdict::Object => {
            set_goal_state(&mut tx, goal.id, GoalState::Disputed, now).await?;
            event(
                &mut tx,
                &goal,
                kind::DISPUTED,
                me,
                Some(org.id),
                Some(reason),
                now,
            )
            .await?;
        }
        Verdict::Accept => {
            event(
                &mut tx,
                &goal,
                kind::REVIEW_ACCEPTED,
                me,
                Some(org.id),
                None,
                now,
            )
            .await?;
            let accepted: Vec<OrgId> = sqlx::query(
                "SELECT org_id FROM funding_reviews WHERE goal_id = $1 AND verdict = 'accept'",
            )
            .bind(goal.id)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| Ok(OrgId(r.try_get("org_id")?)))
            .collect::<Result<_>>()?;
            let everyone = live
                .iter()
                .filter(|p| p.state == PledgeState::Committed)
                .all(|p| accepted.contains(&p.org));
            if everyone {
                accept(&mut tx, &goal, None, now).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The repository owner (the owning user, or an owner of the owning
/// organisation) resolves a dispute.
pub async fn resolve(
    db: &Db,
    actor: &User,
    repo: &Repo,
    issue: &Issue,
    resolution: Resolution,
) -> Result<()> {
    if ensure_readable(db, actor, repo).await? < Access::Admin {
        return Err(Error::forbidden("error-resolve-owner-only"));
    }
    let goal = goal_for_issue(db, issue).await?;
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    let goal = lock_goal(&mut tx, goal.id).await?;
    if goal.state != GoalState::Disputed {
        tx.commit().await?;
        return Err(conflict("error-not-disputed"));
    }
    let me = Some(AccountId::from(actor.id));
    match resolution {
        Resolution::Accept => accept(&mut tx, &goal, me, now).await?,
        Resolution::Reject => {
            release_all(&mut tx, &goal, "release", me, now).await?;
            set_goal_state(&mut tx, goal.id, GoalState::Rejected, now).await?;
            event(&mut tx, &goal, kind::REJECTED, me, None, None, now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Whether `actor` receives money for `repo`: the owning user, or an owner
/// or treasurer of the owning organisation.
async fn receives_for(db: &Db, actor: &User, repo: &Repo) -> Result<bool> {
    if repo.owner_is_org {
        Ok(org::role_of(db, OrgId(repo.owner_id.0), actor.id)
            .await?
            .is_some_and(Role::handles_money))
    } else {
        Ok(actor.id.0 == repo.owner_id.0)
    }
}

/// The result of a payment request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentOutcome {
    pub payment_id: i64,
    /// The request repeated an `Idempotency-Key` already used: nothing was done.
    pub replayed: bool,
}

/// Records a payment received against a pledge's called share; the id of
/// the payment (of the first one, for a replayed `Idempotency-Key`).
pub async fn record_payment(
    db: &Db,
    actor: &User,
    repo: &Repo,
    issue: &Issue,
    request: PaymentRequest<'_>,
) -> Result<i64> {
    Ok(record_payment_outcome(db, actor, repo, issue, request)
        .await?
        .payment_id)
}

/// Records a payment received against a pledge's called share, telling a
/// replayed request from a new one.
pub async fn record_payment_outcome(
    db: &Db,
    actor: &User,
    repo: &Repo,
    issue: &Issue,
    request: PaymentRequest<'_>,
) -> Result<PaymentOutcome> {
    let PaymentRequest {
        pledge,
        amount_minor,
        reference,
        idempotency_key,
    } = request;
    ensure_readable(db, actor, repo).await?;
    if !receives_for(db, actor, repo).await? {
        return Err(Error::forbidden("error-payment-receiver-only"));
    }
    let key = validate_key(idempotency_key)?;
    money::check_minor("amount_minor", amount_minor)?;
    refuse_nul("reference", reference)?;
    let reference = reference.trim();
    if reference.is_empty() || reference.chars().count() > 200 {
        return Err(Error::invalid("reference", "error-payment-reference"));
    }
    let goal = goal_for_issue(db, issue).await?;
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    let mut goal = lock_goal(&mut tx, goal.id).await?;
    let scope = format!("payment:{}", goal.id);
    if let Some(previous) = replayed(&mut tx, actor, key, &scope).await? {
        return Ok(PaymentOutcome {
            payment_id: previous,
            replayed: true,
        });
    }
    apply_time(&mut tx, &mut goal, now).await?;
    let (org_id, state, _, share, paid) = pledge_on_goal(&mut tx, &goal, pledge).await?;
    if state != PledgeState::Due {
        tx.commit().await?;
        return Err(conflict("error-payment-not-due"));
    }
    if amount_minor > share - paid {
        let (_, exponent) = money::currency(&goal.currency)?;
        return Err(Error::Invalid {
            field: "amount_minor",
            problem: Problem::new("error-payment-too-much")
                .arg(
                    "left",
                    money::format_major(share - paid, exponent, '.', ' '),
                )
                .arg("currency", goal.currency.clone())
                .arg("left_minor", (share - paid).to_string()),
        });
    }
    let id: i64 = sqlx::query(
        "INSERT INTO payments (pledge_id, amount_minor, reference, recorded_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(pledge)
    .bind(amount_minor)
    .bind(reference)
    .bind(actor.id.0)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    let me = Some(AccountId::from(actor.id));
    ledger::post(
        &mut tx,
        Posting {
            goal: goal.id,
            pledge: Some(pledge),
            payment: Some(id),
            event: "payment",
            currency: &goal.currency,
            actor: me,
        },
        &[
            Line::debit(goal_account(goal.id, "due"), amount_minor),
            Line::credit(goal_account(goal.id, "paid"), amount_minor),
        ],
        now,
    )
    .await?;
    let paid = paid + amount_minor;
    let state = if paid == share {
        PledgeState::Paid
    } else {
        PledgeState::Due
    };
    sqlx::query("UPDATE pledges SET paid_minor = $1, state = $2, updated_at = $3 WHERE id = $4")
        .bind(paid)
        .bind(state.as_str())
        .bind(now)
        .bind(pledge)
        .execute(&mut *tx)
        .await?;
    event(
        &mut tx,
        &goal,
        kind::PAYMENT,
        me,
        Some(org_id),
        Some(&amount_text(amount_minor, &goal.currency)),
        now,
    )
    .await?;
    settle_if_paid(&mut tx, &goal, now).await?;
    remember(&mut tx, actor, key, &scope, id, now).await?;
    tx.commit().await?;
    Ok(PaymentOutcome {
        payment_id: id,
        replayed: false,
    })
}

/// Corrects a payment recorded by mistake with a reversing entry; nothing is
/// edited. A settled goal goes back to accepted until the share is paid.
pub async fn reverse_payment(
    db: &Db,
    actor: &User,
    repo: &Repo,
    issue: &Issue,
    payment: i64,
) -> Result<i64> {
    ensure_readable(db, actor, repo).await?;
    if !receives_for(db, actor, repo).await? {
        return Err(Error::forbidden("error-payment-receiver-only"));
    }
    let goal = goal_for_issue(db, issue).await?;
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    let goal = lock_goal(&mut tx, goal.id).await?;
    let row = sqlx::query(
        "SELECT pay.pledge_id, pay.amount_minor, pay.reverses, \
         CAST((SELECT COUNT(*) FROM payments r WHERE r.reverses = pay.id) AS BIGINT) AS reversed \
         FROM payments pay JOIN pledges p ON p.id = pay.pledge_id WHERE pay.id = $1 AND p.goal_id = $2",
    )
    .bind(payment)
    .bind(goal.id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Error::not_found("error-payment-not-found"))?;
    let pledge: i64 = row.try_get("pledge_id")?;
    let amount: i64 = row.try_get("amount_minor")?;
    if row.try_get::<Option<i64>, _>("reverses")?.is_some()
        || row.try_get::<i64, _>("reversed")? > 0
    {
        tx.commit().await?;
        return Err(conflict("error-payment-reversed"));
    }
    let (org_id, _, _, _, paid) = pledge_on_goal(&mut tx, &goal, pledge).await?;
    let id: i64 = sqlx::query(
        "INSERT INTO payments (pledge_id, amount_minor, reference, recorded_by, reverses, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(pledge)
    .bind(-amount)
    .bind(format!("reversal of payment {payment}"))
    .bind(actor.id.0)
    .bind(payment)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    let me = Some(AccountId::from(actor.id));
    ledger::post(
        &mut tx,
        Posting {
            goal: goal.id,
            pledge: Some(pledge),
            payment: Some(id),
            event: "correction",
            currency: &goal.currency,
            actor: me,
        },
        &[
            Line::debit(goal_account(goal.id, "paid"), amount),
            Line::credit(goal_account(goal.id, "due"), amount),
        ],
        now,
    )
    .await?;
    sqlx::query("UPDATE pledges SET paid_minor = $1, state = 'due', updated_at = $2 WHERE id = $3")
        .bind(paid - amount)
        .bind(now)
        .bind(pledge)
        .execute(&mut *tx)
        .await?;
    if goal.state == GoalState::Settled {
        set_goal_state(&mut tx, goal.id, GoalState::Accepted, now).await?;
    }
    event(
        &mut tx,
        &goal,
        kind::PAYMENT_REVERSED,
        me,
        Some(org_id),
        Some(&amount_text(amount, &goal.currency)),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
