//! Reading funding goals, pledges, reviews and payments.

use super::{GoalState, PledgeState};
use crate::db::Db;
use crate::error::Result;
use crate::ids::{GoalId, IssueId, OrgId, PaymentId, PledgeId, RepoId};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Goal {
    pub id: GoalId,
    pub issue_id: IssueId,
    pub repo_id: RepoId,
    pub state: GoalState,
    pub budget_minor: i64,
    pub currency: String,
    pub acceptance: String,
    pub deadline_at: i64,
    pub review_days: i64,
    pub min_funders: i64,
    pub delivery_note: Option<String>,
    pub delivery_commits: Vec<String>,
    pub delivered_at: Option<i64>,
    pub review_ends_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub(crate) const SELECT_GOAL: &str = "SELECT id, issue_id, repo_id, state, budget_minor, currency, acceptance, deadline_at, \
     review_days, min_funders, delivery_note, delivery_commits, delivered_at, review_ends_at, created_at, updated_at \
     FROM funding_goals ";

pub(crate) fn goal_from_row(row: &AnyRow) -> Result<Goal> {
    let state: String = row.try_get("state")?;
    Ok(Goal {
        id: GoalId(row.try_get("id")?),
        issue_id: IssueId(row.try_get("issue_id")?),
        repo_id: RepoId(row.try_get("repo_id")?),
        state: GoalState::from_stored(&state)?,
        budget_minor: row.try_get("budget_minor")?,
        currency: row.try_get("currency")?,
        acceptance: row.try_get("acceptance")?,
        deadline_at: row.try_get("deadline_at")?,
        review_days: row.try_get("review_days")?,
        min_funders: row.try_get("min_funders")?,
        delivery_note: row.try_get("delivery_note")?,
        delivery_commits: row
            .try_get::<Option<String>, _>("delivery_commits")?
            .map(|c| c.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default(),
        delivered_at: row.try_get("delivered_at")?,
        review_ends_at: row.try_get("review_ends_at")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PledgeView {
    pub id: PledgeId,
    pub goal_id: GoalId,
    pub org_id: OrgId,
    pub org_name: String,
    pub org_full_name: String,
    pub amount_minor: i64,
    pub currency: String,
    pub share_minor: Option<i64>,
    pub paid_minor: i64,
    pub state: PledgeState,
    pub created_at: i64,
    pub updated_at: i64,
}

pub(crate) const SELECT_PLEDGE: &str = "SELECT p.id, p.goal_id, p.org_id, a.name AS org_name, a.full_name AS org_full_name, \
     p.amount_minor, p.currency, p.share_minor, p.paid_minor, p.state, p.created_at, p.updated_at \
     FROM pledges p JOIN accounts a ON a.id = p.org_id ";

pub(crate) fn pledge_from_row(row: &AnyRow) -> Result<PledgeView> {
    let state: String = row.try_get("state")?;
    Ok(PledgeView {
        id: PledgeId(row.try_get("id")?),
        goal_id: GoalId(row.try_get("goal_id")?),
        org_id: OrgId(row.try_get("org_id")?),
        org_name: row.try_get("org_name")?,
        org_full_name: row.try_get("org_full_name")?,
        amount_minor: row.try_get("amount_minor")?,
        currency: row.try_get("currency")?,
        share_minor: row.try_get("share_minor")?,
        paid_minor: row.try_get("paid_minor")?,
        state: PledgeState::from_stored(&state)?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// A goal with its pledges and the figures shown about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalView {
    pub goal: Goal,
    /// The sum of active pledges while open; of live pledges afterwards.
    pub pledged_minor: i64,
    /// Organisations with a live pledge.
    pub funders: i64,
    pub paid_minor: i64,
    pub pledges: Vec<PledgeView>,
}

impl GoalView {
    /// Progress toward the budget, in whole percent (at most 100).
    pub fn progress_percent(&self) -> i64 {
        if self.goal.budget_minor <= 0 {
            return 0;
        }
        let percent = i128::from(self.pledged_minor) * 100 / i128::from(self.goal.budget_minor);
        i64::try_from(percent.min(100)).unwrap_or(100)
    }

    pub fn live_pledges(&self) -> impl Iterator<Item = &PledgeView> {
        self.pledges.iter().filter(|p| p.state.is_live())
    }
}

/// The goal on an issue, as stored (call `refresh` first to apply deadlines).
pub async fn goal_of_issue(db: &Db, issue: IssueId) -> Result<Option<Goal>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT_GOAL} WHERE issue_id = $1"
    )))
    .bind(issue.0)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(goal_from_row).transpose()
}

pub async fn goal_by_id(db: &Db, goal: GoalId) -> Result<Option<Goal>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT_GOAL} WHERE id = $1")))
        .bind(goal.0)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(goal_from_row).transpose()
}

pub async fn pledges_of(db: &Db, goal: GoalId) -> Result<Vec<PledgeView>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT_PLEDGE} WHERE p.goal_id = $1 ORDER BY p.created_at, p.id"
    )))
    .bind(goal.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(pledge_from_row).collect()
}

/// A sum of amounts that cannot overflow.
pub fn saturating_sum(amounts: impl Iterator<Item = i64>) -> i64 {
    let total: i128 = amounts.map(i128::from).sum();
    i64::try_from(total).unwrap_or(if total < 0 { i64::MIN } else { i64::MAX })
}

pub async fn view(db: &Db, goal: Goal) -> Result<GoalView> {
    let pledges = pledges_of(db, goal.id).await?;
    let live: Vec<&PledgeView> = pledges.iter().filter(|p| p.state.is_live()).collect();
    // Amounts are at most `money::MAX_MINOR`, so these sums fit; they are
    // still added without overflow.
    let pledged_minor = saturating_sum(live.iter().map(|p| p.amount_minor));
    let funders = i64::try_from(live.len()).unwrap_or(i64::MAX);
    let paid_minor = saturating_sum(pledges.iter().map(|p| p.paid_minor));
    Ok(GoalView {
        goal,
        pledged_minor,
        funders,
        paid_minor,
        pledges,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub org_name: String,
    pub verdict: String,
    pub reason: String,
    pub by: String,
    pub created_at: i64,
}

pub async fn reviews(db: &Db, goal: GoalId) -> Result<Vec<Review>> {
    let rows = sqlx::query(
        "SELECT o.name AS org_name, r.verdict, r.reason, u.name AS by_name, r.created_at FROM funding_reviews r \
         JOIN accounts o ON o.id = r.org_id JOIN accounts u ON u.id = r.by_user WHERE r.goal_id = $1 ORDER BY r.created_at",
    )
    .bind(goal.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Review {
                org_name: row.try_get("org_name")?,
                verdict: row.try_get("verdict")?,
                reason: row.try_get("reason")?,
                by: row.try_get("by_name")?,
                created_at: row.try_get("created_at")?,
            })
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub id: PaymentId,
    pub pledge_id: PledgeId,
    pub amount_minor: i64,
    pub reference: String,
    pub recorded_by: String,
    pub reverses: Option<PaymentId>,
    pub created_at: i64,
}

pub async fn payments(db: &Db, goal: GoalId) -> Result<Vec<Payment>> {
    let rows = sqlx::query(
        "SELECT pay.id, pay.pledge_id, pay.amount_minor, pay.reference, a.name AS recorded_by, pay.reverses, pay.created_at \
         FROM payments pay JOIN pledges p ON p.id = pay.pledge_id JOIN accounts a ON a.id = pay.recorded_by \
         WHERE p.goal_id = $1 ORDER BY pay.id",
    )
    .bind(goal.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Payment {
                id: PaymentId(row.try_get("id")?),
                pledge_id: PledgeId(row.try_get("pledge_id")?),
                amount_minor: row.try_get("amount_minor")?,
                reference: row.try_get("reference")?,
                recorded_by: row.try_get("recorded_by")?,
                reverses: row.try_get::<Option<i64>, _>("reverses")?.map(PaymentId),
                created_at: row.try_get("created_at")?,
            })
        })
        .collect()
}

/// A pledge of an organisation, with where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgPledge {
    pub pledge: PledgeView,
    pub repo_full_name: String,
    pub issue_number: i64,
    pub issue_title: String,
    pub goal_state: GoalState,
    pub budget_minor: i64,
}

/// Every pledge of an organisation, newest first, with its goal and whether
/// its repository is private (callers show those only to who may read them).
pub async fn org_pledges(db: &Db, org: OrgId) -> Result<Vec<(OrgPledge, bool)>> {
    Ok(org_pledges_page(db, org, None, i64::MAX)
        .await?
        .into_iter()
        .map(|(pledge, private, _)| (pledge, private))
        .collect())
}

/// A repository's goals, newest first, with their issue and pledged total.
pub async fn goals_of_repo(db: &Db, repo: RepoId) -> Result<Vec<(Goal, i64, String, i64)>> {
    let rows = sqlx::query(
        "SELECT g.id, g.issue_id, g.repo_id, g.state, g.budget_minor, g.currency, g.acceptance, g.deadline_at, \
         g.review_days, g.min_funders, g.delivery_note, g.delivery_commits, g.delivered_at, g.review_ends_at, \
         g.created_at, g.updated_at, i.number, i.title, \
         CAST((SELECT COALESCE(SUM(p.amount_minor), 0) FROM pledges p WHERE p.goal_id = g.id \
               AND p.state IN ('active', 'committed', 'due', 'paid')) AS BIGINT) AS pledged \
         FROM funding_goals g JOIN issues i ON i.id = g.issue_id WHERE g.repo_id = $1 ORDER BY g.id DESC",
    )
    .bind(repo.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                goal_from_row(row)?,
                row.try_get("number")?,
                row.try_get("title")?,
                row.try_get("pledged")?,
            ))
        })
        .collect()
}

/// One page of an organisation's pledges, newest first, starting below the
/// pledge id `before` (keyset), with whether each repository is private and
/// its id.
pub async fn org_pledges_page(
    db: &Db,
    org: OrgId,
    before: Option<PledgeId>,
    limit: i64,
) -> Result<Vec<(OrgPledge, bool, RepoId)>> {
    let rows = sqlx::query(
        "SELECT p.id, p.goal_id, p.org_id, a.name AS org_name, a.full_name AS org_full_name, p.amount_minor, p.currency, \
         p.share_minor, p.paid_minor, p.state, p.created_at, p.updated_at, r.id AS repo_id, \
         ra.name AS repo_owner, r.name AS repo_name, r.is_private, i.number, i.title, g.state AS goal_state, g.budget_minor \
         FROM pledges p JOIN accounts a ON a.id = p.org_id JOIN funding_goals g ON g.id = p.goal_id \
         JOIN issues i ON i.id = g.issue_id JOIN repositories r ON r.id = g.repo_id JOIN accounts ra ON ra.id = r.owner_id \
         WHERE p.org_id = $1 AND p.id < $2 ORDER BY p.id DESC LIMIT $3",
    )
    .bind(org.0)
    .bind(before.map_or(i64::MAX, |pledge| pledge.0))
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
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
        })
        .collect()
}

/// What an organisation's pledges add up to, per repository, state and
/// currency: active pledges count their amount; committed, due and paid ones
/// their share. Summed by the database, whatever the number of pledges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PledgeTotal {
    pub repo_id: RepoId,
    pub private: bool,
    pub state: PledgeState,
    pub currency: String,
    pub total_minor: i64,
}

pub async fn org_pledge_totals(db: &Db, org: OrgId) -> Result<Vec<PledgeTotal>> {
    let rows = sqlx::query(
        "SELECT g.repo_id, r.is_private, p.state, p.currency, \
         CAST(SUM(CASE WHEN p.state = 'active' THEN p.amount_minor \
                       WHEN p.state IN ('committed', 'due', 'paid') THEN COALESCE(p.share_minor, 0) ELSE 0 END) AS BIGINT) AS total \
         FROM pledges p JOIN funding_goals g ON g.id = p.goal_id JOIN repositories r ON r.id = g.repo_id \
         WHERE p.org_id = $1 GROUP BY g.repo_id, r.is_private, p.state, p.currency",
    )
    .bind(org.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let state: String = row.try_get("state")?;
            Ok(PledgeTotal {
                repo_id: RepoId(row.try_get("repo_id")?),
                private: row.try_get::<i64, _>("is_private")? != 0,
                state: PledgeState::from_stored(&state)?,
                currency: row.try_get("currency")?,
                total_minor: row.try_get("total")?,
            })
        })
        .collect()
}
