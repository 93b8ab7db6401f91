//! Notifications: each user's inbox, one thread per issue, unread until
//! they read it and unread again at the issue's next event.
//!
//! Threads are written only by the "notifications" consumer of the outbox
//! ([`deliver`]); who watches what is in [`watch`]. A thread is shown only
//! to its user, and only while they may still read its repository: another
//! user's thread is "not found".

pub mod deliver;
pub mod digest;
pub mod mail;
pub mod reminder;
pub mod verify;
pub mod watch;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{IssueId, NotificationId, RepoId};
use crate::user::User;
use sqlx::Row;

/// Which threads a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Unread,
    Read,
    All,
}

/// One thread of a user's inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: NotificationId,
    pub repo_id: RepoId,
    pub repo_owner: String,
    pub repo_name: String,
    pub repo_private: bool,
    pub issue_id: IssueId,
    pub issue_number: i64,
    pub issue_title: String,
    pub issue_closed: bool,
    /// Why the user hears of it: `mention`, `assigned`, `author`,
    /// `commenter`, `subscribed`, `funding`, `watching`.
    pub reason: String,
    /// The timeline kind of the last event (`commented`, `funded`, …).
    pub last_kind: String,
    pub last_actor: Option<String>,
    pub unread: bool,
    pub updated_at: i64,
}

/// The threads a user may see: theirs, in repositories they may still read.
macro_rules! select_threads {
    ($filter:literal) => {
        concat!(
            "SELECT n.id, n.repo_id, o.name AS repo_owner, r.name AS repo_name, \
             r.is_private, n.issue_id, i.number, i.title, i.is_closed, n.reason, n.last_kind, \
             a.name AS last_actor, n.is_read, n.updated_at \
             FROM notifications n \
             JOIN issues i ON i.id = n.issue_id \
             JOIN repositories r ON r.id = n.repo_id \
             JOIN accounts o ON o.id = r.owner_id \
             LEFT JOIN accounts a ON a.id = n.last_actor_id \
             WHERE n.user_id = $1 \
             AND (r.is_private = 0 OR $2 = 1 OR r.owner_id = $1 OR EXISTS (SELECT 1 FROM \
                 org_members om WHERE om.org_id = r.owner_id AND om.user_id = $1)) ",
            $filter
        )
    };
}

fn thread(row: &sqlx::any::AnyRow) -> Result<Notification> {
    Ok(Notification {
        id: NotificationId(row.try_get("id")?),
        repo_id: RepoId(row.try_get("repo_id")?),
        repo_owner: row.try_get("repo_owner")?,
        repo_name: row.try_get("repo_name")?,
        repo_private: row.try_get::<i64, _>("is_private")? != 0,
        issue_id: IssueId(row.try_get("issue_id")?),
        issue_number: row.try_get("number")?,
        issue_title: row.try_get("title")?,
        issue_closed: row.try_get::<i64, _>("is_closed")? != 0,
        reason: row.try_get("reason")?,
        last_kind: row.try_get("last_kind")?,
        last_actor: row.try_get("last_actor")?,
        unread: row.try_get::<i64, _>("is_read")? == 0,
        updated_at: row.try_get("updated_at")?,
    })
}

fn admin_flag(user: &User) -> i64 {
    i64::from(user.is_admin)
}

/// The most threads one page shows.
pub const MAX_PAGE: i64 = 100;

/// Where a page of the inbox starts: just after this thread (the last of
/// the previous page), in the inbox's order (newest update first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub updated_at: i64,
    pub id: NotificationId,
}

impl Cursor {
    /// The cursor after `thread`.
    pub fn after(thread: &Notification) -> Cursor {
        Cursor {
            updated_at: thread.updated_at,
            id: thread.id,
        }
    }

    /// The cursor in a link: `UPDATED.ID`.
    pub fn to_param(self) -> String {
        format!("{}.{}", self.updated_at, self.id.0)
    }

    /// Reads a link's cursor; `None` when it is not one.
    pub fn parse(text: &str) -> Option<Cursor> {
        let (updated_at, id) = text.split_once('.')?;
        Some(Cursor {
            updated_at: updated_at.parse().ok()?,
            id: NotificationId(id.parse().ok()?),
        })
    }
}

/// A page of `user`'s threads, newest first: `limit` threads after
/// `after` (by keyset: the index seeks to the cursor, so a far page costs
/// what the first does), skipping `offset` more for clients that count
/// pages (the API's `page`).
pub async fn list(
    db: &Db,
    user: &User,
    status: Status,
    after: Option<Cursor>,
    offset: i64,
    limit: i64,
) -> Result<Vec<Notification>> {
    let limit = limit.clamp(1, MAX_PAGE);
    let offset = offset.max(0);
    let query = match status {
        Status::Unread => sqlx::query(select_threads!(
            "AND n.is_read = 0 AND (n.updated_at, n.id) < ($3, $4) \
             ORDER BY n.updated_at DESC, n.id DESC LIMIT $5 OFFSET $6"
        )),
        Status::Read => sqlx::query(select_threads!(
            "AND n.is_read = 1 AND (n.updated_at, n.id) < ($3, $4) \
             ORDER BY n.updated_at DESC, n.id DESC LIMIT $5 OFFSET $6"
        )),
        Status::All => sqlx::query(select_threads!(
            "AND (n.updated_at, n.id) < ($3, $4) \
             ORDER BY n.updated_at DESC, n.id DESC LIMIT $5 OFFSET $6"
        )),
    };
    let (updated_at, id) = after.map_or((i64::MAX, i64::MAX), |c| (c.updated_at, c.id.0));
    let rows = query
        .bind(user.id.0)
        .bind(admin_flag(user))
        .bind(updated_at)
        .bind(id)
        .bind(limit)
        .bind(offset)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(thread).collect()
}

/// How many threads of `status` `user` has (for paging).
pub async fn count(db: &Db, user: &User, status: Status) -> Result<i64> {
    let query = match status {
        Status::Unread => {
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM notifications \
                           WHERE user_id = $1 AND is_read = 0"
        }
        Status::Read => {
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM notifications \
                         WHERE user_id = $1 AND is_read = 1"
        }
        Status::All => {
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM notifications \
                        WHERE user_id = $1"
        }
    };
    let row = sqlx::query(query)
        .bind(user.id.0)
        .fetch_one(db.pool())
        .await?;
    Ok(row.try_get("n")?)
}

/// The unread count of the page header: one index range count.
pub async fn unread_count(db: &Db, user: &User) -> Result<i64> {
    count(db, user, Status::Unread).await
}

/// One of `user`'s threads; another user's is "not found".
pub async fn get(db: &Db, user: &User, id: NotificationId) -> Result<Notification> {
    let row = sqlx::query(select_threads!("AND n.id = $3"))
        .bind(user.id.0)
        .bind(admin_flag(user))
        .bind(id.0)
        .fetch_optional(db.pool())
        .await?;
    match row {
        Some(row) => thread(&row),
        None => Err(Error::not_found("error-notification-not-found")),
    }
}

/// Marks one of `user`'s threads read or unread; another user's is "not
/// found".
pub async fn mark(db: &Db, user: &User, id: NotificationId, read: bool) -> Result<Notification> {
    let done = sqlx::query("UPDATE notifications SET is_read = $1 WHERE id = $2 AND user_id = $3")
        .bind(i64::from(read))
        .bind(id.0)
        .bind(user.id.0)
        .execute(db.pool())
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::not_found("error-notification-not-found"));
    }
    get(db, user, id).await
}

/// Marks every thread of `user` updated at or before `before` read;
/// returns how many changed.
pub async fn mark_all_read(db: &Db, user: &User, before: i64) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE notifications SET is_read = 1 WHERE user_id = $1 AND is_read = 0 AND updated_at <= $2",
    )
    .bind(user.id.0)
    .bind(before)
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected())
}

/// Marks `user`'s thread of one issue read, when they open the issue.
pub async fn mark_issue_read(db: &Db, user: &User, issue: IssueId) -> Result<()> {
    sqlx::query(
        "UPDATE notifications SET is_read = 1 WHERE user_id = $1 AND issue_id = $2 AND is_read = 0",
    )
    .bind(user.id.0)
    .bind(issue.0)
    .execute(db.pool())
    .await?;
    Ok(())
}
