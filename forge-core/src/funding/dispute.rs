//! Deciding a dispute fairly: when a pledger objects to a delivery, the
//! pledging organisations vote, each weighted by its share, by the rule the
//! goal was opened with (simple majority, two thirds, unanimity of the
//! shares). The receiving side has no say. A mediator named with the goal
//! (a user or an organisation that is not the receiving account) decides
//! when every pledger has voted and no side reached the rule (a tie), or
//! once the voting window has closed without a decision. Without a named
//! mediator, the site's administrators mediate.
//!
//! Every step is an event of the issue's timeline, and so of the outbox.

use super::delivery::accept;
use super::kind;
use super::shared::{
    begin_change, conflict, ensure_maintainer, ensure_readable, event, goal_for_issue,
    live_pledges, lock_goal, release_all, set_goal_state, treasury_of,
};
use super::view::Goal;
use super::{DAY_MS, GoalState, PledgeState, Resolution};
use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{AccountId, GoalId, OrgId};
use crate::issue::Issue;
use crate::org::{self, Role};
use crate::repo::Repo;
use crate::timeline::{self, NewEvent, Tx};
use crate::user::User;
use sqlx::Row;

/// How much of the pledged shares one side needs to decide a dispute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DisputeRule {
    /// More than half of the shares.
    #[default]
    Majority,
    /// At least two thirds of the shares.
    TwoThirds,
    /// All of the shares.
    Unanimity,
}

impl DisputeRule {
    pub const ALL: [DisputeRule; 3] = [
        DisputeRule::Majority,
        DisputeRule::TwoThirds,
        DisputeRule::Unanimity,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DisputeRule::Majority => "majority",
            DisputeRule::TwoThirds => "two_thirds",
            DisputeRule::Unanimity => "unanimity",
        }
    }

    /// The rule as typed; refused with a message otherwise.
    pub fn parse(text: &str) -> Result<DisputeRule> {
        DisputeRule::ALL
            .into_iter()
            .find(|r| r.as_str() == text.trim())
            .ok_or_else(|| Error::invalid("dispute_rule", "error-dispute-rule"))
    }

    /// Whether `weight` out of `total` decides. Computed in i128: shares
    /// are at most the budget, but the products are not checked elsewhere.
    pub fn reached(self, weight: i64, total: i64) -> bool {
        let (weight, total) = (i128::from(weight), i128::from(total));
        if total <= 0 {
            return false;
        }
        match self {
            DisputeRule::Majority => 2 * weight > total,
            DisputeRule::TwoThirds => 3 * weight >= 2 * total,
            DisputeRule::Unanimity => weight == total,
        }
    }
}

/// How a goal's disputes are decided, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisputeTerms {
    pub rule: DisputeRule,
    /// The mediator's account and name; `None`: the site's administrators.
    pub mediator: Option<(AccountId, String)>,
    /// When the vote of the current dispute closes.
    pub vote_ends_at: Option<i64>,
}

/// A pledger's vote in a dispute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vote {
    pub org_id: OrgId,
    pub org_name: String,
    pub accept: bool,
    pub weight: i64,
    pub created_at: i64,
}

/// The goal's dispute terms.
pub async fn terms_of(db: &Db, goal: GoalId) -> Result<DisputeTerms> {
    let row = sqlx::query(
        "SELECT g.dispute_rule, g.mediator_id, a.name AS mediator_name, g.vote_ends_at \
         FROM funding_goals g LEFT JOIN accounts a ON a.id = g.mediator_id WHERE g.id = $1",
    )
    .bind(goal.0)
    .fetch_one(db.pool())
    .await?;
    let rule: String = row.try_get("dispute_rule")?;
    let mediator = match row.try_get::<Option<i64>, _>("mediator_id")? {
        Some(id) => Some((AccountId(id), row.try_get("mediator_name")?)),
        None => None,
    };
    Ok(DisputeTerms {
        rule: DisputeRule::parse(&rule)
            .map_err(|_| Error::Internal(format!("unknown dispute rule {rule}")))?,
        mediator,
        vote_ends_at: row.try_get("vote_ends_at")?,
    })
}

/// The votes of the goal's current dispute, in the order they were cast.
pub async fn votes(db: &Db, goal: GoalId) -> Result<Vec<Vote>> {
    let rows = sqlx::query(
        "SELECT v.org_id, a.name, v.vote, v.weight, v.created_at FROM dispute_votes v \
         JOIN accounts a ON a.id = v.org_id WHERE v.goal_id = $1 ORDER BY v.created_at, v.org_id",
    )
    .bind(goal.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Vote {
                org_id: OrgId(row.try_get("org_id")?),
                org_name: row.try_get("name")?,
                accept: row.try_get::<String, _>("vote")? == "accept",
                weight: row.try_get("weight")?,
                created_at: row.try_get("created_at")?,
            })
        })
        .collect()
}

/// Sets how the goal's disputes will be decided. Only a maintainer, and
/// only while nobody has pledged: pledgers commit knowing the rule. An
/// empty `mediator` names none (the site's administrators mediate).
pub async fn set_terms(
    db: &Db,
    actor: &User,
    repo: &Repo,
    issue: &Issue,
    rule: DisputeRule,
    mediator: &str,
) -> Result<()> {
    ensure_maintainer(db, actor, repo).await?;
    if mediator.contains('\0') {
        return Err(Error::invalid("mediator", "error-mediator-not-found"));
    }
    let mediator = match mediator.trim() {
        "" => None,
        name => {
            let found = crate::account::by_name(db, name)
                .await?
                .ok_or_else(|| Error::invalid("mediator", "error-mediator-not-found"))?;
            if found.id == repo.owner_id {
                return Err(Error::invalid("mediator", "error-mediator-payee"));
            }
            Some(found)
        }
    };
    let goal = goal_for_issue(db, issue).await?;
    let (mut tx, goal, now) = begin_change(db, goal.id).await?;
    // Sending the terms unchanged (a form sent back as it was) is no
    // change, whatever the goal's state.
    let before = sqlx::query("SELECT dispute_rule, mediator_id FROM funding_goals WHERE id = $1")
        .bind(goal.id.0)
        .fetch_one(&mut *tx)
        .await?;
    let unchanged = before.try_get::<String, _>("dispute_rule")? == rule.as_str()
        && before.try_get::<Option<i64>, _>("mediator_id")? == mediator.as_ref().map(|m| m.id.0);
    if unchanged {
        tx.commit().await?;
        return Ok(());
    }
    if goal.state != GoalState::Open {
        tx.commit().await?;
        return Err(conflict("error-dispute-terms-locked"));
    }
    if !live_pledges(&mut tx, goal.id).await?.is_empty() {
        tx.commit().await?;
        return Err(conflict("error-dispute-terms-locked"));
    }
    sqlx::query(
        "UPDATE funding_goals SET dispute_rule = $1, mediator_id = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(rule.as_str())
    .bind(mediator.as_ref().map(|m| m.id.0))
    .bind(now)
    .bind(goal.id.0)
    .execute(&mut *tx)
    .await?;
    timeline::record(
        &mut tx,
        goal.issue_id,
        NewEvent {
            kind: match rule {
                DisputeRule::Majority => kind::DISPUTE_TERMS_MAJORITY,
                DisputeRule::TwoThirds => kind::DISPUTE_TERMS_TWO_THIRDS,
                DisputeRule::Unanimity => kind::DISPUTE_TERMS_UNANIMITY,
            },
            actor: Some(actor.id.into()),
            subject: mediator.as_ref().map(|m| m.id),
            ..Default::default()
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Opens the vote of a dispute just raised: earlier votes are cleared, and
/// the window lasts as long as the goal's review.
pub(super) async fn open(tx: &mut Tx<'_>, goal: &Goal, now: i64) -> Result<()> {
    sqlx::query("DELETE FROM dispute_votes WHERE goal_id = $1")
        .bind(goal.id.0)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE funding_goals SET vote_ends_at = $1 WHERE id = $2")
        .bind(now + goal.review_days * DAY_MS)
        .bind(goal.id.0)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The dispute's figures inside a change: the rule, the close of the vote,
/// the shares of the voters (every committed pledge) and the votes so far.
struct Tally {
    rule: DisputeRule,
    vote_ends_at: i64,
    total: i64,
    accept: i64,
    reject: i64,
    voters: usize,
    voted: usize,
}

impl Tally {
    fn outcome(&self) -> Option<Resolution> {
        if self.rule.reached(self.accept, self.total) {
            Some(Resolution::Accept)
        } else if self.rule.reached(self.reject, self.total) {
            Some(Resolution::Reject)
        } else {
            None
        }
    }

    /// Every pledger voted and neither side reached the rule.
    fn tied(&self) -> bool {
        self.voted >= self.voters && self.outcome().is_none()
    }
}

async fn tally(tx: &mut Tx<'_>, goal: &Goal) -> Result<Tally> {
    let row = sqlx::query("SELECT dispute_rule, vote_ends_at FROM funding_goals WHERE id = $1")
        .bind(goal.id.0)
        .fetch_one(&mut **tx)
        .await?;
    let rule: String = row.try_get("dispute_rule")?;
    let rule = DisputeRule::parse(&rule)
        .map_err(|_| Error::Internal(format!("unknown dispute rule {rule}")))?;
    let committed: Vec<_> = live_pledges(tx, goal.id)
        .await?
        .into_iter()
        .filter(|p| p.state == PledgeState::Committed)
        .collect();
    let votes = sqlx::query("SELECT org_id, vote FROM dispute_votes WHERE goal_id = $1")
        .bind(goal.id.0)
        .fetch_all(&mut **tx)
        .await?;
    let mut tally = Tally {
        rule,
        vote_ends_at: row
            .try_get::<Option<i64>, _>("vote_ends_at")?
            .unwrap_or(i64::MAX),
        total: 0,
        accept: 0,
        reject: 0,
        voters: committed.len(),
        voted: 0,
    };
    for pledge in &committed {
        tally.total = tally.total.saturating_add(pledge.share);
        for vote in &votes {
            if OrgId(vote.try_get("org_id")?) != pledge.org {
                continue;
            }
            tally.voted += 1;
            if vote.try_get::<String, _>("vote")? == "accept" {
                tally.accept = tally.accept.saturating_add(pledge.share);
            } else {
                tally.reject = tally.reject.saturating_add(pledge.share);
            }
        }
    }
    Ok(tally)
}

/// Applies a decision: acceptance calls every share; rejection releases
/// every pledge.
async fn decide(
    tx: &mut Tx<'_>,
    goal: &Goal,
    resolution: Resolution,
    actor: Option<AccountId>,
    now: i64,
) -> Result<()> {
    match resolution {
        Resolution::Accept => accept(tx, goal, actor, now).await,
        Resolution::Reject => {
            release_all(tx, goal, actor, now).await?;
            set_goal_state(tx, goal.id, GoalState::Rejected, now).await?;
            event(tx, goal, kind::REJECTED, actor, None, None, now).await
        }
    }
}

fn verdict_text(resolution: Resolution) -> &'static str {
    match resolution {
        Resolution::Accept => "accept",
        Resolution::Reject => "reject",
    }
}

/// A pledging organisation's vote in a dispute (it may change it until the
/// dispute is decided). The dispute is decided as soon as one side reaches
/// the goal's rule; a tie is left to the mediator.
pub async fn vote(
    db: &Db,
    actor: &User,
    repo: &Repo,
    issue: &Issue,
    org_name: &str,
    choice: Resolution,
) -> Result<()> {
    ensure_readable(db, actor, repo).await?;
    let org = treasury_of(db, actor, org_name).await?;
    let goal = goal_for_issue(db, issue).await?;
    let (mut tx, goal, now) = begin_change(db, goal.id).await?;
    // As for reviews: a pledger asking at the wrong moment hears that the
    // vote is not open; anyone else that only pledgers vote.
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
        return Err(Error::forbidden("error-vote-not-pledger"));
    }
    if goal.state != GoalState::Disputed {
        tx.commit().await?;
        return Err(conflict("error-not-disputed"));
    }
    let before = tally(&mut tx, &goal).await?;
    if now > before.vote_ends_at {
        tx.commit().await?;
        return Err(conflict("error-vote-closed"));
    }
    let pledger = live_pledges(&mut tx, goal.id)
        .await?
        .into_iter()
        .find(|p| p.org == org.id && p.state == PledgeState::Committed);
    let Some(pledger) = pledger else {
        tx.commit().await?;
        return Err(Error::forbidden("error-vote-not-pledger"));
    };
    sqlx::query(
        "INSERT INTO dispute_votes (goal_id, org_id, vote, weight, by_user, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (goal_id, org_id) DO UPDATE SET vote = EXCLUDED.vote, weight = EXCLUDED.weight, \
         by_user = EXCLUDED.by_user, created_at = EXCLUDED.created_at",
    )
    .bind(goal.id.0)
    .bind(org.id.0)
    .bind(verdict_text(choice))
    .bind(pledger.share)
    .bind(actor.id.0)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let me = Some(AccountId::from(actor.id));
    let voted = match choice {
        Resolution::Accept => kind::VOTED_ACCEPT,
        Resolution::Reject => kind::VOTED_REJECT,
    };
    event(&mut tx, &goal, voted, me, Some(org.id), None, now).await?;
    let after = tally(&mut tx, &goal).await?;
    if let Some(outcome) = after.outcome() {
        let decided = match outcome {
            Resolution::Accept => kind::VOTE_DECIDED_ACCEPT,
            Resolution::Reject => kind::VOTE_DECIDED_REJECT,
        };
        event(&mut tx, &goal, decided, None, None, None, now).await?;
        decide(&mut tx, &goal, outcome, None, now).await?;
    } else if after.tied() && !before.tied() {
        event(&mut tx, &goal, kind::VOTE_TIED, None, None, None, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Whether `actor` is the goal's mediator: the named user, an owner of the
/// named organisation, or, when none was named, a site administrator.
async fn is_mediator(db: &Db, actor: &User, mediator: Option<AccountId>) -> Result<bool> {
    Ok(match mediator {
        None => actor.is_admin,
        Some(account) if account.0 == actor.id.0 => true,
        Some(account) => org::role_of(db, OrgId(account.0), actor.id).await? == Some(Role::Owner),
    })
}

/// The mediator decides a dispute: once the vote is tied, or once its
/// window has closed without a decision.
pub async fn resolve(
    db: &Db,
    actor: &User,
    repo: &Repo,
    issue: &Issue,
    resolution: Resolution,
) -> Result<()> {
    ensure_readable(db, actor, repo).await?;
    let goal = goal_for_issue(db, issue).await?;
    let terms = terms_of(db, goal.id).await?;
    if !is_mediator(db, actor, terms.mediator.map(|(id, _)| id)).await? {
        return Err(Error::forbidden("error-resolve-mediator-only"));
    }
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    let goal = lock_goal(&mut tx, goal.id).await?;
    if goal.state != GoalState::Disputed {
        tx.commit().await?;
        return Err(conflict("error-not-disputed"));
    }
    let tally = tally(&mut tx, &goal).await?;
    if !tally.tied() && now <= tally.vote_ends_at {
        tx.commit().await?;
        return Err(conflict("error-mediation-early"));
    }
    let me = Some(AccountId::from(actor.id));
    let mediated = match resolution {
        Resolution::Accept => kind::MEDIATED_ACCEPT,
        Resolution::Reject => kind::MEDIATED_REJECT,
    };
    event(&mut tx, &goal, mediated, me, None, None, now).await?;
    decide(&mut tx, &goal, resolution, me, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether `actor` may mediate the goal's dispute now (for the pages: the
/// mediator's form shows only then).
pub async fn may_mediate(db: &Db, actor: &User, goal: &Goal) -> Result<bool> {
    if goal.state != GoalState::Disputed {
        return Ok(false);
    }
    let terms = terms_of(db, goal.id).await?;
    if !is_mediator(db, actor, terms.mediator.map(|(id, _)| id)).await? {
        return Ok(false);
    }
    let mut tx = db.pool().begin().await?;
    let tally = tally(&mut tx, goal).await?;
    tx.commit().await?;
    Ok(tally.tied() || now_ms() > tally.vote_ends_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_needs_its_share_of_the_weight() {
        use DisputeRule::*;
        assert!(Majority.reached(501, 1000));
        assert!(!Majority.reached(500, 1000));
        assert!(TwoThirds.reached(2, 3));
        assert!(!TwoThirds.reached(666, 1000));
        assert!(TwoThirds.reached(667, 1000));
        assert!(Unanimity.reached(1000, 1000));
        assert!(!Unanimity.reached(999, 1000));
        assert!(!Majority.reached(0, 0));
        assert!(Majority.reached(i64::MAX, i64::MAX));
    }

    #[test]
    fn rules_read_back_and_others_are_refused() {
        for rule in DisputeRule::ALL {
            assert_eq!(DisputeRule::parse(rule.as_str()).ok(), Some(rule));
        }
        assert!(DisputeRule::parse("half").is_err());
    }
}
