//! Changing an issue: title, body, state, lock, milestone and assignees,
//! in one transaction.

use super::assignees::{add_assignee_tx, assignable, assignee_ids};
use super::notes::{record_notes, resolve_notes};
use super::search::refresh_search;
use super::state::{adjust_milestone, set_state_tx};
use super::validate::{validate_body, validate_title};
use super::{CloseReason, Issue, Rights, get};
use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{AccountId, MilestoneId};
use crate::outbox;
use crate::repo::Repo;
use crate::timeline::{self, NewEvent, kind};
use crate::user::User;
use sqlx::Row;

/// Changes to an issue; `None` leaves a part as it is.
#[derive(Debug, Clone, Default)]
pub struct IssueChanges {
    pub title: Option<String>,
    pub body: Option<String>,
    /// `Some(Some(reason))` closes, `Some(None)` reopens.
    pub state: Option<Option<CloseReason>>,
    pub locked: Option<bool>,
    /// `Some(None)` removes the milestone.
    pub milestone: Option<Option<MilestoneId>>,
    /// The complete new list of assignees.
    pub assignees: Option<Vec<String>>,
}

pub async fn update(
    db: &Db,
    actor: &User,
    repo: &Repo,
    issue: &Issue,
    changes: IssueChanges,
) -> Result<Issue> {
    let rights = Rights::of(db, Some(actor), repo).await?;
    if !rights.read() {
        return Err(Error::not_found("error-repo-not-found"));
    }
    // Even an edit that changes nothing touches the issue: only its author
    // and maintainers may send one.
    let edits_triage =
        changes.locked.is_some() || changes.milestone.is_some() || changes.assignees.is_some();
    if !rights.edit(Some(actor), issue) || (edits_triage && !rights.maintain()) {
        return Err(Error::forbidden("error-issue-edit-forbidden"));
    }
    let title = changes.title.as_deref().map(validate_title).transpose()?;
    let body = changes
        .body
        .as_deref()
        .map(|b| validate_body("body", b))
        .transpose()?;
    if let Some(Some(milestone)) = changes.milestone {
        crate::milestone::get(db, repo.id, milestone)
            .await?
            .ok_or_else(|| Error::invalid("milestone", "error-milestone-not-found"))?;
    }
    let assignees = match &changes.assignees {
        Some(names) => {
            let mut ids = Vec::new();
            for name in names {
                ids.push(assignable(db, repo, name).await?);
            }
            Some(ids)
        }
        None => None,
    };
    let notes = match &body {
        Some(body) => Some(resolve_notes(db, repo, actor, body).await?),
        None => None,
    };
    let me = Some(AccountId::from(actor.id));
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    // Touching the issue first locks its row until the commit (PostgreSQL)
    // or takes the write lock (SQLite), so concurrent edits of one issue
    // queue, and each works from the values the previous one left (the
    // caller's copy may be old: counters follow the stored milestone and
    // state, not that copy's).
    let current = sqlx::query(
        "UPDATE issues SET updated_at = $1 WHERE id = $2 RETURNING title, body, is_locked, milestone_id",
    )
    .bind(now)
    .bind(issue.id.0)
    .fetch_one(&mut *tx)
    .await?;
    let issue = &Issue {
        title: current.try_get("title")?,
        body: current.try_get("body")?,
        locked: current.try_get::<i64, _>("is_locked")? != 0,
        milestone_id: current
            .try_get::<Option<i64>, _>("milestone_id")?
            .map(MilestoneId),
        ..issue.clone()
    };
    if let Some(title) = title.filter(|t| *t != issue.title) {
        sqlx::query("UPDATE issues SET title = $1 WHERE id = $2")
            .bind(&title)
            .bind(issue.id.0)
            .execute(&mut *tx)
            .await?;
        timeline::record(
            &mut tx,
            issue.id,
            NewEvent {
                kind: kind::RENAMED,
                actor: me,
                old_value: Some(&issue.title),
                new_value: Some(&title),
                ..Default::default()
            },
            now,
        )
        .await?;
    }
    if let Some(body) = body.filter(|b| *b != issue.body) {
        sqlx::query("UPDATE issues SET body = $1 WHERE id = $2")
            .bind(&body)
            .bind(issue.id.0)
            .execute(&mut *tx)
            .await?;
        if let Some(notes) = &notes {
            record_notes(&mut tx, actor, issue.id, notes, now).await?;
        }
        let (kind, on) = (outbox::kind::ISSUE_EDITED, Some(issue.id));
        let payload = serde_json::json!({"field": "body"});
        outbox::record_change(&mut tx, kind, actor.id, repo.id, on, payload).await?;
    }
    if let Some(state) = changes.state {
        set_state_tx(&mut tx, issue, state, me, None, now).await?;
    }
    if let Some(locked) = changes.locked.filter(|l| *l != issue.locked) {
        sqlx::query("UPDATE issues SET is_locked = $1 WHERE id = $2")
            .bind(i64::from(locked))
            .bind(issue.id.0)
            .execute(&mut *tx)
            .await?;
        let event = if locked { kind::LOCKED } else { kind::UNLOCKED };
        timeline::record(
            &mut tx,
            issue.id,
            NewEvent {
                kind: event,
                actor: me,
                ..Default::default()
            },
            now,
        )
        .await?;
    }
    if let Some(milestone) = changes.milestone.filter(|m| *m != issue.milestone_id) {
        let closed = sqlx::query("SELECT is_closed FROM issues WHERE id = $1")
            .bind(issue.id.0)
            .fetch_one(&mut *tx)
            .await?
            .try_get::<i64, _>("is_closed")?
            != 0;
        if let Some(old) = issue.milestone_id {
            adjust_milestone(&mut tx, old, closed, -1).await?;
        }
        if let Some(new) = milestone {
            adjust_milestone(&mut tx, new, closed, 1).await?;
        }
        sqlx::query("UPDATE issues SET milestone_id = $1 WHERE id = $2")
            .bind(milestone.map(|m| m.0))
            .bind(issue.id.0)
            .execute(&mut *tx)
            .await?;
        let event = match milestone {
            Some(new) => NewEvent {
                kind: kind::MILESTONED,
                actor: me,
                milestone: Some(new),
                ..Default::default()
            },
            None => NewEvent {
                kind: kind::DEMILESTONED,
                actor: me,
                milestone: issue.milestone_id,
                ..Default::default()
            },
        };
        timeline::record(&mut tx, issue.id, event, now).await?;
    }
    if let Some(wanted) = assignees {
        let current = assignee_ids(&mut tx, issue.id).await?;
        for user in current.iter().filter(|u| !wanted.contains(u)) {
            sqlx::query("DELETE FROM issue_assignees WHERE issue_id = $1 AND user_id = $2")
                .bind(issue.id.0)
                .bind(user.0)
                .execute(&mut *tx)
                .await?;
            timeline::record(
                &mut tx,
                issue.id,
                NewEvent {
                    kind: kind::UNASSIGNED,
                    actor: me,
                    subject: Some((*user).into()),
                    ..Default::default()
                },
                now,
            )
            .await?;
        }
        for user in wanted.iter().filter(|u| !current.contains(u)) {
            add_assignee_tx(&mut tx, issue.id, *user, me, now).await?;
        }
    }
    refresh_search(&mut tx, issue.id).await?;
    tx.commit().await?;
    get(db, repo.id, issue.number)
        .await?
        .ok_or_else(|| Error::Internal("an edited issue vanished".into()))
}
