//! The delay from an issue comment to its webhook's arrival on loopback:
//! the comment is posted through the API, the receiver (an HTTP server on
//! 127.0.0.1) notes when its request arrives; the figure is from the end of
//! the API's answer to that arrival. Goal: under 200 ms. The forge's
//! background jobs run in this process, as in `forge serve`; SQLite, and
//! PostgreSQL too when `FORGE_TEST_DATABASE_URL` is set. Prints one table;
//! never fails on a figure.

#![allow(clippy::unwrap_used)] // A benchmark that cannot set up has nothing to say.

use axum::extract::State;
use forge_core::testing;
use forge_service::background::Background;
use forge_service::webhooks::Settings;
use forge_tests::{TestForge, default_config, http};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const RUNS: usize = 50;

type Arrivals = Arc<Mutex<Vec<Instant>>>;

async fn receive(State(arrivals): State<Arrivals>) -> &'static str {
    arrivals.lock().unwrap().push(Instant::now());
    "ok"
}

async fn figure(db: forge_core::Db) -> (Duration, Duration) {
    let arrivals: Arrivals = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(arrivals.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let mut settings = Settings::default();
    settings.addresses.allow_private = true;
    let forge = TestForge::start_with(
        db,
        forge_web::WebConfig {
            webhooks: settings.clone(),
            ..default_config()
        },
    )
    .await;
    let jobs = Background::start(forge_service::Forge::with_webhooks(
        forge.db.clone(),
        forge.storage.clone(),
        Settings {
            base_url: forge.url.clone(),
            ..settings
        },
    ));
    let (_, token) = forge.user_with_token("alice", false).await;
    let client = http();
    let post = |path: &str, body: serde_json::Value| {
        client
            .post(forge.at(path))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    post("/api/v1/user/repos", json!({"name": "app"}))
        .await
        .unwrap();
    post(
        "/api/v1/repos/alice/app/hooks",
        json!({"type": "gitea", "config": {"url": hook_url, "content_type": "json", "secret": "s"},
               "events": ["issue_comment"], "active": true}),
    )
    .await
    .unwrap();
    post("/api/v1/repos/alice/app/issues", json!({"title": "Timing"}))
        .await
        .unwrap();
    let mut samples = Vec::with_capacity(RUNS);
    for run in 0..RUNS {
        let response = post(
            "/api/v1/repos/alice/app/issues/1/comments",
            json!({"body": format!("Comment {run}")}),
        )
        .await
        .unwrap();
        assert!(response.status().is_success());
        let answered = Instant::now();
        let deadline = answered + Duration::from_secs(30);
        loop {
            if let Some(arrived) = arrivals.lock().unwrap().get(run).copied() {
                samples.push(arrived.saturating_duration_since(answered));
                break;
            }
            assert!(Instant::now() < deadline, "the webhook never arrived");
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
    }
    jobs.stop().await;
    samples.sort();
    let p99 = samples[(samples.len() * 99 / 100).min(samples.len() - 1)];
    (samples[samples.len() / 2], p99)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut rows = Vec::new();
    for db in testing::engines().await {
        let engine = format!("{:?}", db.engine());
        rows.push((engine, figure(db).await));
    }
    println!("| figure | median | p99 | goal | met? |");
    println!("| --- | --- | --- | --- | --- |");
    for (engine, (median, p99)) in rows {
        let met = if median < Duration::from_millis(200) {
            "yes"
        } else {
            "no"
        };
        println!(
            "| issue comment to webhook arrival, loopback, {engine} | {:.1} ms | {:.1} ms | < 200 ms | {met} |",
            median.as_secs_f64() * 1000.0,
            p99.as_secs_f64() * 1000.0
        );
    }
}
