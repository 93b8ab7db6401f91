//! Times of the pages whose cost must not grow with the data: the issue list
//! (first and deep keyset pages, with and without filters) on 100,000
//! issues; a goal's funding JSON and its issue page with 1,000 pledges; an
//! organisation's pledges page with 10,000 pledges. Goal: under 20 ms each,
//! deep pages no slower than first pages. Prints one table; never fails on a
//! figure.
//!
//! The data is inserted with set-based SQL (one statement per table), which
//! takes seconds rather than the minutes the domain functions would.

#![allow(clippy::unwrap_used)] // A benchmark that cannot set up has nothing to say.

use forge_core::repo::NewRepo;
use forge_core::{Db, testing};
use forge_tests::TestForge;
use std::time::{Duration, Instant};

const ISSUES: i64 = 100_000;
const RUNS: usize = 30;

async fn seed(forge: &TestForge) {
    let alice = forge.user("alice", true).await;
    forge_core::repo::create(
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
    let db = &forge.db;
    let statements: [&'static str; 13] = [
        // 100,000 issues; every third labelled "bug", every fifth closed.
        "INSERT INTO issues (repo_id, number, title, body, author_id, is_closed, search_text, created_at, updated_at) \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) \
         SELECT (SELECT id FROM repositories WHERE name = 'big'), i, 'Issue number ' || i, 'Body of issue ' || i, \
         (SELECT id FROM accounts WHERE name = 'alice'), CASE WHEN i % 5 = 0 THEN 1 ELSE 0 END, \
         'issue number ' || i, 1700000000000 + i, 1700000000000 + i FROM n",
        "UPDATE repositories SET issue_seq = 100000, open_issues = 80000, closed_issues = 20000 WHERE name = 'big'",
        "INSERT INTO labels (repo_id, name, lower_name, color, description) \
         SELECT id, 'bug', 'bug', '#d73a4a', '' FROM repositories WHERE name = 'big'",
        "INSERT INTO issue_labels (issue_id, label_id) SELECT i.id, (SELECT id FROM labels WHERE name = 'bug') \
         FROM issues i WHERE i.number % 3 = 0",
        // 1,000 organisations, and one more that pledges on 10,000 goals.
        "INSERT INTO accounts (name, kind, full_name, created_at) \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) \
         SELECT 'org' || i, 'org', 'Organisation ' || i, 1700000000000 FROM n",
        "INSERT INTO accounts (name, kind, full_name, created_at) VALUES ('bigorg', 'org', 'Big Organisation', 1700000000000)",
        "INSERT INTO organisations (id, kind) SELECT id, 'association' FROM accounts WHERE kind = 'org'",
        // 10,000 goals on issues 1..10,000; issue 1's goal has 1,000 pledges.
        "INSERT INTO funding_goals (issue_id, repo_id, state, budget_minor, currency, acceptance, deadline_at, review_days, \
         min_funders, created_by, created_at, updated_at) \
         SELECT i.id, i.repo_id, 'open', 100000000000, 'EUR', 'Criteria', 4102444800000, 14, 1, i.author_id, \
         1700000000000, 1700000000000 FROM issues i WHERE i.number <= 10000",
        "INSERT INTO pledges (goal_id, org_id, amount_minor, currency, state, pledged_by, created_at, updated_at) \
         SELECT g.id, a.id, 1000 + a.id, 'EUR', 'active', g.created_by, 1700000000000, 1700000000000 \
         FROM funding_goals g JOIN issues i ON i.id = g.issue_id JOIN accounts a ON a.kind = 'org' AND a.name <> 'bigorg' \
         WHERE i.number = 1",
        "INSERT INTO pledges (goal_id, org_id, amount_minor, currency, state, pledged_by, created_at, updated_at) \
         SELECT g.id, (SELECT id FROM accounts WHERE name = 'bigorg'), 5000, 'EUR', 'active', g.created_by, \
         1700000000000, 1700000000000 FROM funding_goals g",
        "INSERT INTO org_members (org_id, user_id, role, created_at) \
         SELECT a.id, (SELECT id FROM accounts WHERE name = 'alice'), 'owner', 1700000000000 FROM accounts a WHERE a.name = 'bigorg'",
        "SELECT 1",
        // A live database keeps its planner statistics current (PostgreSQL's
        // autovacuum); a database filled a second ago has none yet.
        "ANALYZE",
    ];
    for statement in statements {
        testing::execute(db, statement).await;
    }
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
    seed(&forge).await;
    eprintln!(
        "{label}: seeded {ISSUES} issues, 10,000 goals and 11,000 pledges in {:.1?}",
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
            "/alice/big/issues?labels=bug".to_string(),
        ),
        (
            "issue list page, label filter, deep",
            format!("/alice/big/issues?labels=bug&after={deep}"),
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
            "funding JSON, 1,000 pledges",
            "/api/v1/repos/alice/big/issues/1/funding".to_string(),
        ),
        (
            "issue page with funding panel, 1,000 pledges",
            "/alice/big/issues/1".to_string(),
        ),
        (
            "organisation pledges page, 10,000 pledges",
            "/org/bigorg/pledges".to_string(),
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
