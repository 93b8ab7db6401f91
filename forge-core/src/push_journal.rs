//! The push journal: pushes whose consequences are not recorded yet.
//!
//! A push is journalled before git may move any ref (the transport holds
//! back the end of the ref-update commands until the row is committed), and
//! its row is deleted in the transaction that records the push. So when a
//! process dies between git moving a ref and the forge recording what that
//! means (issues closed by "Fixes #1", the default branch, the push event),
//! the row remains; once its lease has lapsed, any process claims it and
//! finishes the work. Everything a push causes can be applied twice
//! without effect, so finishing twice is harmless.

use crate::clock::now_ms;
use crate::db::Db;
use crate::error::Result;
use crate::ids::{AccountId, PushJournalId, RepoId, SshKeyId, UserId};
use crate::outbox::{self, NewEvent, kind};
use sqlx::Row;

/// One ref-update command of a push: `old` and `new` are 40-hex object
/// ids, all zeros for "none".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub old: String,
    pub new: String,
    pub name: String,
}

/// The repository's deploy key a push was made with (such a push has no
/// user): its id and its title when it pushed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployKeyPusher {
    pub id: SshKeyId,
    pub title: String,
}

/// A journalled push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: PushJournalId,
    pub repo: RepoId,
    pub pusher: Option<UserId>,
    pub deploy_key: Option<DeployKeyPusher>,
    pub commands: Vec<Command>,
    pub created_at: i64,
}

fn encode(commands: &[Command]) -> String {
    commands
        .iter()
        .map(|c| format!("{} {} {}\n", c.old, c.new, c.name))
        .collect()
}

/// Ref names hold no space nor newline (git refuses them), so one command
/// per line, three fields split at the first two spaces, reads back.
fn decode(text: &str) -> Vec<Command> {
    text.lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, ' ');
            Some(Command {
                old: parts.next()?.to_string(),
                new: parts.next()?.to_string(),
                name: parts.next()?.to_string(),
            })
        })
        .collect()
}

/// Journals a push about to happen, by a user or with a deploy key; the
/// caller holds its lease until `lease_until` and renews it while the push
/// runs.
pub async fn open(
    db: &Db,
    repo: RepoId,
    pusher: Option<UserId>,
    deploy_key: Option<&DeployKeyPusher>,
    commands: &[Command],
    lease_until: i64,
) -> Result<PushJournalId> {
    let row = sqlx::query(
        "INSERT INTO push_journal (repo_id, pusher_id, deploy_key_id, deploy_key_title, \
         commands, created_at, lease_until) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(repo.0)
    .bind(pusher.map(|u| u.0))
    .bind(deploy_key.map(|k| k.id.0))
    .bind(deploy_key.map(|k| k.title.clone()))
    .bind(encode(commands))
    .bind(now_ms())
    .bind(lease_until)
    .fetch_one(db.pool())
    .await?;
    Ok(PushJournalId(row.try_get("id")?))
}

/// Extends the lease of a push still running.
pub async fn renew(db: &Db, id: PushJournalId, lease_until: i64) -> Result<()> {
    sqlx::query("UPDATE push_journal SET lease_until = $1 WHERE id = $2")
        .bind(lease_until)
        .bind(id.0)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Claims up to `limit` pushes whose lease lapsed before `now` (their
/// process died), each until `lease_until`. A push another process claimed
/// first is left to it.
pub async fn claim_lapsed(db: &Db, now: i64, lease_until: i64, limit: i64) -> Result<Vec<Entry>> {
    let rows = sqlx::query(
        "SELECT id, repo_id, pusher_id, deploy_key_id, deploy_key_title, commands, created_at, \
         lease_until FROM push_journal WHERE lease_until < $1 ORDER BY id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    let mut claimed = Vec::new();
    for row in rows {
        let id: i64 = row.try_get("id")?;
        let seen: i64 = row.try_get("lease_until")?;
        // Compare-and-set on the lease seen: of several processes reading
        // the same lapsed row, one wins.
        let won = sqlx::query(
            "UPDATE push_journal SET lease_until = $1 WHERE id = $2 AND lease_until = $3",
        )
        .bind(lease_until)
        .bind(id)
        .bind(seen)
        .execute(db.pool())
        .await?
        .rows_affected()
            > 0;
        if won {
            claimed.push(entry_from_row(&row)?);
        }
    }
    Ok(claimed)
}

/// What a push did, as recorded when its consequences are applied.
#[derive(Debug, Clone)]
pub struct Recorded<'a> {
    pub repo: RepoId,
    /// The journal row to close, if the push was journalled.
    pub journal: Option<PushJournalId>,
    pub pusher: Option<UserId>,
    /// The branch the push chose as default (the first push into an empty
    /// repository), if any.
    pub default_branch: Option<&'a str>,
    /// The push event's payload; `None` when no ref moved.
    pub event: Option<serde_json::Value>,
}

/// Records a finished push in one transaction: the repository's update
/// time and default branch, the `push` event, and the journal row closed.
/// Returns `false`, recording nothing, when the journal row was already
/// closed: another process finished the same push first, and the push
/// event must be told once.
pub async fn finish(db: &Db, push: Recorded<'_>) -> Result<bool> {
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    if let Some(journal) = push.journal {
        let closed = sqlx::query("DELETE FROM push_journal WHERE id = $1")
            .bind(journal.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if closed == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
    }
    if let Some(event) = push.event {
        match push.default_branch {
            Some(branch) => {
                sqlx::query(
                    "UPDATE repositories SET updated_at = $1, default_branch = $2 WHERE id = $3",
                )
                .bind(now)
                .bind(branch)
                .bind(push.repo.0)
                .execute(&mut *tx)
                .await?
            }
            None => {
                sqlx::query("UPDATE repositories SET updated_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(push.repo.0)
                    .execute(&mut *tx)
                    .await?
            }
        };
        outbox::record(
            &mut tx,
            NewEvent {
                kind: kind::PUSH,
                actor: push.pusher.map(AccountId::from),
                repo: Some(push.repo),
                issue: None,
                payload: event,
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// The journalled pushes of a repository still open, oldest first (for
/// tests and the operator's checks).
pub async fn pending(db: &Db, repo: RepoId) -> Result<Vec<Entry>> {
    let rows = sqlx::query(
        "SELECT id, repo_id, pusher_id, deploy_key_id, deploy_key_title, commands, created_at \
         FROM push_journal WHERE repo_id = $1 ORDER BY id",
    )
    .bind(repo.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(entry_from_row).collect()
}

fn entry_from_row(row: &sqlx::any::AnyRow) -> Result<Entry> {
    let commands: String = row.try_get("commands")?;
    let key_id: Option<i64> = row.try_get("deploy_key_id")?;
    let key_title: Option<String> = row.try_get("deploy_key_title")?;
    Ok(Entry {
        id: PushJournalId(row.try_get("id")?),
        repo: RepoId(row.try_get("repo_id")?),
        pusher: row.try_get::<Option<i64>, _>("pusher_id")?.map(UserId),
        deploy_key: key_id.map(|id| DeployKeyPusher {
            id: SshKeyId(id),
            title: key_title.unwrap_or_default(),
        }),
        commands: decode(&commands),
        created_at: row.try_get("created_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_read_back_as_written() {
        let commands = vec![
            Command {
                old: "0".repeat(40),
                new: "a".repeat(40),
                name: "refs/heads/main".into(),
            },
            Command {
                old: "b".repeat(40),
                new: "0".repeat(40),
                name: "refs/tags/v1.0".into(),
            },
        ];
        assert_eq!(decode(&encode(&commands)), commands);
        assert_eq!(decode(""), Vec::new());
        assert_eq!(decode("garbage\n"), Vec::new());
    }
}
