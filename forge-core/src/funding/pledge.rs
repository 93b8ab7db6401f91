//! Pledging, changing and withdrawing a pledge, and funding the goal with
//! each pledger's fair share once the pledges cover it.

use super::goal::apply_time;
use super::idempotency::{IdempotencyKey, Request, canonical};
use super::kind;
use super::ledger::{self, Bucket, Line, MoneyEvent, Posting, goal_account, org_account};
use super::shared::{
    PledgeFigures, amount_text, begin_change, conflict, ensure_readable, ensure_treasurer, event,
    goal_for_issue, live_pledges, lock_goal, pledge_on_goal, set_goal_state, set_pledge,
    treasury_of,
};
use super::view::Goal;
use super::{GoalState, PledgeState};
use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{AccountId, OrgId, PledgeId};
use crate::issue::Issue;
use crate::money;
use crate::repo::Repo;
use crate::timeline::Tx;
use crate::user::User;
use sqlx::Row;

/// The result of a pledge request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PledgeOutcome {
    pub pledge_id: PledgeId,
    /// A new pledge was made (rather than an organisation's active pledge
    /// changed, or a request replayed).
    pub created: bool,
    /// The request repeated an `Idempotency-Key` already used: nothing was done.
    pub replayed: bool,
}

/// A pledge as asked: "up to" `amount_minor` for the organisation `org`.
#[derive(Debug, Clone, Copy)]
pub struct PledgeRequest<'a> {
    pub org: &'a str,
    pub amount_minor: i64,
    pub currency: &'a str,
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
    let key = IdempotencyKey::parse(idempotency_key, Request::Pledge)?;
    let goal = goal_for_issue(db, issue).await?;
    let org = treasury_of(db, actor, org_name).await?;
    money::check_minor("amount_minor", amount_minor)?;
    let (currency, _) = money::currency(currency)?;
    let body = canonical(&[
        ("org", &org.id.to_string()),
        ("amount_minor", &amount_minor.to_string()),
        ("currency", currency),
    ]);
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    let mut goal = lock_goal(&mut tx, goal.id).await?;
    if let Some(previous) = key.replayed(&mut tx, actor, goal.id, &body).await? {
        return Ok(PledgeOutcome {
            pledge_id: PledgeId(previous),
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
                let pledged = goal_account(goal.id, Bucket::Pledged);
                let lines = if delta > 0 {
                    Line::debit_credit(org_account(org.id), pledged, delta)
                } else {
                    Line::debit_credit(pledged, org_account(org.id), -delta)
                };
                ledger::post(
                    &mut tx,
                    Posting::of_pledge(&goal, current.id, MoneyEvent::PledgeChange, me),
                    &lines,
                    now,
                )
                .await?;
                sqlx::query("UPDATE pledges SET amount_minor = $1, updated_at = $2 WHERE id = $3")
                    .bind(amount_minor)
                    .bind(now)
                    .bind(current.id.0)
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
            let id = PledgeId(sqlx::query(
                "INSERT INTO pledges (goal_id, org_id, amount_minor, currency, state, pledged_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
            )
            .bind(goal.id.0)
            .bind(org.id.0)
            .bind(amount_minor)
            .bind(currency)
            .bind(PledgeState::Active.as_str())
            .bind(actor.id.0)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?);
            ledger::post(
                &mut tx,
                Posting::of_pledge(&goal, id, MoneyEvent::Pledge, me),
                &Line::debit_credit(
                    org_account(org.id),
                    goal_account(goal.id, Bucket::Pledged),
                    amount_minor,
                ),
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
    key.remember(&mut tx, actor, goal.id, &body, pledge_id.0, now)
        .await?;
    tx.commit().await?;
    Ok(PledgeOutcome {
        pledge_id,
        created,
        replayed: false,
    })
}

/// Withdraws a pledge, only while the goal is open.
pub async fn withdraw(
    db: &Db,
    actor: &User,
    repo: &Repo,
    issue: &Issue,
    pledge: PledgeId,
) -> Result<()> {
    ensure_readable(db, actor, repo).await?;
    let goal = goal_for_issue(db, issue).await?;
    // The organisation's role is read before the transaction: a transaction
    // must not wait for a second connection from the pool.
    let pledger = sqlx::query("SELECT org_id FROM pledges WHERE id = $1 AND goal_id = $2")
        .bind(pledge.0)
        .bind(goal.id.0)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(|| Error::not_found("error-pledge-not-found"))?;
    ensure_treasurer(db, actor, OrgId(pledger.try_get("org_id")?)).await?;
    let (mut tx, goal, now) = begin_change(db, goal.id).await?;
    let withdrawn = pledge_on_goal(&mut tx, &goal, pledge).await?;
    if goal.state != GoalState::Open || withdrawn.state != PledgeState::Active {
        tx.commit().await?;
        return Err(conflict("error-withdraw-closed"));
    }
    let me = Some(AccountId::from(actor.id));
    ledger::post(
        &mut tx,
        Posting::of_pledge(&goal, pledge, MoneyEvent::Withdrawal, me),
        &Line::debit_credit(
            goal_account(goal.id, Bucket::Pledged),
            org_account(withdrawn.org),
            withdrawn.amount,
        ),
        now,
    )
    .await?;
    set_pledge(&mut tx, pledge, PledgeState::Withdrawn, now).await?;
    event(
        &mut tx,
        &goal,
        kind::WITHDRAWN,
        me,
        Some(withdrawn.org),
        Some(&amount_text(withdrawn.amount, &goal.currency)),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The organisation's fixed shares once the budget is covered: commits every
/// active pledge, posts the unused part back to its organisation.
async fn fund(tx: &mut Tx<'_>, goal: &Goal, now: i64) -> Result<()> {
    let pledges: Vec<PledgeFigures> = live_pledges(tx, goal.id)
        .await?
        .into_iter()
        .filter(|p| p.state == PledgeState::Active)
        .collect();
    let amounts: Vec<i64> = pledges.iter().map(|p| p.amount).collect();
    let shares = money::shares(goal.budget_minor, &amounts);
    for (pledge, share) in pledges.iter().zip(shares) {
        ledger::post(
            tx,
            Posting::of_pledge(goal, pledge.id, MoneyEvent::Commitment, None),
            &[
                Line::debit(goal_account(goal.id, Bucket::Pledged), pledge.amount),
                Line::credit(goal_account(goal.id, Bucket::Committed), share),
                Line::credit(org_account(pledge.org), pledge.amount - share),
            ],
            now,
        )
        .await?;
        sqlx::query(
            "UPDATE pledges SET state = $1, share_minor = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(PledgeState::Committed.as_str())
        .bind(share)
        .bind(now)
        .bind(pledge.id.0)
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
