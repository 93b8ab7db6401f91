//! The server killed (SIGKILL) in the middle of a storm of pledges: after a
//! restart every acknowledged pledge is there, and `forge admin verify`
//! finds the database whole, the ledger balanced and agreeing with every
//! figure, the counters right and the repositories whole.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

mod support;

use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use support::{Server, forge, temp_dir};

const ORGS: usize = 40;

async fn story(database_url: Option<String>) {
    let data_dir = temp_dir();
    let url = database_url.as_deref();
    let output = forge(&data_dir, url)
        .args([
            "admin",
            "create-user",
            "--username",
            "root",
            "--email",
            "root@example.org",
            "--password",
            "root password 123",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let mut server = Server::start(&data_dir, url);
    let client = reqwest::Client::new();
    let token = support::token_of(&server.url, "root", "root password 123", "storm").await;
    let call = |method: reqwest::Method, path: &str, body: Value| {
        client
            .request(method, format!("{}/api/v1{path}", server.url))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let response = call(reqwest::Method::POST, "/user/repos", json!({"name": "app"}))
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let response = call(
        reqwest::Method::POST,
        "/repos/root/app/issues",
        json!({"title": "Export to ODS"}),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 201);
    let response = call(
        reqwest::Method::PUT,
        "/repos/root/app/issues/1/funding",
        json!({
            "budget_minor": 1_000_000,
            "currency": "EUR",
            "deadline": "2099-01-01T00:00:00Z",
            "acceptance": "It exports, with tests.",
            "min_funders": 1000,
        }),
    )
    .await
    .unwrap();
    assert!(
        response.status().is_success(),
        "{}",
        response.text().await.unwrap()
    );
    for i in 0..ORGS {
        let response = call(
            reqwest::Method::POST,
            "/orgs",
            json!({"username": format!("coop-{i}")}),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), 201);
    }

    // The storm: every organisation pledges at once; the server dies once
    // a few pledges were answered.
    let answered = Arc::new(AtomicUsize::new(0));
    let mut storm = tokio::task::JoinSet::new();
    for i in 0..ORGS {
        let request = client
            .post(format!(
                "{}/api/v1/repos/root/app/issues/1/funding/pledges",
                server.url
            ))
            .bearer_auth(&token)
            .json(
                &json!({"org": format!("coop-{i}"), "amount_minor": 1000 + i, "currency": "EUR"}),
            );
        let answered = answered.clone();
        storm.spawn(async move {
            match request.send().await {
                Ok(response) if response.status() == 201 => {
                    answered.fetch_add(1, Ordering::SeqCst);
                    Some(format!("coop-{i}"))
                }
                _ => None,
            }
        });
    }
    while answered.load(Ordering::SeqCst) < 5 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let acknowledged: Vec<String> = storm.join_all().await.into_iter().flatten().collect();
    assert!(acknowledged.len() >= 5);
    drop(server);

    // After a restart: every acknowledged pledge is there, and every check
    // passes.
    let server = Server::start(&data_dir, url);
    let goal: Value = client
        .get(format!(
            "{}/api/v1/repos/root/app/issues/1/funding",
            server.url
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pledged: Vec<&str> = goal["pledges"]
        .as_array()
        .unwrap_or_else(|| panic!("no pledges in {goal}"))
        .iter()
        .map(|p| p["org"].as_str().unwrap_or_default())
        .collect();
    for org in &acknowledged {
        assert!(pledged.contains(&org.as_str()), "{org} lost: {goal}");
    }
    server.stop();
    let output = forge(&data_dir, url)
        .args(["admin", "verify"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::remove_dir_all(&data_dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pledge_storm_survives_the_death_of_its_server_on_sqlite() {
    story(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pledge_storm_survives_the_death_of_its_server_on_postgres() {
    match forge_core::testing::postgres_url().await {
        Some(url) => story(Some(url)).await,
        None => eprintln!("FORGE_TEST_DATABASE_URL is not set: PostgreSQL not tested here"),
    }
}
