//! Recording payments received, reversing one recorded by mistake, and
//! settling the goal once every called share is paid.

use super::goal::apply_time;
use super::idempotency::{IdempotencyKey, Request, canonical};
use super::kind;
use super::ledger::{self, Bucket, Line, MoneyEvent, Posting, goal_account};
use super::shared::{
    PledgeFigures, amount_text, conflict, ensure_readable, event, goal_for_issue, live_pledges,
    lock_goal, pledge_on_goal, refuse_nul, set_goal_state,
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

/// Refuses anyone who does not receive money for `repo`: only the owning
/// user, or an owner or treasurer of the owning organisation, records and
/// corrects payments.
async fn ensure_receiver(db: &Db, actor: &User, repo: &Repo) -> Result<()> {
    ensure_readable(db, actor, repo).await?;
    let receives = if repo.owner_is_org {
        org::role_of(db, OrgId(repo.owner_id.0), actor.id)
            .await?
            .is_some_and(Role::handles_money)
    } else {
        actor.id.0 == repo.owner_id.0
    };
    if !receives {
        return Err(Error::forbidden("error-payment-receiver-only"));
    }
    Ok(())
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
    ensure_receiver(db, actor, repo).await?;
    let key = IdempotencyKey::parse(idempotency_key, Request::Payment)?;
    money::check_minor("amount_minor", amount_minor)?;
    refuse_nul("reference", reference)?;
    let reference = reference.trim();
    if reference.is_empty() || reference.chars().count() > 200 {
        return Err(Error::invalid("reference", "error-payment-reference"));
    }
    let body = canonical(&[
        ("pledge", &pledge.to_string()),
        ("amount_minor", &amount_minor.to_string()),
        ("reference", reference),
    ]);
    let goal = goal_for_issue(db, issue).await?;
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    let mut goal = lock_goal(&mut tx, goal.id).await?;
    if let Some(previous) = key.replayed(&mut tx, actor, goal.id, &body).await? {
        return Ok(PaymentOutcome {
            payment_id: PaymentId(previous),
            replayed: true,
        });
    }
    apply_time(&mut tx, &mut goal, now).await?;
    let paid_on = pledge_on_goal(&mut tx, &goal, pledge).await?;
    if paid_on.state != PledgeState::Due {
        tx.commit().await?;
        return Err(conflict("error-payment-not-due"));
    }
    let left = paid_on.share - paid_on.paid;
    if amount_minor > left {
        let (_, exponent) = money::currency(&goal.currency)?;
        return Err(Error::Invalid {
            field: "amount_minor",
            problem: Problem::new("error-payment-too-much")
                .arg("left", money::format_major(left, exponent, '.', ' '))
                .arg("currency", goal.currency.clone())
                .arg("left_minor", left.to_string()),
        });
    }
    let id = write_payment(
        &mut tx,
        &goal,
        actor,
        NewPayment {
            pledge: &paid_on,
            amount: amount_minor,
            reference,
            reverses: None,
        },
        now,
    )
    .await?;
    settle_if_paid(&mut tx, &goal, now).await?;
    key.remember(&mut tx, actor, goal.id, &body, id.0, now)
        .await?;
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
    ensure_receiver(db, actor, repo).await?;
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
    let paid_on = pledge_on_goal(&mut tx, &goal, pledge).await?;
    let reference = format!("reversal of payment {payment}");
    let id = write_payment(
        &mut tx,
        &goal,
        actor,
        NewPayment {
            pledge: &paid_on,
            amount,
            reference: &reference,
            reverses: Some(payment),
        },
        now,
    )
    .await?;
    if goal.state == GoalState::Settled {
        set_goal_state(&mut tx, goal.id, GoalState::Accepted, now).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// A payment to write: one received, or the reversal of one recorded by
/// mistake.
struct NewPayment<'a> {
    /// The pledge it is paid against, as it stands before.
    pledge: &'a PledgeFigures,
    /// What it moves, positive; a reversal is stored negated.
    amount: i64,
    reference: &'a str,
    /// The payment it reverses, for a reversal.
    reverses: Option<PaymentId>,
}

/// Writes a payment, its ledger transaction (a payment moves its amount from
/// the goal's `due` account to `paid`, a reversal moves it back), the
/// pledge's new paid figure and state (paid once payments add up to its
/// share, due again after a reversal) and the timeline event.
async fn write_payment(
    tx: &mut Tx<'_>,
    goal: &Goal,
    actor: &User,
    payment: NewPayment<'_>,
    now: i64,
) -> Result<PaymentId> {
    let NewPayment {
        pledge,
        amount,
        reference,
        reverses,
    } = payment;
    let (stored, money_event, debited, credited, timeline_kind) = match reverses {
        None => (
            amount,
            MoneyEvent::Payment,
            Bucket::Due,
            Bucket::Paid,
            kind::PAYMENT,
        ),
        Some(_) => (
            -amount,
            MoneyEvent::Correction,
            Bucket::Paid,
            Bucket::Due,
            kind::PAYMENT_REVERSED,
        ),
    };
    let me = Some(AccountId::from(actor.id));
    let id = PaymentId(
        sqlx::query(
            "INSERT INTO payments (pledge_id, amount_minor, reference, recorded_by, reverses, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(pledge.id.0)
        .bind(stored)
        .bind(reference)
        .bind(actor.id.0)
        .bind(reverses.map(|reversed| reversed.0))
        .bind(now)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?,
    );
    ledger::post(
        tx,
        Posting {
            payment: Some(id),
            ..Posting::of_pledge(goal, pledge.id, money_event, me)
        },
        &Line::debit_credit(
            goal_account(goal.id, debited),
            goal_account(goal.id, credited),
            amount,
        ),
        now,
    )
    .await?;
    if reverses.is_none() {
        super::document::number_receipt(tx, goal, pledge.id, id, now).await?;
    }
    let paid = pledge.paid + stored;
    let state = if reverses.is_none() && paid == pledge.share {
        PledgeState::Paid
    } else {
        PledgeState::Due
    };
    sqlx::query("UPDATE pledges SET paid_minor = $1, state = $2, updated_at = $3 WHERE id = $4")
        .bind(paid)
        .bind(state.as_str())
        .bind(now)
        .bind(pledge.id.0)
        .execute(&mut **tx)
        .await?;
    event(
        tx,
        goal,
        timeline_kind,
        me,
        Some(pledge.org),
        Some(&amount_text(amount, &goal.currency)),
        now,
    )
    .await?;
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
