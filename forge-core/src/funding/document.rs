//! The numbered documents of funding: a call for funds for each share
//! called for payment, a receipt for each payment recorded.
//!
//! Each receiving account (the owner of the goal's repository) numbers its
//! documents 1, 2, 3… in one sequence for both kinds. The number is taken
//! from the account's counter row, moved in the transaction that writes the
//! document, so a number is never given twice nor skipped; a unique
//! constraint on (account, number) guards it as well.
//!
//! The reference a payer quotes on the transfer is the call's: the
//! account's name and the call's number, so the receiving side matches a
//! bank line to a share at a glance.

use super::payee::{self, Payee};
use super::view::Goal;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{AccountId, GoalId, OrgId, PaymentId, PledgeId};
use crate::org::{self, Role};
use crate::timeline::Tx;
use crate::user::User;
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// A call for funds: what a pledger owes, where to send it.
    Call,
    /// A receipt: a payment the receiving side recorded.
    Receipt,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Call => "call",
            DocumentKind::Receipt => "receipt",
        }
    }

    fn from_stored(s: &str) -> Result<DocumentKind> {
        match s {
            "call" => Ok(DocumentKind::Call),
            "receipt" => Ok(DocumentKind::Receipt),
            other => Err(Error::Internal(format!("unknown document kind {other}"))),
        }
    }
}

/// A numbered document as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub payee_id: AccountId,
    pub number: i64,
    pub kind: DocumentKind,
    pub goal_id: GoalId,
    pub pledge_id: PledgeId,
    pub payment_id: Option<PaymentId>,
    /// The reference to quote on the transfer (for a receipt, the call's).
    pub reference: String,
    pub created_at: i64,
}

const SELECT_DOCUMENT: &str = "SELECT payee_id, number, kind, goal_id, pledge_id, payment_id, reference, created_at \
     FROM funding_documents ";

fn from_row(row: &AnyRow) -> Result<Document> {
    let kind: String = row.try_get("kind")?;
    Ok(Document {
        payee_id: AccountId(row.try_get("payee_id")?),
        number: row.try_get("number")?,
        kind: DocumentKind::from_stored(&kind)?,
        goal_id: GoalId(row.try_get("goal_id")?),
        pledge_id: PledgeId(row.try_get("pledge_id")?),
        payment_id: row.try_get::<Option<i64>, _>("payment_id")?.map(PaymentId),
        reference: row.try_get("reference")?,
        created_at: row.try_get("created_at")?,
    })
}

/// The reference of a call for funds: the receiving account's name, upper
/// case, and the call's number.
pub fn call_reference(payee_name: &str, number: i64) -> String {
    format!("{}-{number:06}", payee_name.to_uppercase())
}

/// The receiving account of a goal (its repository's owner) and its name.
async fn payee_of(tx: &mut Tx<'_>, goal: &Goal) -> Result<(AccountId, String)> {
    let row = sqlx::query(
        "SELECT a.id, a.name FROM repositories r JOIN accounts a ON a.id = r.owner_id WHERE r.id = $1",
    )
    .bind(goal.repo_id.0)
    .fetch_one(&mut **tx)
    .await?;
    Ok((AccountId(row.try_get("id")?), row.try_get("name")?))
}

/// Takes the account's next document number: the counter row is created
/// or moved by one statement, which holds its lock until the transaction
/// ends, so concurrent documents of one account are numbered one after
/// the other.
async fn next_number(tx: &mut Tx<'_>, payee: AccountId) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO document_counters (account_id, last_number) VALUES ($1, 1) \
         ON CONFLICT (account_id) DO UPDATE SET last_number = document_counters.last_number + 1 \
         RETURNING last_number",
    )
    .bind(payee.0)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.try_get("last_number")?)
}

struct NewDocument {
    kind: DocumentKind,
    pledge: PledgeId,
    payment: Option<PaymentId>,
}

async fn write(tx: &mut Tx<'_>, goal: &Goal, new: NewDocument, now: i64) -> Result<Document> {
    let (payee, name) = payee_of(tx, goal).await?;
    let number = next_number(tx, payee).await?;
    let reference = match new.kind {
        DocumentKind::Call => call_reference(&name, number),
        // A receipt repeats the reference of the call it answers.
        DocumentKind::Receipt => sqlx::query(
            "SELECT reference FROM funding_documents WHERE pledge_id = $1 AND kind = 'call'",
        )
        .bind(new.pledge.0)
        .fetch_optional(&mut **tx)
        .await?
        .map(|row| row.try_get::<String, _>("reference"))
        .transpose()?
        .unwrap_or_default(),
    };
    sqlx::query(
        "INSERT INTO funding_documents (payee_id, number, kind, goal_id, pledge_id, payment_id, reference, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(payee.0)
    .bind(number)
    .bind(new.kind.as_str())
    .bind(goal.id.0)
    .bind(new.pledge.0)
    .bind(new.payment.map(|p| p.0))
    .bind(&reference)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(Document {
        payee_id: payee,
        number,
        kind: new.kind,
        goal_id: goal.id,
        pledge_id: new.pledge,
        payment_id: new.payment,
        reference,
        created_at: now,
    })
}

/// Numbers the call for funds of a share just called, in the transaction
/// of the call.
pub(super) async fn number_call(
    tx: &mut Tx<'_>,
    goal: &Goal,
    pledge: PledgeId,
    now: i64,
) -> Result<Document> {
    let new = NewDocument {
        kind: DocumentKind::Call,
        pledge,
        payment: None,
    };
    write(tx, goal, new, now).await
}

/// Numbers the receipt of a payment just recorded, in its transaction.
pub(super) async fn number_receipt(
    tx: &mut Tx<'_>,
    goal: &Goal,
    pledge: PledgeId,
    payment: PaymentId,
    now: i64,
) -> Result<Document> {
    let new = NewDocument {
        kind: DocumentKind::Receipt,
        pledge,
        payment: Some(payment),
    };
    write(tx, goal, new, now).await
}

/// Every document of a goal, in the order they were numbered.
pub async fn of_goal(db: &Db, goal: GoalId) -> Result<Vec<Document>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT_DOCUMENT} WHERE goal_id = $1 ORDER BY number"
    )))
    .bind(goal.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

/// Every document an account numbered, in order.
pub async fn of_payee(db: &Db, payee: AccountId) -> Result<Vec<Document>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT_DOCUMENT} WHERE payee_id = $1 ORDER BY number"
    )))
    .bind(payee.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

/// Whether `viewer` may read the documents between a payee and a payer:
/// who manages the receiving account, and the payer's owners and
/// treasurers.
pub async fn may_read(db: &Db, viewer: &User, payee: AccountId, payer: OrgId) -> Result<bool> {
    if payee::manages(db, viewer, payee).await? {
        return Ok(true);
    }
    Ok(org::role_of(db, payer, viewer.id)
        .await?
        .is_some_and(Role::handles_money))
}

/// Everything a call for funds or a receipt shows.
#[derive(Debug, Clone)]
pub struct DocumentDetails {
    pub document: Document,
    pub payee_name: String,
    pub payee_full_name: String,
    /// The receiving account's payee details, if it gave them.
    pub payee: Option<Payee>,
    pub payer_id: OrgId,
    pub payer_name: String,
    pub payer_full_name: String,
    pub repo_full_name: String,
    pub issue_number: i64,
    pub issue_title: String,
    pub goal: Goal,
    /// The pledger's share, called for payment.
    pub share_minor: i64,
    /// What is paid on the share now.
    pub paid_minor: i64,
    /// For a receipt: the payment's amount, bank reference and date.
    pub payment: Option<(i64, String, i64)>,
}

/// A document of a goal, by its kind and what it is about (the pledge for
/// a call, the payment for a receipt), if `viewer` may read it: "not
/// found" otherwise, so outsiders learn nothing.
pub async fn details(
    db: &Db,
    viewer: &User,
    goal: GoalId,
    kind: DocumentKind,
    subject: i64,
) -> Result<DocumentDetails> {
    let not_found = || Error::not_found("error-document-not-found");
    let query = match kind {
        DocumentKind::Call => "WHERE goal_id = $1 AND kind = $2 AND pledge_id = $3",
        DocumentKind::Receipt => "WHERE goal_id = $1 AND kind = $2 AND payment_id = $3",
    };
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT_DOCUMENT} {query}")))
        .bind(goal.0)
        .bind(kind.as_str())
        .bind(subject)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(not_found)?;
    let document = from_row(&row)?;
    let row = sqlx::query(
        "SELECT p.org_id, o.name AS payer_name, o.full_name AS payer_full_name, \
         COALESCE(p.share_minor, 0) AS share_minor, p.paid_minor, \
         a.name AS payee_name, a.full_name AS payee_full_name, ra.name AS repo_owner, r.name AS repo_name, \
         i.number, i.title \
         FROM pledges p JOIN accounts o ON o.id = p.org_id JOIN funding_goals g ON g.id = p.goal_id \
         JOIN repositories r ON r.id = g.repo_id JOIN accounts ra ON ra.id = r.owner_id \
         JOIN accounts a ON a.id = $2 JOIN issues i ON i.id = g.issue_id WHERE p.id = $1",
    )
    .bind(document.pledge_id.0)
    .bind(document.payee_id.0)
    .fetch_one(db.pool())
    .await?;
    let payer_id = OrgId(row.try_get("org_id")?);
    if !may_read(db, viewer, document.payee_id, payer_id).await? {
        return Err(not_found());
    }
    let goal = super::view::goal_by_id(db, document.goal_id)
        .await?
        .ok_or_else(not_found)?;
    let payment = match document.payment_id {
        Some(id) => {
            let pay = sqlx::query(
                "SELECT amount_minor, reference, created_at FROM payments WHERE id = $1",
            )
            .bind(id.0)
            .fetch_one(db.pool())
            .await?;
            Some((
                pay.try_get("amount_minor")?,
                pay.try_get("reference")?,
                pay.try_get("created_at")?,
            ))
        }
        None => None,
    };
    Ok(DocumentDetails {
        payee: payee::get(db, document.payee_id).await?,
        payee_name: row.try_get("payee_name")?,
        payee_full_name: row.try_get("payee_full_name")?,
        payer_id,
        payer_name: row.try_get("payer_name")?,
        payer_full_name: row.try_get("payer_full_name")?,
        repo_full_name: format!(
            "{}/{}",
            row.try_get::<String, _>("repo_owner")?,
            row.try_get::<String, _>("repo_name")?
        ),
        issue_number: row.try_get("number")?,
        issue_title: row.try_get("title")?,
        goal,
        share_minor: row.try_get("share_minor")?,
        paid_minor: row.try_get("paid_minor")?,
        payment,
        document,
    })
}

/// The call references of an organisation's pledges, for its exports.
pub async fn call_references_of_org(
    db: &Db,
    org: OrgId,
) -> Result<std::collections::HashMap<PledgeId, String>> {
    let rows = sqlx::query(
        "SELECT d.pledge_id, d.reference FROM funding_documents d JOIN pledges p ON p.id = d.pledge_id \
         WHERE p.org_id = $1 AND d.kind = 'call'",
    )
    .bind(org.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                PledgeId(row.try_get("pledge_id")?),
                row.try_get("reference")?,
            ))
        })
        .collect()
}
