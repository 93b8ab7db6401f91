//! What notifications cost as they grow: the time to record one event
//! whose repository has 1,000 watchers (the notifications consumer's
//! transaction, which writes every watcher's thread and their e-mail
//! messages), and the inbox of a user with 10,000 threads (the page through
//! the router, first and deep by its cursor, and the API's first and a deep
//! page). Goal: under 20 ms for the pages. SQLite, and PostgreSQL too when
//! `FORGE_TEST_DATABASE_URL` is set. The data is written with set-based SQL.
//! Prints one table; never fails on a figure.

#![allow(clippy::unwrap_used)] // A benchmark that cannot set up has nothing to say.

use forge_core::issue::NewIssue;
use forge_core::notification::deliver;
use forge_core::repo::NewRepo;
use forge_core::{Db, comment, consumer, testing};
use forge_tests::{Browser, TestForge};
use std::time::{Duration, Instant};

const WATCHERS: i64 = 1_000;
const THREADS: i64 = 10_000;
const RUNS: usize = 30;

struct Row {
    what: String,
    median: Duration,
    p99: Duration,
    /// Whether the row has the 20 ms goal.
    goal: bool,
}

fn stats(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let p99 = samples[(samples.len() * 99 / 100).min(samples.len() - 1)];
    (samples[samples.len() / 2], p99)
}

/// 1,000 users watching `repo`, and 10,000 issues in `inbox_repo`, each a
/// thread of `reader`'s inbox (a third of them read).
const SEED: [&str; 5] = [
    "INSERT INTO accounts (name, kind, full_name, created_at) \
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) \
     SELECT 'watcher' || n.i, 'user', '', 1700000000000 FROM n",
    "INSERT INTO users (id, email, password_hash, is_admin, email_verified_at) \
     SELECT id, name || '@example.org', NULL, 0, 1700000000000 FROM accounts \
     WHERE name LIKE 'watcher%'",
    "INSERT INTO repo_watches (user_id, repo_id, mode, created_at) \
     SELECT a.id, r.id, 'all', 1700000000000 FROM accounts a, repositories r \
     WHERE a.name LIKE 'watcher%' AND r.name = 'watched'",
    "INSERT INTO issues (repo_id, number, title, body, author_id, is_closed, search_text, \
         created_at, updated_at) \
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) \
     SELECT r.id, n.i, 'Issue number ' || n.i, '', r.owner_id, 0, 'issue number ' || n.i, \
         1700000000000 + n.i, 1700000000000 + n.i \
     FROM n, repositories r WHERE r.name = 'busy'",
    "INSERT INTO notifications (user_id, issue_id, repo_id, reason, last_event_id, last_kind, \
         last_actor_id, is_read, created_at, updated_at) \
     SELECT u.id, i.id, i.repo_id, 'watching', 0, 'opened', i.author_id, \
         CASE WHEN i.number % 3 = 0 THEN 1 ELSE 0 END, i.created_at, i.created_at \
     FROM issues i JOIN repositories r ON r.id = i.repo_id AND r.name = 'busy', \
         accounts u WHERE u.name = 'reader'",
];

async fn bench(label: &str, db: Db) -> Vec<Row> {
    let forge = TestForge::start_with(db, forge_tests::default_config()).await;
    let owner = forge.user("owner", false).await;
    let (_, token) = forge.user_with_token("reader", false).await;
    let mut repos = Vec::new();
    for name in ["watched", "busy"] {
        let repo = forge_core::repo::create(
            &forge.db,
            &owner,
            "owner",
            NewRepo {
                name: name.into(),
                ..NewRepo::default()
            },
            async |_| Ok(()),
        )
        .await
        .unwrap();
        repos.push(repo);
    }
    let started = Instant::now();
    for statement in SEED {
        testing::execute(&forge.db, statement).await;
    }
    testing::execute(
        &forge.db,
        "UPDATE repositories SET issue_seq = 10000, open_issues = 10000 WHERE name = 'busy'",
    )
    .await;
    if forge.engine() == forge_core::Engine::Postgres {
        // What autovacuum does after a bulk load in production: the planner
        // gets the tables' statistics.
        testing::execute(&forge.db, "ANALYZE").await;
    }
    eprintln!(
        "{label}: seeded {WATCHERS} watchers and {THREADS} threads in {:.1?}",
        started.elapsed()
    );
    let mut rows = Vec::new();

    // The fan-out: one comment's event, 1,000 watchers' threads and
    // messages, in the consumer's transaction.
    consumer::position(&forge.db, deliver::CONSUMER, consumer::Start::Now)
        .await
        .unwrap();
    let watched = &repos[0];
    let issue = forge_core::issue::create(
        &forge.db,
        &owner,
        watched,
        NewIssue {
            title: "Fan-out".into(),
            ..NewIssue::default()
        },
    )
    .await
    .unwrap();
    deliver::run(&forge.db).await.unwrap();
    let mut samples = Vec::with_capacity(RUNS);
    for run in 0..RUNS {
        comment::create(
            &forge.db,
            &owner,
            watched,
            &issue,
            &format!("Comment {run}"),
        )
        .await
        .unwrap();
        let started = Instant::now();
        let handled = deliver::run(&forge.db).await.unwrap();
        samples.push(started.elapsed());
        assert_eq!(handled, 1);
    }
    let told = testing::numbers(
        &forge.db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM notifications n \
         JOIN issues i ON i.id = n.issue_id WHERE i.title = 'Fan-out'",
    )
    .await[0];
    assert_eq!(told, WATCHERS);
    let (median, p99) = stats(samples);
    rows.push(Row {
        what: format!("{label}: record one event, {WATCHERS} watchers (threads and e-mail)"),
        median,
        p99,
        goal: false,
    });

    // The inbox of 10,000 threads.
    let mut browser = Browser::new(&forge, "en");
    browser.sign_in("reader").await;
    let deep = testing::numbers(
        &forge.db,
        "SELECT n.updated_at FROM notifications n JOIN accounts a ON a.id = n.user_id \
         WHERE a.name = 'reader' AND n.is_read = 0 ORDER BY n.updated_at LIMIT 1 OFFSET 50",
    )
    .await[0];
    let deep_id = testing::numbers(
        &forge.db,
        "SELECT n.id FROM notifications n JOIN accounts a ON a.id = n.user_id \
         WHERE a.name = 'reader' AND n.is_read = 0 ORDER BY n.updated_at LIMIT 1 OFFSET 50",
    )
    .await[0];
    let pages = [
        ("inbox page, first (unread)", "/notifications".to_string()),
        (
            "inbox page, deep by cursor (last unread)",
            format!("/notifications?after={deep}.{deep_id}"),
        ),
        ("inbox page, all tab", "/notifications?tab=all".to_string()),
    ];
    for (what, path) in pages {
        let mut samples = Vec::with_capacity(RUNS);
        for run in 0..RUNS + 3 {
            let started = Instant::now();
            let page = browser.get(&path).await;
            assert!(page.status.is_success(), "{path}: {}", page.status);
            assert!(page.contains("Issue number"));
            if run >= 3 {
                samples.push(started.elapsed());
            }
        }
        let (median, p99) = stats(samples);
        rows.push(Row {
            what: format!("{label}: {what}, {THREADS} threads"),
            median,
            p99,
            goal: true,
        });
    }
    let client = forge_tests::http();
    let api = [
        ("notifications API, first", "/api/v1/notifications?limit=50"),
        (
            "notifications API, page 100 of 50",
            "/api/v1/notifications?limit=50&page=100",
        ),
    ];
    for (what, path) in api {
        let mut samples = Vec::with_capacity(RUNS);
        for run in 0..RUNS + 3 {
            let started = Instant::now();
            let response = client
                .get(forge.at(path))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            let status = response.status();
            let _ = response.bytes().await.unwrap();
            assert!(status.is_success(), "{path}: {status}");
            if run >= 3 {
                samples.push(started.elapsed());
            }
        }
        let (median, p99) = stats(samples);
        rows.push(Row {
            what: format!("{label}: {what}, {THREADS} threads"),
            median,
            p99,
            goal: true,
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
    println!("| figure | median | p99 | goal | met? |");
    println!("| --- | --- | --- | --- | --- |");
    for row in rows {
        let (goal, met) = if row.goal {
            let met = if row.median < Duration::from_millis(20) {
                "yes"
            } else {
                "no"
            };
            ("< 20 ms", met)
        } else {
            ("—", "—")
        };
        println!(
            "| {} | {:.1} ms | {:.1} ms | {goal} | {met} |",
            row.what,
            row.median.as_secs_f64() * 1000.0,
            row.p99.as_secs_f64() * 1000.0
        );
    }
}
