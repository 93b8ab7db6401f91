//! The outbox: one row per domain event, written in the transaction of the
//! change it describes.
//!
//! Whatever must learn that something happened (notifications, e-mail,
//! feeds, webhooks) reads these rows in order from a position it keeps,
//! instead of being told in memory: an event is recorded if and only if its
//! change committed, and a crash loses neither.
//!
//! Kinds are dotted names. Every event of an issue's timeline is recorded
//! as `issue.KIND` by [`crate::timeline::record`] (`issue.opened`,
//! `issue.closed`, `issue.commented`, `issue.labeled`, `issue.pledged`,
//! `issue.funded`, …, the timeline's kinds, funding's included); the rest
//! are named in [`kind`].
//!
//! # Reading in order
//!
//! Ids alone would not do on PostgreSQL: a transaction may take id 10, a
//! second one id 11 and commit first, and a reader that saw 11 would skip
//! 10 for ever. Each row therefore also stores the id of the transaction
//! that wrote it, and readers take only rows of transactions older than
//! the oldest one still running, in (transaction, id) order: that part of
//! the log can no longer change. SQLite writes one transaction at a time,
//! so ids follow commit order there and the transaction column stays 0.
//!
//! Transaction ids belong to the PostgreSQL cluster, not the database:
//! writers in other databases of the cluster are left out of the reading
//! horizon where the forge's role may see them, and hold readers back
//! (they wait; they never skip) where it may not.

use crate::clock::now_ms;
use crate::db::{Db, Engine};
use crate::error::{Error, Result};
use crate::ids::{AccountId, EventId, IssueId, RepoId};
use serde_json::Value;
use sqlx::Row;
use std::sync::LazyLock;
use tokio::sync::Notify;

pub type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

/// Kinds of events that are not in an issue's timeline.
pub mod kind {
    /// A repository was created; payload `{owner, name, private}`.
    pub const REPO_CREATED: &str = "repo.created";
    /// A repository's settings changed; payload `{description, private,
    /// default_branch}` after the change.
    pub const REPO_UPDATED: &str = "repo.updated";
    /// A repository's topics changed; payload `{topics}` after the change.
    pub const REPO_TOPICS: &str = "repo.topics";
    /// A repository was deleted; payload `{owner, name}`.
    pub const REPO_DELETED: &str = "repo.deleted";
    /// Refs moved; payload `{pusher, refs: [{name, old, new}], commits:
    /// [{id, message, author_name, author_email, time}], commit_count}`, the
    /// newest commits first and at most [`super::MAX_PUSH_COMMITS`] of them.
    pub const PUSH: &str = "push";
    /// A label was created, changed or deleted; payload `{label, name}`.
    pub const LABEL_CREATED: &str = "label.created";
    pub const LABEL_UPDATED: &str = "label.updated";
    pub const LABEL_DELETED: &str = "label.deleted";
    /// A milestone was created, changed (title, due date, state) or
    /// deleted; payload `{milestone, title}` (and `closed` on updates).
    pub const MILESTONE_CREATED: &str = "milestone.created";
    pub const MILESTONE_UPDATED: &str = "milestone.updated";
    pub const MILESTONE_DELETED: &str = "milestone.deleted";
    /// An issue's description changed; payload `{field: "body"}`. (New
    /// titles are `issue.renamed`, from the timeline.)
    pub const ISSUE_EDITED: &str = "issue.edited";
    /// A comment's text changed, or it was deleted; payload `{comment}`.
    /// (New comments are `issue.commented`.)
    pub const COMMENT_EDITED: &str = "comment.edited";
    pub const COMMENT_DELETED: &str = "comment.deleted";
    /// A maintainer hid or showed a comment; payload `{comment, hidden}`.
    pub const COMMENT_HIDDEN: &str = "comment.hidden";
    /// An organisation was created; payload `{name}`.
    pub const ORG_CREATED: &str = "org.created";
    /// A member was added, or their role changed; payload `{org, member,
    /// role}`. Removed: `{org, member}`.
    pub const ORG_MEMBER_SET: &str = "org.member_set";
    pub const ORG_MEMBER_REMOVED: &str = "org.member_removed";
    /// An account's payee details were recorded or changed; payload
    /// `{account}` (the details themselves are not in the log).
    pub const PAYEE_UPDATED: &str = "payee.updated";
    /// A user's SSH key was added or removed; payload `{key, user,
    /// fingerprint}`.
    pub const SSH_KEY_ADDED: &str = "ssh_key.added";
    pub const SSH_KEY_REMOVED: &str = "ssh_key.removed";
    /// A repository's deploy key was added (payload `{key, fingerprint,
    /// read_only}`) or removed (`{key, fingerprint}`).
    pub const DEPLOY_KEY_ADDED: &str = "deploy_key.added";
    pub const DEPLOY_KEY_REMOVED: &str = "deploy_key.removed";
    /// A repository was forked; payload `{parent, owner, name, private}`
    /// (the event's repository is the new fork).
    pub const REPO_FORKED: &str = "repo.forked";
    /// A pull request was opened; payload `{number, head_repo, head_branch,
    /// base_branch, head_commit}` (the event's issue is the pull request's).
    pub const PULL_OPENED: &str = "pull_request.opened";
    /// A pull request was closed or reopened without being merged; payload
    /// `{number}`.
    pub const PULL_CLOSED: &str = "pull_request.closed";
    pub const PULL_REOPENED: &str = "pull_request.reopened";
    /// Its head branch moved: payload `{number, before, after}`.
    pub const PULL_SYNCHRONIZED: &str = "pull_request.synchronized";
    /// It was merged; payload `{number, style, merged_commit, base_branch}`.
    pub const PULL_MERGED: &str = "pull_request.merged";
    /// A review was given; payload `{number, review_id, state, commit_id}`.
    pub const PULL_REVIEWED: &str = "pull_request.reviewed";
    /// A comment on a line of its diff (a new conversation, or a reply when
    /// `reply_to` is set); payload `{number, comment_id, review_id,
    /// reply_to, path, side, line, commit_id}`.
    pub const PULL_REVIEW_COMMENTED: &str = "pull_request.review_comment";
    /// A line comment was edited or deleted; payload `{number, comment_id}`.
    pub const PULL_REVIEW_COMMENT_EDITED: &str = "pull_request.review_comment_edited";
    pub const PULL_REVIEW_COMMENT_DELETED: &str = "pull_request.review_comment_deleted";
    /// A conversation was resolved or unresolved; payload `{number,
    /// comment_id}` (its first comment).
    pub const PULL_CONVERSATION_RESOLVED: &str = "pull_request.conversation_resolved";
    pub const PULL_CONVERSATION_UNRESOLVED: &str = "pull_request.conversation_unresolved";
    /// A review was dismissed; payload `{number, review_id}`.
    pub const PULL_REVIEW_DISMISSED: &str = "pull_request.review_dismissed";
    /// A commit status was posted; payload `{sha, state, context,
    /// target_url}`.
    pub const COMMIT_STATUS: &str = "commit_status";
    /// A branch protection rule was added, changed or removed; payload
    /// `{rule_name}` (and the rule's settings, but for a removal).
    pub const BRANCH_PROTECTION_SET: &str = "branch_protection.set";
    pub const BRANCH_PROTECTION_DELETED: &str = "branch_protection.deleted";
}

/// How many commits a push event lists; `commit_count` says how many the
/// push brought.
pub const MAX_PUSH_COMMITS: usize = 20;

/// An event to record.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub kind: &'a str,
    pub actor: Option<AccountId>,
    pub repo: Option<RepoId>,
    pub issue: Option<IssueId>,
    /// What a consumer needs beyond the ids: a JSON object.
    pub payload: Value,
}

/// Where a reader stands in the log: everything up to and including this
/// position has been read. Opaque to readers, which only store it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    txid: i64,
    id: i64,
}

impl Position {
    /// Before the first event.
    pub const START: Position = Position { txid: 0, id: 0 };

    /// The transaction id part of the position.
    pub fn txid(&self) -> i64 {
        self.txid
    }

    /// The event id part of the position.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// The position as one string, for storing it (`TXID.ID`).
    pub fn encode(&self) -> String {
        format!("{}.{}", self.txid, self.id)
    }

    pub fn decode(text: &str) -> Option<Position> {
        let (txid, id) = text.split_once('.')?;
        Some(Position {
            txid: txid.parse().ok()?,
            id: id.parse().ok()?,
        })
    }
}

/// A recorded event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: EventId,
    pub position: Position,
    pub kind: String,
    pub actor: Option<AccountId>,
    pub repo: Option<RepoId>,
    pub issue: Option<IssueId>,
    pub payload: Value,
    pub created_at: i64,
}

/// Rung whenever this process records an event, for the consumers running
/// in it: a hint to look at the log sooner than their next round, never a
/// message (the event is not committed yet when it rings, and events of
/// other processes do not ring it).
static RECORDED: LazyLock<Notify> = LazyLock::new(Notify::new);

/// Resolves after this process records an event (see [`RECORDED`]).
pub async fn recorded() {
    RECORDED.notified().await;
}

fn payload_text(payload: &Value) -> Result<String> {
    serde_json::to_string(payload)
        .map_err(|e| Error::Internal(format!("an event's payload does not serialise: {e}")))
}

/// Records `event` in the transaction of the change it describes.
pub async fn record(tx: &mut Tx<'_>, event: NewEvent<'_>, at: i64) -> Result<EventId> {
    let payload = payload_text(&event.payload)?;
    let row = sqlx::query(
        "INSERT INTO events (kind, actor_id, repo_id, issue_id, payload, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(event.kind)
    .bind(event.actor.map(|a| a.0))
    .bind(event.repo.map(|r| r.0))
    .bind(event.issue.map(|i| i.0))
    .bind(payload)
    .bind(at)
    .fetch_one(&mut **tx)
    .await?;
    RECORDED.notify_one();
    Ok(EventId(row.try_get("id")?))
}

/// Records an event of an issue's timeline; the repository is the
/// issue's.
pub(crate) async fn record_for_issue(
    tx: &mut Tx<'_>,
    issue: IssueId,
    kind: &str,
    actor: Option<AccountId>,
    payload: Value,
    at: i64,
) -> Result<EventId> {
    let payload = payload_text(&payload)?;
    let row = sqlx::query(
        "INSERT INTO events (kind, actor_id, repo_id, issue_id, payload, created_at) \
         SELECT $1, $2, repo_id, id, $3, $4 FROM issues WHERE id = $5 RETURNING id",
    )
    .bind(kind)
    .bind(actor.map(|a| a.0))
    .bind(payload)
    .bind(at)
    .bind(issue.0)
    .fetch_one(&mut **tx)
    .await?;
    RECORDED.notify_one();
    Ok(EventId(row.try_get("id")?))
}

/// Records a change to a repository (or to one of its issues, `issue`)
/// made by `actor`, now.
pub async fn record_change(
    tx: &mut Tx<'_>,
    kind: &str,
    actor: impl Into<AccountId>,
    repo: RepoId,
    issue: Option<IssueId>,
    payload: Value,
) -> Result<EventId> {
    let event = NewEvent {
        kind,
        actor: Some(actor.into()),
        repo: Some(repo),
        issue,
        payload,
    };
    record(tx, event, now_ms()).await
}

/// Records `event` in a transaction of its own, for changes that are one
/// statement of their own elsewhere.
pub async fn record_now(db: &Db, event: NewEvent<'_>) -> Result<EventId> {
    let mut tx = db.pool().begin().await?;
    let id = record(&mut tx, event, now_ms()).await?;
    tx.commit().await?;
    Ok(id)
}

/// The first transaction whose events may still change: on SQLite, none;
/// on PostgreSQL, the oldest transaction of the snapshot still running,
/// leaving out those known never to write here (sessions of another
/// database of the cluster, and the server's own workers such as
/// autovacuum, whose ANALYZE holds a transaction id for a while), or, when
/// none runs, the first transaction id not yet given out.
///
/// `pg_stat_activity` shows which database a transaction runs in only for
/// sessions the forge's role may see; the others count, which can only
/// make readers wait, never skip. Its transaction ids are 32 bits wide,
/// hence the comparison modulo 2³².
const POSTGRES_HORIZON: &str = "\
    WITH snapshot AS (SELECT pg_current_snapshot() AS s) \
    SELECT COALESCE( \
        (SELECT MIN(CAST(CAST(x AS TEXT) AS BIGINT)) \
         FROM snapshot, pg_snapshot_xip(snapshot.s) AS x \
         WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a \
             WHERE (a.datname IS DISTINCT FROM current_database() \
                    OR a.backend_type <> 'client backend') \
             AND a.backend_xid IS NOT NULL \
             AND CAST(CAST(a.backend_xid AS TEXT) AS BIGINT) = MOD(CAST(CAST(x AS TEXT) AS BIGINT), 4294967296))), \
        (SELECT CAST(CAST(pg_snapshot_xmax(snapshot.s) AS TEXT) AS BIGINT) FROM snapshot) \
    ) AS horizon";

async fn horizon(db: &Db) -> Result<i64> {
    match db.engine() {
        Engine::Sqlite => Ok(i64::MAX),
        Engine::Postgres => Ok(sqlx::query(POSTGRES_HORIZON)
            .fetch_one(db.pool())
            .await?
            .try_get("horizon")?),
    }
}

/// Up to `limit` events after `after`, in order. An event whose
/// transaction may still commit is not returned yet, nor anything after it.
pub async fn read_after(db: &Db, after: Position, limit: i64) -> Result<Vec<Event>> {
    let horizon = horizon(db).await?;
    let rows = sqlx::query(
        "SELECT id, txid, kind, actor_id, repo_id, issue_id, payload, created_at FROM events \
         WHERE (txid > $1 OR (txid = $1 AND id > $2)) AND txid < $3 \
         ORDER BY txid, id LIMIT $4",
    )
    .bind(after.txid)
    .bind(after.id)
    .bind(horizon)
    .bind(limit.clamp(1, 1000))
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(event_of_row).collect()
}

/// Event `id`, for a consumer that acts on it later (a webhook's payload
/// is built when it is first sent).
pub async fn get(db: &Db, id: EventId) -> Result<Option<Event>> {
    let row = sqlx::query(
        "SELECT id, txid, kind, actor_id, repo_id, issue_id, payload, created_at FROM events WHERE id = $1",
    )
    .bind(id.0)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(event_of_row).transpose()
}

fn event_of_row(row: &sqlx::any::AnyRow) -> Result<Event> {
    let payload: String = row.try_get("payload")?;
    Ok(Event {
        id: EventId(row.try_get("id")?),
        position: Position {
            txid: row.try_get("txid")?,
            id: row.try_get("id")?,
        },
        kind: row.try_get("kind")?,
        actor: row.try_get::<Option<i64>, _>("actor_id")?.map(AccountId),
        repo: row.try_get::<Option<i64>, _>("repo_id")?.map(RepoId),
        issue: row.try_get::<Option<i64>, _>("issue_id")?.map(IssueId),
        payload: serde_json::from_str(&payload)
            .map_err(|e| Error::Internal(format!("a stored event's payload is not JSON: {e}")))?,
        created_at: row.try_get("created_at")?,
    })
}

/// The position after the last event readable now: where a new consumer
/// starts when it wants only what happens from now on.
pub async fn end(db: &Db) -> Result<Position> {
    let horizon = horizon(db).await?;
    let row = sqlx::query(
        "SELECT txid, id FROM events WHERE txid < $1 ORDER BY txid DESC, id DESC LIMIT 1",
    )
    .bind(horizon)
    .fetch_optional(db.pool())
    .await?;
    match row {
        Some(row) => Ok(Position {
            txid: row.try_get("txid")?,
            id: row.try_get("id")?,
        }),
        None => Ok(Position::START),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;
    use serde_json::json;

    fn event(kind: &str) -> NewEvent<'_> {
        NewEvent {
            kind,
            actor: None,
            repo: None,
            issue: None,
            payload: json!({"n": 1}),
        }
    }

    fn kinds(events: &[Event]) -> Vec<&str> {
        events.iter().map(|e| e.kind.as_str()).collect()
    }

    #[tokio::test]
    async fn events_appear_when_their_transaction_commits_and_never_when_it_rolls_back() {
        for db in testing::engines().await {
            assert_eq!(end(&db).await.unwrap(), Position::START);
            record_now(&db, event("a")).await.unwrap();
            let mut tx = db.pool().begin().await.unwrap();
            record(&mut tx, event("lost"), now_ms()).await.unwrap();
            tx.rollback().await.unwrap();
            record_now(&db, event("b")).await.unwrap();
            let all = read_after(&db, Position::START, 10).await.unwrap();
            assert_eq!(kinds(&all), ["a", "b"]);
            assert_eq!(all[0].payload, json!({"n": 1}));
            assert_eq!(end(&db).await.unwrap(), all[1].position);
            let rest = read_after(&db, all[0].position, 10).await.unwrap();
            assert_eq!(kinds(&rest), ["b"]);
            assert!(
                read_after(&db, all[1].position, 10)
                    .await
                    .unwrap()
                    .is_empty()
            );
        }
    }

    /// A transaction left open in another database of the cluster writes
    /// no event here: readers do not wait for it.
    #[tokio::test]
    async fn writers_in_other_databases_do_not_hold_readers_back() {
        let (Some(ours), Some(theirs)) =
            (testing::postgres_url().await, testing::postgres_url().await)
        else {
            return;
        };
        let db = Db::connect(&ours).await.unwrap();
        crate::migrations::migrate(&db).await.unwrap();
        let other = Db::connect(&theirs).await.unwrap();
        crate::migrations::migrate(&other).await.unwrap();
        let mut elsewhere = other.pool().begin().await.unwrap();
        record(&mut elsewhere, event("elsewhere"), now_ms())
            .await
            .unwrap();
        record_now(&db, event("here")).await.unwrap();
        let all = read_after(&db, Position::START, 10).await.unwrap();
        assert_eq!(kinds(&all), ["here"]);
        elsewhere.rollback().await.unwrap();
        db.close().await;
        other.close().await;
    }

    /// On PostgreSQL a transaction may take an id and commit after a later
    /// one: a reader must not skip it.
    #[tokio::test]
    async fn a_reader_never_skips_an_event_that_commits_late() {
        let Some(url) = testing::postgres_url().await else {
            return;
        };
        let db = Db::connect(&url).await.unwrap();
        crate::migrations::migrate(&db).await.unwrap();
        let mut slow = db.pool().begin().await.unwrap();
        record(&mut slow, event("slow"), now_ms()).await.unwrap();
        record_now(&db, event("fast")).await.unwrap();
        // The fast event is committed, but the slow transaction, older,
        // may still commit: nothing can be read past it yet.
        assert!(
            read_after(&db, Position::START, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(end(&db).await.unwrap(), Position::START);
        slow.commit().await.unwrap();
        let all = read_after(&db, Position::START, 10).await.unwrap();
        assert_eq!(kinds(&all), ["slow", "fast"]);
        db.close().await;
    }

    #[test]
    fn positions_round_trip_as_text_and_refuse_garbage() {
        let p = Position { txid: 812, id: 7 };
        assert_eq!(Position::decode(&p.encode()), Some(p));
        assert_eq!(
            Position::decode(&Position::START.encode()),
            Some(Position::START)
        );
        for bad in ["", "1", "a.b", "1.2.3", ".", "1."] {
            assert_eq!(Position::decode(bad), None, "{bad:?}");
        }
        assert!(Position { txid: 1, id: 100 } < Position { txid: 2, id: 1 });
    }
}
