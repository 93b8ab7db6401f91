//! The ledger: append-only, double-entry, per currency.
//!
//! Accounts (all amounts in the goal's currency):
//!
//! | account | balance means |
//! | --- | --- |
//! | `org:{org}:pledges` (debit) | what the organisation has promised or owes on live pledges, paid or not |
//! | `goal:{goal}:pledged` (credit) | active pledges, not yet committed |
//! | `goal:{goal}:committed` (credit) | shares fixed at funding, not yet called |
//! | `goal:{goal}:due` (credit) | shares called for payment, not yet paid |
//! | `goal:{goal}:paid` (credit) | payments recorded |
//!
//! Events: a pledge debits the organisation and credits `pledged`; a change
//! of pledge posts the difference; a withdrawal or release reverses what is
//! live; funding moves each pledge from `pledged` to `committed` (its share)
//! and releases the rest to the organisation; acceptance moves `committed`
//! to `due`; a payment moves `due` to `paid`; a payment's reversal moves it
//! back. Every line of one event carries the same transaction id, and its
//! debits equal its credits.

use super::PledgeState;
use super::view::Goal;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{AccountId, GoalId, LedgerTxnId, OrgId, PaymentId, PledgeId};
use crate::secret;
use crate::timeline::Tx;
use sqlx::Row;

pub fn org_account(org: OrgId) -> String {
    format!("org:{}:pledges", org.0)
}

/// The accounts every goal has, one per stage its money goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// Active pledges, not yet committed.
    Pledged,
    /// Shares fixed when the goal was funded, not yet called.
    Committed,
    /// Shares called for payment, not yet paid.
    Due,
    /// Payments recorded.
    Paid,
}

impl Bucket {
    /// The last part of the account's stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Pledged => "pledged",
            Bucket::Committed => "committed",
            Bucket::Due => "due",
            Bucket::Paid => "paid",
        }
    }
}

pub fn goal_account(goal: GoalId, bucket: Bucket) -> String {
    format!("goal:{}:{}", goal.0, bucket.as_str())
}

/// The money event a transaction records, stored in each of its lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyEvent {
    /// A new pledge.
    Pledge,
    /// An active pledge raised or lowered: the difference.
    PledgeChange,
    /// An active pledge withdrawn by its organisation.
    Withdrawal,
    /// What is live on a pledge handed back: the goal expired, was cancelled
    /// or its delivery rejected.
    Release,
    /// The goal funded: the pledge's share fixed, the rest handed back.
    Commitment,
    /// The delivery accepted: the share called for payment.
    Call,
    /// A payment recorded.
    Payment,
    /// A payment recorded by mistake, reversed.
    Correction,
}

impl MoneyEvent {
    /// The name stored in the ledger's `event` column.
    pub fn as_str(self) -> &'static str {
        match self {
            MoneyEvent::Pledge => "pledge",
            MoneyEvent::PledgeChange => "pledge_change",
            MoneyEvent::Withdrawal => "withdrawal",
            MoneyEvent::Release => "release",
            MoneyEvent::Commitment => "commitment",
            MoneyEvent::Call => "call",
            MoneyEvent::Payment => "payment",
            MoneyEvent::Correction => "correction",
        }
    }
}

/// One line of a ledger transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub account: String,
    pub debit: i64,
    pub credit: i64,
}

impl Line {
    pub fn debit(account: String, amount: i64) -> Line {
        Line {
            account,
            debit: amount,
            credit: 0,
        }
    }

    pub fn credit(account: String, amount: i64) -> Line {
        Line {
            account,
            debit: 0,
            credit: amount,
        }
    }

    /// The two lines of a transaction that debits one account and credits
    /// another with the same amount, in that order.
    pub fn debit_credit(debited: String, credited: String, amount: i64) -> [Line; 2] {
        [Line::debit(debited, amount), Line::credit(credited, amount)]
    }
}

/// What a transaction is about.
pub struct Posting<'a> {
    pub goal: GoalId,
    pub pledge: Option<PledgeId>,
    pub payment: Option<PaymentId>,
    pub event: MoneyEvent,
    pub currency: &'a str,
    pub actor: Option<AccountId>,
}

impl<'a> Posting<'a> {
    /// A transaction about one pledge on `goal`, in the goal's currency.
    pub(super) fn of_pledge(
        goal: &'a Goal,
        pledge: PledgeId,
        event: MoneyEvent,
        actor: Option<AccountId>,
    ) -> Posting<'a> {
        Posting {
            goal: goal.id,
            pledge: Some(pledge),
            payment: None,
            event,
            currency: &goal.currency,
            actor,
        }
    }
}

/// Writes one balanced transaction; zero-amount lines are left out.
pub async fn post(tx: &mut Tx<'_>, posting: Posting<'_>, lines: &[Line], at: i64) -> Result<()> {
    let debits: i64 = lines.iter().map(|l| l.debit).sum();
    let credits: i64 = lines.iter().map(|l| l.credit).sum();
    if debits != credits || lines.iter().any(|l| l.debit < 0 || l.credit < 0) {
        return Err(Error::Internal(format!(
            "unbalanced ledger transaction for {}: debits {debits}, credits {credits}",
            posting.event.as_str()
        )));
    }
    let txn = LedgerTxnId(secret::random_hex(12));
    for line in lines.iter().filter(|l| l.debit != 0 || l.credit != 0) {
        sqlx::query(
            "INSERT INTO ledger_entries (txn, goal_id, pledge_id, payment_id, event, account, debit_minor, credit_minor, \
             currency, actor_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&txn.0)
        .bind(posting.goal.0)
        .bind(posting.pledge.map(|p| p.0))
        .bind(posting.payment.map(|p| p.0))
        .bind(posting.event.as_str())
        .bind(&line.account)
        .bind(line.debit)
        .bind(line.credit)
        .bind(posting.currency)
        .bind(posting.actor.map(|a| a.0))
        .bind(at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: i64,
    pub txn: LedgerTxnId,
    pub goal_id: GoalId,
    pub pledge_id: Option<PledgeId>,
    pub payment_id: Option<PaymentId>,
    pub event: String,
    pub account: String,
    pub debit_minor: i64,
    pub credit_minor: i64,
    pub currency: String,
    pub actor: Option<String>,
    pub created_at: i64,
}

/// A goal's entries, in order.
pub async fn entries(db: &Db, goal: GoalId) -> Result<Vec<Entry>> {
    let rows = sqlx::query(
        "SELECT e.id, e.txn, e.goal_id, e.pledge_id, e.payment_id, e.event, e.account, e.debit_minor, e.credit_minor, \
         e.currency, a.name AS actor, e.created_at FROM ledger_entries e LEFT JOIN accounts a ON a.id = e.actor_id \
         WHERE e.goal_id = $1 ORDER BY e.id",
    )
    .bind(goal.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Entry {
                id: row.try_get("id")?,
                txn: LedgerTxnId(row.try_get("txn")?),
                goal_id: GoalId(row.try_get("goal_id")?),
                pledge_id: row.try_get::<Option<i64>, _>("pledge_id")?.map(PledgeId),
                payment_id: row.try_get::<Option<i64>, _>("payment_id")?.map(PaymentId),
                event: row.try_get("event")?,
                account: row.try_get("account")?,
                debit_minor: row.try_get("debit_minor")?,
                credit_minor: row.try_get("credit_minor")?,
                currency: row.try_get("currency")?,
                actor: row.try_get("actor")?,
                created_at: row.try_get("created_at")?,
            })
        })
        .collect()
}

/// A problem found by [`check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discrepancy {
    pub what: String,
}

/// Verifies the whole ledger: every transaction balances per currency, and
/// every figure stored on pledges equals the balance recomputed from the
/// entries.
pub async fn check(db: &Db) -> Result<Vec<Discrepancy>> {
    let mut found = Vec::new();
    let unbalanced = sqlx::query(
        "SELECT txn, currency, CAST(SUM(debit_minor) AS BIGINT) AS d, CAST(SUM(credit_minor) AS BIGINT) AS c \
         FROM ledger_entries GROUP BY txn, currency HAVING SUM(debit_minor) <> SUM(credit_minor)",
    )
    .fetch_all(db.pool())
    .await?;
    for row in unbalanced {
        found.push(Discrepancy {
            what: format!(
                "transaction {} in {} is unbalanced: debits {}, credits {}",
                row.try_get::<String, _>("txn")?,
                row.try_get::<String, _>("currency")?,
                row.try_get::<i64, _>("d")?,
                row.try_get::<i64, _>("c")?
            ),
        });
    }
    let pledges = sqlx::query(
        "SELECT p.id, p.goal_id, p.org_id, p.state, p.amount_minor, p.share_minor, p.paid_minor, p.currency, \
         CAST((SELECT COALESCE(SUM(p2.amount_minor), 0) FROM payments p2 WHERE p2.pledge_id = p.id) AS BIGINT) AS payments \
         FROM pledges p",
    )
    .fetch_all(db.pool())
    .await?;
    for row in pledges {
        let id = PledgeId(row.try_get("id")?);
        let goal = GoalId(row.try_get("goal_id")?);
        let org = OrgId(row.try_get("org_id")?);
        let state: String = row.try_get("state")?;
        let amount: i64 = row.try_get("amount_minor")?;
        let share: i64 = row.try_get::<Option<i64>, _>("share_minor")?.unwrap_or(0);
        let paid: i64 = row.try_get("paid_minor")?;
        let payments: i64 = row.try_get("payments")?;
        // The state as stored is kept for the messages; an unknown one owes
        // nothing anywhere, like a withdrawn or released pledge.
        let known = PledgeState::parse(&state);
        let (pledged, committed, due, org_owes) = match known {
            Some(PledgeState::Active) => (amount, 0, 0, amount),
            Some(PledgeState::Committed) => (0, share, 0, share),
            Some(PledgeState::Due | PledgeState::Paid) => (0, 0, share - paid, share),
            _ => (0, 0, 0, 0),
        };
        let expected = [
            (goal_account(goal, Bucket::Pledged), pledged, false),
            (goal_account(goal, Bucket::Committed), committed, false),
            (goal_account(goal, Bucket::Due), due, false),
            (goal_account(goal, Bucket::Paid), paid, false),
            (org_account(org), org_owes, true),
        ];
        for (account, want, debit_normal) in expected {
            let balance = balance_of(db, &account, id).await?;
            let balance = if debit_normal { -balance } else { balance };
            if balance != want {
                found.push(Discrepancy {
                    what: format!("pledge {id} ({state}): {account} balance is {balance}, the figures say {want}"),
                });
            }
        }
        if payments != paid {
            found.push(Discrepancy {
                what: format!(
                    "pledge {id}: payments add up to {payments}, the pledge says {paid} paid"
                ),
            });
        }
        if known == Some(PledgeState::Paid) && paid != share {
            found.push(Discrepancy {
                what: format!("pledge {id} is paid but {paid} of its {share} share was"),
            });
        }
        if matches!(
            known,
            Some(PledgeState::Committed | PledgeState::Due | PledgeState::Paid)
        ) && share > amount
        {
            found.push(Discrepancy {
                what: format!("pledge {id}: its share {share} exceeds its pledge {amount}"),
            });
        }
    }
    let goals = sqlx::query(
        "SELECT g.id, g.budget_minor, g.state, \
         CAST((SELECT COALESCE(SUM(p.share_minor), 0) FROM pledges p WHERE p.goal_id = g.id \
               AND p.state IN ('committed', 'due', 'paid')) AS BIGINT) AS shares \
         FROM funding_goals g WHERE g.state IN ('funded', 'delivered', 'disputed', 'accepted', 'settled')",
    )
    .fetch_all(db.pool())
    .await?;
    for row in goals {
        let budget: i64 = row.try_get("budget_minor")?;
        let shares: i64 = row.try_get("shares")?;
        if budget != shares {
            found.push(Discrepancy {
                what: format!(
                    "goal {} ({}): shares add up to {shares}, not the budget {budget}",
                    row.try_get::<i64, _>("id")?,
                    row.try_get::<String, _>("state")?
                ),
            });
        }
    }
    Ok(found)
}

/// Credits minus debits of `account` for one pledge.
async fn balance_of(db: &Db, account: &str, pledge: PledgeId) -> Result<i64> {
    Ok(sqlx::query(
        "SELECT CAST(COALESCE(SUM(credit_minor), 0) - COALESCE(SUM(debit_minor), 0) AS BIGINT) AS balance \
         FROM ledger_entries WHERE account = $1 AND pledge_id = $2",
    )
    .bind(account)
    .bind(pledge.0)
    .fetch_one(db.pool())
    .await?
    .try_get("balance")?)
}
