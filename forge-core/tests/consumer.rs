//! Consumers of the outbox act on each event exactly once, in order, on
//! SQLite and PostgreSQL, whatever fails and however many processes run
//! them.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_core::consumer::{self, Start};
use forge_core::outbox::{self, NewEvent};
use forge_core::{Db, Error, testing};
use serde_json::json;
use std::sync::{Arc, Mutex};

async fn record(db: &Db, n: i64) {
    let event = NewEvent {
        kind: "test.numbered",
        actor: None,
        repo: None,
        issue: None,
        payload: json!({"n": n}),
    };
    outbox::record_now(db, event).await.unwrap();
}

fn number(event: &outbox::Event) -> i64 {
    event.payload["n"].as_i64().unwrap()
}

#[tokio::test]
async fn each_event_is_handled_once_in_order_and_a_failed_batch_again() {
    for db in testing::engines().await {
        record(&db, 0).await;
        // A consumer that starts now does not see history; one that starts
        // at the beginning does.
        assert_eq!(
            consumer::position(&db, "late", Start::Now).await.unwrap(),
            outbox::end(&db).await.unwrap()
        );
        for n in 1..=7 {
            record(&db, n).await;
        }
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handled = consumer::consume(&db, "late", Start::Now, 3, async |_tx, event| {
            seen.lock().unwrap().push(number(event));
            Ok(())
        })
        .await
        .unwrap();
        assert_eq!(handled, 7);
        assert_eq!(*seen.lock().unwrap(), [1, 2, 3, 4, 5, 6, 7]);
        let again = consumer::consume(&db, "late", Start::Now, 3, async |_tx, _event| {
            panic!("nothing is left to handle")
        })
        .await
        .unwrap();
        assert_eq!(again, 0);

        // A failure in the middle of a batch rolls the whole batch back;
        // the next call handles it again from its first event.
        let tries = Arc::new(Mutex::new(Vec::new()));
        let failed = consumer::consume(&db, "early", Start::Beginning, 5, async |_tx, event| {
            tries.lock().unwrap().push(number(event));
            if number(event) == 3 {
                return Err(Error::Internal("the handler failed".into()));
            }
            Ok(())
        })
        .await;
        assert!(failed.is_err());
        let seen = Arc::new(Mutex::new(Vec::new()));
        consumer::consume(&db, "early", Start::Beginning, 5, async |_tx, event| {
            seen.lock().unwrap().push(number(event));
            Ok(())
        })
        .await
        .unwrap();
        assert_eq!(*tries.lock().unwrap(), [0, 1, 2, 3]);
        assert_eq!(*seen.lock().unwrap(), [0, 1, 2, 3, 4, 5, 6, 7]);
    }
}

/// What a handler writes in its transaction is there once per event, even
/// when two processes run the same consumer at the same moment.
#[tokio::test]
async fn two_runs_at_once_write_each_effect_once() {
    for db in testing::engines().await {
        testing::execute(&db, "CREATE TABLE effects (n BIGINT NOT NULL)").await;
        for n in 0..40 {
            record(&db, n).await;
        }
        let run = |db: Db| async move {
            consumer::consume(&db, "effects", Start::Beginning, 4, async |tx, event| {
                sqlx::query("INSERT INTO effects (n) VALUES ($1)")
                    .bind(number(event))
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            })
            .await
            .unwrap()
        };
        let (a, b) = tokio::join!(run(db.clone()), run(db.clone()));
        // A run that finds the other ahead of it stops, its batch rolled
        // back: together they handled every event once, and a last run
        // finds nothing left.
        assert_eq!(a + b, 40, "{a} + {b}");
        assert_eq!(run(db.clone()).await, 0);
        let numbers = testing::numbers(&db, "SELECT n FROM effects ORDER BY n").await;
        assert_eq!(numbers, (0..40).collect::<Vec<i64>>());
    }
}
