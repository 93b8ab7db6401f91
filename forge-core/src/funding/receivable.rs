//! Money that is due, seen from each side: the pledges an organisation has
//! to pay now, and what an account (a user or an organisation owning
//! repositories) is owed and has received.

use super::GoalState;
use super::view::{OrgPledge, pledge_from_row};
use crate::db::Db;
use crate::error::Result;
use crate::ids::{AccountId, OrgId, RepoId};
use sqlx::Row;
use sqlx::any::AnyRow;

/// The query of pledges with their goal, issue and repository, followed by
/// `$tail` (a literal: query texts are `&'static str`).
macro_rules! pledges_with_goals {
    ($tail:literal) => {
        concat!(
            "SELECT p.id, p.goal_id, p.org_id, a.name AS org_name, a.full_name AS org_full_name, \
             p.amount_minor, p.currency, p.share_minor, p.paid_minor, p.state, p.created_at, p.updated_at, \
             r.id AS repo_id, ra.name AS repo_owner, r.name AS repo_name, r.is_private, i.number, i.title, \
             g.state AS goal_state, g.budget_minor \
             FROM pledges p JOIN accounts a ON a.id = p.org_id JOIN funding_goals g ON g.id = p.goal_id \
             JOIN issues i ON i.id = g.issue_id JOIN repositories r ON r.id = g.repo_id \
             JOIN accounts ra ON ra.id = r.owner_id",
            $tail
        )
    };
}

fn from_row(row: &AnyRow) -> Result<(OrgPledge, bool, RepoId)> {
    let goal_state: String = row.try_get("goal_state")?;
    Ok((
        OrgPledge {
            pledge: pledge_from_row(row)?,
            repo_full_name: format!(
                "{}/{}",
                row.try_get::<String, _>("repo_owner")?,
                row.try_get::<String, _>("repo_name")?
            ),
            issue_number: row.try_get("number")?,
            issue_title: row.try_get("title")?,
            goal_state: GoalState::from_stored(&goal_state)?,
            budget_minor: row.try_get("budget_minor")?,
        },
        row.try_get::<i64, _>("is_private")? != 0,
        RepoId(row.try_get("repo_id")?),
    ))
}

/// An organisation's pledges whose share is called for payment and not yet
/// fully paid, oldest first, with whether each repository is private and
/// its id (callers show private ones only to who may read them).
pub async fn org_payments_due(db: &Db, org: OrgId) -> Result<Vec<(OrgPledge, bool, RepoId)>> {
    const QUERY: &str =
        pledges_with_goals!(" WHERE p.org_id = $1 AND p.state = 'due' ORDER BY p.id");
    let rows = sqlx::query(QUERY).bind(org.0).fetch_all(db.pool()).await?;
    rows.iter().map(from_row).collect()
}

/// The pledges on goals of an account's repositories whose share has been
/// called for payment (due, or paid in full), oldest first: what the
/// account is owed and what it has received.
pub async fn owed_to(db: &Db, account: AccountId) -> Result<Vec<(OrgPledge, bool, RepoId)>> {
    const QUERY: &str =
        pledges_with_goals!(" WHERE r.owner_id = $1 AND p.state IN ('due', 'paid') ORDER BY p.id");
    let rows = sqlx::query(QUERY)
        .bind(account.0)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(from_row).collect()
}
