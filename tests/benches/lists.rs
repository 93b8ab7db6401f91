//! Times of the pages whose cost must not grow with the data: the issue list
//! (first and deep keyset pages, with and without filters) on 100,000
//! issues; a goal's funding JSON and its issue page with 1,009 pledges; an
//! organisation's pledges page (1,000 pledges) out of 10,000 pledges on 1,000
//! goals (bench/data/pages.sql). Goal: under 20 ms each, deep pages no
//! slower than first pages. Prints one table; never fails on a figure.

#![allow(clippy::unwrap_used)] // A benchmark that cannot set up has nothing to say.

use forge_core::repo::NewRepo;
use forge_core::{Db, testing};
use forge_tests::TestForge;
use std::time::{Duration, Instant};

const ISSUES: i64 = 100_000;
const RUNS: usize = 30;

/// Fills the database and returns the id of the label "bug", which the
/// issue list page takes as its filter.
async fn seed(forge: &TestForge) -> i64 {
    let alice = forge.user("alice", true).await;
    let repo = forge_core::repo::create(
        &forge.db,
        &alice,
        "alice",
        NewRepo {
            name: "big".into(),
            ..NewRepo::default()
        },
        async |_| Ok(()),
    )
    .await
    .unwrap();
    for statement in seed_statements() {
        testing::execute(&forge.db, statement).await;
    }
    forge_core::label::by_name(&forge.db, repo.id, "bug")
        .await
        .unwrap()
        .expect("the seed creates the label")
        .id
        .0
}

/// The statements of bench/data/pages.sql, which bench/run's `pages` suite
/// also loads, so that both benchmarks measure the same data. Both engines
/// accept the comments left in front of a statement.
fn seed_statements() -> impl Iterator<Item = &'static str> {
    include_str!("../../bench/data/pages.sql")
        .split(';')
        .filter(|piece| {
            piece
                .lines()
                .any(|line| !line.trim().is_empty() && !line.trim_start().starts_with("--"))
        })
}

struct Row {
    what: String,
    median: Duration,
    p99: Duration,
}

async fn time(client: &reqwest::Client, url: &str) -> (Duration, Duration) {
    let mut samples = Vec::with_capacity(RUNS);
    for run in 0..RUNS + 3 {
        let started = Instant::now();
        let response = client.get(url).send().await.unwrap();
        let status = response.status();
        let _ = response.bytes().await.unwrap();
        assert!(status.is_success(), "{url} answered {status}");
        if run >= 3 {
            samples.push(started.elapsed());
        }
    }
    samples.sort();
    let p99 = samples[(samples.len() * 99 / 100).min(samples.len() - 1)];
    (samples[samples.len() / 2], p99)
}

async fn bench(label: &str, db: Db) -> Vec<Row> {
    let forge = TestForge::start_with(db, forge_tests::default_config()).await;
    let started = Instant::now();
    let bug = seed(&forge).await;
    eprintln!(
        "{label}: seeded {ISSUES} issues, 1,000 goals and 10,000 pledges in {:.1?}",
        started.elapsed()
    );
    let client = forge_tests::http();
    let deep = ISSUES - 50 * 30;
    let cases = [
        ("issue list page, first", "/alice/big/issues".to_string()),
        (
            "issue list page, page 50 (keyset)",
            format!("/alice/big/issues?after={deep}"),
        ),
        (
            "issue list page, label filter, first",
            format!("/alice/big/issues?label={bug}"),
        ),
        (
            "issue list page, label filter, deep",
            format!("/alice/big/issues?label={bug}&after={deep}"),
        ),
        (
            "issue list page, search for rare words",
            "/alice/big/issues?q=number+4242".to_string(),
        ),
        (
            "issues API, first",
            "/api/v1/repos/alice/big/issues?limit=30".to_string(),
        ),
        (
            "issues API, page 50",
            format!("/api/v1/repos/alice/big/issues?limit=30&after={deep}"),
        ),
        (
            "issues API, search",
            "/api/v1/repos/alice/big/issues?limit=30&q=number".to_string(),
        ),
        (
            "funding JSON, 1,009 pledges",
            "/api/v1/repos/alice/big/issues/1/funding".to_string(),
        ),
        (
            "issue page with funding panel, 1,009 pledges",
            "/alice/big/issues/1".to_string(),
        ),
        (
            "organisation pledges page, 1,000 pledges",
            "/org/org1/pledges".to_string(),
        ),
    ];
    let mut rows = Vec::new();
    for (what, path) in cases {
        let (median, p99) = time(&client, &forge.at(&path)).await;
        rows.push(Row {
            what: format!("{label}: {what}"),
            median,
            p99,
        });
    }
    rows
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut rows = Vec::new();
    let sqlite = Db::connect(&testing::sqlite_url()).await.unwrap();
    forge_core::migrations::migrate(&sqlite).await.unwrap();
    rows.extend(bench("SQLite", sqlite).await);
    if let Some(url) = testing::postgres_url().await {
        let pg = Db::connect(&url).await.unwrap();
        forge_core::migrations::migrate(&pg).await.unwrap();
        rows.extend(bench("PostgreSQL", pg).await);
    } else {
        eprintln!("FORGE_TEST_DATABASE_URL is not set: PostgreSQL not measured");
    }
    println!("| page | median | p99 | goal | met? |");
    println!("| --- | --- | --- | --- | --- |");
    for row in rows {
        let met = if row.median < Duration::from_millis(20) {
            "yes"
        } else {
            "no"
        };
        println!(
            "| {} | {:.1} ms | {:.1} ms | < 20 ms | {met} |",
            row.what,
            row.median.as_secs_f64() * 1000.0,
            row.p99.as_secs_f64() * 1000.0
        );
    }
}
