//! The "notifications" consumer of the outbox: turns the events of issues
//! into inbox threads, in the transaction that moves its position.
//!
//! Who hears of an event on an issue: its participants (author, commenters,
//! assignees, mentioned users), users subscribed to it, watchers of its
//! repository, and for funding events the owners and treasurers of every
//! pledging organisation and the repository's maintainers. A user who
//! muted the issue hears nothing of it, nobody hears of their own act, and
//! nobody hears of a private repository they may not read. One statement
//! writes every recipient's thread, however many watchers there are.

use crate::consumer::{self, Start};
use crate::db::Db;
use crate::error::Result;
use crate::funding;
use crate::outbox::{Event, Tx};

/// The consumer's name in `outbox_consumers`.
pub const CONSUMER: &str = "notifications";

/// How many events one transaction handles.
const BATCH: i64 = 200;

/// Timeline kinds (after `issue.`) that reach participants and watchers.
const ISSUE_KINDS: [&str; 5] = ["opened", "commented", "closed", "reopened", "assigned"];

/// Timeline kinds of funding (after `issue.`), which also reach the
/// pledging organisations and the maintainers.
const FUNDING_KINDS: [&str; 16] = [
    funding::kind::OPENED,
    funding::kind::PLEDGED,
    funding::kind::PLEDGE_CHANGED,
    funding::kind::WITHDRAWN,
    funding::kind::FUNDED,
    funding::kind::EXPIRED,
    funding::kind::CANCELLED,
    funding::kind::DELIVERED,
    funding::kind::DISPUTED,
    funding::kind::ACCEPTED,
    funding::kind::REJECTED,
    funding::kind::PAYMENT,
    funding::kind::PAYMENT_REVERSED,
    funding::kind::SETTLED,
    funding::kind::VOTE_TIED,
    funding::kind::REVIEW_ACCEPTED,
];

/// Events of pull requests (after `pull_request.`) that the people of the
/// pull request and the watchers of its repository hear of; opening and
/// closing reach them through the issue's own events.
const PULL_KINDS: [&str; 3] = ["reviewed", "review_comment", "merged"];

/// What an event's kind means for notifications: `None` when nobody is
/// told, else whether it is a funding event.
pub fn audience(kind: &str) -> Option<bool> {
    if let Some(pull) = kind.strip_prefix("pull_request.") {
        return PULL_KINDS.contains(&pull).then_some(false);
    }
    let timeline = kind.strip_prefix("issue.")?;
    if FUNDING_KINDS.contains(&timeline) {
        Some(true)
    } else if ISSUE_KINDS.contains(&timeline) {
        Some(false)
    } else {
        None
    }
}

/// Every recipient of an event, with the strongest reason of each (the
/// lowest priority number), written or brought back to unread and to the
/// top of the inbox in one statement.
const NOTIFY: &str = "\
    INSERT INTO notifications (user_id, issue_id, repo_id, reason, last_event_id, last_kind, \
        last_actor_id, is_read, created_at, updated_at) \
    SELECT c.user_id, $1, $2, \
        CASE MIN(c.prio) WHEN 0 THEN 'mention' WHEN 1 THEN 'assigned' WHEN 2 THEN 'author' \
            WHEN 3 THEN 'commenter' WHEN 4 THEN 'subscribed' WHEN 5 THEN 'funding' \
            ELSE 'watching' END, \
        $5, $6, $7, 0, $8, $8 \
    FROM ( \
        SELECT author_id AS user_id, 2 AS prio FROM issues WHERE id = $1 \
        UNION ALL SELECT author_id, 3 FROM comments WHERE issue_id = $1 \
        UNION ALL SELECT user_id, 1 FROM issue_assignees WHERE issue_id = $1 \
        UNION ALL SELECT user_id, 0 FROM issue_mentions WHERE issue_id = $1 \
        UNION ALL SELECT user_id, 4 FROM issue_subscriptions WHERE issue_id = $1 AND subscribed = 1 \
        UNION ALL SELECT user_id, 6 FROM repo_watches WHERE repo_id = $2 AND mode = 'all' \
        UNION ALL SELECT m.user_id, 5 FROM org_members m \
            JOIN pledges p ON p.org_id = m.org_id \
            JOIN funding_goals g ON g.id = p.goal_id \
            WHERE $4 = 1 AND g.issue_id = $1 AND m.role IN ('owner', 'treasurer') \
        UNION ALL SELECT owner_id, 5 FROM repositories WHERE $4 = 1 AND id = $2 \
        UNION ALL SELECT m.user_id, 5 FROM org_members m \
            JOIN repositories mr ON mr.owner_id = m.org_id \
            WHERE $4 = 1 AND mr.id = $2 AND m.role IN ('owner', 'maintainer') \
    ) c \
    JOIN users u ON u.id = c.user_id \
    JOIN repositories r ON r.id = $2 \
    WHERE c.user_id <> $3 AND u.deleted_at IS NULL \
        AND NOT EXISTS (SELECT 1 FROM issue_subscriptions s \
            WHERE s.user_id = c.user_id AND s.issue_id = $1 AND s.subscribed = 0) \
        AND (r.is_private = 0 OR u.is_admin = 1 OR r.owner_id = c.user_id \
            OR EXISTS (SELECT 1 FROM org_members om \
                WHERE om.org_id = r.owner_id AND om.user_id = c.user_id)) \
    GROUP BY c.user_id \
    ON CONFLICT (user_id, issue_id) DO UPDATE SET reason = excluded.reason, \
        last_event_id = excluded.last_event_id, last_kind = excluded.last_kind, \
        last_actor_id = excluded.last_actor_id, is_read = 0, updated_at = excluded.updated_at";

/// Writes the threads one event causes, and the e-mail messages to send
/// for them, through the consumer's transaction; returns how many users
/// were notified.
pub async fn handle(tx: &mut Tx<'_>, event: &Event) -> Result<u64> {
    let (Some(issue), Some(repo)) = (event.issue, event.repo) else {
        return Ok(0);
    };
    let Some(funding) = audience(&event.kind) else {
        return Ok(0);
    };
    let kind = event
        .kind
        .strip_prefix("issue.")
        .or_else(|| event.kind.strip_prefix("pull_request."))
        .unwrap_or(&event.kind);
    let done = sqlx::query(NOTIFY)
        .bind(issue.0)
        .bind(repo.0)
        .bind(event.actor.map_or(0, |a| a.0))
        .bind(i64::from(funding))
        .bind(event.id.0)
        .bind(kind)
        .bind(event.actor.map(|a| a.0))
        .bind(event.created_at)
        .execute(&mut **tx)
        .await?;
    sqlx::query(super::mail::QUEUE)
        .bind(issue.0)
        .bind(event.id.0)
        .bind(kind)
        .bind(i64::from(funding))
        .bind(event.created_at)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}

/// Handles every event readable now; returns how many were handled. A
/// forge that starts notifying does not notify of its history.
pub async fn run(db: &Db) -> Result<usize> {
    consumer::consume(db, CONSUMER, Start::Now, BATCH, async |tx, event| {
        handle(tx, event).await.map(|_| ())
    })
    .await
}
