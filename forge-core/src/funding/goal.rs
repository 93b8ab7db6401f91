//! Putting and cancelling a goal, and what time decides: deadlines expire
//! open goals, closed review windows accept deliveries.

use super::delivery::accept;
use super::kind;
use super::shared::{
    amount_text, begin_change, conflict, ensure_maintainer, event, goal_for_issue, live_pledges,
    lock_goal, release_all, set_goal_state, trimmed_text,
};
use super::view::Goal;
use super::{DEFAULT_REVIEW_DAYS, GoalState};
use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{AccountId, GoalId};
use crate::issue::Issue;
use crate::money;
use crate::repo::Repo;
use crate::timeline::Tx;
use crate::user::User;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, Row};

/// What a maintainer sets on a goal.
#[derive(Debug, Clone)]
pub struct GoalInput {
    pub budget_minor: i64,
    pub currency: String,
    pub acceptance: String,
    pub deadline_at: i64,
    pub review_days: Option<i64>,
    pub min_funders: Option<i64>,
}

/// A goal's terms as checked: what [`GoalInput`] asks, defaults filled in.
struct Terms {
    budget_minor: i64,
    currency: String,
    acceptance: String,
    deadline_at: i64,
    review_days: i64,
    min_funders: i64,
}

impl Terms {
    fn check(input: &GoalInput, now: i64) -> Result<Terms> {
        money::check_minor("budget_minor", input.budget_minor)?;
        let (currency, _) = money::currency(&input.currency)?;
        let acceptance = trimmed_text("acceptance", &input.acceptance, 20_000)?;
        if acceptance.is_empty() {
            return Err(Error::invalid("acceptance", "error-acceptance-empty"));
        }
        if input.deadline_at <= now {
            return Err(Error::invalid("deadline", "error-deadline-past"));
        }
        let review_days = input.review_days.unwrap_or(DEFAULT_REVIEW_DAYS);
        if !(1..=90).contains(&review_days) {
            return Err(Error::invalid("review_days", "error-review-days"));
        }
        let min_funders = input.min_funders.unwrap_or(1);
        if !(1..=1000).contains(&min_funders) {
            return Err(Error::invalid("min_funders", "error-min-funders"));
        }
        Ok(Terms {
            budget_minor: input.budget_minor,
            currency: currency.to_string(),
            acceptance: acceptance.to_string(),
            deadline_at: input.deadline_at,
            review_days,
            min_funders,
        })
    }

    /// Binds the terms to the query's next six placeholders, in the order of
    /// the fields: the insert and the update of a goal write them alike.
    fn bind<'q>(&self, query: Query<'q, Any, AnyArguments>) -> Query<'q, Any, AnyArguments> {
        query
            .bind(self.budget_minor)
            .bind(&self.currency)
            .bind(&self.acceptance)
            .bind(self.deadline_at)
            .bind(self.review_days)
            .bind(self.min_funders)
    }
}

/// Opens a goal on an issue, or edits it: anything while no pledge is
/// active; afterwards only a later deadline and clearer criteria.
pub async fn put_goal(
    db: &Db,
    actor: &User,
    repo: &Repo,
    issue: &Issue,
    input: GoalInput,
) -> Result<Goal> {
    ensure_maintainer(db, actor, repo).await?;
    let now = now_ms();
    let terms = Terms::check(&input, now)?;
    let me = Some(AccountId::from(actor.id));
    let existing = super::view::goal_of_issue(db, issue.id).await?;
    let mut tx = db.pool().begin().await?;
    let id = match existing {
        None => {
            let insert = sqlx::query(
                "INSERT INTO funding_goals (issue_id, repo_id, state, budget_minor, currency, acceptance, deadline_at, \
                 review_days, min_funders, created_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
            )
            .bind(issue.id.0)
            .bind(repo.id.0)
            .bind(GoalState::Open.as_str());
            let inserted = terms
                .bind(insert)
                .bind(actor.id.0)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(Error::from);
            let id = match inserted {
                Ok(row) => GoalId(row.try_get("id")?),
                Err(e) if e.is_unique_violation() => return Err(conflict("error-goal-exists")),
                Err(e) => return Err(e),
            };
            let goal = lock_goal(&mut tx, id).await?;
            event(
                &mut tx,
                &goal,
                kind::OPENED,
                me,
                None,
                Some(&amount_text(goal.budget_minor, &goal.currency)),
                now,
            )
            .await?;
            id
        }
        Some(goal) => {
            let mut goal = lock_goal(&mut tx, goal.id).await?;
            apply_time(&mut tx, &mut goal, now).await?;
            if goal.state != GoalState::Open {
                return Err(conflict("error-goal-not-open"));
            }
            let active = live_pledges(&mut tx, goal.id).await?.len();
            let money_changes = terms.budget_minor != goal.budget_minor
                || terms.currency != goal.currency
                || terms.review_days != goal.review_days
                || terms.min_funders != goal.min_funders;
            if active > 0 && (money_changes || terms.deadline_at < goal.deadline_at) {
                return Err(conflict("error-goal-pledged"));
            }
            terms
                .bind(sqlx::query(
                    "UPDATE funding_goals SET budget_minor = $1, currency = $2, acceptance = $3, deadline_at = $4, \
                     review_days = $5, min_funders = $6, updated_at = $7 WHERE id = $8",
                ))
                .bind(now)
                .bind(goal.id.0)
                .execute(&mut *tx)
                .await?;
            let mut changes = Vec::new();
            if terms.budget_minor != goal.budget_minor || terms.currency != goal.currency {
                changes.push("budget");
            }
            if terms.acceptance != goal.acceptance {
                changes.push("acceptance");
            }
            if terms.deadline_at != goal.deadline_at {
                changes.push("deadline");
            }
            if terms.review_days != goal.review_days {
                changes.push("review_days");
            }
            if terms.min_funders != goal.min_funders {
                changes.push("min_funders");
            }
            if !changes.is_empty() {
                event(
                    &mut tx,
                    &goal,
                    kind::CHANGED,
                    me,
                    None,
                    Some(&changes.join(",")),
                    now,
                )
                .await?;
            }
            goal.id
        }
    };
    tx.commit().await?;
    super::view::goal_by_id(db, id)
        .await?
        .ok_or_else(|| Error::Internal("a goal vanished".into()))
}

/// Cancels a goal before delivery; every pledge is released.
pub async fn cancel(db: &Db, actor: &User, repo: &Repo, issue: &Issue) -> Result<()> {
    ensure_maintainer(db, actor, repo).await?;
    let goal = goal_for_issue(db, issue).await?;
    let (mut tx, goal, now) = begin_change(db, goal.id).await?;
    if !matches!(goal.state, GoalState::Open | GoalState::Funded) {
        tx.commit().await?;
        return Err(conflict("error-cancel-late"));
    }
    let me = Some(AccountId::from(actor.id));
    release_all(&mut tx, &goal, me, now).await?;
    set_goal_state(&mut tx, goal.id, GoalState::Cancelled, now).await?;
    event(&mut tx, &goal, kind::CANCELLED, me, None, None, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Applies what time decides: an open goal past its deadline expires; a
/// delivered goal whose review window closed without objection is accepted.
pub(super) async fn apply_time(tx: &mut Tx<'_>, goal: &mut Goal, now: i64) -> Result<()> {
    if goal.state == GoalState::Open && goal.deadline_at <= now {
        release_all(tx, goal, None, now).await?;
        set_goal_state(tx, goal.id, GoalState::Expired, now).await?;
        event(tx, goal, kind::EXPIRED, None, None, None, now).await?;
        goal.state = GoalState::Expired;
    }
    if goal.state == GoalState::Delivered && goal.review_ends_at.is_some_and(|end| end <= now) {
        accept(tx, goal, None, now).await?;
        goal.state = GoalState::Accepted;
    }
    Ok(())
}

/// Brings one goal up to date with the clock; called on every read.
pub async fn refresh(db: &Db, goal: &Goal) -> Result<Goal> {
    let now = now_ms();
    let due = (goal.state == GoalState::Open && goal.deadline_at <= now)
        || (goal.state == GoalState::Delivered
            && goal.review_ends_at.is_some_and(|end| end <= now));
    if !due {
        return Ok(goal.clone());
    }
    let mut tx = db.pool().begin().await?;
    let mut locked = lock_goal(&mut tx, goal.id).await?;
    apply_time(&mut tx, &mut locked, now).await?;
    tx.commit().await?;
    Ok(locked)
}

/// Applies deadlines and review windows to every goal whose time has come;
/// the server runs it periodically. Returns how many goals changed.
pub async fn sweep(db: &Db) -> Result<usize> {
    let now = now_ms();
    let rows = sqlx::query(
        "SELECT id FROM funding_goals WHERE (state = 'open' AND deadline_at <= $1) \
         OR (state = 'delivered' AND review_ends_at <= $1)",
    )
    .bind(now)
    .fetch_all(db.pool())
    .await?;
    let mut changed = 0;
    for row in rows {
        let id = GoalId(row.try_get("id")?);
        if let Some(goal) = super::view::goal_by_id(db, id).await? {
            let after = refresh(db, &goal).await?;
            if after.state != goal.state {
                changed += 1;
            }
        }
    }
    Ok(changed)
}
