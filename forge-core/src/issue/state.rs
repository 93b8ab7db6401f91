//! Opening and closing issues, with the repository's and the milestone's
//! counters.

use super::{CloseReason, Issue};
use crate::error::Result;
use crate::ids::{AccountId, MilestoneId};
use crate::timeline::{self, NewEvent, Tx, kind};
use sqlx::Row;

/// Adds `delta` to a milestone's open or closed count.
pub(super) async fn adjust_milestone(
    tx: &mut Tx<'_>,
    milestone: MilestoneId,
    closed: bool,
    delta: i64,
) -> Result<()> {
    let sql = if closed {
        "UPDATE milestones SET closed_issues = closed_issues + $1 WHERE id = $2"
    } else {
        "UPDATE milestones SET open_issues = open_issues + $1 WHERE id = $2"
    };
    sqlx::query(sql)
        .bind(delta)
        .bind(milestone.0)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Opens or closes an issue, keeping every counter right. `commit` names the
/// commit that closed it; `false` when nothing changed (already in that
/// state, or this commit already closed it once).
pub(crate) async fn set_state_tx(
    tx: &mut Tx<'_>,
    issue: &Issue,
    close: Option<CloseReason>,
    actor: Option<AccountId>,
    commit: Option<&str>,
    now: i64,
) -> Result<bool> {
    // Re-read the state inside the transaction: the caller's copy may be old.
    // A no-op UPDATE rather than a SELECT, so that the row stays locked until
    // the transaction ends (PostgreSQL: two concurrent closes would otherwise
    // both see it open and both count it) and, when it starts a transaction,
    // it takes SQLite's write lock at once, waiting its turn, instead of
    // failing to upgrade a read snapshot that another writer made stale.
    let closed_now =
        sqlx::query("UPDATE issues SET is_closed = is_closed WHERE id = $1 RETURNING is_closed")
            .bind(issue.id.0)
            .fetch_one(&mut **tx)
            .await?
            .try_get::<i64, _>("is_closed")?
            != 0;
    let closing = close.is_some();
    if closed_now == closing {
        return Ok(false);
    }
    let event = NewEvent {
        kind: if closing {
            kind::CLOSED
        } else {
            kind::REOPENED
        },
        actor,
        commit,
        new_value: close.map(CloseReason::as_str),
        ..Default::default()
    };
    if !timeline::record(tx, issue.id, event, now).await? {
        return Ok(false);
    }
    crate::pull::on_state_change(tx, issue, closing, actor, now).await?;
    sqlx::query("UPDATE issues SET is_closed = $1, close_reason = $2, closed_at = $3, updated_at = $4 WHERE id = $5")
        .bind(i64::from(closing))
        .bind(close.map(CloseReason::as_str))
        .bind(closing.then_some(now))
        .bind(now)
        .bind(issue.id.0)
        .execute(&mut **tx)
        .await?;
    let (open_delta, closed_delta) = if closing { (-1, 1) } else { (1, -1) };
    sqlx::query("UPDATE repositories SET open_issues = open_issues + $1, closed_issues = closed_issues + $2 WHERE id = $3")
        .bind(open_delta)
        .bind(closed_delta)
        .bind(issue.repo_id.0)
        .execute(&mut **tx)
        .await?;
    let milestone = sqlx::query("SELECT milestone_id FROM issues WHERE id = $1")
        .bind(issue.id.0)
        .fetch_one(&mut **tx)
        .await?
        .try_get::<Option<i64>, _>("milestone_id")?;
    if let Some(milestone) = milestone.map(MilestoneId) {
        adjust_milestone(tx, milestone, false, open_delta).await?;
        adjust_milestone(tx, milestone, true, closed_delta).await?;
    }
    Ok(true)
}
