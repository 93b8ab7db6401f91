//! What the funding transitions share: refusals and text checks, starting a
//! change by locking the goal's row, the timeline event, reading pledges and
//! setting their state, releasing every pledge, and the actor checks.

use super::goal::{apply_time, refresh};
use super::ledger::{self, Bucket, Line, MoneyEvent, Posting, goal_account, org_account};
use super::view::{Goal, SELECT_GOAL, goal_from_row};
use super::{GoalState, PledgeState};
use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Problem, Result};
use crate::ids::{AccountId, GoalId, OrgId, PledgeId};
use crate::issue::Issue;
use crate::org::{self, Role};
use crate::repo::{self, Access, Repo};
use crate::timeline::{self, NewEvent, Tx};
use crate::user::User;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A refusal because of where the goal or the pledge stands: the same
/// request may succeed at another moment.
pub(super) fn conflict(key: &'static str) -> Error {
    Error::Conflict {
        field: None,
        problem: Problem::new(key),
    }
}

/// Refuses text holding a NUL character, which PostgreSQL cannot store: it
/// is bad input, not a database failure.
pub(super) fn refuse_nul(field: &'static str, text: &str) -> Result<()> {
    if text.contains('\0') {
        return Err(Error::invalid(field, "error-text-nul"));
    }
    Ok(())
}

/// Typed text, trimmed: refused when it holds a NUL character or more than
/// `max` characters. Whether it may be empty is the caller's to say.
pub(super) fn trimmed_text<'t>(field: &'static str, text: &'t str, max: usize) -> Result<&'t str> {
    refuse_nul(field, text)?;
    let text = text.trim();
    if text.chars().count() > max {
        return Err(Error::Invalid {
            field,
            problem: Problem::new("error-text-too-long").arg("max", max.to_string()),
        });
    }
    Ok(text)
}

/// An amount as a timeline event stores it, in minor units with its
/// currency; the pages show it in each reader's notation.
pub(super) fn amount_text(amount: i64, currency: &str) -> String {
    format!("{amount} {currency}")
}

/// Takes the goal's row for writing (serialising every change to the goal)
/// and reads it.
pub(super) async fn lock_goal(tx: &mut Tx<'_>, goal: GoalId) -> Result<Goal> {
    sqlx::query("UPDATE funding_goals SET version = version + 1 WHERE id = $1")
        .bind(goal.0)
        .execute(&mut **tx)
        .await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT_GOAL} WHERE id = $1")))
        .bind(goal.0)
        .fetch_one(&mut **tx)
        .await?;
    goal_from_row(&row)
}

/// Starts a change to a goal: takes its row for writing, then applies what
/// time decided, so that the change sees the goal as it is now. Returns the
/// transaction, the goal and the time of the change.
pub(super) async fn begin_change(db: &Db, goal: GoalId) -> Result<(Tx<'static>, Goal, i64)> {
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    let mut goal = lock_goal(&mut tx, goal).await?;
    apply_time(&mut tx, &mut goal, now).await?;
    Ok((tx, goal, now))
}

pub(super) async fn set_goal_state(
    tx: &mut Tx<'_>,
    goal: GoalId,
    state: GoalState,
    now: i64,
) -> Result<()> {
    sqlx::query("UPDATE funding_goals SET state = $1, updated_at = $2 WHERE id = $3")
        .bind(state.as_str())
        .bind(now)
        .bind(goal.0)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Writes a funding event on the goal's issue timeline; `org` is the
/// organisation it concerns, if any.
pub(super) async fn event(
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

/// A pledge's figures as stored, read inside a change.
pub(super) struct PledgeFigures {
    pub(super) id: PledgeId,
    pub(super) org: OrgId,
    pub(super) state: PledgeState,
    pub(super) amount: i64,
    /// Zero until the goal is funded.
    pub(super) share: i64,
    pub(super) paid: i64,
}

impl PledgeFigures {
    fn from_row(row: &AnyRow) -> Result<PledgeFigures> {
        let state: String = row.try_get("state")?;
        Ok(PledgeFigures {
            id: PledgeId(row.try_get("id")?),
            org: OrgId(row.try_get("org_id")?),
            state: PledgeState::from_stored(&state)?,
            amount: row.try_get("amount_minor")?,
            share: row.try_get::<Option<i64>, _>("share_minor")?.unwrap_or(0),
            paid: row.try_get("paid_minor")?,
        })
    }
}

/// The goal's pledges that still count (see [`PledgeState::is_live`]), in
/// the order they were made.
pub(super) async fn live_pledges(tx: &mut Tx<'_>, goal: GoalId) -> Result<Vec<PledgeFigures>> {
    let rows = sqlx::query(
        "SELECT id, org_id, amount_minor, share_minor, paid_minor, state FROM pledges \
         WHERE goal_id = $1 AND state IN ('active', 'committed', 'due', 'paid') ORDER BY created_at, id",
    )
    .bind(goal.0)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(PledgeFigures::from_row).collect()
}

/// One pledge of the goal, whatever its state ("not found" if it is
/// another goal's).
pub(super) async fn pledge_on_goal(
    tx: &mut Tx<'_>,
    goal: &Goal,
    pledge: PledgeId,
) -> Result<PledgeFigures> {
    let row = sqlx::query("SELECT id, org_id, state, amount_minor, share_minor, paid_minor FROM pledges WHERE id = $1 AND goal_id = $2")
        .bind(pledge.0)
        .bind(goal.id.0)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| Error::not_found("error-pledge-not-found"))?;
    PledgeFigures::from_row(&row)
}

pub(super) async fn set_pledge(
    tx: &mut Tx<'_>,
    pledge: PledgeId,
    state: PledgeState,
    now: i64,
) -> Result<()> {
    sqlx::query("UPDATE pledges SET state = $1, updated_at = $2 WHERE id = $3")
        .bind(state.as_str())
        .bind(now)
        .bind(pledge.0)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Releases every live pledge back to its organisation (expiry,
/// cancellation, rejection): whatever the organisation still owes on it.
pub(super) async fn release_all(
    tx: &mut Tx<'_>,
    goal: &Goal,
    actor: Option<AccountId>,
    now: i64,
) -> Result<()> {
    for pledge in live_pledges(tx, goal.id).await? {
        let (bucket, amount) = match pledge.state {
            PledgeState::Active => (Bucket::Pledged, pledge.amount),
            PledgeState::Committed => (Bucket::Committed, pledge.share),
            // Called shares are not released: the goal was accepted.
            _ => continue,
        };
        ledger::post(
            tx,
            Posting::of_pledge(goal, pledge.id, MoneyEvent::Release, actor),
            &Line::debit_credit(
                goal_account(goal.id, bucket),
                org_account(pledge.org),
                amount,
            ),
            now,
        )
        .await?;
        set_pledge(tx, pledge.id, PledgeState::Released, now).await?;
    }
    Ok(())
}

/// The issue's goal, brought up to date with the clock.
pub(super) async fn goal_for_issue(db: &Db, issue: &Issue) -> Result<Goal> {
    let goal = super::view::goal_of_issue(db, issue.id)
        .await?
        .ok_or_else(|| Error::not_found("error-goal-not-found"))?;
    refresh(db, &goal).await
}

/// Refuses, as "not found", anyone who may not read the repository; their
/// access otherwise.
pub(super) async fn ensure_readable(db: &Db, actor: &User, repo: &Repo) -> Result<Access> {
    let access = repo::access(db, Some(actor), repo).await?;
    if access < Access::Read {
        return Err(Error::not_found("error-repo-not-found"));
    }
    Ok(access)
}

/// Refuses anyone who may not write to the repository: goals are the
/// maintainers' to set, cancel and deliver.
pub(super) async fn ensure_maintainer(db: &Db, actor: &User, repo: &Repo) -> Result<()> {
    if ensure_readable(db, actor, repo).await? < Access::Write {
        return Err(Error::forbidden("error-maintainers-only"));
    }
    Ok(())
}

/// The organisation `name`, if `actor` may act for it with money.
pub(super) async fn treasury_of(db: &Db, actor: &User, name: &str) -> Result<org::Org> {
    if name.contains('\0') {
        return Err(Error::invalid("org", "error-org-not-found"));
    }
    let found = org::by_name(db, name)
        .await?
        .ok_or_else(|| Error::invalid("org", "error-org-not-found"))?;
    ensure_treasurer(db, actor, found.id).await?;
    Ok(found)
}

/// Refuses anyone who may not act for the organisation with money (only
/// its owners and treasurers may).
pub(super) async fn ensure_treasurer(db: &Db, actor: &User, org: OrgId) -> Result<()> {
    let role = org::role_of(db, org, actor.id).await?;
    if !role.is_some_and(Role::handles_money) {
        return Err(Error::forbidden("error-pledge-role"));
    }
    Ok(())
}
