//! The mentions and cross-references a text makes: looked up before a
//! transaction, recorded in it.

use crate::db::Db;
use crate::error::Result;
use crate::ids::{IssueId, RepoId, UserId};
use crate::repo::{self, Access, Repo};
use crate::timeline::{self, NewEvent, Tx, kind};
use crate::user::User;
use crate::{refs, user};
use sqlx::Row;

/// What a text refers to: `@mentions` of existing users and issues (in
/// this repository, or `owner/repo#N` ones the actor may read).
///
/// It is looked up before the transaction that records it: lookups through
/// the pool while a transaction holds the write lock (SQLite) or the
/// repository's row (PostgreSQL) would wait for connections held by the
/// writers queued behind it, and time out.
#[derive(Debug, Default)]
pub(crate) struct Notes {
    mentioned: Vec<UserId>,
    /// `(repository, number)` of each issue referred to.
    referenced: Vec<(RepoId, i64)>,
}

pub(crate) async fn resolve_notes(db: &Db, repo: &Repo, actor: &User, text: &str) -> Result<Notes> {
    let mut notes = Notes::default();
    for name in refs::mentions(text) {
        if let Some(mentioned) = user::by_name(db, &name).await? {
            notes.mentioned.push(mentioned.id);
        }
    }
    for reference in refs::issue_refs(text) {
        let target_repo = match &reference.repo {
            None => repo.id,
            Some((owner, name)) => match repo::find(db, owner, name).await? {
                Some(other) if repo::access(db, Some(actor), &other).await? >= Access::Read => {
                    other.id
                }
                _ => continue,
            },
        };
        notes.referenced.push((target_repo, reference.number));
    }
    Ok(notes)
}

/// Records the mentions and cross-references of `notes`, made in `issue`.
/// An issue cross-references another once: editing the text, or saying it
/// again in a comment, adds no event.
pub(crate) async fn record_notes(
    tx: &mut Tx<'_>,
    actor: &User,
    issue: IssueId,
    notes: &Notes,
    now: i64,
) -> Result<()> {
    for user_id in &notes.mentioned {
        sqlx::query(
            "INSERT INTO issue_mentions (issue_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(issue.0)
        .bind(user_id.0)
        .execute(&mut **tx)
        .await?;
    }
    for (repo, number) in &notes.referenced {
        let target = sqlx::query("SELECT id FROM issues WHERE repo_id = $1 AND number = $2")
            .bind(repo.0)
            .bind(number)
            .fetch_optional(&mut **tx)
            .await?;
        let Some(target) = target else {
            continue;
        };
        let target = IssueId(target.try_get("id")?);
        if target == issue {
            continue;
        }
        let known = sqlx::query(
            "SELECT 1 AS known FROM issue_events WHERE issue_id = $1 AND kind = $2 AND ref_issue_id = $3",
        )
        .bind(target.0)
        .bind(kind::CROSS_REFERENCED)
        .bind(issue.0)
        .fetch_optional(&mut **tx)
        .await?;
        if known.is_none() {
            timeline::record(
                tx,
                target,
                NewEvent {
                    kind: kind::CROSS_REFERENCED,
                    actor: Some(actor.id.into()),
                    ref_issue: Some(issue),
                    ..Default::default()
                },
                now,
            )
            .await?;
        }
    }
    Ok(())
}
