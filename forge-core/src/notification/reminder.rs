//! Reminders, in the inbox and by e-mail, for what silence would decide: a
//! review window closing in three days and in one day (a treasurer who
//! says nothing accepts the delivery), a funding deadline in seven days
//! with the goal still short, a payment due for more than fourteen days.
//!
//! Each reminder is a row of `reminders` with a key naming what it reminds
//! of and to whom; the key is unique, so each one is written once whoever
//! looks and however often (`ON CONFLICT DO NOTHING … RETURNING` gives only
//! the new ones). Each new reminder brings the issue's thread of the inbox
//! back to unread and, for verified addresses of users who did not turn
//! e-mail off, writes a message (under the same unique key).

use crate::db::Db;
use crate::error::Result;
use crate::outbox::Tx;
use sqlx::Row;

const DAY: i64 = 24 * 3600 * 1000;

/// Owners and treasurers of each pledging organisation that has not
/// reviewed a delivery whose window ends between `$2` and `$3`; `$4` is
/// the kind and key prefix.
const REVIEW: &str = "\
    INSERT INTO reminders (user_id, issue_id, kind, created_at, reminder_key) \
    SELECT DISTINCT u.id, g.issue_id, $4, $1, \
        $4 || '-' || CAST(g.id AS TEXT) || '-' || CAST(u.id AS TEXT) \
    FROM funding_goals g JOIN pledges p ON p.goal_id = g.id AND p.state = 'committed' \
    JOIN org_members m ON m.org_id = p.org_id AND m.role IN ('owner', 'treasurer') \
    JOIN users u ON u.id = m.user_id \
    WHERE g.state = 'delivered' AND g.review_ends_at > $2 AND g.review_ends_at <= $3 \
        AND NOT EXISTS (SELECT 1 FROM funding_reviews r WHERE r.goal_id = g.id AND r.org_id = p.org_id) \
        AND u.deleted_at IS NULL \
    ON CONFLICT (reminder_key) DO NOTHING RETURNING reminder_key, user_id, issue_id, kind";

/// The repository's owner (a user) or its organisation's owners and
/// maintainers, for goals still short whose deadline falls within `$2`.
const DEADLINE: &str = "\
    INSERT INTO reminders (user_id, issue_id, kind, created_at, reminder_key) \
    SELECT DISTINCT u.id, g.issue_id, 'reminder_deadline_7', $1, \
        'reminder_deadline_7-' || CAST(g.id AS TEXT) || '-' || CAST(u.id AS TEXT) \
    FROM funding_goals g JOIN repositories r ON r.id = g.repo_id \
    JOIN users u ON u.id = r.owner_id OR u.id IN (SELECT m.user_id FROM org_members m \
        WHERE m.org_id = r.owner_id AND m.role IN ('owner', 'maintainer')) \
    WHERE g.state = 'open' AND g.deadline_at > $1 AND g.deadline_at <= $2 \
        AND (SELECT COALESCE(SUM(p.amount_minor), 0) FROM pledges p \
             WHERE p.goal_id = g.id AND p.state = 'active') < g.budget_minor \
        AND u.deleted_at IS NULL \
    ON CONFLICT (reminder_key) DO NOTHING RETURNING reminder_key, user_id, issue_id, kind";

/// Owners and treasurers of organisations whose share has been due since
/// before `$2`.
const PAYMENT: &str = "\
    INSERT INTO reminders (user_id, issue_id, kind, created_at, reminder_key) \
    SELECT DISTINCT u.id, g.issue_id, 'reminder_payment_14', $1, \
        'reminder_payment_14-' || CAST(p.id AS TEXT) || '-' || CAST(u.id AS TEXT) \
    FROM pledges p JOIN funding_goals g ON g.id = p.goal_id \
    JOIN org_members m ON m.org_id = p.org_id AND m.role IN ('owner', 'treasurer') \
    JOIN users u ON u.id = m.user_id \
    WHERE p.state = 'due' AND p.updated_at <= $2 \
        AND u.deleted_at IS NULL \
    ON CONFLICT (reminder_key) DO NOTHING RETURNING reminder_key, user_id, issue_id, kind";

/// The issue's thread of the reminded user, unread and on top; the
/// reason of an existing thread is kept.
const THREAD: &str = "\
    INSERT INTO notifications (user_id, issue_id, repo_id, reason, last_event_id, last_kind, \
        last_actor_id, is_read, created_at, updated_at) \
    SELECT $1, i.id, i.repo_id, 'funding', 0, $3, NULL, 0, $4, $4 FROM issues i WHERE i.id = $2 \
    ON CONFLICT (user_id, issue_id) DO UPDATE SET last_event_id = excluded.last_event_id, \
        last_kind = excluded.last_kind, last_actor_id = NULL, is_read = 0, \
        updated_at = excluded.updated_at";

/// The reminder's message, for a verified address whose owner wants mail.
const MESSAGE: &str = "\
    INSERT INTO mail_messages (user_id, issue_id, event_id, kind, state, next_attempt_at, \
        created_at, reminder_key) \
    SELECT u.id, $2, 0, $3, 'pending', $4, $4, $5 FROM users u \
    WHERE u.id = $1 AND u.email_verified_at IS NOT NULL AND u.deleted_at IS NULL \
        AND u.email_mode <> 'none' \
    ON CONFLICT (reminder_key) DO NOTHING";

/// Tells the reminders just written: the inbox thread and the message.
async fn tell(tx: &mut Tx<'_>, rows: Vec<sqlx::any::AnyRow>, now: i64) -> Result<u64> {
    let written = rows.len() as u64;
    for row in rows {
        let key: String = row.try_get("reminder_key")?;
        let user: i64 = row.try_get("user_id")?;
        let issue: i64 = row.try_get("issue_id")?;
        let kind: String = row.try_get("kind")?;
        sqlx::query(THREAD)
            .bind(user)
            .bind(issue)
            .bind(&kind)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        sqlx::query(MESSAGE)
            .bind(user)
            .bind(issue)
            .bind(&kind)
            .bind(now)
            .bind(&key)
            .execute(&mut **tx)
            .await?;
    }
    Ok(written)
}

/// Writes the reminders due at `now` that were not written before;
/// returns how many were written.
pub async fn queue(db: &Db, now: i64) -> Result<u64> {
    let mut written = 0;
    let mut tx = db.pool().begin().await?;
    // Three days out (not yet within one day), then one day out.
    for (from, to, kind) in [
        (now + DAY, now + 3 * DAY, "reminder_review_3"),
        (now, now + DAY, "reminder_review_1"),
    ] {
        let rows = sqlx::query(REVIEW)
            .bind(now)
            .bind(from)
            .bind(to)
            .bind(kind)
            .fetch_all(&mut *tx)
            .await?;
        written += tell(&mut tx, rows, now).await?;
    }
    let rows = sqlx::query(DEADLINE)
        .bind(now)
        .bind(now + 7 * DAY)
        .fetch_all(&mut *tx)
        .await?;
    written += tell(&mut tx, rows, now).await?;
    let rows = sqlx::query(PAYMENT)
        .bind(now)
        .bind(now - 14 * DAY)
        .fetch_all(&mut *tx)
        .await?;
    written += tell(&mut tx, rows, now).await?;
    tx.commit().await?;
    Ok(written)
}
