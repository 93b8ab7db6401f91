//! What background work waits for, per queue: how many items, and since
//! when the oldest waits. Background jobs read it after each round and
//! keep the figures in memory for `/metrics`, so a scrape never scans a
//! table.

use crate::db::Db;
use crate::error::Result;
use crate::outbox::Position;
use sqlx::Row;

/// The items a queue holds and the creation time of its oldest one (unix
/// milliseconds), `None` when it is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Backlog {
    pub items: i64,
    pub oldest_at: Option<i64>,
}

async fn of_query<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    db: &Db,
) -> Result<Backlog> {
    let row = query.fetch_one(db.pool()).await?;
    Ok(Backlog {
        items: row.try_get("items")?,
        oldest_at: row.try_get("oldest_at")?,
    })
}

/// The events consumer `name` has not handled yet; nothing for a consumer
/// that never ran (it starts where the log ends).
pub async fn outbox_consumer(db: &Db, name: &str) -> Result<Backlog> {
    let row = sqlx::query("SELECT position FROM outbox_consumers WHERE name = $1")
        .bind(name)
        .fetch_optional(db.pool())
        .await?;
    let Some(row) = row else {
        return Ok(Backlog::default());
    };
    let text: String = row.try_get("position")?;
    let position = Position::decode(&text).unwrap_or(Position::START);
    of_query(
        sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS items, MIN(created_at) AS oldest_at FROM events \
             WHERE txid > $1 OR (txid = $1 AND id > $2)",
        )
        .bind(position.txid())
        .bind(position.id()),
        db,
    )
    .await
}

/// Pushes whose consequences are not recorded yet (live ones included).
pub async fn push_journal(db: &Db) -> Result<Backlog> {
    of_query(
        sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS items, MIN(created_at) AS oldest_at FROM push_journal",
        ),
        db,
    )
    .await
}

/// Webhook deliveries still to be attempted (retries included).
pub async fn webhook_deliveries(db: &Db) -> Result<Backlog> {
    of_query(
        sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS items, MIN(created_at) AS oldest_at \
             FROM webhook_deliveries WHERE state = 'pending'",
        ),
        db,
    )
    .await
}

/// Notification e-mail still to be sent (retries included).
pub async fn mail_messages(db: &Db) -> Result<Backlog> {
    of_query(
        sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS items, MIN(created_at) AS oldest_at \
             FROM mail_messages WHERE state = 'pending'",
        ),
        db,
    )
    .await
}
