//! A forge on PostgreSQL through database outages, with a real process: a
//! database that refuses connections, then one that refuses writes only.
//! `/-/health` says 503 while it lasts, `/-/ready` follows reads, and the
//! same process is healthy again once the cause is gone.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

mod support;

use serde_json::Value;
use std::time::{Duration, Instant};
use support::{Server, temp_dir};

async fn status_of(client: &reqwest::Client, url: &str) -> (u16, String) {
    let response = client.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// Polls `url` until it answers `expected` (the pool notices a dead
/// connection on its next use), for at most 30 seconds.
async fn until(client: &reqwest::Client, url: &str, expected: u16) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = status_of(client, url).await;
        if status == expected {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "{url} still answers {status} ({body}), not {expected}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn the_forge_reports_and_survives_database_outages_on_postgres() {
    let Some(url) = forge_core::testing::postgres_url().await else {
        eprintln!("FORGE_TEST_DATABASE_URL is not set: PostgreSQL not tested here");
        return;
    };
    let name = url
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let admin =
        forge_core::Db::connect(&std::env::var(forge_core::testing::POSTGRES_URL_VAR).unwrap())
            .await
            .unwrap();
    let cut = format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    );

    let data_dir = temp_dir();
    let server = Server::start(&data_dir, Some(&url));
    let client = reqwest::Client::new();
    let health = format!("{}/-/health", server.url);
    let ready = format!("{}/-/ready", server.url);
    until(&client, &health, 200).await;

    // The database refuses every connection.
    forge_core::testing::execute_built(
        &admin,
        format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"),
    )
    .await;
    forge_core::testing::execute_built(&admin, cut.clone()).await;
    let body: Value = serde_json::from_str(&until(&client, &health, 503).await).unwrap();
    assert_eq!(body["database"], "failing", "{body}");
    assert_eq!(status_of(&client, &ready).await.0, 503);
    let (status, text) = status_of(
        &client,
        &format!(
            "{}/root/app.git/info/refs?service=git-upload-pack",
            server.url
        ),
    )
    .await;
    assert_eq!(status, 503, "{text}");

    // Back: the same process recovers.
    forge_core::testing::execute_built(
        &admin,
        format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"),
    )
    .await;
    until(&client, &health, 200).await;
    assert_eq!(status_of(&client, &ready).await.0, 200);

    // Reads work, writes fail (a read-only database, as a full disk or a
    // standby would give): health says so, ready still serves reads.
    forge_core::testing::execute_built(
        &admin,
        format!("ALTER DATABASE {name} SET default_transaction_read_only = on"),
    )
    .await;
    forge_core::testing::execute_built(&admin, cut.clone()).await;
    let body: Value = serde_json::from_str(&until(&client, &health, 503).await).unwrap();
    assert_eq!(body["database"], "failing", "{body}");
    assert_eq!(body["storage"], "ok", "{body}");
    assert_eq!(status_of(&client, &ready).await.0, 200);

    forge_core::testing::execute_built(
        &admin,
        format!("ALTER DATABASE {name} RESET default_transaction_read_only"),
    )
    .await;
    forge_core::testing::execute_built(&admin, cut).await;
    until(&client, &health, 200).await;

    server.stop();
    admin.close().await;
    std::fs::remove_dir_all(&data_dir).unwrap();
}
