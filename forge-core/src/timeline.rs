//! The timeline of an issue: every change, in order, with who made it.
//! Each event is also written to the outbox ([`crate::outbox`]), in the same
//! transaction, for whoever must be told.

use crate::db::Db;
use crate::error::Result;
use crate::ids::{AccountId, CommentId, IssueId, LabelId, MilestoneId};
use crate::outbox;
use sqlx::Row;

pub type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

/// Kinds of events, as stored.
pub mod kind {
    pub const OPENED: &str = "opened";
    pub const COMMENTED: &str = "commented";
    pub const LABELED: &str = "labeled";
    pub const UNLABELED: &str = "unlabeled";
    pub const ASSIGNED: &str = "assigned";
    pub const UNASSIGNED: &str = "unassigned";
    pub const MILESTONED: &str = "milestoned";
    pub const DEMILESTONED: &str = "demilestoned";
    pub const CLOSED: &str = "closed";
    pub const REOPENED: &str = "reopened";
    pub const RENAMED: &str = "renamed";
    pub const LOCKED: &str = "locked";
    pub const UNLOCKED: &str = "unlocked";
    /// A commit mentions the issue.
    pub const REFERENCED: &str = "referenced";
    /// Another issue mentions this one.
    pub const CROSS_REFERENCED: &str = "cross_referenced";
}

/// An event to record; unset fields stay NULL.
#[derive(Debug, Default, Clone)]
pub struct NewEvent<'a> {
    pub kind: &'a str,
    pub actor: Option<AccountId>,
    pub comment: Option<CommentId>,
    pub label: Option<LabelId>,
    pub milestone: Option<MilestoneId>,
    pub subject: Option<AccountId>,
    pub ref_issue: Option<IssueId>,
    pub commit: Option<&'a str>,
    pub old_value: Option<&'a str>,
    pub new_value: Option<&'a str>,
}

/// Records an event, and the same event in the outbox as `issue.KIND`;
/// `false` when an event of this kind for this commit already exists
/// (seeing a commit twice changes nothing, and tells no one twice).
pub async fn record(tx: &mut Tx<'_>, issue: IssueId, event: NewEvent<'_>, at: i64) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO issue_events (issue_id, kind, actor_id, comment_id, label_id, milestone_id, subject_id, \
         ref_issue_id, commit_id, old_value, new_value, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(issue.0)
    .bind(event.kind)
    .bind(event.actor.map(|a| a.0))
    .bind(event.comment.map(|c| c.0))
    .bind(event.label.map(|l| l.0))
    .bind(event.milestone.map(|m| m.0))
    .bind(event.subject.map(|s| s.0))
    .bind(event.ref_issue.map(|i| i.0))
    .bind(event.commit)
    .bind(event.old_value)
    .bind(event.new_value)
    .bind(at)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = inserted else {
        return Ok(false);
    };
    let id: i64 = row.try_get("id")?;
    outbox::record_for_issue(
        tx,
        issue,
        &format!("issue.{}", event.kind),
        event.actor,
        payload_of(id, &event),
        at,
    )
    .await?;
    Ok(true)
}

/// The outbox payload of a timeline event: its id in the timeline and the
/// fields it sets.
fn payload_of(id: i64, event: &NewEvent<'_>) -> serde_json::Value {
    let mut payload = serde_json::Map::new();
    payload.insert("timeline_event".into(), id.into());
    let ids = [
        ("comment", event.comment.map(|c| c.0)),
        ("label", event.label.map(|l| l.0)),
        ("milestone", event.milestone.map(|m| m.0)),
        ("subject", event.subject.map(|s| s.0)),
        ("ref_issue", event.ref_issue.map(|i| i.0)),
    ];
    for (name, value) in ids {
        if let Some(value) = value {
            payload.insert(name.into(), value.into());
        }
    }
    let texts = [
        ("commit", event.commit),
        ("old_value", event.old_value),
        ("new_value", event.new_value),
    ];
    for (name, value) in texts {
        if let Some(value) = value {
            payload.insert(name.into(), value.into());
        }
    }
    serde_json::Value::Object(payload)
}

/// One event of a timeline, with the names it refers to resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: i64,
    pub kind: String,
    pub actor: Option<String>,
    pub comment: Option<CommentId>,
    pub label: Option<(String, String)>,
    pub milestone: Option<String>,
    pub subject: Option<String>,
    /// `(owner/repo, number)` of the referring issue.
    pub ref_issue: Option<(String, i64)>,
    pub commit: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub created_at: i64,
}

/// The issue's events in order.
pub async fn events(db: &Db, issue: IssueId) -> Result<Vec<Event>> {
    let rows = sqlx::query(
        "SELECT e.id, e.kind, actor.name AS actor, e.comment_id, l.name AS label_name, l.color AS label_color, \
         m.title AS milestone, subject.name AS subject, ro.name AS ref_owner, rr.name AS ref_repo, \
         ri.number AS ref_number, e.commit_id, e.old_value, e.new_value, e.created_at \
         FROM issue_events e \
         LEFT JOIN accounts actor ON actor.id = e.actor_id \
         LEFT JOIN labels l ON l.id = e.label_id \
         LEFT JOIN milestones m ON m.id = e.milestone_id \
         LEFT JOIN accounts subject ON subject.id = e.subject_id \
         LEFT JOIN issues ri ON ri.id = e.ref_issue_id \
         LEFT JOIN repositories rr ON rr.id = ri.repo_id \
         LEFT JOIN accounts ro ON ro.id = rr.owner_id \
         WHERE e.issue_id = $1 ORDER BY e.created_at, e.id",
    )
    .bind(issue.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let label = match (
                row.try_get::<Option<String>, _>("label_name")?,
                row.try_get::<Option<String>, _>("label_color")?,
            ) {
                (Some(name), Some(color)) => Some((name, color)),
                _ => None,
            };
            let ref_issue = match (
                row.try_get::<Option<String>, _>("ref_owner")?,
                row.try_get::<Option<String>, _>("ref_repo")?,
                row.try_get::<Option<i64>, _>("ref_number")?,
            ) {
                (Some(owner), Some(repo), Some(number)) => {
                    Some((format!("{owner}/{repo}"), number))
                }
                _ => None,
            };
            Ok(Event {
                id: row.try_get("id")?,
                kind: row.try_get("kind")?,
                actor: row.try_get("actor")?,
                comment: row.try_get::<Option<i64>, _>("comment_id")?.map(CommentId),
                label,
                milestone: row.try_get("milestone")?,
                subject: row.try_get("subject")?,
                ref_issue,
                commit: row.try_get("commit_id")?,
                old_value: row.try_get("old_value")?,
                new_value: row.try_get("new_value")?,
                created_at: row.try_get("created_at")?,
            })
        })
        .collect()
}
