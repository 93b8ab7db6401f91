//! Delivering the work, the pledgers' review (an objection opens a dispute,
//! decided in `dispute`), and acceptance, which calls every committed share for payment.

use super::kind;
use super::ledger::{self, Bucket, Line, MoneyEvent, Posting, goal_account};
use super::payment::settle_if_paid;
use super::shared::{
    begin_change, conflict, ensure_maintainer, ensure_readable, event, goal_for_issue,
    live_pledges, set_goal_state, set_pledge, treasury_of, trimmed_text,
};
use super::view::Goal;
use super::{DAY_MS, GoalState, PledgeState, Verdict};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{AccountId, OrgId};
use crate::issue::Issue;
use crate::repo::Repo;
use crate::timeline::Tx;
use crate::user::User;
use sqlx::Row;

/// Declares delivery of a funded goal; the review window opens.
pub async fn deliver(
    db: &Db,
    actor: &User,
    repo: &Repo,
    issue: &Issue,
    note: &str,
    commits: &[String],
) -> Result<()> {
    ensure_maintainer(db, actor, repo).await?;
    let note = trimmed_text("note", note, 20_000)?;
    if note.is_empty() {
        return Err(Error::invalid("note", "error-delivery-note"));
    }
    for commit in commits {
        if !(7..=40).contains(&commit.len()) || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::invalid("commits", "error-commit-id"));
        }
    }
    let goal = goal_for_issue(db, issue).await?;
    let (mut tx, goal, now) = begin_change(db, goal.id).await?;
    if goal.state != GoalState::Funded {
        tx.commit().await?;
        return Err(conflict("error-deliver-unfunded"));
    }
    let ends = now + goal.review_days * DAY_MS;
    sqlx::query(
        "UPDATE funding_goals SET state = $1, delivery_note = $2, delivery_commits = $3, delivered_at = $4, \
         review_ends_at = $5, updated_at = $4 WHERE id = $6",
    )
    .bind(GoalState::Delivered.as_str())
    .bind(note)
    .bind(commits.join(" "))
    .bind(now)
    .bind(ends)
    .bind(goal.id.0)
    .execute(&mut *tx)
    .await?;
    event(
        &mut tx,
        &goal,
        kind::DELIVERED,
        Some(actor.id.into()),
        None,
        None,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A pledging organisation's review of a delivery: accepting (the goal is
/// accepted once every pledger has), or objecting with a reason (a dispute).
pub async fn review(
    db: &Db,
    actor: &User,
    repo: &Repo,
    issue: &Issue,
    org_name: &str,
    verdict: Verdict,
    reason: &str,
) -> Result<()> {
    ensure_readable(db, actor, repo).await?;
    let org = treasury_of(db, actor, org_name).await?;
    let reason = trimmed_text("reason", reason, 5000)?;
    if verdict == Verdict::Object && reason.is_empty() {
        return Err(Error::invalid("reason", "error-objection-reason"));
    }
    let goal = goal_for_issue(db, issue).await?;
    let (mut tx, goal, now) = begin_change(db, goal.id).await?;
    // Whether the organisation pledged (a pledge it did not withdraw), so
    // that a pledger asking too early or too late hears that the review is
    // closed, and anyone else that only pledgers review.
    let pledged: i64 = sqlx::query(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM pledges WHERE goal_id = $1 AND org_id = $2 AND state <> 'withdrawn'",
    )
    .bind(goal.id.0)
    .bind(org.id.0)
    .fetch_one(&mut *tx)
    .await?
    .try_get("n")?;
    if pledged == 0 {
        tx.commit().await?;
        return Err(Error::forbidden("error-review-not-pledger"));
    }
    if goal.state != GoalState::Delivered {
        tx.commit().await?;
        return Err(conflict("error-review-closed"));
    }
    let live = live_pledges(&mut tx, goal.id).await?;
    if !live
        .iter()
        .any(|p| p.org == org.id && p.state == PledgeState::Committed)
    {
        tx.commit().await?;
        return Err(Error::forbidden("error-review-not-pledger"));
    }
    sqlx::query(
        "INSERT INTO funding_reviews (goal_id, org_id, verdict, reason, by_user, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (goal_id, org_id) DO UPDATE SET verdict = EXCLUDED.verdict, reason = EXCLUDED.reason, \
         by_user = EXCLUDED.by_user, created_at = EXCLUDED.created_at",
    )
    .bind(goal.id.0)
    .bind(org.id.0)
    .bind(verdict.as_str())
    .bind(reason)
    .bind(actor.id.0)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let me = Some(AccountId::from(actor.id));
    match verdict {
        Verdict::Object => {
            set_goal_state(&mut tx, goal.id, GoalState::Disputed, now).await?;
            super::dispute::open(&mut tx, &goal, now).await?;
            event(
                &mut tx,
                &goal,
                kind::DISPUTED,
                me,
                Some(org.id),
                Some(reason),
                now,
            )
            .await?;
        }
        Verdict::Accept => {
            event(
                &mut tx,
                &goal,
                kind::REVIEW_ACCEPTED,
                me,
                Some(org.id),
                None,
                now,
            )
            .await?;
            let accepted: Vec<OrgId> = sqlx::query(
                "SELECT org_id FROM funding_reviews WHERE goal_id = $1 AND verdict = 'accept'",
            )
            .bind(goal.id.0)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| Ok(OrgId(r.try_get("org_id")?)))
            .collect::<Result<_>>()?;
            let everyone = live
                .iter()
                .filter(|p| p.state == PledgeState::Committed)
                .all(|p| accepted.contains(&p.org));
            if everyone {
                accept(&mut tx, &goal, None, now).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Accepts the delivery: every committed share is called for payment.
pub(super) async fn accept(
    tx: &mut Tx<'_>,
    goal: &Goal,
    actor: Option<AccountId>,
    now: i64,
) -> Result<()> {
    for pledge in live_pledges(tx, goal.id).await? {
        if pledge.state != PledgeState::Committed {
            continue;
        }
        ledger::post(
            tx,
            Posting::of_pledge(goal, pledge.id, MoneyEvent::Call, actor),
            &Line::debit_credit(
                goal_account(goal.id, Bucket::Committed),
                goal_account(goal.id, Bucket::Due),
                pledge.share,
            ),
            now,
        )
        .await?;
        let state = if pledge.share == 0 {
            PledgeState::Paid
        } else {
            super::document::number_call(tx, goal, pledge.id, now).await?;
            PledgeState::Due
        };
        set_pledge(tx, pledge.id, state, now).await?;
    }
    set_goal_state(tx, goal.id, GoalState::Accepted, now).await?;
    event(tx, goal, kind::ACCEPTED, actor, None, None, now).await?;
    settle_if_paid(tx, goal, now).await
}
