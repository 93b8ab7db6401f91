//! Issues open for funding, for people looking for work to fund: goals
//! still collecting pledges whose deadline has not passed, filtered by
//! currency, deadline and progress, paged by keyset on (deadline, goal);
//! and the funding state of the issues of a list, for their badges.

use super::GoalState;
use crate::db::Db;
use crate::error::Result;
use crate::ids::{GoalId, IssueId, RepoId};
use sqlx::Row;
use std::collections::HashMap;

/// What to list. `repo` limits the list to one repository (whose access the
/// caller has checked); without it, only public repositories are listed.
#[derive(Debug, Clone, Default)]
pub struct OpenFilter {
    pub repo: Option<RepoId>,
    /// An ISO 4217 code, canonical.
    pub currency: Option<String>,
    /// Deadlines up to this instant (unix milliseconds) only.
    pub deadline_before: Option<i64>,
    /// At least this share of the budget pledged, in percent (0 to 100).
    pub min_progress: Option<i64>,
    /// The keyset: the deadline and goal of the last row already shown.
    pub after: Option<(i64, GoalId)>,
    pub limit: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenGoal {
    pub goal_id: GoalId,
    pub repo_full_name: String,
    pub issue_number: i64,
    pub issue_title: String,
    pub budget_minor: i64,
    pub currency: String,
    pub deadline_at: i64,
    pub pledged_minor: i64,
    pub funders: i64,
}

impl OpenGoal {
    /// Pledged, in percent of the budget, at most 100.
    pub fn progress_percent(&self) -> i64 {
        if self.budget_minor <= 0 {
            return 0;
        }
        let percent = i128::from(self.pledged_minor) * 100 / i128::from(self.budget_minor);
        i64::try_from(percent.min(100)).unwrap_or(100)
    }
}

/// Goals open for funding, soonest deadline first.
pub async fn open_goals(db: &Db, filter: &OpenFilter, now: i64) -> Result<Vec<OpenGoal>> {
    // Unset filters are bound as values that let every row through, so one
    // query text serves every combination on both engines.
    let (after_deadline, after_id) = filter.after.map_or((i64::MIN, 0), |(d, g)| (d, g.0));
    let rows = sqlx::query(
        "SELECT * FROM (SELECT g.id, g.budget_minor, g.currency, g.deadline_at, g.repo_id, r.is_private, \
         ra.name AS repo_owner, r.name AS repo_name, i.number, i.title, \
         CAST((SELECT COALESCE(SUM(p.amount_minor), 0) FROM pledges p WHERE p.goal_id = g.id AND p.state = 'active') AS BIGINT) AS pledged, \
         CAST((SELECT COUNT(*) FROM pledges p WHERE p.goal_id = g.id AND p.state = 'active') AS BIGINT) AS funders \
         FROM funding_goals g JOIN issues i ON i.id = g.issue_id JOIN repositories r ON r.id = g.repo_id \
         JOIN accounts ra ON ra.id = r.owner_id \
         WHERE g.state = 'open' AND g.deadline_at > $1) t \
         WHERE ($2 = 0 AND t.is_private = 0 OR t.repo_id = $2) \
         AND ($3 = '' OR t.currency = $3) \
         AND t.deadline_at <= $4 \
         AND t.pledged >= (t.budget_minor * $5 + 99) / 100 \
         AND (t.deadline_at > $6 OR (t.deadline_at = $6 AND t.id > $7)) \
         ORDER BY t.deadline_at, t.id LIMIT $8",
    )
    .bind(now)
    .bind(filter.repo.map_or(0, |r| r.0))
    .bind(filter.currency.clone().unwrap_or_default())
    .bind(filter.deadline_before.unwrap_or(i64::MAX))
    .bind(filter.min_progress.unwrap_or(0).clamp(0, 100))
    .bind(after_deadline)
    .bind(after_id)
    .bind(filter.limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(OpenGoal {
                goal_id: GoalId(row.try_get("id")?),
                repo_full_name: format!(
                    "{}/{}",
                    row.try_get::<String, _>("repo_owner")?,
                    row.try_get::<String, _>("repo_name")?
                ),
                issue_number: row.try_get("number")?,
                issue_title: row.try_get("title")?,
                budget_minor: row.try_get("budget_minor")?,
                currency: row.try_get("currency")?,
                deadline_at: row.try_get("deadline_at")?,
                pledged_minor: row.try_get("pledged")?,
                funders: row.try_get("funders")?,
            })
        })
        .collect()
}

/// The state of the funding goal of each issue of a repository whose id
/// lies in `ids` (the smallest and largest ids of a page of an issue list),
/// for the badges of that list: one query per page, however many issues it
/// shows, reading only the goals of issues within the page's range.
pub async fn goal_states(
    db: &Db,
    repo: RepoId,
    ids: (IssueId, IssueId),
) -> Result<HashMap<IssueId, GoalState>> {
    let rows = sqlx::query(
        "SELECT issue_id, state FROM funding_goals WHERE repo_id = $1 AND issue_id BETWEEN $2 AND $3",
    )
    .bind(repo.0)
    .bind(ids.0.0)
    .bind(ids.1.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let state: String = row.try_get("state")?;
            Ok((
                IssueId(row.try_get("issue_id")?),
                GoalState::from_stored(&state)?,
            ))
        })
        .collect()
}
