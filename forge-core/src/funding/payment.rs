//! Recording payments received, reversing one recorded by mistake, and
//! settling the goal once every called share is paid.

use super::goal::apply_time;
use super::idempotency::{remember, replayed, validate_key};
use super::kind;
use super::ledger::{self, Bucket, Line, MoneyEvent, Posting, goal_account};
use super::shared::{
    amount_text, conflict, ensure_readable, event, goal_for_issue, live_pledges, lock_goal,
    pledge_on_goal, refuse_nul, set_goal_state,
};
use super::view::Goal;
use super::{GoalState, PledgeState};
use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Problem, Result};
use crate::ids::{AccountId, OrgId, PaymentId, PledgeId};
use crate::issue::Issue;
use crate::money;
use crate::org::{self, Role};
use crate::repo::Repo;
use crate::timeline::Tx;
use crate::user::User;
use sqlx::Row;

/// A payment received, as recorded.
#[derive(Debug, Clone, Copy)]
pub struct PaymentRequest<'a> {
    pub pledge: PledgeId,
    pub amount_minor: i64,
    /// The bank reference of the transfer.
    pub reference: &'a str,
    pub idempotency_key: Option<&'a str>,
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
    pub payment_id: PaymentId,
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
) -> Result<PaymentId> {
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
            payment_id: PaymentId(previous),
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
    let id = PaymentId(sqlx::query(
        "INSERT INTO payments (pledge_id, amount_minor, reference, recorded_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(pledge.0)
    .bind(amount_minor)
    .bind(reference)
    .bind(actor.id.0)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?);
    let me = Some(AccountId::from(actor.id));
    ledger::post(
        &mut tx,
        Posting {
            goal: goal.id,
            pledge: Some(pledge),
            payment: Some(id),
            event: MoneyEvent::Payment,
            currency: &goal.currency,
            actor: me,
        },
        &[
            Line::debit(goal_account(goal.id, Bucket::Due), amount_minor),
            Line::credit(goal_account(goal.id, Bucket::Paid), amount_minor),
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
        .bind(pledge.0)
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
    remember(&mut tx, actor, key, &scope, id.0, now).await?;
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
    payment: PaymentId,
) -> Result<PaymentId> {
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
    .bind(payment.0)
    .bind(goal.id.0)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Error::not_found("error-payment-not-found"))?;
    let pledge = PledgeId(row.try_get("pledge_id")?);
    let amount: i64 = row.try_get("amount_minor")?;
    if row.try_get::<Option<i64>, _>("reverses")?.is_some()
        || row.try_get::<i64, _>("reversed")? > 0
    {
        tx.commit().await?;
        return Err(conflict("error-payment-reversed"));
    }
    let (org_id, _, _, _, paid) = pledge_on_goal(&mut tx, &goal, pledge).await?;
    let id = PaymentId(sqlx::query(
        "INSERT INTO payments (pledge_id, amount_minor, reference, recorded_by, reverses, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(pledge.0)
    .bind(-amount)
    .bind(format!("reversal of payment {payment}"))
    .bind(actor.id.0)
    .bind(payment.0)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?);
    let me = Some(AccountId::from(actor.id));
    ledger::post(
        &mut tx,
        Posting {
            goal: goal.id,
            pledge: Some(pledge),
            payment: Some(id),
            event: MoneyEvent::Correction,
            currency: &goal.currency,
            actor: me,
        },
        &[
            Line::debit(goal_account(goal.id, Bucket::Paid), amount),
            Line::credit(goal_account(goal.id, Bucket::Due), amount),
        ],
        now,
    )
    .await?;
    sqlx::query("UPDATE pledges SET paid_minor = $1, state = 'due', updated_at = $2 WHERE id = $3")
        .bind(paid - amount)
        .bind(now)
        .bind(pledge.0)
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

pub(super) async fn settle_if_paid(tx: &mut Tx<'_>, goal: &Goal, now: i64) -> Result<()> {
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
