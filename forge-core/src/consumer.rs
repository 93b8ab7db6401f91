//! Consumers of the outbox: the parts of the forge that act on events
//! (notifications, e-mail, webhooks), each reading the log in order from a
//! position of its own, kept in the database.
//!
//! [`consume`] hands a consumer the events after its position, a batch at
//! a time, inside one transaction that also moves the position past the
//! batch. What a consumer writes because of an event (a notification, a
//! message or a delivery to send) is therefore written exactly once: a
//! crash rolls the batch back and it is handled again; two processes that
//! both believe they run the consumer cannot both move the position from
//! the same place, and the loser's work is rolled back.

use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::outbox::{self, Event, Position, Tx};
use sqlx::Row;

/// Where a consumer seen for the first time starts reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// From the first event ever recorded.
    Beginning,
    /// From the events recorded after it first runs: a new consumer does
    /// not act on history (nobody wants an e-mail for every issue of the
    /// last three years).
    Now,
}

/// The position of consumer `name`, registering it at `start` when new.
pub async fn position(db: &Db, name: &str, start: Start) -> Result<Position> {
    if let Some(position) = stored_position(db, name).await? {
        return Ok(position);
    }
    let initial = match start {
        Start::Beginning => Position::START,
        Start::Now => outbox::end(db).await?,
    };
    sqlx::query(
        "INSERT INTO outbox_consumers (name, position, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(initial.encode())
    .bind(now_ms())
    .execute(db.pool())
    .await?;
    // Another process may have registered it first, at its own end.
    stored_position(db, name)
        .await?
        .ok_or_else(|| Error::Internal(format!("the consumer {name} vanished")))
}

async fn stored_position(db: &Db, name: &str) -> Result<Option<Position>> {
    let row = sqlx::query("SELECT position FROM outbox_consumers WHERE name = $1")
        .bind(name)
        .fetch_optional(db.pool())
        .await?;
    match row {
        None => Ok(None),
        Some(row) => {
            let text: String = row.try_get("position")?;
            Position::decode(&text).map(Some).ok_or_else(|| {
                Error::Internal(format!("the consumer {name} has a bad position {text:?}"))
            })
        }
    }
}

/// Hands the events after consumer `name`'s position to `handle`, in order,
/// `batch` at a time, each batch in one transaction that also moves the
/// position past it. Stops when the log has nothing more to read now, or
/// when another process handled the same events first. Returns how many
/// events this call handled.
///
/// `handle` writes what the event causes through the transaction it is
/// given, and nothing else: anything it does outside it (a network call)
/// would happen again if the batch were rolled back.
pub async fn consume<F>(
    db: &Db,
    name: &str,
    start: Start,
    batch: i64,
    mut handle: F,
) -> Result<usize>
where
    F: AsyncFnMut(&mut Tx<'_>, &Event) -> Result<()>,
{
    let mut handled = 0;
    loop {
        let from = position(db, name, start).await?;
        let events = outbox::read_after(db, from, batch).await?;
        let Some(last) = events.last() else {
            return Ok(handled);
        };
        let to = last.position;
        let mut tx = db.pool().begin().await?;
        // Compare and set, first: only the position this batch starts from
        // may be moved. Writing first also takes the row (PostgreSQL) or
        // the writer lock (SQLite) for the whole batch, so a concurrent run
        // of the same consumer waits here, then finds the position moved.
        let moved = sqlx::query(
            "UPDATE outbox_consumers SET position = $1, updated_at = $2 \
             WHERE name = $3 AND position = $4",
        )
        .bind(to.encode())
        .bind(now_ms())
        .bind(name)
        .bind(from.encode())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved == 0 {
            tx.rollback().await?;
            tracing::info!(
                consumer = name,
                "another process handled these events first"
            );
            return Ok(handled);
        }
        for event in &events {
            handle(&mut tx, event).await?;
        }
        tx.commit().await?;
        handled += events.len();
        if events.len() < usize::try_from(batch).unwrap_or(usize::MAX) {
            return Ok(handled);
        }
    }
}
